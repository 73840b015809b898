"""Security headers on every kind of response, and pages that escape what users wrote."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask

from designer.web.headers import DATA_POLICY, PAGE_POLICY
from tests.security.conftest import MINIMAL_FLOW, Person

XSS = "<script>alert(1)</script>"


def _check_common(response, path: str) -> None:
    headers = response.headers
    assert headers["X-Content-Type-Options"] == "nosniff", path
    assert headers["Referrer-Policy"] == "same-origin", path
    assert headers["X-Frame-Options"] == "DENY", path
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"], path
    assert "Strict-Transport-Security" not in headers, path  # plain http


@pytest.mark.parametrize(
    ("path", "method", "kind"),
    [
        ("/api/flows", "GET", "data"),
        ("/api/no-such-thing", "GET", "data"),
        ("/healthz", "GET", "data"),
        ("/voice/callback", "POST", "data"),
        ("/login", "GET", "page"),
        ("/", "GET", "page"),
        ("/calls", "GET", "page"),
    ],
)
def test_every_response_carries_the_headers(
    secure_app: Flask, people: dict[str, Person], path: str, method: str, kind: str
) -> None:
    response = secure_app.test_client().open(
        path, method=method, headers=people["viewer"].bearer if path != "/voice/callback" else {},
        json={"event": "nonsense"} if method == "POST" else None,
    )  # fmt: skip
    _check_common(response, path)
    policy = response.headers["Content-Security-Policy"]
    if kind == "page":
        assert "script-src 'self'" in policy and "'unsafe-eval'" not in policy
        assert "script-src 'self' 'unsafe-inline'" not in policy
    else:
        assert policy == DATA_POLICY


def test_the_page_policy() -> None:
    directives = dict(d.split(" ", 1) for d in PAGE_POLICY.split("; "))
    assert directives["script-src"] == "'self'"
    assert directives["object-src"] == "'none'" and directives["base-uri"] == "'none'"
    assert directives["connect-src"] == "'self' ws: wss:"  # the live trace websocket


def test_exports_cannot_run_script(make_app: Callable[..., Flask]) -> None:
    """An SVG export opened in the browser is a document: the data policy stops its scripts."""
    client = make_app(AUTH="off").test_client()
    flow = client.post("/api/flows", json={**MINIMAL_FLOW, "name": XSS}).get_json()
    response = client.get(f"/api/flows/{flow['id']}/export?format=dot")
    assert response.headers["Content-Security-Policy"] == DATA_POLICY
    assert response.headers["Content-Disposition"].startswith("attachment")


def test_https_requests_get_hsts(make_app: Callable[..., Flask]) -> None:
    response = make_app(AUTH="off").test_client().get("/healthz", base_url="https://x.example")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"


def test_a_flow_named_like_a_script_is_text_on_every_page(
    make_app: Callable[..., Flask],
) -> None:
    client = make_app(AUTH="off").test_client()
    flow = client.post("/api/flows", json={**MINIMAL_FLOW, "name": XSS}).get_json()
    assert flow["name"] == XSS  # stored as written; escaping is the page's job
    for path in ("/", f"/flows/{flow['id']}", "/calls", f"/flows/{XSS}"):
        html = client.get(path).get_data(as_text=True)
        assert XSS not in html, path
    editor = client.get(f"/flows/{flow['id']}").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in editor


def test_the_login_page_escapes_what_it_echoes(secure_app: Flask) -> None:
    client = secure_app.test_client()
    from tests.security.conftest import csrf_from

    token = csrf_from(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"username": XSS, "password": "x", "csrf_token": token})
    html = response.get_data(as_text=True)
    assert XSS not in html and "&lt;script&gt;" in html
