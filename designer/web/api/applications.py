"""Sinch applications: the key and secret that sign callbacks, and a default flow.

Secrets are write-only: they are accepted on create and update and used to
verify callback signatures, but no response ever contains one; responses say
``"hasSecret": true`` instead.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from flask import Blueprint, jsonify, make_response, url_for

from designer.errors import BadRequest
from designer.repository import Application
from designer.web.api.representations import (
    APPLICATION,
    APPLICATION_KEY_PATTERN,
    application_json,
    items_schema,
)
from designer.web.extensions import designer_state
from designer.web.openapi import Param, Reply, nullable, operation

bp = Blueprint("applications", __name__, url_prefix="/api/applications")

TAGS = ["applications"]
KEY = Param("key", {"type": "string", "minLength": 1}, "the Sinch application key")
_SECRET = {
    **nullable({"type": "string", "minLength": 1, "maxLength": 512}),
    "writeOnly": True,
    "description": "the application secret (base64) as shown in the Sinch dashboard; "
    "null removes it (callbacks are then not verified)",
}
_PROPERTIES = {
    "name": {"type": "string", "maxLength": 200},
    "secret": _SECRET,
    "defaultFlow": {
        **nullable({"type": "string", "minLength": 1}),
        "description": "the flow for calls to numbers that are not bound",
    },
}
CREATE_BODY = {
    "type": "object",
    "required": ["key"],
    "properties": {
        "key": {"type": "string", "pattern": APPLICATION_KEY_PATTERN},
        **_PROPERTIES,
    },
    "additionalProperties": False,
}
UPDATE_BODY = {
    "type": "object",
    "description": "fields left out keep their value",
    "properties": _PROPERTIES,
    "additionalProperties": False,
}


def _checked_secret(secret: str | None) -> str | None:
    """Sinch signs with the base64-decoded secret: a secret that does not decode never works."""
    if secret is None:
        return None
    try:
        decoded = base64.b64decode(secret.strip(), validate=True)
    except (binascii.Error, ValueError):
        decoded = b""
    if not decoded:
        raise BadRequest(
            "secret must be the base64 application secret from the Sinch dashboard",
            details=[{"path": "secret", "message": "not base64"}],
        )
    return secret.strip()


@bp.get("")
@operation(
    summary="List Sinch applications",
    tags=TAGS,
    responses={200: Reply("every application (secrets never included)",
                          items_schema(APPLICATION))},
)  # fmt: skip
def list_applications() -> Any:
    apps = designer_state().repo.list_applications()
    return jsonify({"items": [application_json(a) for a in apps]})


@bp.post("")
@operation(
    summary="Add a Sinch application",
    tags=TAGS,
    body=CREATE_BODY,
    responses={201: Reply("added", APPLICATION, headers={"Location": "the application's URL"})},
    errors=[409, 422],
)
def create_application(body: dict[str, Any]) -> Any:
    state = designer_state()
    app = state.repo.add_application(
        Application(
            key=body["key"],
            secret=_checked_secret(body.get("secret")),
            name=body.get("name", ""),
            default_flow_id=body.get("defaultFlow"),
            created_at=state.now(),
        )
    )
    response = make_response(jsonify(application_json(app)), 201)
    response.headers["Location"] = url_for("applications.get_application", key=app.key)
    return response


@bp.get("/<key>")
@operation(
    summary="Get a Sinch application",
    tags=TAGS,
    path=[KEY],
    responses={200: Reply("the application (without its secret)", APPLICATION)},
    errors=[404],
)
def get_application(key: str) -> Any:
    return jsonify(application_json(designer_state().repo.get_application(key)))


@bp.put("/<key>")
@operation(
    summary="Change a Sinch application",
    tags=TAGS,
    path=[KEY],
    body=UPDATE_BODY,
    responses={200: Reply("the changed application", APPLICATION)},
    errors=[404, 422],
)
def update_application(key: str, body: dict[str, Any]) -> Any:
    repo = designer_state().repo
    # a new secret needs nothing of the old one, which may be unreadable (its key lost)
    current = repo.get_application(key, with_secret="secret" not in body)
    app = repo.update_application(
        Application(
            key=key,
            secret=_checked_secret(body["secret"]) if "secret" in body else current.secret,
            name=body.get("name", current.name),
            default_flow_id=body.get("defaultFlow", current.default_flow_id),
            created_at=current.created_at,
        )
    )
    return jsonify(application_json(app))


@bp.delete("/<key>")
@operation(
    summary="Remove a Sinch application",
    description="Numbers bound through it keep their flow.",
    tags=TAGS,
    path=[KEY],
    responses={204: Reply("removed")},
    errors=[404],
)
def delete_application(key: str) -> Any:
    designer_state().repo.delete_application(key)
    return "", 204
