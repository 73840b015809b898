"""Flow drafts: create, read, save (with If-Match), delete, validate, export, lay out.

Each view is a thin adapter: decode the request, call the domain
(``designer.Flow``, the repository), render JSON.  Documents are parsed with
``Flow.from_dict`` on the way in, so the store only ever holds structurally
valid, normalised documents; graph problems are findings, not errors, so that
a half-drawn flow can still be saved.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, Response, g, jsonify, make_response, request, url_for

from designer.errors import BadRequest, FlowInvalid
from designer.flow import Flow
from designer.layout import Graphviz, layout_parsed
from designer.limits import FlowLimits, check_flow_size
from designer.web.api.preconditions import expected_revision, with_etag
from designer.web.api.representations import (
    FLOW,
    FLOW_DOCUMENT,
    FLOW_SUMMARY,
    REPORT,
    flow_json,
    items_schema,
)
from designer.web.extensions import designer_state
from designer.web.openapi import SCHEMAS, Param, Reply, component, operation

bp = Blueprint("flows", __name__, url_prefix="/api/flows")

TAGS = ["flows"]
FLOW_ID = Param("flow_id", {"type": "string", "minLength": 1}, "the flow's id")
ETAG_HEADER = {"ETag": 'the draft revision in quotes, e.g. "3"; send it back in If-Match'}

_update_schema = dict(SCHEMAS["FlowDocument"])
_update_schema["properties"] = {
    **_update_schema["properties"],
    "revision": {
        "type": "integer",
        "minimum": 1,
        "description": "alternative to If-Match: the revision this edit is based on",
    },
}
FLOW_DOCUMENT_UPDATE = component("FlowDocumentUpdate", _update_schema)

POSITIONS = component(
    "Positions",
    {
        "type": "object",
        "description": "node id -> top-left canvas position in pixels (y grows downwards)",
        "additionalProperties": {
            "type": "object",
            "required": ["x", "y"],
            "properties": {"x": {"type": "number"}, "y": {"type": "number"}},
        },
    },
)

EXPORT_FORMATS: dict[str, tuple[str, str]] = {
    # format -> (content type, file suffix)
    "json": ("application/json", ".json"),
    "svaml": ("application/json", ".svaml.json"),
    "dot": ("text/vnd.graphviz; charset=utf-8", ".dot"),
    "svg": ("image/svg+xml", ".svg"),
}


# Auto-layout starts Graphviz before the request body is even read: its start-up
# (several milliseconds) then overlaps reading, checking and parsing the flow.
LAYOUT_ENDPOINTS = frozenset({"flows.layout_document", "flows.layout_flow"})


@bp.before_request
def _start_graphviz() -> None:
    # After the access check (app-wide hooks run first): allowed callers only.
    if request.method == "POST" and request.endpoint in LAYOUT_ENDPOINTS:
        g.graphviz = Graphviz()


@bp.teardown_request
def _stop_graphviz(_exc: BaseException | None) -> None:
    graphviz = g.pop("graphviz", None)
    if graphviz is not None:
        graphviz.close()


def parse_flow(body: Any) -> Flow:
    """A posted flow document as a ``Flow``; structural problems are 400 with paths.

    Oversized documents (``DESIGNER_MAX_FLOW_*``) are refused first, with 413.
    """
    check_flow_size(body, FlowLimits.from_settings(designer_state().settings))
    return Flow.from_dict(body)


def _created(record: Any) -> Response:
    response = make_response(jsonify(flow_json(record)), 201)
    response.headers["Location"] = url_for("flows.get_flow", flow_id=record.id)
    return with_etag(response, record.revision)


@bp.get("")
@operation(
    summary="List flows",
    tags=TAGS,
    responses={200: Reply("every flow's draft, without documents", items_schema(FLOW_SUMMARY))},
)
def list_flows() -> Any:
    records = designer_state().repo.list_flows()
    return jsonify({"items": [flow_json(r, with_document=False) for r in records]})


@bp.post("")
@operation(
    summary="Create a flow from a flow document",
    tags=TAGS,
    body=FLOW_DOCUMENT,
    validate_body=False,
    responses={
        201: Reply("the new flow", FLOW, headers={**ETAG_HEADER, "Location": "the flow's URL"})
    },
)
def create_flow(body: Any) -> Any:
    flow = parse_flow(body)
    state = designer_state()
    record = state.repo.create_flow(flow.to_dict(), state.now())
    return _created(record)


@bp.post("/validate")
@operation(
    summary="Validate a posted flow document",
    description="Findings as on the canvas. A document that cannot be read at all is a 400.",
    tags=TAGS,
    body=FLOW_DOCUMENT,
    validate_body=False,
    responses={200: Reply("the findings", REPORT)},
)
def validate_document(body: Any) -> Any:
    return jsonify(parse_flow(body).validate().to_dict())


@bp.post("/layout")
@operation(
    summary="Lay out a posted flow document",
    description="Automatic layout (Graphviz) of unsaved editor state.",
    tags=TAGS,
    body=FLOW_DOCUMENT,
    validate_body=False,
    responses={200: Reply("a position per node", POSITIONS)},
    errors=[503],
)
def layout_document(body: Any) -> Any:
    return jsonify(layout_parsed(lambda: parse_flow(body), graphviz=g.get("graphviz")))


@bp.get("/<flow_id>")
@operation(
    summary="Get a flow's draft",
    tags=TAGS,
    path=[FLOW_ID],
    responses={200: Reply("the draft", FLOW, headers=ETAG_HEADER)},
    errors=[404],
)
def get_flow(flow_id: str) -> Any:
    record = designer_state().repo.get_flow(flow_id)
    return with_etag(jsonify(flow_json(record)), record.revision)


@bp.put("/<flow_id>")
@operation(
    summary="Save a flow's draft",
    description=(
        "Replaces the draft. With If-Match (or a 'revision' field) naming a revision that is "
        "no longer current, nothing is saved and the answer is 409."
    ),
    tags=TAGS,
    path=[FLOW_ID],
    body=FLOW_DOCUMENT_UPDATE,
    validate_body=False,
    responses={200: Reply("the saved draft", FLOW, headers=ETAG_HEADER)},
    errors=[404, 409],
)
def update_flow(flow_id: str, body: Any) -> Any:
    revision = None
    if isinstance(body, dict) and "revision" in body:
        body = dict(body)
        revision = body.pop("revision")
        if isinstance(revision, bool) or not isinstance(revision, int) or revision < 1:
            raise BadRequest(
                f"revision must be a positive integer, got {revision!r}",
                details=[{"path": "revision", "message": "must be a positive integer"}],
            )
    flow = parse_flow(body)
    expected = expected_revision(revision)
    state = designer_state()
    record = state.repo.update_flow(flow_id, flow.to_dict(), expected, state.now())
    return with_etag(jsonify(flow_json(record)), record.revision)


@bp.delete("/<flow_id>")
@operation(
    summary="Delete a flow",
    description="Deletes the draft, its versions and its number bindings.",
    tags=TAGS,
    path=[FLOW_ID],
    responses={204: Reply("deleted")},
    errors=[404, 409],
)
def delete_flow(flow_id: str) -> Any:
    designer_state().repo.delete_flow(flow_id, expected_revision())
    return "", 204


@bp.post("/<flow_id>/validate")
@operation(
    summary="Validate a flow's draft",
    tags=TAGS,
    path=[FLOW_ID],
    responses={200: Reply("the findings", REPORT)},
    errors=[404],
)
def validate_flow(flow_id: str) -> Any:
    record = designer_state().repo.get_flow(flow_id)
    return jsonify(Flow.from_dict(record.document).validate().to_dict())


@bp.post("/<flow_id>/layout")
@operation(
    summary="Lay out a flow's draft",
    description="Positions for every node; the draft is not changed.",
    tags=TAGS,
    path=[FLOW_ID],
    responses={200: Reply("a position per node", POSITIONS)},
    errors=[404, 503],
)
def layout_flow(flow_id: str) -> Any:
    repo = designer_state().repo

    def stored() -> Flow:
        return Flow.from_dict(repo.get_flow(flow_id).document)

    return jsonify(layout_parsed(stored, graphviz=g.get("graphviz")))


def _filename(name: str, fallback: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:60].strip("-")
    return slug or fallback


@bp.get("/<flow_id>/export")
@operation(
    summary="Export a flow",
    description=(
        "json: the flow document; svaml: what the callback answers at the start "
        "(422 with findings when the flow has errors); dot: Graphviz source; svg: the picture."
    ),
    tags=TAGS,
    path=[FLOW_ID],
    query=[
        Param("format", {"enum": list(EXPORT_FORMATS), "default": "json"}, "what to export"),
        Param(
            "version",
            {"type": "integer", "minimum": 1},
            "export this published version instead of the draft",
        ),
        Param(
            "findings",
            {"type": "boolean", "default": False},
            "dot/svg: mark validation findings on the picture",
        ),
    ],
    responses={
        200: Reply(
            "the export, as a download",
            content={
                "application/json": {"type": "object"},
                "text/vnd.graphviz": {"type": "string"},
                "image/svg+xml": {"type": "string"},
            },
            headers={"Content-Disposition": "attachment; filename=..."},
        )
    },
    errors=[404, 422, 503],
)
def export_flow(flow_id: str, query: dict[str, Any]) -> Any:
    repo = designer_state().repo
    record = repo.get_flow(flow_id)
    fmt = query.get("format", "json")
    number = query.get("version")
    document = record.document if number is None else repo.get_version(flow_id, number).document
    flow = Flow.from_dict(document)
    content_type, suffix = EXPORT_FORMATS[fmt]
    if fmt == "json":
        response = jsonify(flow.to_dict())
    elif fmt == "svaml":
        report = flow.validate()
        if not report.ok:
            raise FlowInvalid(
                f"flow {flow_id!r} has {len(report.errors)} error(s); fix them to export SVAML",
                details={"findings": report.to_dict()["findings"]},
            )
        response = jsonify(flow.to_svaml())
    else:
        overlay = flow.validate().findings if query.get("findings") else None
        text = flow.to_dot(findings=overlay) if fmt == "dot" else flow.to_svg(findings=overlay)
        response = Response(text, content_type=content_type)
    stem = _filename(flow.name, flow_id) + (f"-v{number}" if number else "")
    response.headers["Content-Disposition"] = f'attachment; filename="{stem}{suffix}"'
    return response
