"""Replaying stored calls against the current draft of their flow."""

from __future__ import annotations

import copy

import pytest

from designer.errors import BadRequest
from designer.simulator.replay import caller_script, original_path, replay
from designer.simulator.script import Callee, HangUp, Press, Silence
from designer.storage import MemoryRepository
from designer.web import create_app
from designer.web.sim import Sandbox

from .flows import AGENT, helpdesk


@pytest.fixture
def stored(now):
    """``stored(script, **body) -> (call as the call log serves it, draft document)``."""
    repo = MemoryRepository()
    app = create_app({"REPOSITORY": repo, "DATABASE_URL": "memory://", "REDIS_URL": None,
                      "CLOCK": lambda: now})  # fmt: skip
    client = app.test_client()
    flow_id = repo.create_flow(helpdesk(), now).id

    def make(script, **body):
        started = client.post("/api/sim/calls", json={"flow": flow_id, "script": script, **body})
        assert started.status_code == 201, started.json
        call = client.get(f"/api/calls/{started.json['callid']}").json
        return call, repo.get_flow(flow_id).document

    return make


def test_inputs_are_read_back_from_the_callbacks(stored):
    call, _ = stored(["2", "2468#"], callee="answer", talk=42)
    script = caller_script(call)
    assert script.steps[:2] == [Press("2"), Press("2468")]
    callee = script.steps[2]
    assert isinstance(callee, Callee) and callee.outcome == "answer"
    assert callee.talk == pytest.approx(42, abs=1)


def test_silence_wrong_keys_busy_and_hangups_are_read_back(stored):
    call, _ = stored(["silence", "silence"])
    assert caller_script(call).steps == [Silence(persist=True)]
    call, _ = stored(["1"], callee="busy")
    assert caller_script(call).steps == [Press("1"), Callee("busy")]
    call, _ = stored(["hangup"])
    assert caller_script(call).steps == [HangUp()]
    call, _ = stored(["2", "#"])
    assert caller_script(call).steps == [Press("2"), Press("#", persist=True)]


def test_replay_on_the_unchanged_draft_is_the_same(stored):
    call, draft = stored(["2", "2468#"])
    report = replay(call, draft, sandbox=Sandbox)
    assert report.same, report.render()
    assert report.replayed["outcome"]["node"] == "room"
    assert report.original == original_path(call)
    assert "same path and outcome" in report.render()


def test_replay_shows_what_an_edit_changes(stored):
    call, draft = stored(["2", "2468#"])
    edited = copy.deepcopy(draft)
    for edge in edited["edges"]:
        if edge["from"] == "check" and edge.get("port") == "ok":
            edge["to"] = "wrong"
    report = replay(call, edited, sandbox=Sandbox)
    assert not report.same
    assert report.replayed["outcome"] == {"action": "hangup", "node": "bye"}
    assert any(d.startswith("path: ") for d in report.differences)
    assert any("connectConf at room  became  hangup at bye" in d for d in report.differences)


def test_changed_parameters_are_a_difference_too(stored):
    call, draft = stored(["1"])
    edited = copy.deepcopy(draft)
    next(n for n in edited["nodes"] if n["id"] == "sales")["data"]["number"] = AGENT
    report = replay(call, edited, sandbox=Sandbox)
    assert report.differences == ["outcome parameters changed: number"]


def test_a_call_without_events_cannot_be_replayed():
    with pytest.raises(BadRequest, match="no events"):
        caller_script({"callid": "x"})
