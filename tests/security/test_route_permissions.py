"""Every route of the app, asked by everyone: the permission table is complete and enforced.

The cases are built from the app's own URL map and ``PERMISSIONS``, so a new
route is covered the moment it exists: if it has no declared permission the
first test fails; if its check is wrong the table-driven one does.  A few
routes are then spelled out by hand with the exact status they must give,
so the table cannot pass by being uniformly wrong.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from designer.accounts import ROLES as ROLE_LEVELS
from designer.accounts import Permission
from designer.web.access import PERMISSIONS, WEBSOCKETS, permission_for
from designer.web.openapi import build_spec
from tests.security.conftest import MINIMAL_FLOW, ROLES, Person

_ARG = re.compile(r"<(?:(?P<converter>\w+)(?:\([^)]*\))?:)?(?P<name>\w+)>")
MACHINE = ("/api/", "/ws/", "/voice/")
UPGRADE = {
    "Upgrade": "websocket",
    "Connection": "Upgrade",
    "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
    "Sec-WebSocket-Version": "13",
}
SAMPLE_ARGS = {
    "number": "+46700000001",
    "key": "no-such-app",
    "callid": "no-such-call",
    "id": "no-such-session",
    "name": "no-such-user",  # never one of the users the test signs in as
    "token_id": "000000000000",
    "filename": "editor.js",
}


def routes(app: Flask) -> Iterator[tuple[str, str, str]]:
    """(endpoint, METHOD, rule) for everything the app serves."""
    for rule in app.url_map.iter_rules():
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            yield rule.endpoint, method, rule.rule


def concrete(rule: str, flow_id: str) -> str:
    def fill(match: re.Match[str]) -> str:
        if match.group("converter") == "int":
            return "1"
        if match.group("name") == "flow_id":
            return flow_id
        return SAMPLE_ARGS[match.group("name")]

    return _ARG.sub(fill, rule)


def send(client: Any, method: str, path: str, headers: dict[str, str]) -> tuple[int, str]:
    """(status, Location) of one request; the response is closed (file downloads too)."""
    body = {} if method in ("POST", "PUT", "PATCH") else None
    response = client.open(path, method=method, json=body, headers=headers)
    response.close()
    return response.status_code, response.headers.get("Location", "")


def test_every_route_declares_its_permission(secure_app: Flask) -> None:
    missing = sorted({e for e, _m, _r in routes(secure_app) if e not in PERMISSIONS})
    assert not missing, f"add these endpoints to designer.web.access.PERMISSIONS: {missing}"
    stale = sorted(set(PERMISSIONS) - {e for e, _m, _r in routes(secure_app)})
    assert not stale, f"PERMISSIONS names endpoints that no longer exist: {stale}"


def test_only_callbacks_health_login_and_static_files_are_public(secure_app: Flask) -> None:
    public = {e for e, _m, r in routes(secure_app) if permission_for(e) is Permission.PUBLIC}
    prefixes = ("callbacks.", "health.", "login.")
    assert all(e.startswith(prefixes) or e in ("pages.assets", "static") for e in public), public
    assert {e for e, _m, r in routes(secure_app) if r.startswith("/voice/")} <= public


def test_every_route_and_role(secure_app: Flask, people: dict[str, Person], flow_id: str) -> None:
    client = secure_app.test_client()
    failures = []
    cases = 0
    for endpoint, method, rule in sorted(routes(secure_app)):
        needed = PERMISSIONS[endpoint]
        path = concrete(rule, flow_id)
        machine = path.startswith(MACHINE)
        # A public route is tried without credentials: callbacks read an Authorization
        # header as Sinch's signature, and a bearer token is not one.  A websocket cannot
        # be opened through the test client: refusals are checked here (the handshake is
        # refused before any socket is needed), admissions in test_websockets.py.
        roles = (None, *ROLES)
        if needed is Permission.PUBLIC or endpoint in WEBSOCKETS:
            roles = (None,)
        for role in roles:
            headers = people[role].bearer if role else {}
            if endpoint in WEBSOCKETS:
                headers = {**headers, **UPGRADE}
            status, location = send(client, method, path, headers)
            cases += 1
            if needed is Permission.PUBLIC:
                ok = status not in (401, 403)
            elif role is None:
                ok = status == 401 if machine or method != "GET" else (
                    status == 302 and location.startswith("/login")
                )  # fmt: skip
            elif ROLE_LEVELS[role] >= needed:
                ok = status not in (401, 403)
            else:
                ok = status == 403
            ok = ok and status < 500
            if not ok:
                failures.append(f"{method} {path} as {role or 'anonymous'}: {status}")
    assert cases >= 4 * 45
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize(
    ("role", "method", "path", "body", "status"),
    [
        (None, "GET", "/api/nodes", None, 401),
        (None, "GET", "/api/openapi.json", None, 401),
        (None, "GET", "/api/events", None, 401),
        ("viewer", "GET", "/api/flows", None, 200),
        ("viewer", "GET", "/api/events", None, 200),
        ("viewer", "GET", "/api/flows/{flow}", None, 200),
        ("viewer", "POST", "/api/flows/{flow}/validate", None, 200),
        ("viewer", "PUT", "/api/flows/{flow}", MINIMAL_FLOW, 403),
        ("viewer", "POST", "/api/sim/calls", {"flow": "{flow}"}, 403),
        ("editor", "PUT", "/api/flows/{flow}", MINIMAL_FLOW, 200),
        ("editor", "POST", "/api/flows", MINIMAL_FLOW, 201),
        ("editor", "POST", "/api/sim/calls", {"flow": "{flow}"}, 201),
        ("editor", "POST", "/api/flows/{flow}/versions", {"comment": "v1"}, 403),
        ("editor", "PUT", "/api/numbers/+46700000001", {"flow": "{flow}"}, 403),
        ("editor", "POST", "/api/applications", {"key": "app1"}, 403),
        ("publisher", "POST", "/api/flows/{flow}/versions", {"comment": "v1"}, 201),
        ("publisher", "POST", "/api/applications", {"key": "app1"}, 201),
        ("publisher", "GET", "/api/users", None, 403),
        ("admin", "GET", "/api/users", None, 200),
        ("admin", "POST", "/api/users", {"name": "newbie", "role": "viewer"}, 201),
    ],
)
def test_concrete_routes(
    secure_app: Flask,
    people: dict[str, Person],
    flow_id: str,
    role: str | None,
    method: str,
    path: str,
    body: Any,
    status: int,
) -> None:
    client = secure_app.test_client()
    if isinstance(body, dict):
        body = {k: (flow_id if v == "{flow}" else v) for k, v in body.items()}
    headers = people[role].bearer if role else {}
    response = client.open(path.format(flow=flow_id), method=method, json=body, headers=headers)
    assert response.status_code == status, response.get_json()


def test_publishing_records_who_published(
    secure_app: Flask, people: dict[str, Person], flow_id: str
) -> None:
    client = secure_app.test_client()
    response = client.post(
        f"/api/flows/{flow_id}/versions",
        json={"comment": "v1", "publishedBy": "somebody else"},
        headers=people["publisher"].bearer,
    )
    assert response.status_code == 201
    assert response.get_json()["publishedBy"] == "publisher-user"


def test_forbidden_page_is_a_page(secure_app: Flask, people: dict[str, Person]) -> None:
    """A page that needs more than the role has answers HTML, not the API's JSON."""
    from designer.web import access

    access.PERMISSIONS["pages.calls"] = Permission.ADMIN
    try:
        response = secure_app.test_client().get("/calls", headers=people["viewer"].bearer)
    finally:
        access.PERMISSIONS["pages.calls"] = Permission.READ
    assert response.status_code == 403
    assert response.mimetype == "text/html"
    assert "needs the admin role" in response.get_data(as_text=True)


