"""The node-type registry, for the editor's palette and property forms."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify

from designer.limits import FlowLimits
from designer.registry import registry_json
from designer.web.extensions import designer_state
from designer.web.openapi import Reply, component, operation

bp = Blueprint("nodes", __name__, url_prefix="/api/nodes")

NODE_REGISTRY = component(
    "NodeRegistry",
    {
        "type": "object",
        "required": ["version", "types", "locales", "limits"],
        "properties": {
            "version": {"type": "integer"},
            "locales": {"type": "array", "items": {"type": "string"}},
            "dtmfKeys": {"type": "array", "items": {"type": "string"}},
            "actionsAllowed": {
                "type": "object",
                "additionalProperties": {"type": "array", "items": {"type": "string"}},
            },
            "limits": {"type": "object"},
            "types": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["type", "label", "kind", "params", "ports"],
                    "properties": {
                        "type": {"type": "string"},
                        "label": {"type": "string"},
                        "kind": {
                            "enum": ["start", "instruction", "logic", "input", "action",
                                     "terminal"]
                        },
                        "params": {"type": "object", "description": "JSON-Schema subset"},
                        "ports": {"type": "array", "items": {"type": "object"}},
                    },
                },
            },
        },
    },
)  # fmt: skip


@bp.get("")
@operation(
    summary="The node-type registry",
    description="Ports, parameter schemas and limits of every node type, and the "
    "server's size limits on a flow (maxNodes, maxEdges, maxNotes, maxTextChars).",
    tags=["nodes"],
    responses={200: Reply("the registry", NODE_REGISTRY)},
)
def list_node_types() -> Any:
    registry = registry_json()
    # this server's size limits on a whole flow (413 above them), beside the SVAML ones
    limits = FlowLimits.from_settings(designer_state().settings).to_dict()
    registry["limits"] = {**registry.get("limits", {}), **limits}
    return jsonify(registry)
