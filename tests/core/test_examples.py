"""The example flows shipped in the package: valid, complete, laid out, realistic."""

from __future__ import annotations

import json

import pytest

from designer import Flow, examples
from designer.errors import NotFound
from designer.registry import NODE_TYPES, node_type

EXPECTED = {"after_hours", "conference_bridge", "every_node", "pin_entry", "support_line"}


def test_the_examples_are_listed(examples_dir):
    assert set(examples.names()) == EXPECTED
    assert {p.stem for p in examples_dir.glob("*.json")} == EXPECTED
    assert set(examples.all_flows()) == EXPECTED


def test_unknown_example():
    with pytest.raises(NotFound, match=r"no example flow 'nope'.*support_line"):
        examples.load("nope")


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example_is_valid_without_warnings(name: str):
    report = examples.load(name).validate()
    assert [f.to_dict() for f in report] == []


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example_is_stored_normalised_and_laid_out(name: str, examples_dir):
    text = (examples_dir / f"{name}.json").read_text()
    flow = Flow.loads(text)
    assert json.loads(text) == flow.to_dict() == examples.document(name)
    assert flow.name and flow.doc.description
    assert all(n.position is not None for n in flow.nodes)
    xs = {n.id: n.position["x"] for n in flow.nodes}
    assert xs[flow.start.id] == min(xs.values())  # reads left to right
    spots = {(n.position["x"], n.position["y"]) for n in flow.nodes}
    assert len(spots) == len(flow.nodes)


def test_every_node_uses_every_node_type():
    used = {n.type for n in examples.load("every_node").nodes}
    assert used == set(NODE_TYPES)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_input_has_a_way_to_hang_up(name: str):
    """From each menu/collect, silence leads to a hangup without waiting for more input."""
    flow = examples.load(name)
    for node in flow.nodes:
        if node_type(node.type).kind != "input":
            continue
        seen, todo, ends = set(), [flow.target(node.id, "timeout")], False
        while todo:
            current = todo.pop()
            if current is None or current in seen:
                continue
            seen.add(current)
            kind = node_type(flow.by_id[current].type).kind
            if kind == "terminal":
                ends = True
            elif kind != "input":
                todo.extend(flow.out_edges[current].values())
        assert ends, f"{name}: {node.id} has no hangup path on timeout"


def test_prompts_are_realistic():
    for flow in examples.all_flows().values():
        for node in flow.nodes:
            for key in ("text", "prompt", "holdPrompt"):
                value = node.data.get(key)
                if value is not None:
                    assert len(value) >= 8 and "lorem" not in value.lower(), (node.id, value)
