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
Graphviz routes no edge (``splines=none``: the canvas draws them), and its
process is started before the flow is ready (``layout_parsed``; the web API
starts it before reading the request body), so that its few milliseconds of
start-up overlap reading and parsing the flow on the other core.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from typing import TYPE_CHECKING

from designer.errors import RenderError
from designer.registry import node_type
from designer.render import DOT_TIMEOUT_SECONDS

if TYPE_CHECKING:
    from designer.flow import Flow

MARGIN = 40
LARGE_FLOW = 100
FORMAT = "json0"

Positions = dict[str, dict[str, int]]


def _quote(identifier: str) -> str:
    """A DOT double-quoted ID (never a keyword such as ``node``, whatever the id)."""
    if '"' in identifier or "\\" in identifier:
        identifier = identifier.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + identifier + '"'


def _heights(
    flow: Flow, ports: dict[str, tuple[str, ...] | None], node_height: int, port_height: int
) -> dict[str, int]:
    """Each node's box height in pixels: one more port row per port after the first."""
    return {
        node.id: node_height + port_height * max(0, len(ports[node.id] or (None,)) - 1)
        for node in flow.nodes
    }


def _layout_source(
    flow: Flow,
    node_width: int,
    node_height: int,
    port_height: int,
    *,
    ports: dict[str, tuple[str, ...] | None] | None = None,
    heights: dict[str, int] | None = None,
) -> str:
    """The DOT source Graphviz lays out (``benchmarks/editor.py`` gives it to raw ``dot``)."""
    graph_attr = {
        "nodesep": "0.5",
        "ordering": "out",
        "rankdir": "LR",
        "ranksep": "1.1",
        # The canvas draws the edges itself: Graphviz only places the nodes and
        # routes no edge (the same positions, a tenth of its time saved).
        "splines": "none",
    }
    if len(flow.nodes) > LARGE_FLOW:
        # Bound crossing minimisation and network simplex: long edges of big
        # flows otherwise cost Graphviz minutes for little visible gain.
        graph_attr.update(mclimit="0.3", nslimit="1", nslimit1="2")
    ports = ports if ports is not None else _port_names(flow)
    heights = heights if heights is not None else _heights(flow, ports, node_height, port_height)
    # Graphviz sizes are in inches of 72 points; we treat a point as a pixel.
    width = f"{node_width / 72:.4f}"
    sizes: dict[int, str] = {}  # height -> the node's attributes (a few distinct heights)
    lines = [
        "digraph layout {",
        "\tgraph [" + " ".join(f"{k}={v}" for k, v in graph_attr.items()) + "]",
        '\tnode [fixedsize=true label="" shape=box]',
    ]
    for node in flow.nodes:
        height = heights[node.id]
        attrs = sizes.get(height)
        if attrs is None:
            attrs = sizes[height] = f" [height={height / 72:.4f} width={width}]"
        lines.append("\t" + _quote(node.id) + attrs)
    lines.extend(f"\t{_quote(s)} -> {_quote(t)}" for s, t in _forward_edges(flow, ports))
    lines.append("}")
    return "\n".join(lines) + "\n"


def _port_names(flow: Flow) -> dict[str, tuple[str, ...] | None]:
    """Each node's ports in the order its type lists them (None: a type not in the registry)."""
    fixed: dict[str, tuple[str, ...] | None] = {}  # types whose ports never depend on data
    out: dict[str, tuple[str, ...] | None] = {}
    for node in flow.nodes:
        names = fixed.get(node.type, ())
        if names == ():
            nt = node_type(node.type)
            if nt is None:
                names = fixed[node.type] = None
            elif nt.dynamic_ports is None:
                names = fixed[node.type] = tuple(nt.port_names(None))
            else:
                names = tuple(nt.port_names(node.data))
        out[node.id] = names
    return out


