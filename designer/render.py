"""Drawing a flow with Graphviz: the export, the notebook picture, the heat map.

``to_dot`` builds Graphviz source with the ``graphviz`` package (its quoting,
never hand-escaped strings), left to right like the editor's canvas.  Shapes
come from the registry's node *kind* and fill colours from its *category*, so
a new node type is drawn without touching this module.  Three overlays share
the same picture:

- ``findings``: nodes with an error are red, with only warnings amber; a
  finding on an unconnected port draws a dashed red stub for that port;
- ``heat``: ``{node_id: count}`` (calls through each node) shades the nodes
  and prints the count;
- ``highlight``: node ids drawn with a thick blue border (the active node of
  a live call).

Every SVG element carries ``id="node-<id>"`` / ``id="edge-<id>-<port>"`` so a
page can find a node in the picture.  ``to_svg`` runs the ``dot`` binary.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import graphviz

from designer.errors import RenderError
from designer.registry import node_type

if TYPE_CHECKING:
    from designer.findings import Finding
    from designer.flow import Flow

DOT_TIMEOUT_SECONDS = 60
SUMMARY_CHARS = 40

_SHAPES: dict[str, dict[str, str]] = {
    "start": {"shape": "circle", "width": "0.9", "fixedsize": "true"},
    "instruction": {"shape": "box", "style": "rounded,filled"},
    "logic": {"shape": "diamond"},
    "input": {"shape": "box", "style": "filled", "peripheries": "2"},
    "action": {"shape": "cds"},
    "terminal": {"shape": "doublecircle", "width": "0.7", "fixedsize": "true"},
}
_FILLS: dict[str, str] = {
    "flow": "#e8f5e9",
    "prompts": "#e3f2fd",
    "data": "#f3e5f5",
    "call": "#ede7f6",
    "input": "#fff8e1",
    "logic": "#fce4ec",
    "connect": "#e0f7fa",
}
_KIND_FILLS = {"start": "#c8e6c9", "terminal": "#eeeeee"}
_SEVERITY = {"error": ("#c62828", "#ffcdd2"), "warning": ("#ef8f00", "#fff3cd")}
_HIGHLIGHT = "#1565c0"
_HEAT_LOW = (0xFF, 0xF7, 0xEC)
_HEAT_HIGH = (0xE3, 0x4A, 0x33)


def _finding_fields(
    finding: Finding | Mapping[str, Any],
) -> tuple[str, str | None, str | None, str]:
    if isinstance(finding, Mapping):
        get = finding.get
    else:

        def get(key: str) -> Any:
            return getattr(finding, key, None)

    return (
        str(get("severity") or "error"),
        get("node"),
        get("port"),
        str(get("message") or get("code") or ""),
    )


def _short(value: Any) -> str:
    if isinstance(value, str):
        text = " ".join(value.split())
    elif isinstance(value, list):
        text = ", ".join(_short(v) for v in value)
    elif isinstance(value, dict):
        text = next((_short(v) for v in value.values() if isinstance(v, str)), "")
        if not text:
            text = ", ".join(str(k) for k in value)
    else:
        text = str(value)
    return text if len(text) <= SUMMARY_CHARS else text[: SUMMARY_CHARS - 1] + "…"


def _summary(data: Mapping[str, Any], params: Iterable[str], required: Iterable[str]) -> str:
    """A one-line gist of a node: its first required parameter, else its first one set."""
    for key in (*required, *params):
        if data.get(key) not in (None, "", [], {}):
            return _short(data[key])
    return ""


def _heat_fill(count: int, top: int) -> str:
    t = 0.0 if top <= 0 else min(1.0, max(0.0, count / top))
    rgb = (round(lo + (hi - lo) * t) for lo, hi in zip(_HEAT_LOW, _HEAT_HIGH, strict=True))
    return "#" + "".join(f"{c:02x}" for c in rgb)


def _label(*lines: str) -> str:
    return graphviz.nohtml("\\n".join(graphviz.escape(line) for line in lines if line))


def to_dot(
    flow: Flow,
    *,
    findings: Iterable[Finding | Mapping[str, Any]] | None = None,
    heat: Mapping[str, int] | None = None,
    highlight: Iterable[str] | None = None,
) -> str:
    """Graphviz source of ``flow``, left to right, with the optional overlays."""
    node_findings: dict[str, list[tuple[str, str]]] = {}
    port_findings: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for finding in findings or ():
        severity, node, port, message = _finding_fields(finding)
        if node is None:
            continue
        node_findings.setdefault(node, []).append((severity, message))
        if port is not None:
            port_findings.setdefault((node, port), []).append((severity, message))
    heat = dict(heat or {})
    top = max(heat.values(), default=0)
    lit = set(highlight or ())

    graph = graphviz.Digraph(
        name="flow",
        graph_attr={
            "rankdir": "LR",
            "label": _label(flow.name),
            "labelloc": "t",
            "fontname": "Helvetica",
            "fontsize": "16",
            "nodesep": "0.35",
            "ranksep": "0.6",
        },
        node_attr={"fontname": "Helvetica", "fontsize": "11", "style": "filled", "margin": "0.12"},
        edge_attr={"fontname": "Helvetica", "fontsize": "10", "color": "#546e7a"},
    )

    for node in flow.nodes:
        nt = node_type(node.type)
        attrs: dict[str, str] = {"id": f"node-{node.id}"}
        if nt is None:
            attrs.update(shape="box", style="dashed", color="#9e9e9e", fillcolor="#ffffff")
            label = _label(f"unknown type {node.type!r}", node.label or node.id)
        else:
            attrs.update(_SHAPES.get(nt.kind, {"shape": "box"}))
            attrs["fillcolor"] = _KIND_FILLS.get(nt.kind) or _FILLS.get(nt.category, "#ffffff")
            title = node.label or node.id
            gist = _summary(node.data, nt.params, nt.required)
            label = _label(nt.label, title, gist) if nt.kind not in _KIND_FILLS else _label(title)
        tooltip = [f"{node.id} ({node.type})"]
        if node.id in heat:
            attrs["fillcolor"] = _heat_fill(heat[node.id], top)
            attrs["xlabel"] = _label(f"{heat[node.id]} calls")
            tooltip.append(f"{heat[node.id]} call(s)")
        problems = node_findings.get(node.id)
        if problems:
            worst = "error" if any(s == "error" for s, _ in problems) else "warning"
            border, fill = _SEVERITY.get(worst, _SEVERITY["error"])
            attrs.update(color=border, penwidth="2.5")
            if node.id not in heat:
                attrs["fillcolor"] = fill
            tooltip.extend(f"{s}: {m}" for s, m in problems)
        if node.id in lit:
            attrs.update(color=_HIGHLIGHT, penwidth="4")
        if "filled" not in attrs.get("style", "filled"):
            attrs["style"] += ",filled"
        attrs["tooltip"] = _label(*tooltip)
        graph.node(node.id, label=label, **attrs)

    # Names of the extra (missing/stub) nodes contain '/', which no node id may
    # contain, and never ':', which Graphviz reads as node:port in an edge.
    known = flow.by_id
    drawn: set[tuple[str, str]] = set()
    missing: dict[str, str] = {}
    for edge in flow.edges:
        if edge.source not in known:
            continue
        target = edge.target
        if target not in known:
            if target not in missing:
                missing[target] = f"missing/{len(missing)}"
                graph.node(
                    missing[target],
                    label=_label(f"missing node {target!r}"),
                    shape="box",
                    style="dashed",
                    fillcolor="#ffffff",
                    color=_SEVERITY["error"][0],
                    fontcolor=_SEVERITY["error"][0],
                    id=f"missing-{target}",
                )
            target = missing[target]
        attrs = {"id": f"edge-{edge.source}-{edge.port}"}
        if (edge.source, edge.port) in port_findings:
            attrs.update(color=_SEVERITY["error"][0], fontcolor=_SEVERITY["error"][0])
        graph.edge(edge.source, target, label=_label(edge.port), **attrs)
        drawn.add((edge.source, edge.port))

    for n, ((node_id, port), problems) in enumerate(port_findings.items()):
        if node_id not in known or (node_id, port) in drawn:
            continue
        stub = f"stub/{n}"
        red = _SEVERITY["error"][0]
        graph.node(
            stub,
            label="",
            shape="point",
            width="0.12",
            color=red,
            id=f"stub-{node_id}-{port}",
            tooltip=_label(*(m for _, m in problems)),
        )
        graph.edge(
            node_id,
            stub,
            label=_label(port),
            style="dashed",
            color=red,
            fontcolor=red,
            id=f"edge-{node_id}-{port}",
        )
    return graph.source


def run_dot(source: str, fmt: str) -> bytes:
    """Run Graphviz ``dot -T<fmt>`` on ``source``; a clear ``RenderError`` when it cannot."""
    binary = shutil.which("dot")
    if binary is None:
        raise RenderError(
            "Graphviz 'dot' is not installed; install Graphviz (e.g. apt-get install graphviz)"
        )
    try:
        done = subprocess.run(
            [binary, f"-T{fmt}"],
            input=source.encode(),
            capture_output=True,
            timeout=DOT_TIMEOUT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise RenderError(f"Graphviz 'dot' took longer than {DOT_TIMEOUT_SECONDS} s") from None
    if done.returncode != 0:
        reason = done.stderr.decode(errors="replace").strip().splitlines()
        raise RenderError(
            f"Graphviz 'dot' failed: {reason[0] if reason else f'exit code {done.returncode}'}"
        )
    return done.stdout


def to_svg(flow: Flow, **kw: Any) -> str:
    """The flow as an SVG picture (``to_dot`` overlays accepted)."""
    return run_dot(to_dot(flow, **kw), "svg").decode()
