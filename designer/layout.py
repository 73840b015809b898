"""Automatic layout of a flow for the editor's canvas.

``layout(flow)`` asks Graphviz ``dot`` (one run of ``-Tjson0``, left to
right) where each node goes and returns ``{node_id: {"x", "y"}}`` in the
canvas's terms: pixels, origin at the top-left, ``y`` growing downwards, each
point the top-left corner of the node's box.  Graphviz works in points with
the origin at the bottom-left; we size every node in points as the editor
sizes it in pixels, so one point is one pixel and only the y axis flips.

A node's box is ``node_width`` wide and ``node_height`` high plus
``port_height`` per port after the first, since the editor lists a node's
ports down its right edge.  Out-edges keep their port order
(``ordering=out``), so option 1 sits above option 2 and ``timeout`` below.

The DOT source is written directly rather than through the ``graphviz``
package: its per-attribute quoting cost more than Graphviz itself on big
flows, and this source needs nothing but quoted ids and fixed attributes
(``benchmarks/editor.py`` compares the whole request with raw ``dot``).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from designer.errors import RenderError
from designer.registry import node_type
from designer.render import run_dot

if TYPE_CHECKING:
    from designer.flow import Flow

MARGIN = 40
LARGE_FLOW = 100


def _quote(identifier: str) -> str:
    """A DOT double-quoted ID (never a keyword such as ``node``, whatever the id)."""
    return '"' + identifier.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _layout_source(flow: Flow, node_width: int, node_height: int, port_height: int) -> str:
    graph_attr = {
        "nodesep": "0.5",
        "ordering": "out",
        "rankdir": "LR",
        "ranksep": "1.1",
        "splines": "false",
    }
    if len(flow.nodes) > LARGE_FLOW:
        # Bound crossing minimisation and network simplex: long edges of big
        # flows otherwise cost Graphviz minutes for little visible gain.
        graph_attr.update(mclimit="0.3", nslimit="1", nslimit1="2")
    ports = _port_names(flow)
    # Graphviz sizes are in inches of 72 points; we treat a point as a pixel.
    width = f"{node_width / 72:.4f}"
    lines = [
        "digraph layout {",
        "\tgraph [" + " ".join(f"{k}={v}" for k, v in graph_attr.items()) + "]",
        '\tnode [fixedsize=true label="" shape=box]',
    ]
    for node in flow.nodes:
        height = node_height + port_height * max(0, len(ports[node.id] or (None,)) - 1)
        lines.append(f"\t{_quote(node.id)} [height={height / 72:.4f} width={width}]")
    lines.extend(f"\t{_quote(s)} -> {_quote(t)}" for s, t in _forward_edges(flow, ports))
    lines.append("}")
    return "\n".join(lines) + "\n"


def _port_names(flow: Flow) -> dict[str, tuple[str, ...] | None]:
    """Each node's ports in the order its type lists them (None: a type not in the registry)."""
    out: dict[str, tuple[str, ...] | None] = {}
    for node in flow.nodes:
        nt = node_type(node.type)
        out[node.id] = tuple(nt.port_names(node.data)) if nt is not None else None
    return out


def _ports_in_order(
    flow: Flow, node_id: str, names: tuple[str, ...] | None
) -> list[tuple[str, str]]:
    """``(port, target)`` of a node's edges in the order its type lists the ports."""
    edges = flow.out_edges.get(node_id, {})
    order = {port: i for i, port in enumerate(names or ())}
    return sorted(edges.items(), key=lambda item: order.get(item[0], len(order)))


def _forward_edges(
    flow: Flow, ports: dict[str, tuple[str, ...] | None] | None = None
) -> list[tuple[str, str]]:
    """The edges without those that close a cycle (retry loops back to a menu).

    Back edges would stretch the picture leftwards and cost Graphviz most of its
    time; the editor draws them anyway, so the layout places nodes as if they were
    not there.  Found by an iterative depth-first search from ``start`` (then from
    every node not yet seen), following ports in their order.
    """
    known = flow.by_id
    ports = ports if ports is not None else _port_names(flow)
    out = {
        n.id: [t for _, t in _ports_in_order(flow, n.id, ports[n.id]) if t in known]
        for n in flow.nodes
    }
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    back: set[tuple[str, str]] = set()
    start = flow.start
    roots = ([start.id] if start else []) + list(known)
    for root in roots:
        if root in state:
            continue
        state[root] = 1
        stack = [(root, iter(out[root]))]
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                state[node] = 2
                stack.pop()
            elif state.get(child) == 1:
                back.add((node, child))
            elif child not in state:
                state[child] = 1
                stack.append((child, iter(out[child])))
    return [
        (node_id, target)
        for node_id in known
        for target in out[node_id]
        if (node_id, target) not in back
    ]


def layout(
    flow: Flow,
    *,
    node_width: int = 200,
    node_height: int = 64,
    port_height: int = 20,
) -> dict[str, dict[str, int]]:
    """Top-left canvas coordinates (pixels, y down) for every node of ``flow``."""
    if not flow.nodes:
        return {}
    raw = run_dot(_layout_source(flow, node_width, node_height, port_height), "json0")
    try:
        result = json.loads(raw)
        height = float(result["bb"].split(",")[3])
        positions: dict[str, dict[str, int]] = {}
        for obj in result.get("objects", []):
            name, pos = obj.get("name"), obj.get("pos")
            if name not in flow.by_id or not pos:
                continue
            cx, cy = (float(v) for v in pos.split(","))
            w, h = float(obj["width"]) * 72, float(obj["height"]) * 72
            positions[name] = {
                "x": round(cx - w / 2) + MARGIN,
                "y": round(height - cy - h / 2) + MARGIN,
            }
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise RenderError(f"could not read Graphviz's layout: {exc}") from None
    if len(positions) != len(flow.nodes):
        raise RenderError("Graphviz's layout is missing some nodes")
    return positions
