"""Number bindings: which published flow answers calls to a phone number.

The repository enforces the rules (the flow must exist and have a published
version; a pinned version and an application key must exist) and answers
422 otherwise; this module only translates between HTTP and records.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify

from designer.errors import NotFound
from designer.repository import NumberBinding, check_e164
from designer.web.api.representations import BINDING, E164_PATTERN, binding_json, items_schema
from designer.web.extensions import designer_state
from designer.web.openapi import Param, Reply, nullable, operation

bp = Blueprint("numbers", __name__, url_prefix="/api/numbers")

TAGS = ["numbers"]
NUMBER = Param(
    "number",
    {"type": "string", "pattern": E164_PATTERN},
    "an E.164 phone number such as +46700000001 ('+' may be sent as %2B)",
)
BIND_BODY = {
    "type": "object",
    "required": ["flow"],
    "properties": {
        "flow": {"type": "string", "minLength": 1, "description": "a flow id"},
        "version": {
            **nullable({"type": "integer", "minimum": 1}),
            "description": "pin a version; null or absent: always the latest published",
        },
        "application": {
            **nullable({"type": "string", "minLength": 1}),
            "description": "the Sinch application key the number belongs to",
        },
    },
    "additionalProperties": False,
}


@bp.get("")
@operation(
    summary="List number bindings",
    tags=TAGS,
    responses={200: Reply("every bound number", items_schema(BINDING))},
)
def list_numbers() -> Any:
    bindings = designer_state().repo.list_bindings()
    return jsonify({"items": [binding_json(b) for b in bindings]})


@bp.get("/<number>")
@operation(
    summary="Get a number's binding",
    tags=TAGS,
    path=[NUMBER],
    responses={200: Reply("the binding", BINDING)},
    errors=[400, 404],
)
def get_number(number: str) -> Any:
    return jsonify(binding_json(designer_state().repo.get_binding(check_e164(number))))


@bp.put("/<number>")
@operation(
    summary="Bind a number to a published flow",
    description="Creates or replaces the binding. The flow must have a published version (422).",
    tags=TAGS,
    path=[NUMBER],
    body=BIND_BODY,
    responses={
        200: Reply("the binding replaced an earlier one", BINDING),
        201: Reply("the number was not bound before", BINDING),
    },
    errors=[422],
)
def bind_number(number: str, body: dict[str, Any]) -> Any:
    state = designer_state()
    number = check_e164(number)
    try:
        state.repo.get_binding(number)
        status = 200
    except NotFound:
        status = 201
    binding = state.repo.bind_number(
        NumberBinding(
            number=number,
            flow_id=body["flow"],
            version=body.get("version"),
            application_key=body.get("application"),
        ),
        state.now(),
    )
    return jsonify(binding_json(binding)), status


@bp.delete("/<number>")
@operation(
    summary="Unbind a number",
    tags=TAGS,
    path=[NUMBER],
    responses={204: Reply("unbound")},
    errors=[400, 404],
)
def unbind_number(number: str) -> Any:
    designer_state().repo.unbind_number(check_e164(number))
    return "", 204
