"""Reading and writing the ``callflow/1`` flow document (DESIGN.md §3).

Reading is strict about *structure* (JSON, the format tag, field names and
types, id syntax, duplicate ids) and reports every structural problem at once
as an ``InvalidDocument`` whose details name each offending path
(``nodes[3].id``).  It is lenient about *meaning*: unknown node types, edges to
missing nodes and bad parameters are graph problems, reported by validation
as findings so that the editor can still open and draw a broken flow.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from designer.errors import InvalidDocument
from designer.params import json_kind

FORMAT = "callflow/1"
ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
PORT_RE = re.compile(r"^[A-Za-z0-9_*#-]{1,64}$")

TOP_FIELDS = {"format", "name", "description", "locale", "nodes", "edges", "notes"}
NODE_FIELDS = {"id", "type", "data", "position", "label"}
EDGE_FIELDS = {"from", "to", "port"}
NOTE_FIELDS = {"id", "text", "position", "color", "width", "height"}
MAX_NAME = 200


@dataclass
class Node:
    id: str
    type: str
    data: dict[str, Any] = field(default_factory=dict)
    position: dict[str, float] | None = None
    label: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "type": self.type}
        if self.label:
            out["label"] = self.label
        if self.data:
            out["data"] = self.data
        if self.position is not None:
            out["position"] = self.position
        return out


@dataclass
class Edge:
    source: str
    target: str
    port: str = "next"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"from": self.source, "to": self.target}
        if self.port != "next":
            out["port"] = self.port
        return out


@dataclass
class Document:
    """The parsed document: plain data, no behaviour beyond (de)serialising."""

    name: str
    nodes: list[Node]
    edges: list[Edge]
    locale: str = "en-US"
    description: str = ""
    notes: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"format": FORMAT, "name": self.name, "locale": self.locale}
        if self.description:
            out["description"] = self.description
        out["nodes"] = [n.to_dict() for n in self.nodes]
        out["edges"] = [e.to_dict() for e in self.edges]
        if self.notes:
            out["notes"] = self.notes
        return out


class _Problems:
    def __init__(self) -> None:
        self.items: list[dict[str, str]] = []

    def add(self, path: str, message: str) -> None:
        self.items.append({"path": path, "message": message})

    def raise_if_any(self) -> None:
        if self.items:
            first = self.items[0]
            more = f" (and {len(self.items) - 1} more)" if len(self.items) > 1 else ""
            where = f"{first['path']}: " if first["path"] else ""
            raise InvalidDocument(
                f"invalid flow document: {where}{first['message']}{more}", details=self.items
            )


def _unknown_fields(obj: dict, allowed: set[str], path: str, problems: _Problems) -> None:
    for key in obj:
        if key not in allowed:
            where = f"{path}.{key}" if path else key
            problems.add(where, f"unknown field {key!r} (allowed: {', '.join(sorted(allowed))})")


def _position(value: Any, path: str, problems: _Problems) -> dict[str, float] | None:
    if value is None:
        return None
    if (
        not isinstance(value, dict)
        or set(value) - {"x", "y"}
        or not all(
            isinstance(value.get(k), int | float) and not isinstance(value.get(k), bool)
            for k in ("x", "y")
        )
    ):
        problems.add(path, 'position must be {"x": number, "y": number}')
        return None
    return {"x": value["x"], "y": value["y"]}


def parse_text(text: str | bytes) -> Document:
    """Parse a JSON text; bad JSON is an ``InvalidDocument`` naming line and column."""
    try:
        raw = json.loads(text)
    except (UnicodeDecodeError, ValueError) as exc:
        line = getattr(exc, "lineno", None)
        col = getattr(exc, "colno", None)
        where = f" at line {line}, column {col}" if line else ""
        msg = getattr(exc, "msg", str(exc))
        raise InvalidDocument(
            f"flow document is not valid JSON{where}: {msg}",
            details=[{"path": "", "message": f"not valid JSON{where}: {msg}"}],
        ) from None
    return parse(raw)


def parse(raw: Any) -> Document:
    """Build a ``Document`` from decoded JSON, reporting every structural problem."""
    problems = _Problems()
    if not isinstance(raw, dict):
        problems.add("", f"a flow document is a JSON object, not {json_kind(raw)}")
        problems.raise_if_any()
    fmt = raw.get("format")
    if fmt is None:
        problems.add(
            "format", f'format is missing: a flow document starts with "format": "{FORMAT}"'
        )
    elif fmt != FORMAT:
        problems.add("format", f"format must be {FORMAT!r}, got {fmt!r}")
    _unknown_fields(raw, TOP_FIELDS, "", problems)

    name = raw.get("name", "Untitled flow")
    if not isinstance(name, str) or not name.strip() or len(name) > MAX_NAME:
        problems.add("name", f"name must be a non-empty string of at most {MAX_NAME} characters")
        name = "Untitled flow"
    locale = raw.get("locale", "en-US")
    if not isinstance(locale, str):
        problems.add("locale", "locale must be a string such as 'en-US'")
        locale = "en-US"
    description = raw.get("description", "")
    if not isinstance(description, str):
        problems.add("description", "description must be a string")
        description = ""

    nodes: list[Node] = []
    raw_nodes = raw.get("nodes")
    if not isinstance(raw_nodes, list):
        problems.add("nodes", "nodes must be a list of node objects")
        raw_nodes = []
    seen: dict[str, int] = {}
    for i, rn in enumerate(raw_nodes):
        path = f"nodes[{i}]"
        if not isinstance(rn, dict):
            problems.add(path, "a node must be an object with 'id' and 'type'")
            continue
        _unknown_fields(rn, NODE_FIELDS, path, problems)
        nid, ntype = rn.get("id"), rn.get("type")
        ok = True
        if not isinstance(nid, str) or not ID_RE.match(nid):
            problems.add(
                f"{path}.id",
                f"node id {nid!r} must be 1-64 characters of letters, digits, '_' or '-'",
            )
            ok = False
        elif nid in seen:
            problems.add(
                f"{path}.id", f"duplicate node id {nid!r} (first used by nodes[{seen[nid]}])"
            )
            ok = False
        if not isinstance(ntype, str) or not ntype:
            problems.add(f"{path}.type", "node type must be a non-empty string")
            ok = False
        data = rn.get("data", {})
        if data is None:
            data = {}
        if not isinstance(data, dict):
            problems.add(f"{path}.data", "data must be an object of parameters")
            ok = False
        label = rn.get("label")
        if label is not None and (not isinstance(label, str) or len(label) > MAX_NAME):
            problems.add(
                f"{path}.label", f"label must be a string of at most {MAX_NAME} characters"
            )
            label = None
        position = _position(rn.get("position"), f"{path}.position", problems)
        if ok:
            seen[nid] = i
            nodes.append(Node(id=nid, type=ntype, data=data, position=position, label=label))

    edges: list[Edge] = []
    raw_edges = raw.get("edges", [])
    if not isinstance(raw_edges, list):
        problems.add("edges", "edges must be a list of edge objects")
        raw_edges = []
    for i, re_ in enumerate(raw_edges):
        path = f"edges[{i}]"
        if not isinstance(re_, dict):
            problems.add(path, "an edge must be an object with 'from' and 'to'")
            continue
        _unknown_fields(re_, EDGE_FIELDS, path, problems)
        src, dst, port = re_.get("from"), re_.get("to"), re_.get("port", "next")
        ok = True
        for key, value in (("from", src), ("to", dst)):
            if not isinstance(value, str) or not value:
                problems.add(f"{path}.{key}", f"'{key}' must be a node id")
                ok = False
        if not isinstance(port, str) or not PORT_RE.match(port):
            problems.add(
                f"{path}.port", f"port {port!r} must be a short name such as 'next' or '1'"
            )
            ok = False
        if ok:
            edges.append(Edge(source=src, target=dst, port=port))

    notes: list[dict[str, Any]] = []
    raw_notes = raw.get("notes", [])
    if not isinstance(raw_notes, list):
        problems.add("notes", "notes must be a list of sticky notes")
        raw_notes = []
    for i, rn in enumerate(raw_notes):
        path = f"notes[{i}]"
        if not isinstance(rn, dict) or not isinstance(rn.get("text", ""), str):
            problems.add(path, 'a note is an object {"id", "text", "position"}')
            continue
        _unknown_fields(rn, NOTE_FIELDS, path, problems)
        notes.append(dict(rn))

    problems.raise_if_any()
    return Document(
        name=name, nodes=nodes, edges=edges, locale=locale, description=description, notes=notes
    )
