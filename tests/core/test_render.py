"""Graphviz pictures of flows, and the editor's automatic layout."""

from __future__ import annotations

import json
import re
import time
from xml.etree import ElementTree

import pytest

from designer import Flow, examples
from designer.errors import RenderError
from designer.layout import layout
from designer.render import run_dot, to_dot, to_svg
from tests.conftest import need_dot


def flow_of(nodes, edges, name="t") -> Flow:
    return Flow.from_dict({"format": "callflow/1", "name": name, "nodes": nodes, "edges": edges})


def edge(src, dst, port="next"):
    return {"from": src, "to": dst, "port": port}


def node_line(source: str, node_id: str) -> str:
    (line,) = [ln for ln in source.splitlines() if f'id="node-{node_id}"' in ln]
    return line


def parsed(source: str) -> dict:
    """Graphviz's own reading of the source (``-Tjson0``): proves it is valid DOT."""
    need_dot()
    return json.loads(run_dot(source, "json0"))


@pytest.mark.parametrize("name", examples.names())
def test_every_example_draws(name: str):
    flow = examples.load(name)
    source = to_dot(flow)
    assert "rankdir=LR" in source
    graph = parsed(source)
    drawn = {o["name"]: o for o in graph["objects"]}
    assert set(drawn) == {n.id for n in flow.nodes}
    labels = sorted(e["label"] for e in graph.get("edges", []))
    assert labels == sorted(e.port for e in flow.edges)  # every edge, labelled with its port


def test_shapes_and_colours_come_from_the_registry():
    source = to_dot(examples.load("every_node"))
    assert "shape=diamond" in node_line(source, "vip_check")  # logic
    assert "shape=cds" in node_line(source, "sales")  # action
    assert "shape=doublecircle" in node_line(source, "hangup")  # terminal
    assert "peripheries=2" in node_line(source, "main")  # input
    assert 'fillcolor="#e3f2fd"' in node_line(source, "welcome")  # prompts category


def test_user_text_is_quoted_not_interpreted():
    nasty = 'He said "hi" \\ {braces} <b>bold</b>; [#tts] edge -> x'
    flow = flow_of(
        [{"id": "start", "type": "start"},
         {"id": "say-1", "type": "say", "data": {"text": nasty}, "label": "<html-ish>"},
         {"id": "123", "type": "hangup"}],
        [edge("start", "say-1"), edge("say-1", "123")], name='Quote "me"',
    )  # fmt: skip
    source = to_dot(flow)
    graph = parsed(source)
    by_name = {o["name"]: o for o in graph["objects"]}
    assert set(by_name) == {"start", "say-1", "123"}
    assert graph["label"] == 'Quote "me"'
    label = by_name["say-1"]["label"]
    assert label.split("\\n")[1] == "<html-ish>"
    assert 'He said "hi" \\\\ {braces} <b>bold</b>;' in label  # backslash kept literal
    need_dot()
    svg = to_svg(flow)
    assert "He said &quot;hi&quot; \\ {braces} &lt;b&gt;bold&lt;/b&gt;;" in svg


def test_findings_colour_nodes_and_mark_unconnected_ports():
    doc = examples.document("support_line")
    doc["edges"] = [e for e in doc["edges"] if (e["from"], e.get("port")) != ("support", "invalid")]
    flow = Flow.from_dict(doc)
    findings = [
        {"severity": "error", "code": "dead-end", "node": "support", "port": "invalid",
         "message": "nowhere to go"},
        {"severity": "warning", "code": "missing-hangup-path", "node": "main", "port": "9",
         "message": "loops"},
        {"severity": "error", "code": "no-start", "node": None, "port": None, "message": "x"},
    ]  # fmt: skip
    source = to_dot(flow, findings=findings)
    assert 'color="#c62828"' in node_line(source, "support")
    assert 'color="#ef8f00"' in node_line(source, "main")
    assert "#c62828" not in node_line(source, "welcome")
    graph = parsed(source)
    stubs = [o for o in graph["objects"] if o["name"].startswith("stub/")]
    assert len(stubs) == 1 and stubs[0]["shape"] == "point"
    red_edges = [e for e in graph["edges"] if e.get("color") == "#c62828"]
    assert sorted(e["label"] for e in red_edges) == ["9", "invalid"]  # stub + marked edge
    styles = {e["label"]: e.get("style") for e in red_edges}
    assert styles == {"invalid": "dashed", "9": None}  # a stub for the unconnected port


def test_findings_accept_finding_objects():
    flow = examples.load("pin_entry")
    report = flow_of([{"id": "x", "type": "hangup"}], []).validate()
    assert to_dot(flow, findings=report)  # findings not in this flow are ignored
    from designer.findings import Finding

    source = to_dot(flow, findings=[Finding("error", "dead-end", "m", node="ask_pin")])
    assert 'color="#c62828"' in node_line(source, "ask_pin")


def _fill(line: str) -> int:
    colour = re.search(r'fillcolor="#([0-9a-f]{6})"', line).group(1)
    return sum(int(colour[i : i + 2], 16) for i in (0, 2, 4))  # lower is darker


