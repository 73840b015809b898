"""Published versions: publish the draft, list and read versions, roll back, diff.

Publishing validates the draft first: a version is what live calls run, so a
draft with errors is refused with 422 and the findings that block it.  The
draft's revision is passed to the repository so that an edit landing between
the validation and the publish cannot slip an unvalidated document through.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, make_response, url_for

from designer.diff import diff_documents
from designer.errors import FlowInvalid, Unprocessable
from designer.flow import Flow
from designer.web.access import acting_user
from designer.web.api.flows import ETAG_HEADER, FLOW, FLOW_ID
from designer.web.api.preconditions import expected_revision, with_etag
from designer.web.api.representations import (
    VERSION,
    VERSION_SUMMARY,
    flow_json,
    items_schema,
    version_json,
)
from designer.web.extensions import designer_state
from designer.web.openapi import Param, Reply, component, operation

bp = Blueprint("versions", __name__, url_prefix="/api/flows/<flow_id>")

TAGS = ["versions"]
NUMBER = Param("number", {"type": "integer", "minimum": 1}, "the version number")
DRAFT = "draft"
_VERSION_OR_DRAFT = {"type": "string", "pattern": r"^([1-9][0-9]{0,8}|draft)$"}

_CHANGE = {
    "type": "object",
    "required": ["param", "from", "to"],
    "properties": {
        "param": {"type": "string", "description": "a data parameter, or @type / @label"},
        "from": {},
        "to": {},
    },
}
_EDGE = {
    "type": "object",
    "required": ["from", "port", "to"],
    "properties": {k: {"type": "string"} for k in ("from", "port", "to")},
}
_SIDE = {"anyOf": [{"type": "integer", "minimum": 1}, {"const": DRAFT}]}
DIFF = component(
    "FlowDiff",
    {
        "type": "object",
        "required": ["from", "to", "nodes", "edges", "meta"],
        "properties": {
            "from": _SIDE,
            "to": _SIDE,
            "nodes": {
                "type": "object",
                "required": ["added", "removed", "changed"],
                "properties": {
                    "added": {"type": "array", "items": {"type": "object"}},
                    "removed": {"type": "array", "items": {"type": "object"}},
                    "changed": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["id", "changes"],
                            "properties": {
                                "id": {"type": "string"},
                                "changes": {"type": "array", "items": _CHANGE},
                            },
                        },
                    },
                },
            },
            "edges": {
                "type": "object",
                "required": ["added", "removed"],
                "properties": {
                    "added": {"type": "array", "items": _EDGE},
                    "removed": {"type": "array", "items": _EDGE},
                },
            },
            "meta": {
                "type": "object",
                "description": "changed name/locale/description: {field: {from, to}}",
            },
        },
    },
)

PUBLISH_BODY = {
    "type": "object",
    "properties": {
        "comment": {"type": "string", "maxLength": 2000},
        "publishedBy": {
            "type": "string",
            "minLength": 1,
            "maxLength": 200,
            "description": "recorded when login is off; a signed-in user's name wins",
        },
    },
    "additionalProperties": False,
}
ROLLBACK_BODY = {
    "type": "object",
    "required": ["version"],
    "properties": {"version": {"type": "integer", "minimum": 1}},
    "additionalProperties": False,
}


@bp.get("/versions")
@operation(
    summary="List a flow's published versions",
    tags=TAGS,
    path=[FLOW_ID],
    responses={200: Reply("newest last, without documents", items_schema(VERSION_SUMMARY))},
    errors=[404],
)
def list_versions(flow_id: str) -> Any:
    versions = designer_state().repo.list_versions(flow_id)
    return jsonify({"items": [version_json(v, with_document=False) for v in versions]})


@bp.post("/versions")
@operation(
    summary="Publish the draft as a new version",
    description=(
        "Validates the draft; with errors nothing is published and the answer is 422 with "
        '{"error": {"details": {"findings": [...]}}}. If-Match applies as for saving.'
    ),
    tags=TAGS,
    path=[FLOW_ID],
    body=PUBLISH_BODY,
    body_required=False,
    responses={201: Reply("the new version", VERSION, headers={"Location": "the version's URL"})},
    errors=[404, 409, 422],
)
def publish(flow_id: str, body: dict[str, Any] | None) -> Any:
    body = body or {}
    state = designer_state()
    record = state.repo.get_flow(flow_id)
    expected = expected_revision()
    report = Flow.from_dict(record.document).validate()
    if not report.ok:
        raise FlowInvalid(
            f"flow {flow_id!r} has {len(report.errors)} error(s) and cannot be published",
            details={"findings": report.to_dict()["findings"]},
        )
    version = state.repo.publish(
        flow_id,
        body.get("comment", ""),
        acting_user() or body.get("publishedBy", "api"),  # signed in: who it really was
        state.now(),
        expected_revision=record.revision if expected is None else expected,
    )
    response = make_response(jsonify(version_json(version)), 201)
    response.headers["Location"] = url_for(
        "versions.get_version", flow_id=flow_id, number=version.number
    )
    return response


@bp.get("/versions/<int:number>")
@operation(
    summary="Get one published version",
    tags=TAGS,
    path=[FLOW_ID, NUMBER],
    responses={200: Reply("the version with its document", VERSION)},
    errors=[404],
)
def get_version(flow_id: str, number: int) -> Any:
    return jsonify(version_json(designer_state().repo.get_version(flow_id, number)))


@bp.post("/rollback")
@operation(
    summary="Make a published version the draft again",
    description="The draft becomes a copy of the version (a new revision); nothing is published.",
    tags=TAGS,
    path=[FLOW_ID],
    body=ROLLBACK_BODY,
    responses={200: Reply("the new draft", FLOW, headers=ETAG_HEADER)},
    errors=[404],
)
def rollback(flow_id: str, body: dict[str, Any]) -> Any:
    state = designer_state()
    record = state.repo.rollback(flow_id, body["version"], state.now())
    return with_etag(jsonify(flow_json(record)), record.revision)


def _side(flow_id: str, which: str) -> dict[str, Any]:
    repo = designer_state().repo
    if which == DRAFT:
        return repo.get_flow(flow_id).document
    return repo.get_version(flow_id, int(which)).document


@bp.get("/diff")
@operation(
    summary="What changed between two versions (or a version and the draft)",
    description=(
        "from defaults to the latest published version, to defaults to the draft. "
        "Node positions are ignored."
    ),
    tags=TAGS,
    path=[FLOW_ID],
    query=[
        Param("from", _VERSION_OR_DRAFT, "a version number or 'draft'"),
        Param("to", _VERSION_OR_DRAFT, "a version number or 'draft' (the default)"),
    ],
    responses={200: Reply("the changes", DIFF)},
    errors=[404, 422],
)
def diff(flow_id: str, query: dict[str, Any]) -> Any:
    record = designer_state().repo.get_flow(flow_id)
    old = query.get("from")
    if old is None:
        if record.latest_version is None:
            raise Unprocessable(
                f"flow {flow_id!r} has no published version to compare with; pass from=draft "
                "or publish first",
                details={"flow": flow_id},
            )
        old = str(record.latest_version)
    new = query.get("to", DRAFT)
    result = diff_documents(_side(flow_id, old), _side(flow_id, new))
    return jsonify({"from": _label(old), "to": _label(new), **result})


def _label(side: str) -> str | int:
    return side if side == DRAFT else int(side)
