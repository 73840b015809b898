"""The engine without HTTP: idempotency, out-of-order events, and failing safely."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from designer.engine import APOLOGY, Engine, parse_callback
from designer.errors import BadRequest
from designer.svaml import check_svaml
from designer.tracebus import InProcessBus
from tests.runtime.conftest import OPEN, publish
from tests.runtime.flows import LINE, say_then, support_line


@pytest.fixture
def bus():
    return InProcessBus()


@pytest.fixture
def engine(repo, bus):
    return Engine(repo, bus)


def ice(callid="c1", stamp="2026-11-25T10:00:00Z", to=LINE):
    return {"event": "ice", "callid": callid, "timestamp": stamp, "cli": "+46701234567",
            "to": {"type": "number", "endpoint": to}}  # fmt: skip


def pie(kind, value=None, callid="c1", stamp="2026-11-25T10:00:05Z"):
    result = {"menuId": "main", "type": kind}
    if value is not None:
        result["value"] = value
    return {"event": "pie", "callid": callid, "timestamp": stamp, "menuResult": result}


def dice(callid="c1", stamp="2026-11-25T10:01:00Z"):
    return {"event": "dice", "callid": callid, "timestamp": stamp, "reason": "CALLERHANGUP",
            "result": "ANSWERED", "duration": 60}  # fmt: skip


def test_repeated_callbacks_get_the_same_answer_and_do_not_advance(engine, repo, support_flow):
    first = engine.handle(ice(), OPEN)
    again = engine.handle(ice(), OPEN + timedelta(seconds=3))
    assert again.replayed and again.svaml == first.svaml

    choice = engine.handle(pie("return", "2"), OPEN)
    state = repo.get_call("c1")
    repeat = engine.handle(pie("return", "2"), OPEN)
    assert repeat.replayed and repeat.svaml == choice.svaml
    after = repo.get_call("c1")
    assert after.context["waiting"] == state.context["waiting"] == "pin"
    assert after.current_node == state.current_node

    # the same menu result at another time is a new callback: the PIN prompt gets "2"
    other = engine.handle(pie("sequence", "2", stamp="2026-11-25T10:00:09Z"), OPEN)
    assert not other.replayed
    duplicates = [e for e in repo.list_events("c1") if e.data.get("duplicate")]
    assert len(duplicates) == 2
    assert [e.kind for e in repo.list_events("c1")].count("svaml") == 3


def test_repeated_dice_closes_once(engine, repo, support_flow):
    engine.handle(ice(), OPEN)
    engine.handle(dice(), OPEN)
    assert engine.handle(dice(), OPEN).replayed
    assert [e.kind for e in repo.list_events("c1")].count("dice") == 1


def test_dice_before_pie(engine, repo, support_flow):
    engine.handle(ice(), OPEN)
    engine.handle(dice(), OPEN)
    late = engine.handle(pie("return", "1"), OPEN)
    assert late.svaml == {"instructions": [], "action": {"name": "hangup"}}
    record = repo.get_call("c1")
    assert record.state == "ended" and record.reason == "CALLERHANGUP"
    assert record.current_node == "main"  # the late choice did not move the call
    last = repo.list_events("c1")[-1]
    assert last.kind == "svaml" and last.data["late"] is True


def test_pie_and_ace_for_unknown_calls(engine):
    assert engine.handle(pie("return", "1", callid="nobody"), OPEN).svaml["action"] == {
        "name": "hangup"
    }
    ace = {"event": "ace", "callid": "nobody", "timestamp": "2026-11-25T10:00:00Z"}
    assert engine.handle(ace, OPEN).svaml["action"] == {"name": "continue"}


def test_a_second_ice_for_a_live_call_hangs_up_that_leg(engine, repo, support_flow):
    engine.handle(ice(), OPEN)
    second = engine.handle(ice(stamp="2026-11-25T10:00:30Z"), OPEN)
    assert second.svaml["action"] == {"name": "hangup"}
    assert repo.get_call("c1").context["waiting"] == "main"
    codes = [e.data.get("code") for e in repo.list_events("c1") if e.kind == "error"]
    assert codes == ["duplicate-ice"]


def test_every_event_is_published_on_the_bus(engine, repo, bus, support_flow):
    by_call = bus.subscribe(call="c1")
    by_flow = bus.subscribe(flow=support_flow)
    engine.handle(ice(), OPEN)
    engine.handle(pie("return", "1"), OPEN)
    stored = [e.to_dict() for e in repo.list_events("c1")]
    for sub in (by_call, by_flow):
        got = []
        while (item := sub.get(timeout=0.01)) is not None:
            got.append(item)
        assert got == stored


@pytest.mark.parametrize(
    ("flow", "code"),
    [
        (say_then("Hi {{ vars.x * 100000 }}"), "template-error"),
        (say_then("Hi {% broken"), "template-error"),
        (say_then("Hi", {"id": "end", "type": "teleport"}), "step-error"),
        (say_then("Hi", {"id": "end", "type": "park", "data": {"holdPrompt": "Wait"}}), None),
    ],
    ids=["template-too-big", "template-syntax", "unknown-type", "park-is-fine-on-ice"],
)
def test_bad_flow_data_gets_a_safe_answer_and_an_error_event(engine, repo, flow, code, caplog):
    publish(repo, flow)
    with caplog.at_level(logging.WARNING, logger="designer.engine"):
        out = engine.handle(ice(), OPEN)
    assert check_svaml(out.svaml, "ice") == []
    if code is None:
        assert out.error is None
        return
    assert out.svaml == {"instructions": [{"name": "say", "text": APOLOGY}],
                         "action": {"name": "hangup"}}  # fmt: skip
    record = repo.get_call("c1")
    assert record.result == "error" and record.flow_id is not None
    errors = [e for e in repo.list_events("c1") if e.kind == "error"]
    assert errors[0].data["code"] == code and errors[0].data["message"]
    assert any("c1" in r.getMessage() for r in caplog.records)


def test_an_action_the_event_does_not_accept_is_answered_safely(engine, repo):
    doc = support_line()
    # after the agent answers, park the call: ACE does not accept park
    for node in doc["nodes"]:
        if node["id"] == "room":
            node.update(type="park", data={"holdPrompt": "Hold on."})
    publish(repo, doc)
    engine.handle(ice(), OPEN)
    engine.handle(pie("return", "2"), OPEN)
    engine.handle(pie("sequence", "1234", stamp="2026-11-25T10:00:08Z"), OPEN)
    ace = engine.handle({"event": "ace", "callid": "c1", "timestamp": "2026-11-25T10:00:20Z"}, OPEN)
    assert ace.svaml == {"instructions": [], "action": {"name": "continue"}}
    assert ace.error and "park" in ace.error


def test_a_dead_end_hangs_up_and_is_traced(engine, repo):
    doc = say_then("Hello")
    doc["edges"] = doc["edges"][:1]  # the say leads nowhere
    publish(repo, doc)
    out = engine.handle(ice(), OPEN)
    assert out.svaml["action"] == {"name": "hangup"}
    errors = [e for e in repo.list_events("c1") if e.kind == "error"]
    assert errors[0].node == "hello" and errors[0].data["code"] == "dead-end"


def test_notify_is_recorded(engine, repo, support_flow):
    engine.handle(ice(), OPEN)
    note = {"event": "notify", "callid": "c1", "version": 1, "type": "recording_finished",
            "destination": "s3://bucket/file.mp3"}  # fmt: skip
    assert engine.handle(note, OPEN).svaml == {}
    event = repo.list_events("c1")[-1]
    assert event.kind == "notify" and event.data["destination"] == "s3://bucket/file.mp3"
    assert engine.handle(note, OPEN).replayed  # no timestamp: the payload itself is the key


@pytest.mark.parametrize(
    ("payload", "channel", "message"),
    [
        ([], None, "JSON object"),
        ({"event": "call"}, None, "unknown callback event"),
        ({}, None, "unknown callback event"),
        ({"event": "ice"}, None, "no callid"),
        ({"event": "ice", "callid": ""}, None, "non-empty"),
        ({"event": "ice", "callid": "x" * 300}, None, "longer"),
        ({"event": "ace", "callid": "x"}, "pie", "posted to"),
    ],
)
def test_unreadable_payloads_are_bad_requests(payload, channel, message):
    with pytest.raises(BadRequest, match=message):
        parse_callback(payload, channel)


def test_callid_spellings_and_extra_fields():
    assert parse_callback({"event": "ICE", "callId": "a", "whatever": [1]}).callid == "a"
    assert parse_callback({"callid": "b"}, "dice").event == "dice"
