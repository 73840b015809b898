"""How records look on the wire, each next to the schema that documents it.

Keeping the serialiser and its OpenAPI schema side by side (and the schema
test run by schemathesis) is what keeps the published description truthful.
JSON names are camelCase as in the flow document; times are RFC 3339 UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from designer import document
from designer.repository import (
    Application,
    CallEvent,
    CallRecord,
    FlowRecord,
    FlowVersion,
    NumberBinding,
)
from designer.web.openapi import DATE_TIME, component, nullable


def iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return value.isoformat().replace("+00:00", "Z")


def _obj(required: list[str], properties: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"type": "object", "required": required, "properties": properties, **extra}


# --- the flow document (DESIGN.md §3) ----------------------------------------------

_POSITION = _obj(["x", "y"], {"x": {"type": "number"}, "y": {"type": "number"}},
                 additionalProperties=False)  # fmt: skip

FLOW_DOCUMENT = component(
    "FlowDocument",
    _obj(
        ["format", "nodes"],
        {
            "format": {"const": document.FORMAT},
            "name": {"type": "string", "minLength": 1, "maxLength": document.MAX_NAME,
                     "pattern": r"\S"},
            "description": {"type": "string"},
            "locale": {"type": "string", "examples": ["en-US"]},
            "nodes": {
                "type": "array",
                "items": _obj(
                    ["id", "type"],
                    {
                        "id": {"type": "string", "pattern": document.ID_RE.pattern},
                        "type": {"type": "string", "minLength": 1,
                                 "description": "a type of GET /api/nodes"},
                        "label": {"type": "string", "maxLength": document.MAX_NAME},
                        "data": {"type": "object", "description": "the node's parameters"},
                        "position": _POSITION,
                    },
                    additionalProperties=False,
                ),
            },
            "edges": {
                "type": "array",
                "items": _obj(
                    ["from", "to"],
                    {
                        "from": {"type": "string", "minLength": 1},
                        "to": {"type": "string", "minLength": 1},
                        "port": {"type": "string", "pattern": document.PORT_RE.pattern,
                                 "default": "next"},
                    },
                    additionalProperties=False,
                ),
            },
            "notes": {"type": "array", "items": {"type": "object"}},
        },
        additionalProperties=False,
        description="A call flow, format callflow/1 (see the README).",
    ),
)  # fmt: skip

# --- findings (DESIGN.md §4) -----------------------------------------------------

REPORT = component(
    "ValidationReport",
    _obj(
        ["ok", "findings"],
        {
            "ok": {"type": "boolean", "description": "no errors (warnings allowed)"},
            "findings": {
                "type": "array",
                "items": _obj(
                    ["severity", "code", "node", "port", "message"],
                    {
                        "severity": {"enum": ["error", "warning"]},
                        "code": {"type": "string", "examples": ["dead-end"]},
                        "node": nullable({"type": "string"}),
                        "port": nullable({"type": "string"}),
                        "message": {"type": "string"},
                        "param": {
                            "type": "string",
                            "description": "path of the offending parameter, when known",
                        },
                    },
                ),
            },
        },
    ),
)

# --- flows -----------------------------------------------------------------------

_FLOW_SUMMARY_PROPS: dict[str, Any] = {
    "id": {"type": "string"},
    "name": {"type": "string"},
    "revision": {"type": "integer", "minimum": 1,
                 "description": "draft revision; the ETag, and what If-Match names"},
    "latestVersion": nullable({"type": "integer", "minimum": 1}),
    "nodeCount": {"type": "integer", "minimum": 0},
    "createdAt": DATE_TIME,
    "updatedAt": DATE_TIME,
}  # fmt: skip
_FLOW_SUMMARY_REQUIRED = list(_FLOW_SUMMARY_PROPS)

FLOW_SUMMARY = component("FlowSummary", _obj(_FLOW_SUMMARY_REQUIRED, _FLOW_SUMMARY_PROPS))
FLOW = component(
    "Flow",
    _obj([*_FLOW_SUMMARY_REQUIRED, "document"],
         {**_FLOW_SUMMARY_PROPS, "document": FLOW_DOCUMENT}),
)  # fmt: skip


def flow_json(record: FlowRecord, *, with_document: bool = True) -> dict[str, Any]:
    nodes = record.document.get("nodes")
    out: dict[str, Any] = {
        "id": record.id,
        "name": record.name,
        "revision": record.revision,
        "latestVersion": record.latest_version,
        "nodeCount": len(nodes) if isinstance(nodes, list) else 0,
        "createdAt": iso(record.created_at),
        "updatedAt": iso(record.updated_at),
    }
    if with_document:
        out["document"] = record.document
    return out


# --- versions --------------------------------------------------------------------

_VERSION_PROPS: dict[str, Any] = {
    "flow": {"type": "string"},
    "number": {"type": "integer", "minimum": 1},
    "comment": {"type": "string"},
    "publishedBy": {"type": "string"},
    "publishedAt": DATE_TIME,
}
VERSION_SUMMARY = component("VersionSummary", _obj(list(_VERSION_PROPS), _VERSION_PROPS))
VERSION = component(
    "Version",
    _obj([*_VERSION_PROPS, "document"], {**_VERSION_PROPS, "document": FLOW_DOCUMENT}),
)


def version_json(version: FlowVersion, *, with_document: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {
        "flow": version.flow_id,
        "number": version.number,
        "comment": version.comment,
        "publishedBy": version.published_by,
        "publishedAt": iso(version.published_at),
    }
    if with_document:
        out["document"] = version.document
    return out


# --- number bindings ---------------------------------------------------------------

E164_PATTERN = r"^\+[1-9][0-9]{1,14}$"

BINDING = component(
    "NumberBinding",
    _obj(
        ["number", "flow", "version", "application", "updatedAt"],
        {
            "number": {"type": "string", "pattern": E164_PATTERN},
            "flow": {"type": "string"},
            "version": nullable({"type": "integer", "minimum": 1}),
            "application": nullable({"type": "string"}),
            "updatedAt": nullable(DATE_TIME),
        },
        description="version null: calls run the latest published version",
    ),
)


def binding_json(binding: NumberBinding) -> dict[str, Any]:
    return {
        "number": binding.number,
        "flow": binding.flow_id,
        "version": binding.version,
        "application": binding.application_key,
        "updatedAt": iso(binding.updated_at),
    }


# --- applications -------------------------------------------------------------------

APPLICATION_KEY_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"

APPLICATION = component(
    "Application",
    _obj(
        ["key", "name", "defaultFlow", "hasSecret", "createdAt"],
        {
            "key": {"type": "string"},
            "name": {"type": "string"},
            "defaultFlow": nullable({"type": "string"}),
            "hasSecret": {"type": "boolean",
                          "description": "the secret itself is write-only and never returned"},
            "createdAt": nullable(DATE_TIME),
        },
        additionalProperties=False,
    ),
)  # fmt: skip


def application_json(app: Application) -> dict[str, Any]:
    """Never includes the secret: only whether one is set."""
    return {
        "key": app.key,
        "name": app.name,
        "defaultFlow": app.default_flow_id,
        "hasSecret": bool(app.secret),
        "createdAt": iso(app.created_at),
    }


# --- calls and their events -----------------------------------------------------------

_CALL_PROPS: dict[str, Any] = {
    "callid": {"type": "string"},
    "flow": nullable({"type": "string"}),
    "version": nullable({"type": "integer"}),
    "application": nullable({"type": "string"}),
    "state": {"type": "string", "examples": ["active", "ended"]},
    "currentNode": nullable({"type": "string"}),
    "cli": nullable({"type": "string"}),
    "to": nullable({"type": "string"}),
    "startedAt": DATE_TIME,
    "endedAt": nullable(DATE_TIME),
    "result": nullable({"type": "string"}),
    "reason": nullable({"type": "string"}),
    "duration": nullable({"type": "integer"}),
    "simulated": {"type": "boolean"},
}
CALL_SUMMARY = component("CallSummary", _obj(list(_CALL_PROPS), _CALL_PROPS))

EVENT = component(
    "CallEvent",
    _obj(
        ["callid", "seq", "ts", "kind", "node", "data", "flow"],
        {
            "callid": {"type": "string"},
            "seq": {"type": "integer", "minimum": 1},
            "ts": DATE_TIME,
            "kind": {"type": "string", "examples": ["callback", "node", "svaml", "dice"]},
            "node": nullable({"type": "string"}),
            "data": {"type": "object"},
            "flow": nullable({"type": "string"}),
        },
    ),
)

CALL = component(
    "Call",
    _obj(
        [*_CALL_PROPS, "context", "events"],
        {
            **_CALL_PROPS,
            "context": {"type": "object", "description": "engine state: variables, waiting node"},
            "events": {"type": "array", "items": EVENT, "description": "ordered by seq"},
        },
    ),
)


def call_json(call: CallRecord) -> dict[str, Any]:
    return {
        "callid": call.callid,
        "flow": call.flow_id,
        "version": call.version,
        "application": call.application_key,
        "state": call.state,
        "currentNode": call.current_node,
        "cli": call.cli,
        "to": call.to,
        "startedAt": iso(call.started_at),
        "endedAt": iso(call.ended_at),
        "result": call.result,
        "reason": call.reason,
        "duration": call.duration,
        "simulated": call.simulated,
    }


def event_json(event: CallEvent) -> dict[str, Any]:
    out = event.to_dict()
    out["ts"] = iso(event.ts)
    return out


def items_schema(item: dict[str, Any]) -> dict[str, Any]:
    """A list response: ``{"items": [...]}``, open for paging fields later."""
    return _obj(["items"], {"items": {"type": "array", "items": item}})
