"""Browser sign-in: the login form, the session cookie, CSRF and cross-site refusals."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from designer import accounts
from designer.web.access import access_state
from tests.security.conftest import (
    MINIMAL_FLOW,
    PASSWORD,
    Clock,
    Person,
    csrf,
    csrf_from,
    login,
)


def _cookie(response: Any) -> str:
    cookies = [v for k, v in response.headers.items() if k == "Set-Cookie"]
    found = [c for c in cookies if c.startswith("designer_session=")]
    assert found, cookies
    return found[-1]


# --- signing in and out ----------------------------------------------------------------


def test_anonymous_pages_lead_to_the_login_form(secure_app: Flask, flow_id: str) -> None:
    client = secure_app.test_client()
    response = client.get(f"/flows/{flow_id}")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/login?next=/flows/{flow_id}"
    form = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'name="password"' in form and f'value="/flows/{flow_id}"' in form


def test_signing_in_leads_back_and_opens_the_pages(
    secure_app: Flask, people: dict[str, Person], flow_id: str
) -> None:
    client = secure_app.test_client()
    response = login(client, "viewer-user", next=f"/flows/{flow_id}")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/flows/{flow_id}"
    page = client.get(f"/flows/{flow_id}")
    assert page.status_code == 200
    me = client.get("/api/me").get_json()
    can = {"read": True, "edit": False, "publish": False, "admin": False}
    # The session's CSRF token too: a page opened before signing in again has an old one.
    assert me == {"user": "viewer-user", "role": "viewer", "auth": "required", "via": "session",
                  "can": can, "csrfToken": csrf_from(page.get_data(as_text=True))}  # fmt: skip


def test_user_names_are_case_insensitive(secure_app: Flask, people: dict[str, Person]) -> None:
    assert login(secure_app.test_client(), "  Editor-User ").status_code == 302


@pytest.mark.parametrize(("name", "password"), [("viewer-user", "wrong password"),
                                                ("nobody", PASSWORD), ("", "")])  # fmt: skip
def test_a_failed_sign_in_says_the_same_whatever_was_wrong(
    secure_app: Flask, people: dict[str, Person], name: str, password: str
) -> None:
    client = secure_app.test_client()
    response = login(client, name, password)
    assert response.status_code == 401
    assert "Wrong user name or password." in response.get_data(as_text=True)
    assert client.get("/api/me").status_code == 401


def test_token_only_users_cannot_sign_in(secure_app: Flask, now: Any) -> None:
    store = access_state(secure_app).store
    accounts.create_user(store, "robot", "editor", None, now)
    assert login(secure_app.test_client(), "robot", "").status_code == 401


def test_the_form_needs_its_csrf_token(secure_app: Flask, people: dict[str, Person]) -> None:
    client = secure_app.test_client()
    client.get("/login")
    data = {"username": "viewer-user", "password": PASSWORD}
    assert client.post("/login", data=data).status_code == 400
    assert client.post("/login", data={**data, "csrf_token": "forged"}).status_code == 400
    assert client.get("/api/me").status_code == 401


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example",
        "javascript:alert(1)",
        "/login",
    ],
)
def test_next_never_leaves_the_site(
    secure_app: Flask, people: dict[str, Person], target: str
) -> None:
    response = login(secure_app.test_client(), "viewer-user", next=target)
    assert response.headers["Location"] == "/"


def test_next_is_escaped_in_the_form(secure_app: Flask) -> None:
    html = secure_app.test_client().get('/login?next=/"><script>alert(1)</script>')
    text = html.get_data(as_text=True)
    assert "<script>alert(1)</script>" not in text
    assert "&lt;script&gt;" in text or 'value="/"' in text


def test_signing_out(signed_in: Callable[[str], FlaskClient]) -> None:
    client = signed_in("viewer")
    page = client.get("/logout").get_data(as_text=True)
    assert client.post("/logout", data={}).status_code == 400  # without the form's token
    response = client.post("/logout", data={"csrf_token": csrf_from(page)})
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert client.get("/api/me").status_code == 401


def test_a_new_session_gets_a_new_csrf_token(secure_app: Flask, people: dict[str, Person]) -> None:
    client = secure_app.test_client()
    client.get("/login")
    before = csrf(client)
    login(client, "viewer-user")
    assert csrf(client) != before


# --- the cookie -------------------------------------------------------------------------------


def test_the_session_cookie_is_httponly_and_samesite_lax(
    secure_app: Flask, people: dict[str, Person]
) -> None:
    cookie = _cookie(login(secure_app.test_client(), "viewer-user"))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # plain http: a Secure cookie would never come back


def test_the_cookie_is_secure_over_https(secure_app: Flask, people: dict[str, Person]) -> None:
    client = secure_app.test_client()
    token = csrf_from(client.get("/login", base_url="https://designer.example").get_data(True))
    response = client.post("/login", base_url="https://designer.example",
                           data={"username": "viewer-user", "password": PASSWORD,
                                 "csrf_token": token})  # fmt: skip
    assert "Secure" in _cookie(response)


@pytest.mark.parametrize(
    ("config", "secure"),
    [
        ({"PUBLIC_URL": "https://ivr.example.com"}, True),
        ({"COOKIE_SECURE": "true"}, True),
        ({"COOKIE_SECURE": "false", "PUBLIC_URL": "https://ivr.example.com"}, False),
    ],
)
def test_the_secure_flag_follows_the_settings(
    make_app: Callable[..., Flask], now: Any, config: dict[str, str], secure: bool
) -> None:
    from tests.security.conftest import add_people

    app = make_app(**config)
    add_people(app, now)
    assert ("Secure" in _cookie(login(app.test_client(), "viewer-user"))) is secure


def test_behind_a_trusted_proxy_https_is_seen(make_app: Callable[..., Flask], now: Any) -> None:
    from tests.security.conftest import add_people

    app = make_app(TRUSTED_PROXIES=1)
    add_people(app, now)
    client = app.test_client()
    headers = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
    token = csrf_from(client.get("/login", headers=headers).get_data(as_text=True))
    response = client.post("/login", headers=headers, data={
        "username": "viewer-user", "password": PASSWORD, "csrf_token": token})  # fmt: skip
    assert "Secure" in _cookie(response)
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


@pytest.mark.parametrize("hours", [12, 1])
def test_sessions_last_session_hours(make_app: Callable[..., Flask], now: Any, hours: int) -> None:
    from email.utils import parsedate_to_datetime

    from tests.security.conftest import add_people

    app = make_app(SESSION_HOURS=hours)
    add_people(app, now)
    cookie = _cookie(login(app.test_client(), "viewer-user"))
    expires = parsedate_to_datetime(cookie.split("Expires=")[1].split(";")[0])
    left = (expires - datetime.now(UTC)).total_seconds() / 3600
    assert hours - 0.1 < left <= hours


def test_changing_a_password_ends_other_sessions(
    secure_app: Flask, people: dict[str, Person], clock: Clock
) -> None:
    first, second = secure_app.test_client(), secure_app.test_client()
    login(first, "editor-user")
    login(second, "editor-user")
    response = first.post(
        "/api/me/password",
        json={"current": PASSWORD, "new": "a brand new passphrase"},
        headers={"X-CSRF-Token": csrf(first)},
    )
    assert response.status_code == 204
    assert first.get("/api/me").status_code == 200  # the session that changed it stays
    assert second.get("/api/me").status_code == 401
    assert (
        login(secure_app.test_client(), "editor-user", "a brand new passphrase").status_code == 302
    )


def test_a_deleted_user_is_signed_out(secure_app: Flask, people: dict[str, Person]) -> None:
    client = secure_app.test_client()
    login(client, "viewer-user")
    admin = people["admin"].bearer
    assert (
        secure_app.test_client().delete("/api/users/viewer-user", headers=admin).status_code == 204
    )
    assert client.get("/api/me").status_code == 401


def test_a_role_change_applies_at_once(
    secure_app: Flask, people: dict[str, Person], flow_id: str
) -> None:
    client = secure_app.test_client()
    login(client, "viewer-user")
    headers = {"X-CSRF-Token": csrf(client)}
    assert (
        client.put(f"/api/flows/{flow_id}", json=MINIMAL_FLOW, headers=headers).status_code == 403
    )
    admin = people["admin"].bearer
    secure_app.test_client().put("/api/users/viewer-user", json={"role": "editor"}, headers=admin)
    assert (
        client.put(f"/api/flows/{flow_id}", json=MINIMAL_FLOW, headers=headers).status_code == 200
    )


# --- CSRF --------------------------------------------------------------------------------------


@pytest.mark.parametrize("header", [None, "", "not-the-token"])
def test_session_writes_without_the_csrf_token_are_refused(
    signed_in: Callable[[str], FlaskClient], flow_id: str, header: str | None
) -> None:
    client = signed_in("editor")
    headers = {} if header is None else {"X-CSRF-Token": header}
    for method, path, body in [
        ("PUT", f"/api/flows/{flow_id}", MINIMAL_FLOW),
        ("POST", "/api/flows", MINIMAL_FLOW),
        ("DELETE", f"/api/flows/{flow_id}", None),
        ("POST", f"/api/flows/{flow_id}/validate", None),
    ]:
        response = client.open(path, method=method, json=body, headers=headers)
        assert response.status_code == 403, (method, path)
        assert response.get_json()["error"]["code"] == "csrf-rejected"
    assert client.get(f"/api/flows/{flow_id}").status_code == 200  # reading needs no token


def test_session_writes_with_the_csrf_token_work(
    signed_in: Callable[[str], FlaskClient], flow_id: str
) -> None:
    client = signed_in("editor")
    page = client.get(f"/flows/{flow_id}").get_data(as_text=True)
    token = csrf(client)
    assert f'<meta name="csrf-token" content="{token}">' in page
    response = client.put(f"/api/flows/{flow_id}", json=MINIMAL_FLOW,
                          headers={"X-CSRF-Token": token})  # fmt: skip
    assert response.status_code == 200


def test_bearer_requests_need_no_csrf_token(
    secure_app: Flask, people: dict[str, Person], flow_id: str
) -> None:
    response = secure_app.test_client().put(
        f"/api/flows/{flow_id}", json=MINIMAL_FLOW, headers=people["editor"].bearer
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
    ],
)
def test_cross_site_writes_are_refused_even_with_the_token(
    signed_in: Callable[[str], FlaskClient], flow_id: str, headers: dict[str, str]
) -> None:
    client = signed_in("editor")
    response = client.put(f"/api/flows/{flow_id}", json=MINIMAL_FLOW,
                          headers={"X-CSRF-Token": csrf(client), **headers})  # fmt: skip
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "csrf-rejected"


def test_same_origin_writes_pass_the_origin_check(
    signed_in: Callable[[str], FlaskClient], flow_id: str
) -> None:
    client = signed_in("editor")
    for extra in ({"Sec-Fetch-Site": "same-origin"}, {"Origin": "http://localhost"}):
        response = client.put(f"/api/flows/{flow_id}", json=MINIMAL_FLOW,
                              headers={"X-CSRF-Token": csrf(client), **extra})  # fmt: skip
        assert response.status_code == 200, extra


def test_cross_site_sign_in_is_refused(secure_app: Flask, people: dict[str, Person]) -> None:
    client = secure_app.test_client()
    token = csrf_from(client.get("/login").get_data(as_text=True))
    response = client.post("/login", headers={"Origin": "https://evil.example"},
                           data={"username": "viewer-user", "password": PASSWORD,
                                 "csrf_token": token})  # fmt: skip
    assert response.status_code == 400
    assert client.get("/api/me").status_code == 401


# --- guessing passwords -------------------------------------------------------------------------


def test_failed_sign_ins_are_rate_limited(make_app: Callable[..., Flask], now: Any) -> None:
    from tests.security.conftest import add_people

    app = make_app(LOGIN_ATTEMPTS_PER_MINUTE=3)
    add_people(app, now)
    client = app.test_client()
    statuses = [login(client, "viewer-user", "guess").status_code for _ in range(4)]
    assert statuses == [401, 401, 401, 429]
    blocked = login(client, "viewer-user")  # even the right password waits now
    assert blocked.status_code == 429
    assert "Too many failed sign-ins" in blocked.get_data(as_text=True)
    other = app.test_client()
    other_address = {"REMOTE_ADDR": "192.0.2.7"}
    token = csrf_from(other.get("/login", environ_base=other_address).get_data(as_text=True))
    response = other.post("/login", environ_base=other_address, data={
        "username": "viewer-user", "password": PASSWORD, "csrf_token": token})  # fmt: skip
    assert response.status_code == 302  # another client is not affected


def test_login_off_needs_no_form(make_app: Callable[..., Flask]) -> None:
    app = make_app(AUTH="off")
    response = app.test_client().get("/login?next=/calls")
    assert response.status_code == 302 and response.headers["Location"] == "/calls"
