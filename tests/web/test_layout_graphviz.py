"""Auto-layout with Graphviz started ahead of the flow: the same positions, no stray processes.

``designer.layout.layout_parsed`` starts ``dot`` before the document is read
and parsed, so its start-up overlaps that work.  These tests pin down what
must not change with it: the positions, which error a bad document gets (its
own, never a Graphviz one), and that no ``dot`` outlives its request.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from designer import examples
from designer.errors import InvalidDocument, RenderError
from designer.flow import Flow
from designer.layout import Graphviz, _layout_source, layout, layout_parsed
from designer.render import run_dot
from designer.web import create_app
from tests.conftest import need_dot


def dot_children() -> list[int]:
    """Process ids of ``dot`` processes whose parent is this process (running or unreaped)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        ppid = int(stat[stat.rindex(")") + 2 :].split()[1])
        if ppid == os.getpid() and name == "dot":
            found.append(int(entry.name))
    return found


@pytest.fixture
def app() -> Flask:
    return create_app({"DATABASE_URL": "memory://", "AUTH": "off", "MAX_FLOW_NODES": 20})


def test_the_positions_are_graphvizs_own(app: Flask) -> None:
    """The pipelined layout places every node where plain ``dot -Tjson0`` does."""
    need_dot()
    import json

    flow = examples.load("support_line")
    raw = json.loads(run_dot(_layout_source(flow, 200, 64, 20), "json0"))
    top = float(raw["bb"].split(",")[3])
    expected = {}
    for obj in raw["objects"]:
        cx, cy = (float(v) for v in obj["pos"].split(","))
        w, h = float(obj["width"]) * 72, float(obj["height"]) * 72
        expected[obj["name"]] = {"x": round(cx - w / 2) + 40, "y": round(top - cy - h / 2) + 40}
    assert layout(flow) == expected
    answer = app.test_client().post("/api/flows/layout", json=flow.to_dict())
    assert answer.status_code == 200 and answer.get_json() == expected


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"format": "callflow/1", "nodes": "not a list"}, 400),
        ({"format": "callflow/1", "nodes": [{"id": f"n{i}", "type": "say"} for i in range(21)]},
         413),
        ("{not json", 400),
    ],
)  # fmt: skip
def test_a_refused_document_leaves_no_graphviz_behind(app: Flask, body: Any, status: int) -> None:
    need_dot()
    client = app.test_client()
    if isinstance(body, str):
        answer = client.post("/api/flows/layout", data=body, content_type="application/json")
    else:
        answer = client.post("/api/flows/layout", json=body)
    assert answer.status_code == status, answer.get_json()
    assert answer.get_json()["error"]["code"] in ("invalid-document", "bad-request",
                                                  "payload-too-large")  # fmt: skip
    assert dot_children() == []
    stored = client.post("/api/flows/no-such-flow/layout")
    assert stored.status_code == 404 and dot_children() == []


def test_a_parse_error_is_raised_as_it_is() -> None:
    def broken() -> Flow:
        return Flow.from_dict({"format": "callflow/1", "nodes": [{"id": "bad id!"}]})

    with pytest.raises(InvalidDocument, match="bad id!"):
        layout_parsed(broken)
    assert dot_children() == []


def test_without_graphviz_a_bad_document_is_still_reported_as_such(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(InvalidDocument):
        layout_parsed(lambda: Flow.from_dict({"format": "callflow/1", "nodes": 3}))
    with pytest.raises(RenderError, match="not installed"):
        layout_parsed(lambda: examples.load("pin_entry"))
    assert layout_parsed(lambda: Flow.from_dict({"format": "callflow/1", "nodes": []})) == {}


def test_a_started_graphviz_is_used_once_and_then_gone() -> None:
    need_dot()
    graphviz = Graphviz()
    flow = examples.load("pin_entry")
    positions = layout_parsed(lambda: flow, graphviz=graphviz)
    assert set(positions) == {n.id for n in flow.nodes}
    with pytest.raises(RenderError):
        graphviz.run("digraph {}")  # its process has answered: it cannot be run twice
    graphviz.close()
    assert dot_children() == []


def test_graphviz_failures_name_the_reason() -> None:
    need_dot()
    graphviz: Callable[[], Graphviz] = Graphviz
    with pytest.raises(RenderError, match="Graphviz 'dot' failed"):
        graphviz().run("digraph { a -> }")
    assert dot_children() == []
