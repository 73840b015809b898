"""Whole calls over HTTP with the Flask test client, as the Sinch platform makes them."""

from __future__ import annotations

import pytest

from designer.svaml import check_svaml
from tests.runtime.conftest import WEEKEND, publish
from tests.runtime.flows import AGENT, LINE, SALES, say_then, support_line

pytestmark = pytest.mark.usefixtures("support_flow")


def _kinds(repo, callid):
    return [(e.kind, e.node) for e in repo.list_events(callid)]


def _action(svaml):
    return svaml["action"]["name"]


def test_sales_call_ice_menu_pie_connect_ace_dice(caller, repo, support_flow):
    call = caller("sales-1")
    ice = call.ice()
    assert check_svaml(ice, "ice") == []
    assert ice["instructions"][0] == {
        "name": "say", "text": "Welcome to Acme, +46701234567.", "locale": "en-US"
    }  # fmt: skip
    menu = ice["action"]
    assert _action(ice) == "runMenu" and menu["menus"][0]["id"] == "main"
    assert {o["dtmf"]: o["action"] for o in menu["menus"][0]["options"]} == {
        "1": "return(1)", "2": "return(2)"
    }  # fmt: skip

    pie = call.pie("return", "1")
    assert check_svaml(pie, "pie") == []
    assert pie["action"] == {"name": "connectPstn", "number": SALES, "cli": "private",
                             "locale": "en-US"}  # fmt: skip

    ace = call.ace()
    assert check_svaml(ace, "ace") == []
    assert ace == {"instructions": [], "action": {"name": "continue"}}

    dice = call.dice(reason="CALLEEHANGUP", duration=95)
    assert check_svaml(dice, "dice") == []

    record = repo.get_call("sales-1")
    assert (record.flow_id, record.version, record.state) == (support_flow, 1, "ended")
    assert (record.cli, record.to) == ("+46701234567", LINE)
    assert (record.result, record.reason, record.duration) == ("connected", "CALLEEHANGUP", 95)
    assert record.current_node == "sales" and record.ended_at is not None
    assert _kinds(repo, "sales-1") == [
        ("callback", None), ("node", "start"), ("node", "welcome"), ("node", "hours"),
        ("node", "main"), ("svaml", "main"),
        ("callback", None), ("input", "main"), ("node", "sales"), ("svaml", "sales"),
        ("callback", None), ("svaml", None),
        ("callback", None), ("dice", "sales"),
    ]  # fmt: skip
    events = repo.list_events("sales-1")
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert all(e.flow_id == support_flow for e in events)
    assert events[3].data["port"] == "open" and events[3].data["weekday"] == "wed"
    assert events[6].data["payload"]["menuResult"]["value"] == "1"


def test_pin_collect_with_sequence_and_answered_port(caller, repo):
    call = caller("pin-1")
    call.ice()
    collect = call.pie("return", "2")
    menu = collect["action"]["menus"][0]
    assert menu["maxDigits"] == 4 and "options" not in menu
    assert menu["mainPrompt"] == "#tts[Enter your PIN, then hash.]"

    connect = call.pie("sequence", "1234#")
    assert connect["action"]["name"] == "connectPstn" and connect["action"]["number"] == AGENT

    ace = call.ace()
    assert check_svaml(ace, "ace") == []
    assert ace["instructions"][0]["text"] == "A gold customer, PIN 1234."
    assert ace["action"] == {"name": "connectConf", "conferenceId": "support-1234"}
    call.dice()

    record = repo.get_call("pin-1")
    assert record.context["vars"] == {"pin": "1234", "tier": "gold"}
    assert record.result == "connected"
    nodes = [e.node for e in repo.list_events("pin-1") if e.kind == "node"]
    assert nodes == ["start", "welcome", "hours", "main", "pin", "check", "tier", "agent",
                     "whisper", "room"]  # fmt: skip
    decided = {e.node: e.data for e in repo.list_events("pin-1") if e.kind == "node"}
    assert decided["check"]["port"] == "ok"
    assert decided["tier"] == {"type": "setVariable", "port": "next", "name": "tier",
                               "value": "gold"}  # fmt: skip


def test_wrong_pin_takes_the_else_port(caller, repo):
    call = caller("pin-2")
    call.ice()
    call.pie("return", "2")
    answer = call.pie("sequence", "9999")
    assert answer["instructions"][0]["text"] == "That PIN is not right."
    assert answer["action"] == {"name": "hangup"}
    call.dice(reason="MANAGERHANGUP")
    assert repo.get_call("pin-2").result == "hangup"


def test_timeout_path(caller, repo):
    call = caller("timeout-1")
    call.ice()
    answer = call.pie("timeout")
    assert check_svaml(answer, "pie") == []
    assert answer["instructions"] == [{"name": "say", "text": "Goodbye.", "locale": "en-US"}]
    assert answer["action"] == {"name": "hangup"}
    call.dice(reason="MANAGERHANGUP", result="ANSWERED")
    inputs = [e.data for e in repo.list_events("timeout-1") if e.kind == "input"]
    assert inputs == [{"type": "timeout", "value": None, "port": "timeout", "digits": None}]
    assert repo.get_call("timeout-1").result == "hangup"


