"""API tokens: ``Authorization: Bearer``, shown once, stored hashed, revocable, expiring."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from designer import accounts
from designer.web.access import access_state
from tests.security.conftest import Clock, Person, csrf


def test_a_token_acts_as_its_user(secure_app: Flask, people: dict[str, Person]) -> None:
    me = secure_app.test_client().get("/api/me", headers=people["publisher"].bearer).get_json()
    assert (me["user"], me["role"], me["via"]) == ("publisher-user", "publisher", "token")
    assert "csrfToken" not in me  # scripts need none, and get no session


@pytest.mark.parametrize(
    "header",
    [
        "Bearer dsg_000000000000_" + "A" * 43,  # well-formed, unknown
        "Bearer not-a-token",
        "Bearer ",
        "Basic dXNlcjpwYXNz",
        "dsg_000000000000_" + "A" * 43,  # no scheme
    ],
)
def test_bad_tokens_are_401_with_a_challenge(secure_app: Flask, header: str) -> None:
    response = secure_app.test_client().get("/api/flows", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="designer"'
    assert response.get_json()["error"]["code"] == "unauthorized"


def test_a_tampered_secret_is_refused(secure_app: Flask, people: dict[str, Person]) -> None:
    token = people["admin"].token
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    response = secure_app.test_client().get(
        "/api/me", headers={"Authorization": f"Bearer {tampered}"}
    )
    assert response.status_code == 401


def test_tokens_expire(secure_app: Flask, people: dict[str, Person], clock: Clock) -> None:
    client = secure_app.test_client()
    made = client.post("/api/tokens", json={"label": "short", "expiresInDays": 1},
                       headers=people["viewer"].bearer)  # fmt: skip
    assert made.status_code == 201
    bearer = {"Authorization": f"Bearer {made.get_json()['token']}"}
    assert client.get("/api/me", headers=bearer).status_code == 200
    clock.advance(days=1)
    assert client.get("/api/me", headers=bearer).status_code == 401


def test_creating_listing_and_revoking(secure_app: Flask, people: dict[str, Person]) -> None:
    client = secure_app.test_client()
    viewer = people["viewer"].bearer
    made = client.post("/api/tokens", json={"label": "notebook"}, headers=viewer)
    assert made.status_code == 201
    body = made.get_json()
    assert body["user"] == "viewer-user" and body["label"] == "notebook"
    assert body["token"].startswith("dsg_")
    listed = client.get("/api/tokens", headers=viewer).get_json()["items"]
    assert {t["id"] for t in listed} >= {body["id"]}
    assert all("token" not in t and "secretHash" not in t for t in listed)  # shown once only
    new = {"Authorization": f"Bearer {body['token']}"}
    assert client.get("/api/me", headers=new).status_code == 200
    assert client.delete(f"/api/tokens/{body['id']}", headers=viewer).status_code == 204
    assert client.get("/api/me", headers=new).status_code == 401


def test_others_tokens_are_out_of_reach(secure_app: Flask, people: dict[str, Person]) -> None:
    client = secure_app.test_client()
    admin_token = client.get("/api/tokens", headers=people["admin"].bearer).get_json()["items"][0]
    editor = people["editor"].bearer
    assert client.delete(f"/api/tokens/{admin_token['id']}", headers=editor).status_code == 404
    assert client.get("/api/tokens?user=admin-user", headers=editor).status_code == 403
    everyone = client.get("/api/tokens?user=*", headers=people["admin"].bearer).get_json()
    assert {t["user"] for t in everyone["items"]} == {f"{r}-user" for r in people}
    mine = client.get("/api/tokens", headers=editor).get_json()["items"]
    assert {t["user"] for t in mine} == {"editor-user"}


def test_last_use_is_recorded(secure_app: Flask, people: dict[str, Person], clock: Clock) -> None:
    store = access_state(secure_app).store
    secure_app.test_client().get("/api/me", headers=people["viewer"].bearer)
    (token,) = store.list_tokens("viewer-user")
    assert token.last_used_at == clock()


def test_deleting_a_user_revokes_their_tokens(secure_app: Flask, people: dict[str, Person]) -> None:
    client = secure_app.test_client()
    admin = people["admin"].bearer
    assert client.delete("/api/users/editor-user", headers=admin).status_code == 204
    assert client.get("/api/me", headers=people["editor"].bearer).status_code == 401


def test_with_login_off_tokens_have_no_owner(make_app: Callable[..., Flask]) -> None:
    app = make_app(AUTH="off")
    response = app.test_client().post("/api/tokens", json={})
    assert response.status_code == 422
    assert "designer token create" in response.get_json()["error"]["message"]


def test_a_token_is_random_and_only_its_hash_is_kept(
    secure_app: Flask, people: dict[str, Person]
) -> None:
    store = access_state(secure_app).store
    texts = {p.token for p in people.values()}
    assert len(texts) == 4
    for token in store.list_tokens():
        assert all(token.secret_hash not in text for text in texts)
        assert len(token.secret_hash) == 64  # SHA-256 hex
    token_id, secret_hash = accounts.parse_token(people["viewer"].token)
    assert store.get_token(token_id).secret_hash == secret_hash


def test_session_users_manage_their_tokens_with_the_csrf_token(
    signed_in: Callable[[str], FlaskClient],
) -> None:
    client = signed_in("viewer")
    assert client.post("/api/tokens", json={"label": "x"}).status_code == 403
    made = client.post("/api/tokens", json={"label": "x"}, headers={"X-CSRF-Token": csrf(client)})
    assert made.status_code == 201
