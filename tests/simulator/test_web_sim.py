"""``/api/sim``: interactive simulated calls through the real callback endpoint."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta

import pytest

from designer.repository import Application, NumberBinding
from designer.storage import MemoryRepository
from designer.web import create_app

from .flows import AGENT, LINE, SALES, helpdesk

SECRET = "BeIukql3pTKJ8RGL5zo0DA=="


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock(now: datetime) -> Clock:
    return Clock(now)  # a Wednesday, 11:00 in Stockholm: open


@pytest.fixture
def repo() -> MemoryRepository:
    return MemoryRepository()


@pytest.fixture
def app(repo, clock):
    return create_app(
        {"REPOSITORY": repo, "DATABASE_URL": "memory://", "REDIS_URL": None, "CLOCK": clock,
         "SIM_SESSION_IDLE_SECONDS": 600}
    )  # fmt: skip


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def flow_id(repo, now) -> str:
    return repo.create_flow(helpdesk(), now).id


def start(client, **body):
    response = client.post("/api/sim/calls", json=body)
    assert response.status_code == 201, response.json
    return response.json


def test_a_draft_is_called_without_publishing_it(client, repo, flow_id):
    call = start(client, flow=flow_id)
    assert call["state"] == "waiting-for-input"
    assert call["prompt"] == "Press 1 for sales, 2 for support."
    assert call["keys"] == ["1", "2"] and call["menu"] == "main"
    assert call["node"] == "main" and call["version"] == "draft"
    assert repo.list_versions(flow_id) == []
    assert call["transcript"]["visited"] == ["start", "welcome", "hours", "main"]


def test_keypad_session_from_menu_to_conference(client, repo, flow_id):
    call = start(client, flow=flow_id)
    sid = call["id"]
    step = client.post(f"/api/sim/calls/{sid}/dtmf", json={"digits": "2"}).json
    assert (step["state"], step["node"], step["maxDigits"]) == ("waiting-for-input", "pin", 4)
    step = client.post(f"/api/sim/calls/{sid}/dtmf", json={"digits": "2468#"}).json
    assert step["state"] == "dialing" and step["node"] == "agent"
    step = client.post(f"/api/sim/calls/{sid}/callee", json={"answer": "answer"}).json
    assert step["state"] == "connected" and step["node"] == "room"
    step = client.post(f"/api/sim/calls/{sid}/talk", json={"seconds": 20}).json
    step = client.post(f"/api/sim/calls/{sid}/hangup", json={"by": "callee"}).json
    assert step["state"] == "ended"
    transcript = step["transcript"]
    assert transcript["visited"][-5:] == ["pin", "check", "agent", "whisper", "room"]
    assert transcript["outcome"]["action"] == "connectConf"
    assert transcript["outcome"]["node"] == "room"
    assert transcript["end"]["reason"] == "CALLEEHANGUP"
    # logged like a real call, marked simulated, with its trace
    logged = client.get(f"/api/calls/{step['callid']}").json
    assert logged["simulated"] is True and logged["state"] == "ended"
    assert logged["flow"] == flow_id
    assert [e["node"] for e in logged["events"] if e["kind"] == "node"] == transcript["visited"]
    again = client.get(f"/api/sim/calls/{sid}").json
    assert again["state"] == "ended"


def test_an_ended_call_takes_no_more_input(client, flow_id):
    sid = start(client, flow=flow_id, script=["hangup"])["id"]
    response = client.post(f"/api/sim/calls/{sid}/dtmf", json={"digits": "1"})
    assert response.status_code == 409
    assert "ended" in response.json["error"]["message"]


def test_input_the_call_cannot_take_now_is_a_conflict(client, flow_id):
    sid = start(client, flow=flow_id)["id"]
    response = client.post(f"/api/sim/calls/{sid}/callee", json={"answer": "busy"})
    assert response.status_code == 409
    assert "waiting-for-input" in response.json["error"]["message"]


def test_bad_requests_are_named(client, flow_id):
    sid = start(client, flow=flow_id)["id"]
    bad = client.post(f"/api/sim/calls/{sid}/dtmf", json={"digits": "12a"})
    assert bad.status_code == 400 and "digits" in bad.json["error"]["message"]
    bad = client.post(f"/api/sim/calls/{sid}/callee", json={"answer": "maybe"})
    assert bad.status_code == 400
    bad = client.post("/api/sim/calls", json={"flow": flow_id, "number": LINE})
    assert bad.status_code == 400 and "either" in bad.json["error"]["message"]
    bad = client.post("/api/sim/calls", json={"flow": flow_id, "script": ["1", "x"]})
    assert bad.status_code == 400 and "'x'" in bad.json["error"]["message"]
    assert client.post("/api/sim/calls", json={"flow": "nope"}).status_code == 404
    assert client.get("/api/sim/calls/nope").status_code == 404
    assert client.post("/api/sim/calls", data="{", content_type="application/json").status_code \
        == 400  # fmt: skip


def test_a_script_runs_the_call_to_its_end(client, flow_id):
    call = start(client, flow=flow_id, script=["1"], callee="busy")
    assert call["state"] == "ended"
    outcome = call["transcript"]["outcome"]
    assert outcome == {"action": "connectPstn", "node": "sales", "number": SALES,
                       "cli": "private", "locale": "en-US"}  # fmt: skip
    assert call["transcript"]["end"]["result"] == "BUSY"


def test_a_callee_chosen_up_front_answers_by_itself(client, flow_id):
    sid = start(client, flow=flow_id, callee="answer")["id"]
    step = client.post(f"/api/sim/calls/{sid}/dtmf", json={"digits": "1"}).json
    assert step["state"] == "connected"


def test_silence_times_out(client, flow_id):
    sid = start(client, flow=flow_id)["id"]
    step = client.post(f"/api/sim/calls/{sid}/silence").json
    assert step["state"] == "waiting-for-input"  # the repeat prompt
    assert step["prompt"] == "Please press 1 or 2."
    step = client.post(f"/api/sim/calls/{sid}/silence").json
    assert step["state"] == "ended" and step["transcript"]["outcome"]["node"] == "bye"
    assert step["transcript"]["heard"][-1] == "Goodbye."


def test_parked_until_the_hold_time_is_over(client, clock, flow_id):
    clock.now += timedelta(days=3)  # Saturday: closed, the caller is parked
    sid = start(client, flow=flow_id)["id"]
    step = client.get(f"/api/sim/calls/{sid}").json
    assert step["state"] == "parked" and step["node"] == "hold"
    step = client.post(f"/api/sim/calls/{sid}/silence").json
    end = step["transcript"]["end"]
    assert (end["reason"], end["result"]) == ("TIMEOUT", "ANSWERED")
    assert end["duration"] >= 60


def test_a_running_call_keeps_the_draft_it_started_with(client, repo, flow_id, now):
    sid = start(client, flow=flow_id)["id"]
    edited = copy.deepcopy(helpdesk())
    for node in edited["nodes"]:
        if node["id"] == "sales":
            node["data"]["number"] = AGENT
    repo.update_flow(flow_id, edited, None, now)
    step = client.post(f"/api/sim/calls/{sid}/dtmf", json={"digits": "1"}).json
    assert step["transcript"]["outcome"]["number"] == SALES
    fresh = start(client, flow=flow_id, script=["1"])
    assert fresh["transcript"]["outcome"]["number"] == AGENT


def test_a_published_version_can_be_pinned(client, repo, flow_id, now):
    repo.publish(flow_id, "v1", "test", now)
    edited = helpdesk()
    edited["nodes"][1]["data"]["text"] = "Hello from the draft."
    repo.update_flow(flow_id, edited, None, now)
    v1 = start(client, flow=flow_id, version=1, script=["hangup"])
    assert v1["version"] == 1 and v1["transcript"]["heard"][0] == "Welcome to Acme."
    draft = start(client, flow=flow_id, script=["hangup"])
    assert draft["transcript"]["heard"][0] == "Hello from the draft."
    assert client.post("/api/sim/calls", json={"flow": flow_id, "version": 7}).status_code == 404


def test_a_number_is_routed_like_a_real_call(client, repo, flow_id, now):
    repo.publish(flow_id, "v1", "test", now)
    repo.bind_number(NumberBinding(LINE, flow_id), now)
    call = start(client, number=LINE, script=["1"])
    assert call["transcript"]["outcome"]["node"] == "sales"
    assert call["transcript"]["steps"][0]["request"]["to"]["endpoint"] == LINE
    unbound = start(client, number="+46811111111", script=[])
    assert unbound["transcript"]["heard"] == ["The number you have called is not in service."]


def test_callbacks_are_signed_when_applications_have_secrets(client, repo, flow_id, now):
    repo.add_application(Application(key="app-1", secret=SECRET, name="Acme"))
    call = start(client, flow=flow_id, script=["1"])
    assert call["transcript"]["errors"] == []
    assert [s["status"] for s in call["transcript"]["steps"]] == [200, 200, 200, 200]
    assert call["transcript"]["steps"][0]["request"]["applicationKey"] == "app-1"


def test_sessions_expire_when_idle(client, clock, flow_id):
    sid = start(client, flow=flow_id)["id"]
    clock.now += timedelta(seconds=601)
    response = client.get(f"/api/sim/calls/{sid}")
    assert response.status_code == 404
    assert "expired" in response.json["error"]["message"]


def test_the_sim_routes_are_in_the_openapi_description(client):
    paths = client.get("/api/openapi.json").json["paths"]
    for path in ("/api/sim/calls", "/api/sim/calls/{id}", "/api/sim/calls/{id}/dtmf",
                 "/api/sim/calls/{id}/silence", "/api/sim/calls/{id}/hangup",
                 "/api/sim/calls/{id}/callee", "/api/sim/calls/{id}/talk"):  # fmt: skip
        assert path in paths, path