def test_denials_name_the_role_needed(secure_app: Flask, people: dict[str, Person]) -> None:
    response = secure_app.test_client().get("/api/users", headers=people["editor"].bearer)
    error = response.get_json()["error"]
    assert error["code"] == "forbidden"
    assert error["details"] == {"role": "editor", "needs": "admin"}


def test_an_undeclared_endpoint_is_admin_only(
    secure_app: Flask, people: dict[str, Person], caplog: pytest.LogCaptureFixture
) -> None:
    secure_app.add_url_rule("/api/forgotten", "forgotten", lambda: {"ok": True})
    client = secure_app.test_client()
    assert client.get("/api/forgotten", headers=people["publisher"].bearer).status_code == 403
    assert client.get("/api/forgotten", headers=people["admin"].bearer).status_code == 200
    assert "no permission declared for endpoint 'forgotten'" in caplog.text


def test_the_openapi_description_says_who_may_call(secure_app: Flask) -> None:
    with secure_app.app_context():
        spec = build_spec(secure_app)
    publish = spec["paths"]["/api/flows/{flow_id}/versions"]["post"]
    assert publish["x-permission"] == "publisher"
    assert {"401", "403"} <= set(publish["responses"])
    assert publish["security"] == [{"bearerToken": []}, {"sessionCookie": []}]
    assert spec["paths"]["/api/users"]["get"]["x-permission"] == "admin"
    assert set(spec["components"]["securitySchemes"]) == {"bearerToken", "sessionCookie"}