def test_heat_shades_by_count_and_highlight_marks_active_nodes():
    flow = examples.load("support_line")
    source = to_dot(flow, heat={"start": 100, "main": 50, "sales": 1}, highlight=["sales"])
    assert _fill(node_line(source, "start")) < _fill(node_line(source, "main"))
    assert _fill(node_line(source, "main")) < _fill(node_line(source, "sales"))
    assert 'xlabel="50 calls"' in node_line(source, "main")
    assert "penwidth=4" in node_line(source, "sales")
    assert "penwidth" not in node_line(source, "start")


def test_dangling_edges_and_unknown_types_still_draw():
    flow = flow_of(
        [{"id": "start", "type": "start"}, {"id": "odd", "type": "teleport"}],
        [edge("start", "odd"), edge("odd", "ghost:1", "x"), edge("missing", "odd")],
    )
    graph = parsed(to_dot(flow))
    names = {o["name"] for o in graph["objects"]}
    assert names == {"start", "odd", "missing/0"}
    assert (
        "unknown type 'teleport'"
        in next(o for o in graph["objects"] if o["name"] == "odd")["label"]
    )


def test_svg_has_ids_for_every_node():
    need_dot()
    flow = examples.load("after_hours")
    svg = flow.to_svg()
    root = ElementTree.fromstring(svg.encode())
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    ids = {el.get("id") for el in root.iter()}
    assert {f"node-{n.id}" for n in flow.nodes} <= ids
    assert {f"edge-{e.source}-{e.port}" for e in flow.edges} <= ids
    assert flow._repr_svg_() == svg


def test_missing_dot_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(RenderError, match="Graphviz 'dot' is not installed"):
        to_svg(examples.load("pin_entry"))
    with pytest.raises(RenderError, match="not installed"):
        layout(examples.load("pin_entry"))


def test_dot_failures_are_reported():
    need_dot()
    with pytest.raises(RenderError, match="Graphviz 'dot' failed"):
        run_dot("digraph { a -> }", "svg")


# --- layout ------------------------------------------------------------------------


def _overlap(a: dict, b: dict, w: int, h: int) -> bool:
    return abs(a["x"] - b["x"]) < w and abs(a["y"] - b["y"]) < h


@pytest.mark.parametrize("name", examples.names())
def test_layout_runs_left_to_right_in_screen_coordinates(name: str):
    need_dot()
    flow = examples.load(name)
    pos = layout(flow)
    assert set(pos) == {n.id for n in flow.nodes}
    assert all(isinstance(p["x"], int) and isinstance(p["y"], int) for p in pos.values())
    assert min(p["x"] for p in pos.values()) == 40 and min(p["y"] for p in pos.values()) == 40
    assert pos[flow.start.id]["x"] == 40  # the start is leftmost
    ids = list(pos)
    for i, a in enumerate(ids):
        for b in ids[i + 1 :]:
            assert not _overlap(pos[a], pos[b], 200, 64), (a, b)


def test_layout_puts_a_menus_options_in_port_order_top_down():
    need_dot()
    flow = flow_of(
        [{"id": "start", "type": "start"},
         {"id": "main", "type": "menu", "data": {"prompt": "x", "options": ["1", "2", "3"]}},
         {"id": "a", "type": "hangup"}, {"id": "b", "type": "hangup"},
         {"id": "c", "type": "hangup"}, {"id": "t", "type": "hangup"}],
        [edge("start", "main"), edge("main", "t", "timeout"), edge("main", "c", "3"),
         edge("main", "a", "1"), edge("main", "b", "2")],
    )  # fmt: skip
    # edges listed out of order in the document: the layout follows the ports' order
    pos = layout(flow)
    assert pos["start"]["x"] < pos["main"]["x"] < pos["a"]["x"]
    ys = [pos[n]["y"] for n in ("a", "b", "c", "t")]
    assert ys == sorted(ys), ys


def test_layout_of_an_empty_flow():
    assert layout(flow_of([], [])) == {}


def _tree_flow(size: int) -> Flow:
    """A realistic big IVR: menus three deep, each retrying back to its parent."""
    nodes = [
        {"id": "start", "type": "start"},
        {"id": "bye", "type": "hangup"},
        {"id": "main", "type": "menu", "data": {"prompt": "x", "options": ["1", "2", "3"]}},
    ]
    edges = [edge("start", "main"), edge("main", "bye", "timeout")]
    frontier = [("main", p) for p in ("1", "2", "3")]
    i = 0
    while len(nodes) < size:
        parent, port = frontier.pop(0)
        nodes += [
            {"id": f"s{i}", "type": "say", "data": {"text": "Hello"}},
            {"id": f"m{i}", "type": "menu", "data": {"prompt": "x", "options": ["1", "2", "3"]}},
        ]
        edges += [
            edge(parent, f"s{i}", port),
            edge(f"s{i}", f"m{i}"),
            edge(f"m{i}", parent, "timeout"),
        ]
        frontier += [(f"m{i}", p) for p in ("1", "2", "3")]
        i += 1
    edges += [edge(parent, "bye", port) for parent, port in frontier]
    return flow_of(nodes, edges)  # fmt: skip


@pytest.mark.slow
def test_layout_of_500_nodes_is_fast():
    need_dot()
    flow = _tree_flow(500)
    assert len(flow.nodes) >= 500
    began = time.perf_counter()
    pos = layout(flow)
    elapsed = time.perf_counter() - began
    assert len(pos) == len(flow.nodes)
    assert elapsed < 5, f"layout of {len(flow.nodes)} nodes took {elapsed:.2f} s"
