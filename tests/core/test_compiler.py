"""The static SVAML export: entry points, decisions, and Sinch's shapes."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from designer import Flow, examples, svaml
from designer.compiler import compile_flow
from designer.errors import FlowInvalid, StepError
from designer.registry import node_type
from designer.svaml import check_svaml

SINCH = Path(__file__).resolve().parents[2].parent / "shared" / "sinch"


def flow_of(nodes, edges) -> Flow:
    return Flow.from_dict({"format": "callflow/1", "name": "t", "nodes": nodes, "edges": edges})


def edge(src, dst, port="next"):
    return {"from": src, "to": dst, "port": port}


def leaves(answer: dict[str, Any], path: tuple[str, ...] = ()) -> Iterator[tuple[tuple, dict]]:
    """Every SVAML of an entry, with the decision ports leading to it."""
    if "decision" in answer:
        assert set(answer) == {"decision", "type", "outcomes"}
        for port, outcome in answer["outcomes"].items():
            yield from leaves(outcome, (*path, port))
    else:
        yield path, answer


def entry_events(flow: Flow) -> dict[str, set[str]]:
    """Which callback reaches each entry node, worked out from the edges alone."""
    events: dict[str, set[str]] = {flow.start.id: {"ice"}}
    for e in flow.edges:
        source = flow.by_id[e.source]
        if source.type in ("menu", "collect"):
            events.setdefault(e.target, set()).add("pie")
        elif e.port == "answered":
            events.setdefault(e.target, set()).add("ace")
    return events


# --- small flows -----------------------------------------------------------------


def test_entry_points_and_their_answers():
    flow = flow_of(
        [{"id": "start", "type": "start"},
         {"id": "hi", "type": "say", "data": {"text": "Hi {{ call.cli }}"}},
         {"id": "main", "type": "menu", "data": {"prompt": "1 or 2", "options": ["1", "2"]}},
         {"id": "agent", "type": "connectPstn", "data": {"number": "+46700000001"}},
         {"id": "whisper", "type": "say", "data": {"text": "A customer"}},
         {"id": "room", "type": "connectConf", "data": {"conferenceId": "room"}},
         {"id": "bye", "type": "hangup"}],
        [edge("start", "hi"), edge("hi", "main"), edge("main", "agent", "1"),
         edge("main", "bye", "2"), edge("main", "bye", "timeout"),
         edge("agent", "whisper", "answered"), edge("whisper", "room")],
    )  # fmt: skip
    out = compile_flow(flow)
    assert list(out) == ["start", "agent", "bye", "whisper"]
    assert out["start"]["instructions"] == [
        {"name": "say", "text": "Hi {{ call.cli }}", "locale": "en-US"}  # template as written
    ]
    assert out["start"]["action"]["name"] == "runMenu"
    assert out["agent"] == {
        "instructions": [],
        "action": {"name": "connectPstn", "number": "+46700000001", "locale": "en-US"},
    }
    assert out["whisper"]["action"] == {"name": "connectConf", "conferenceId": "room"}
    assert flow.to_svaml() == out
    json.dumps(out)  # plain JSON


def test_decisions_list_every_outcome_and_repeat_earlier_instructions():
    flow = flow_of(
        [{"id": "start", "type": "start"},
         {"id": "hi", "type": "say", "data": {"text": "Hi"}},
         {"id": "n", "type": "setVariable", "data": {"name": "n", "value": "1"}},
         {"id": "open", "type": "hours", "data": {"schedule": {"mon": ["09:00-17:00"]}}},
         {"id": "vip", "type": "branch", "data": {"cases": [
             {"port": "gold", "when": "vars.n == '1'"}, {"port": "silver", "when": "vars.n"}]}},
         {"id": "gold", "type": "say", "data": {"text": "Gold"}},
         {"id": "agent", "type": "connectPstn", "data": {}},
         {"id": "closed", "type": "park", "data": {"holdPrompt": "#tts[Hold]"}}],
        [edge("start", "hi"), edge("hi", "n"), edge("n", "open"),
         edge("open", "vip", "open"), edge("open", "closed", "closed"),
         edge("vip", "gold", "gold"), edge("vip", "agent", "else"), edge("gold", "agent")],
    )  # fmt: skip
    hi = {"name": "say", "text": "Hi", "locale": "en-US"}
    gold = {"name": "say", "text": "Gold", "locale": "en-US"}
    pstn = {"name": "connectPstn", "locale": "en-US"}
    assert compile_flow(flow) == {
        "start": {
            "decision": "open",
            "type": "hours",
            "outcomes": {
                "open": {
                    "decision": "vip",
                    "type": "branch",
                    "outcomes": {
                        "gold": {"instructions": [hi, gold], "action": pstn},
                        "silver": {"instructions": [hi], "action": {"name": "hangup"}},
                        "else": {"instructions": [hi], "action": pstn},
                    },
                },
                "closed": {"instructions": [hi],
                           "action": {"name": "park", "holdPrompt": "#tts[Hold]"}},
            },
        }
    }  # fmt: skip


def test_a_node_called_start_that_is_not_the_start_node():
    flow = flow_of(
        [{"id": "begin", "type": "start"},
         {"id": "m", "type": "menu", "data": {"prompt": "x", "options": ["1"]}},
         {"id": "start", "type": "hangup"}],
        [edge("begin", "m"), edge("m", "start", "1"), edge("m", "start", "timeout")],
    )  # fmt: skip
    out = compile_flow(flow)
    assert list(out) == ["start", "node:start"]
    assert out["start"]["action"]["name"] == "runMenu"
    assert out["node:start"]["action"] == {"name": "hangup"}


def test_no_start_node():
    with pytest.raises(FlowInvalid, match="no start node"):
        compile_flow(flow_of([{"id": "bye", "type": "hangup"}], []))


def test_a_loop_through_decisions_is_refused():
    flow = flow_of(
        [{"id": "start", "type": "start"},
         {"id": "a", "type": "branch", "data": {"cases": [{"port": "x", "when": "true"}]}},
         {"id": "b", "type": "say", "data": {"text": "again"}},
         {"id": "bye", "type": "hangup"}],
        [edge("start", "a"), edge("a", "b", "x"), edge("b", "a"), edge("a", "bye", "else")],
    )  # fmt: skip
    with pytest.raises(StepError, match="loops through the decision 'a'"):
        compile_flow(flow)


def test_a_loop_without_any_decision_is_refused():
    flow = flow_of(
        [{"id": "start", "type": "start"}, {"id": "a", "type": "say", "data": {"text": "a"}}],
        [edge("start", "a"), edge("a", "a")],
    )
    with pytest.raises(StepError, match="loops without waiting"):
        compile_flow(flow)


# --- the shipped examples ----------------------------------------------------------


@pytest.mark.parametrize("name", examples.names())
def test_every_answer_of_every_example_is_accepted_for_its_event(name: str):
    flow = examples.load(name)
    out = compile_flow(flow)
    events = entry_events(flow)
    reached = {flow.start.id if key == "start" else key for key in out}
    # the entry points are exactly the nodes a callback can reach, minus unreachable ones
    assert reached <= set(events)
    assert flow.start.id in reached
    checked = 0
    for key, answer in out.items():
        node = flow.start.id if key == "start" else key
        for path, leaf in leaves(answer):
            for event in events[node]:
                assert check_svaml(leaf, event) == [], (key, path, event)
                checked += 1
    assert checked >= len(out)


def test_every_menu_port_of_the_examples_is_an_entry():
    for flow in examples.all_flows().values():
        out = compile_flow(flow)
        for node in flow.nodes:
            if node.type in ("menu", "collect"):
                for port in node_type(node.type).port_names(node.data):
                    target = flow.target(node.id, port)
                    if target is not None:
                        assert target in out or (target == flow.start.id and "start" in out)


def test_templates_stay_as_written():
    out = compile_flow(examples.load("conference_bridge"))
    valid = out["check_code"]["outcomes"]["valid"]
    assert valid["action"] == {
        "name": "connectConf", "conferenceId": "acme-{{ vars.code }}", "moh": "music1"
    }  # fmt: skip
    assert "{{ vars.code }}" in valid["instructions"][0]["text"]


# --- shapes: what we emit is what Sinch documents -------------------------------------


def _lenient_json(block: str) -> Any:
    """Parse a documentation example; two of Sinch's are not quite JSON (quotes, commas)."""
    try:
        return json.loads(block)
    except ValueError:
        fixed = block.replace("'", '"')
        fixed = re.sub(r",(\s*[}\]])", r"\1", fixed)
        fixed = re.sub(r'(true|false|\d|"|\]|\})(\s*\n\s*")', r"\1,\2", fixed)
        try:
            return json.loads(fixed)
        except ValueError:
            return None  # a request/type description, not an example