def _targets_in_order(edges: dict[str, str], names: tuple[str, ...] | None) -> list[str]:
    """A node's edge targets in the order its type lists the ports, unknown ports last."""
    if not edges:
        return []
    if not names:
        return list(edges.values())
    listed = [edges[port] for port in names if port in edges]
    if len(listed) == len(edges):
        return listed
    known = set(names)
    return listed + [target for port, target in edges.items() if port not in known]


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
    out_edges = flow.out_edges
    out = {
        node_id: [t for t in _targets_in_order(out_edges.get(node_id, {}), names) if t in known]
        for node_id, names in ports.items()
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
    if not back:
        return [(node_id, target) for node_id in known for target in out[node_id]]
    return [
        (node_id, target)
        for node_id in known
        for target in out[node_id]
        if (node_id, target) not in back
    ]


# --- running Graphviz ---------------------------------------------------------------------


class Graphviz:
    """A ``dot -Tjson0`` process started before its input is ready.

    Graphviz spends several milliseconds starting (loading its plugins)
    before it reads a byte; started first, that happens while the caller
    reads and parses the flow, on the other core.  A failure to start is
    kept and raised only when the source is run, so a malformed document is
    still reported as such rather than as a missing Graphviz.  ``close()``
    stops a process that was never given its input; call it in every case.
    """

    def __init__(self) -> None:
        self.proc: subprocess.Popen[bytes] | None = None
        self.error: RenderError | None = None
        binary = shutil.which("dot")
        if binary is None:
            self.error = RenderError(
                "Graphviz 'dot' is not installed; install Graphviz (e.g. apt-get install graphviz)"
            )
            return
        try:
            self.proc = subprocess.Popen(
                [binary, f"-T{FORMAT}"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
        except OSError as exc:
            self.error = RenderError(f"Graphviz 'dot' could not be started: {exc}")

    def run(self, source: str) -> bytes:
        """Graphviz's output for ``source``; ``RenderError`` when it fails or hangs."""
        if self.proc is None:
            raise self.error or RenderError("this Graphviz process was used already: start another")
        proc, self.proc = self.proc, None
        try:
            out, err = proc.communicate(source.encode(), timeout=DOT_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            raise RenderError(f"Graphviz 'dot' took longer than {DOT_TIMEOUT_SECONDS} s") from None
        if proc.returncode != 0:
            reason = err.decode(errors="replace").strip().splitlines()
            raise RenderError(
                f"Graphviz 'dot' failed: {reason[0] if reason else f'exit code {proc.returncode}'}"
            )
        return out

    def close(self) -> None:
        """Stop a process that was never given its input (the flow could not be read)."""
        proc, self.proc = self.proc, None
        if proc is not None:
            proc.kill()
            proc.communicate()


def _positions(raw: bytes, node_width: int, heights: dict[str, int]) -> Positions:
    """Graphviz's json0 answer as top-left canvas positions (y down).

    Graphviz gives each node's centre; the box sizes are ours (``fixedsize``).
    """
    half_width = node_width / 2
    try:
        result = json.loads(raw)
        top = float(result["bb"].split(",")[3])
        positions: Positions = {}
        for obj in result.get("objects", ()):
            name, pos = obj.get("name"), obj.get("pos")
            height = heights.get(name)
            if height is None or not pos:
                continue
            cx, cy = pos.split(",")
            positions[name] = {
                "x": round(float(cx) - half_width) + MARGIN,
                "y": round(top - float(cy) - height / 2) + MARGIN,
            }
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise RenderError(f"could not read Graphviz's layout: {exc}") from None
    if len(positions) != len(heights):
        raise RenderError("Graphviz's layout is missing some nodes")
    return positions


def layout(
    flow: Flow,
    *,
    node_width: int = 200,
    node_height: int = 64,
    port_height: int = 20,
) -> Positions:
    """Top-left canvas coordinates (pixels, y down) for every node of ``flow``."""
    if not flow.nodes:
        return {}
    return layout_parsed(
        lambda: flow, node_width=node_width, node_height=node_height, port_height=port_height
    )


def layout_parsed(
    parse: Callable[[], Flow],
    *,
    graphviz: Graphviz | None = None,
    node_width: int = 200,
    node_height: int = 64,
    port_height: int = 20,
) -> Positions:
    """``layout(parse())``, with Graphviz started before ``parse`` runs.

    For a server that receives a document: its size check and parsing
    overlap Graphviz's start-up (``graphviz``: one started earlier still,
    before the request body was read).  Whatever ``parse`` raises (a
    malformed or oversized document) is raised unchanged, and Graphviz is
    stopped.
    """
    graphviz = graphviz or Graphviz()
    try:
        flow = parse()
        if not flow.nodes:
            return {}
        ports = _port_names(flow)
        heights = _heights(flow, ports, node_height, port_height)
        source = _layout_source(
            flow, node_width, node_height, port_height, ports=ports, heights=heights
        )
        return _positions(graphviz.run(source), node_width, heights)
    finally:
        graphviz.close()