def test_collect_timeout(caller, repo):
    call = caller("timeout-2")
    call.ice()
    call.pie("return", "2")
    answer = call.pie("sequence", "#")  # only the terminator: nothing keyed
    assert answer["instructions"][0]["text"] == "Goodbye."


def test_invalid_input_replays_the_menu(caller, repo):
    call = caller("invalid-1")
    call.ice()
    answer = call.pie("invalidinput", "7")
    assert answer["instructions"][0]["text"] == "Sorry, that is not an option."
    assert answer["action"]["name"] == "runMenu"
    again = call.pie("sequence", "9")  # a key that is no option is invalid too
    assert again["instructions"][0]["text"] == "Sorry, that is not an option."
    final = call.pie("sequence", "1")  # a sequence equal to an option digit takes that port
    assert final["action"]["name"] == "connectPstn"
    ports = [e.data["port"] for e in repo.list_events("invalid-1") if e.kind == "input"]
    assert ports == ["invalid", "invalid", "1"]


def test_error_result_is_treated_as_invalid_input(caller):
    call = caller("error-1")
    call.ice()
    assert call.pie("error")["instructions"][0]["text"] == "Sorry, that is not an option."


def test_after_hours_with_a_fixed_clock(caller, clock, repo):
    clock.now = WEEKEND
    call = caller("closed-1")
    answer = call.ice()
    assert check_svaml(answer, "ice") == []
    assert [i["text"] for i in answer["instructions"]] == [
        "Welcome to Acme, +46701234567.", "We are closed. Please call again."
    ]  # fmt: skip
    assert answer["action"] == {"name": "hangup"}
    hours = next(e for e in repo.list_events("closed-1") if e.node == "hours")
    assert hours.data["port"] == "closed" and hours.data["weekday"] == "sat"


def test_caller_hangs_up_in_a_menu(caller, repo):
    call = caller("hangup-1")
    call.ice()
    assert call.pie("hangup") == {"instructions": [], "action": {"name": "hangup"}}
    call.dice(reason="CALLERHANGUP", result="ANSWERED")
    record = repo.get_call("hangup-1")
    assert (record.state, record.result) == ("ended", "callerhangup")


@pytest.mark.parametrize("path", ["/voice/ice", "/voice/callback"])
def test_channel_urls_and_the_single_url_behave_the_same(client, repo, path):
    payload = {"event": "ice", "callId": "camel-1", "timestamp": "2026-11-25T10:00:00Z",
               "cli": "+46701234567", "to": {"type": "number", "endpoint": LINE}}  # fmt: skip
    response = client.post(path, json=payload)
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.get_json()["action"]["name"] == "runMenu"
    assert repo.get_call("camel-1").flow_id is not None


def test_the_event_may_be_left_out_on_a_channel_url(client, repo):
    response = client.post("/voice/ice", json={"callid": "no-event", "to": {"endpoint": LINE}})
    assert response.get_json()["action"]["name"] == "runMenu"


def test_a_call_stays_on_its_version(caller, repo, support_flow, now):
    call = caller("version-1")
    call.ice()
    changed = support_line()
    for node in changed["nodes"]:
        if node["id"] == "sales":
            node["data"]["number"] = "+46700000099"
    repo.update_flow(support_flow, changed, None, now)
    repo.publish(support_flow, "v2", "tests", now)
    assert call.pie("return", "1")["action"]["number"] == SALES  # still version 1
    fresh = caller("version-2")
    fresh.ice()
    assert fresh.pie("return", "1")["action"]["number"] == "+46700000099"
    assert repo.get_call("version-2").version == 2


def test_pinned_binding_and_application_default(client, repo, support_flow, now):
    from designer.repository import Application, NumberBinding

    repo.bind_number(NumberBinding(number="+46850000001", flow_id=support_flow, version=1), now)
    tiny = publish(repo, say_then("Default."), number=None)
    repo.add_application(Application(key="app-2", default_flow_id=tiny))
    response = client.post("/voice/callback", json={
        "event": "ice", "callid": "default-1", "to": {"type": "number", "endpoint": "+4600000"},
        "applicationKey": "app-2"})  # fmt: skip
    assert response.get_json()["instructions"][0]["text"] == "Default."
    assert repo.get_call("default-1").flow_id == tiny
    assert repo.get_call("default-1").context["route"] == "application"


def test_unrouted_call_is_answered_and_logged(client, repo):
    response = client.post("/voice/callback", json={
        "event": "ice", "callid": "nowhere-1", "to": {"type": "number", "endpoint": "+4611"},
        "applicationKey": "unknown"})  # fmt: skip
    body = response.get_json()
    assert check_svaml(body, "ice") == []
    assert (
        body["action"] == {"name": "hangup"} and "not in service" in body["instructions"][0]["text"]
    )
    record = repo.get_call("nowhere-1")
    assert record.flow_id is None and record.result == "unrouted"
    assert [e.data.get("code") for e in repo.list_events("nowhere-1") if e.kind == "error"] == [
        "no-route"
    ]


def test_simulated_calls_are_marked(client, repo):
    client.post("/voice/ice", json={"callid": "sim-1", "to": {"endpoint": LINE},
                                    "custom": '{"simulated": true}'})  # fmt: skip
    client.post("/voice/ice", json={"callid": "real-1", "to": {"endpoint": LINE}, "custom": "x"})
    assert repo.get_call("sim-1").simulated is True
    assert repo.get_call("real-1").simulated is False