def _keys(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value).union(*(_keys(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(*(_keys(v) for v in value))
    return set()


def _items(doc: Any) -> Iterator[dict]:
    if isinstance(doc, dict) and "name" in doc:
        yield doc
    elif isinstance(doc, dict):
        yield from (i for i in doc.get("instructions") or [] if isinstance(i, dict))
        if isinstance(doc.get("action"), dict):
            yield doc["action"]


@pytest.fixture(scope="module")
def documented() -> dict[str, set[str]]:
    """Field names per SVAML name, from the reference's examples, its prose and the fixtures."""
    text = (SINCH / "callback-api.txt").read_text()
    fields: dict[str, set[str]] = {}
    docs = [_lenient_json(b) for b in re.findall(r"```json\n(.*?)```", text, re.S)]
    docs += [json.loads(p.read_text()) for p in (SINCH / "fixtures" / "svaml").glob("*.json")]
    for doc in docs:
        for item in _items(doc):
            name = svaml.canonical_name(item["name"])
            if name:
                fields.setdefault(name, set()).update(_keys(item))
    for section in re.split(r"\n### ", text):
        name = svaml.canonical_name(section.split("\n", 1)[0].strip())
        if name:
            fields.setdefault(name, set()).update(re.findall(r"\*\*(\w+)\*\*", section))
    return fields


def test_the_reference_documents_every_name(documented):
    assert set(svaml.INSTRUCTIONS) | set(svaml.ACTIONS) <= set(documented)
    assert {"mainPrompt", "options", "dtmf", "timeoutMills", "enableVoice"} <= documented["runMenu"]


@pytest.mark.parametrize("name", examples.names())
def test_every_field_the_compiler_emits_is_documented(name: str, documented):
    out = compile_flow(examples.load(name))
    emitted: dict[str, set[str]] = {}
    for answer in out.values():
        for _, leaf in leaves(answer):
            assert set(leaf) == {"instructions", "action"}
            for item in [*leaf["instructions"], leaf["action"]]:
                assert item["name"] in (*svaml.INSTRUCTIONS, *svaml.ACTIONS)  # camelCase
                emitted.setdefault(item["name"], set()).update(_keys(item))
    for item_name, keys in emitted.items():
        assert keys <= documented[item_name], (item_name, keys - documented[item_name])
