"""Who am I, users (admins only) and API tokens.

``GET /api/me`` tells the editor who is signed in and what they may do, so
that it can hide buttons a viewer cannot use (the server refuses them
anyway).  Users are managed by admins here or with ``designer user``; every
user manages their own API tokens.  A token is shown exactly once, in the
answer that creates it; only a hash of it is stored.  Password hashes are
never returned.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Blueprint, jsonify, make_response, url_for

from designer import accounts
from designer.accounts import ROLES, ApiToken, Permission, User
from designer.errors import BadRequest, Forbidden, NotFound, Unprocessable
from designer.web.access import access_state, csrf_token, current_principal, refresh_session
from designer.web.api.representations import iso
from designer.web.extensions import designer_state
from designer.web.openapi import Param, Reply, component, nullable, operation

bp = Blueprint("users", __name__, url_prefix="/api")

TAGS = ["users"]
NAME = Param("name", {"type": "string", "minLength": 1}, "the user name")
TOKEN_ID = Param("token_id", {"type": "string", "minLength": 1}, "the token's id")
_ROLE = {"enum": list(ROLES), "description": "viewer < editor < publisher < admin"}
_PASSWORD = {"type": "string", "minLength": accounts.MIN_PASSWORD,
             "maxLength": accounts.MAX_PASSWORD, "writeOnly": True}  # fmt: skip
_DATE_TIME = {"type": "string", "format": "date-time"}

ME = component(
    "Me",
    {
        "type": "object",
        "required": ["user", "role", "auth", "via", "can"],
        "properties": {
            "user": nullable({"type": "string"}),
            "role": _ROLE,
            "auth": {"enum": ["required", "off"], "description": "whether login is required"},
            "via": {"enum": ["session", "token", "local"]},
            "can": {
                "type": "object",
                "description": "what the role allows: read, edit, publish, admin",
                "additionalProperties": {"type": "boolean"},
            },
            "csrfToken": {
                "type": "string",
                "description": "signed in with the browser session: the session's CSRF token "
                "(a page opened before signing in again has an old one)",
            },
        },
    },
)
USER = component(
    "User",
    {
        "type": "object",
        "required": ["name", "role", "hasPassword", "createdAt", "updatedAt"],
        "properties": {
            "name": {"type": "string"},
            "role": _ROLE,
            "hasPassword": {"type": "boolean",
                            "description": "false: an account for API tokens only"},
            "createdAt": _DATE_TIME,
            "updatedAt": _DATE_TIME,
        },
        "additionalProperties": False,
    },
)  # fmt: skip
TOKEN = component(
    "ApiToken",
    {
        "type": "object",
        "required": ["id", "user", "label", "createdAt", "expiresAt", "lastUsedAt"],
        "properties": {
            "id": {"type": "string"},
            "user": {"type": "string"},
            "label": {"type": "string"},
            "createdAt": _DATE_TIME,
            "expiresAt": nullable(_DATE_TIME),
            "lastUsedAt": nullable(_DATE_TIME),
            "token": {"type": "string",
                      "description": "only when created: send as 'Authorization: Bearer <token>'"},
        },
        "additionalProperties": False,
    },
)  # fmt: skip
CREATE_USER = {
    "type": "object",
    "required": ["name", "role"],
    "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 64},
        "role": _ROLE,
        "password": {**_PASSWORD, "description": "leave out for an account for API tokens only"},
    },
    "additionalProperties": False,
}
UPDATE_USER = {
    "type": "object",
    "description": "fields left out keep their value",
    "properties": {"role": _ROLE, "password": _PASSWORD},
    "additionalProperties": False,
}
CHANGE_PASSWORD = {
    "type": "object",
    "required": ["current", "new"],
    "properties": {
        "current": {"type": "string", "maxLength": accounts.MAX_PASSWORD, "writeOnly": True},
        "new": _PASSWORD,
    },
    "additionalProperties": False,
}
CREATE_TOKEN = {
    "type": "object",
    "properties": {
        "label": {"type": "string", "maxLength": accounts.MAX_LABEL,
                  "description": "what the token is for, e.g. 'nightly report notebook'"},
        "expiresInDays": {"type": "integer", "minimum": 1, "maximum": 3650},
    },
    "additionalProperties": False,
}  # fmt: skip


def user_json(user: User) -> dict[str, Any]:
    """Never includes the password hash."""
    return {
        "name": user.name,
        "role": user.role,
        "hasPassword": user.password_hash is not None,
        "createdAt": iso(user.created_at),
        "updatedAt": iso(user.updated_at),
    }


def token_json(token: ApiToken, text: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": token.id,
        "user": token.user,
        "label": token.label,
        "createdAt": iso(token.created_at),
        "expiresAt": iso(token.expires_at),
        "lastUsedAt": iso(token.last_used_at),
    }
    if text is not None:
        out["token"] = text
    return out


def _store() -> accounts.AccountStore:
    return access_state().store


def _principal() -> Any:
    principal = current_principal()
    assert principal is not None  # the access guard sets it for every non-public route
    return principal


# --- me ---------------------------------------------------------------------------------


@bp.get("/me")
@operation(
    summary="Who is asking, and what they may do",
    tags=TAGS,
    responses={200: Reply("the caller", ME)},
)
def me() -> Any:
    principal = _principal()
    body: dict[str, Any] = {
        "user": principal.name,
        "role": principal.role,
        "auth": "required" if access_state().decision.required else "off",
        "via": principal.via,
        "can": {
            level.name.lower(): principal.may(level)
            for level in Permission
            if level is not Permission.PUBLIC
        },
    }
    if principal.via == "session":
        body["csrfToken"] = csrf_token()
    return jsonify(body)


@bp.post("/me/password")
@operation(
    summary="Change one's own password",
    description="The current password is checked; other sessions of the user end.",
    tags=TAGS,
    body=CHANGE_PASSWORD,
    responses={204: Reply("changed")},
    errors=[403, 422],
)
def change_own_password(body: dict[str, Any]) -> Any:
    principal = _principal()
    if principal.name is None:
        raise Unprocessable("login is off on this server: there is no signed-in user")
    store = _store()
    if accounts.check_login(store, principal.name, body["current"]) is None:
        raise BadRequest(
            "the current password is wrong",
            details=[{"path": "current", "message": "wrong password"}],
        )
    user = accounts.change_user(store, principal.name, designer_state().now(), password=body["new"])
    refresh_session(user)
    return "", 204


# --- users (admin) ---------------------------------------------------------------------------


@bp.get("/users")
@operation(
    summary="List users",
    tags=TAGS,
    responses={200: Reply("every user", {"type": "object", "required": ["items"],
                                         "properties": {"items": {"type": "array",
                                                                  "items": USER}}})},
)  # fmt: skip
def list_users() -> Any:
    return jsonify({"items": [user_json(u) for u in _store().list_users()]})


@bp.post("/users")
@operation(
    summary="Add a user",
    tags=TAGS,
    body=CREATE_USER,
    responses={201: Reply("added", USER, headers={"Location": "the user's URL"})},
    errors=[409],
)
def create_user(body: dict[str, Any]) -> Any:
    user = accounts.create_user(
        _store(), body["name"], body["role"], body.get("password"), designer_state().now()
    )
    response = make_response(jsonify(user_json(user)), 201)
    response.headers["Location"] = url_for("users.get_user", name=user.name)
    return response


def _get(name: str) -> User:
    try:
        return _store().get_user(accounts.normalize_user_name(name))
    except BadRequest:
        raise NotFound(f"no user named {name!r}", details={"user": name}) from None


@bp.get("/users/<name>")
@operation(
    summary="Get a user",
    tags=TAGS,
    path=[NAME],
    responses={200: Reply("the user", USER)},
    errors=[404],
)
def get_user(name: str) -> Any:
    return jsonify(user_json(_get(name)))


@bp.put("/users/<name>")
@operation(
    summary="Change a user's role or password",
    description="Changing the password ends the user's sessions. The last admin stays admin.",
    tags=TAGS,
    path=[NAME],
    body=UPDATE_USER,
    responses={200: Reply("the changed user", USER)},
    errors=[404, 409],
)
def update_user(name: str, body: dict[str, Any]) -> Any:
    user = _get(name)
    changed = accounts.change_user(
        _store(), user.name, designer_state().now(),
        role=body.get("role"), password=body.get("password"),
    )  # fmt: skip
    refresh_session(changed)
    return jsonify(user_json(changed))


@bp.delete("/users/<name>")
@operation(
    summary="Delete a user and their API tokens",
    tags=TAGS,
    path=[NAME],
    responses={204: Reply("deleted")},
    errors=[404, 409],
)
def delete_user(name: str) -> Any:
    accounts.remove_user(_store(), _get(name).name)
    return "", 204


# --- API tokens ---------------------------------------------------------------------------------


@bp.get("/tokens")
@operation(
    summary="List API tokens",
    description="One's own tokens; admins may name another user (or '*' for everyone's).",
    tags=TAGS,
    query=[Param("user", {"type": "string", "minLength": 1}, "admins: whose tokens")],
    responses={200: Reply("the tokens, without their secrets",
                          {"type": "object", "required": ["items"],
                           "properties": {"items": {"type": "array", "items": TOKEN}}})},
    errors=[403],
)  # fmt: skip
def list_tokens(query: dict[str, Any]) -> Any:
    principal = _principal()
    wanted = query.get("user")
    if wanted is not None and wanted != principal.name and not principal.may(Permission.ADMIN):
        raise Forbidden("only admins may list other users' tokens")
    if wanted is None:
        wanted = principal.name
    if wanted is None:  # login off and no user named: everyone's
        wanted = "*"
    user = None if wanted == "*" else _get(wanted).name
    return jsonify({"items": [token_json(t) for t in _store().list_tokens(user)]})


@bp.post("/tokens")
@operation(
    summary="Create an API token for oneself",
    description=(
        "The answer holds the token; it is not shown again. Send it as "
        "'Authorization: Bearer <token>'. It acts with its user's role."
    ),
    tags=TAGS,
    body=CREATE_TOKEN,
    body_required=False,
    responses={201: Reply("the new token (with 'token', shown once)", TOKEN)},
    errors=[422],
)
def create_token(body: dict[str, Any] | None) -> Any:
    principal = _principal()
    if principal.name is None:
        raise Unprocessable(
            "login is off on this server, so there is no user to own a token: "
            "use `designer token create NAME`"
        )
    body = body or {}
    now = designer_state().now()
    days = body.get("expiresInDays")
    expires = now + timedelta(days=days) if days else None
    token, text = accounts.issue_token(_store(), principal.name, body.get("label", ""), now,
                                       expires)  # fmt: skip
    return jsonify(token_json(token, text)), 201


@bp.delete("/tokens/<token_id>")
@operation(
    summary="Revoke an API token",
    description="One's own; admins may revoke anyone's.",
    tags=TAGS,
    path=[TOKEN_ID],
    responses={204: Reply("revoked")},
    errors=[404],
)
def delete_token(token_id: str) -> Any:
    principal = _principal()
    store = _store()
    try:
        token = store.get_token(token_id)
    except NotFound:
        token = None
    if token is None or (token.user != principal.name and not principal.may(Permission.ADMIN)):
        raise NotFound(f"no API token of yours with id {token_id!r}", details={"token": token_id})
    store.delete_token(token.id)
    return "", 204
