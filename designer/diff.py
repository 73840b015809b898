"""What changed between two flow documents, as data.

Used by ``GET /api/flows/<id>/diff`` (what will publishing change?), the CLI
and notebooks.  Nodes are matched by id and edges by their source port (a
port carries at most one edge), so a re-wired port shows as one edge removed
and one added.  Positions are layout, not behaviour: they are left out unless
asked for, so dragging a node around does not make a version look different.

The result::

    {"nodes": {"added": [node...], "removed": [node...],
               "changed": [{"id", "changes": [{"param", "from", "to"}]}]},
     "edges": {"added": [edge...], "removed": [edge...]},
     "meta":  {"name": {"from", "to"}, ...}}

In ``changes``, ``param`` names a parameter of the node's ``data``; a change
of the node's own ``type`` or ``label`` is reported as ``@type``/``@label``
(and ``@position`` when positions are compared) so that it can never be
mistaken for a parameter of the same name.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from designer.document import Document, Edge, Node, parse
from designer.flow import Flow

_MISSING = None  # an absent parameter compares and reports as null
_META_FIELDS = ("name", "locale", "description")


def _node_changes(old: Node, new: Node, positions: bool) -> list[dict[str, Any]]:
    changes: list[dict[str, Any]] = []
    attributes = [("@type", old.type, new.type), ("@label", old.label, new.label)]
    if positions:
        attributes.append(("@position", old.position, new.position))
    for param, before, after in attributes:
        if before != after:
            changes.append({"param": param, "from": before, "to": after})
    for param in sorted(set(old.data) | set(new.data)):
        before, after = old.data.get(param, _MISSING), new.data.get(param, _MISSING)
        if before != after or (param in old.data) != (param in new.data):
            changes.append({"param": param, "from": before, "to": after})
    return changes


def _edge_key(edge: Edge) -> tuple[str, str]:
    return edge.source, edge.port


def _edge_dict(edge: Edge) -> dict[str, str]:
    return {"from": edge.source, "port": edge.port, "to": edge.target}


def _edges_by_port(doc: Document) -> dict[tuple[str, str], Edge]:
    """(source, port) -> edge, in document order; the first edge of a port wins."""
    out: dict[tuple[str, str], Edge] = {}
    for edge in doc.edges:
        out.setdefault(_edge_key(edge), edge)
    return out


def _as_document(value: Document | Flow | Mapping[str, Any]) -> Document:
    if isinstance(value, Document):
        return value
    if isinstance(value, Flow):
        return value.doc
    return parse(value)


def diff_documents(
    old: Document | Flow | Mapping[str, Any],
    new: Document | Flow | Mapping[str, Any],
    *,
    positions: bool = False,
) -> dict[str, Any]:
    """The changes that turn ``old`` into ``new`` (lists in document order).

    Either side may be a parsed ``Document``, a ``Flow`` or the raw JSON dict
    (parsed here; a structurally broken one raises ``InvalidDocument``).
    """
    old, new = _as_document(old), _as_document(new)
    old_nodes = {n.id: n for n in old.nodes}
    new_nodes = {n.id: n for n in new.nodes}
    added = [n.to_dict() for n in new.nodes if n.id not in old_nodes]
    removed = [n.to_dict() for n in old.nodes if n.id not in new_nodes]
    changed = []
    for node in new.nodes:
        before = old_nodes.get(node.id)
        if before is not None:
            changes = _node_changes(before, node, positions)
            if changes:
                changed.append({"id": node.id, "changes": changes})

    old_edges = _edges_by_port(old)
    new_edges = _edges_by_port(new)
    edges_added = [
        _edge_dict(e)
        for key, e in new_edges.items()
        if key not in old_edges or old_edges[key].target != e.target
    ]
    edges_removed = [
        _edge_dict(e)
        for key, e in old_edges.items()
        if key not in new_edges or new_edges[key].target != e.target
    ]

    meta = {
        name: {"from": getattr(old, name), "to": getattr(new, name)}
        for name in _META_FIELDS
        if getattr(old, name) != getattr(new, name)
    }
    if old.notes != new.notes:
        meta["notes"] = {"from": len(old.notes), "to": len(new.notes)}
    return {
        "nodes": {"added": added, "removed": removed, "changed": changed},
        "edges": {"added": edges_added, "removed": edges_removed},
        "meta": meta,
    }


def is_empty(diff: dict[str, Any]) -> bool:
    """True when ``diff`` records no change at all."""
    return not (any(diff["nodes"].values()) or any(diff["edges"].values()) or diff["meta"])
