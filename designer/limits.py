"""Size limits on flow documents accepted from outside.

The request body limit (``DESIGNER_MAX_BODY_BYTES``) bounds the bytes; these
bound what the bytes may hold, because validation, layout and rendering cost
grows with the number of nodes and edges and the length of texts, and one
oversized save should not occupy a worker for everyone else.  The defaults
are far above any hand-drawn IVR (the largest real ones have a few hundred
nodes) and far below what would strain the server.

``check_flow_size`` walks the raw JSON before it is parsed, so a too-large
document is refused cheaply, with ``PayloadTooLarge`` (HTTP 413) naming the
limit, the setting that raises it, and the path of the offending value.
Every request that carries a flow pays for the walk, so it is one pass that
only looks at types and lengths; the path is worked out by a second, slower
walk only once the first has found that something is over a limit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from designer.errors import PayloadTooLarge

DEFAULT_MAX_NODES = 5000
DEFAULT_MAX_EDGES = 20000
DEFAULT_MAX_NOTES = 1000
DEFAULT_MAX_TEXT = 10000
MAX_DEPTH = 32  # nesting of objects and lists inside the document


@dataclass(frozen=True)
class FlowLimits:
    max_nodes: int = DEFAULT_MAX_NODES
    max_edges: int = DEFAULT_MAX_EDGES
    max_notes: int = DEFAULT_MAX_NOTES
    max_text: int = DEFAULT_MAX_TEXT

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> FlowLimits:
        """From the ``MAX_FLOW_*``/``MAX_TEXT_CHARS`` settings (defaults where absent)."""
        return cls(
            max_nodes=settings.get("MAX_FLOW_NODES") or DEFAULT_MAX_NODES,
            max_edges=settings.get("MAX_FLOW_EDGES") or DEFAULT_MAX_EDGES,
            max_notes=settings.get("MAX_FLOW_NOTES") or DEFAULT_MAX_NOTES,
            max_text=settings.get("MAX_TEXT_CHARS") or DEFAULT_MAX_TEXT,
        )

    def to_dict(self) -> dict[str, int]:
        return {
            "maxNodes": self.max_nodes,
            "maxEdges": self.max_edges,
            "maxNotes": self.max_notes,
            "maxTextChars": self.max_text,
        }


DEFAULT_LIMITS = FlowLimits()

# The setting that raises each limit, named in the error so an operator knows.
_SETTING = {
    "nodes": ("max_nodes", "DESIGNER_MAX_FLOW_NODES"),
    "edges": ("max_edges", "DESIGNER_MAX_FLOW_EDGES"),
    "notes": ("max_notes", "DESIGNER_MAX_FLOW_NOTES"),
}


def _path(parts: list[str | int]) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def _within(container: dict[Any, Any] | list[Any], max_text: int, depth: int) -> bool:
    """Whether nothing inside ``container`` (itself at ``depth``) is over a limit.

    The hot path of every save: no paths, no allocation, exact type checks
    first (``json.loads`` makes nothing else), ``isinstance`` for the rest.
    """
    if depth >= MAX_DEPTH:
        return not container  # anything inside would be nested too deep
    depth += 1
    if isinstance(container, dict):
        for key, item in container.items():
            if type(key) is str and len(key) > max_text:
                return False
            kind = type(item)
            if kind is str:
                if len(item) > max_text:
                    return False
            elif kind is dict or kind is list:
                if not _within(item, max_text, depth):
                    return False
            elif isinstance(item, str | dict | list) and not _value_within(item, max_text, depth):
                return False
        return True
    for item in container:
        kind = type(item)
        if kind is str:
            if len(item) > max_text:
                return False
        elif kind is dict or kind is list:
            if not _within(item, max_text, depth):
                return False
        elif isinstance(item, str | dict | list) and not _value_within(item, max_text, depth):
            return False
    return True


def _value_within(value: Any, max_text: int, depth: int) -> bool:
    """``_within`` for a value of a subclass of str, dict or list (not from JSON)."""
    if isinstance(value, str):
        return len(value) <= max_text
    return _within(value, max_text, depth)


def _locate_problem(document: Any, max_text: int) -> dict[str, Any] | None:
    """The first string over ``max_text`` characters or nesting beyond MAX_DEPTH, with its path.

    Only called once ``_within`` has found that there is one.
    """
    stack: list[tuple[Any, list[str | int]]] = [(document, [])]
    while stack:
        value, path = stack.pop()
        if len(path) > MAX_DEPTH:
            return {"path": _path(path), "message": f"nested more than {MAX_DEPTH} levels deep"}
        if isinstance(value, str):
            if len(value) > max_text:
                return {
                    "path": _path(path),
                    "message": f"text of {len(value)} characters; at most {max_text} allowed "
                    "(DESIGNER_MAX_TEXT_CHARS)",
                }
        elif isinstance(value, dict):
            for key, item in value.items():
                if isinstance(key, str) and len(key) > max_text:
                    return {"path": _path(path), "message": "a field name is too long"}
                stack.append((item, [*path, key]))
        elif isinstance(value, list):
            stack.extend((item, [*path, i]) for i, item in enumerate(value))
    return None


def check_flow_size(document: Any, limits: FlowLimits = DEFAULT_LIMITS) -> None:
    """Raise ``PayloadTooLarge`` when a flow document exceeds ``limits``.

    Anything that is not a dict is left to the document parser, which names
    the structural problem better.
    """
    if not isinstance(document, dict):
        return
    for field, (attr, setting) in _SETTING.items():
        items = document.get(field)
        limit = getattr(limits, attr)
        if isinstance(items, list) and len(items) > limit:
            raise PayloadTooLarge(
                f"the flow has {len(items)} {field}; at most {limit} are allowed "
                f"(the server's {setting})",
                details=[{"path": field, "message": f"more than {limit}", "limit": limit}],
            )
    if _within(document, limits.max_text, 0):
        return
    problem = _locate_problem(document, limits.max_text)
    if problem is not None:
        raise PayloadTooLarge(f"the flow is too large at {problem['path']}: {problem['message']}",
                              details=[problem])  # fmt: skip
