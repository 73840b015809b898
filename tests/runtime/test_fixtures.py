"""Every real callback payload from ../shared/sinch/fixtures/events is accepted and answered."""

from __future__ import annotations

import json

import pytest

from designer.repository import NumberBinding
from designer.svaml import check_svaml
from tests.conftest import SINCH
from tests.runtime.conftest import OPEN

FIXTURES = sorted((SINCH / "fixtures" / "events").glob("*.json"))


def _load(path):
    return json.loads(path.read_text())


def _callid(payload):
    return payload.get("callid", payload.get("callId"))


@pytest.fixture
def routed(repo, support_flow):
    """Every number the fixtures call is bound to the support line."""
    for path in FIXTURES:
        to = _load(path).get("to")
        if isinstance(to, dict) and to.get("endpoint", "").startswith("+"):
            repo.bind_number(NumberBinding(number=to["endpoint"], flow_id=support_flow), OPEN)
    return repo


def _assert_answer(event, response):
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.get_json()
    if event == "notify":
        assert body == {}  # a notification is acknowledged, there is nothing to run
    else:
        assert check_svaml(body, event) == [], body
    return body


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.stem)
@pytest.mark.parametrize("url", ["/voice/callback", "channel"])
def test_fixture_for_an_unknown_call(client, routed, path, url):
    payload = _load(path)
    target = f"/voice/{payload['event']}" if url == "channel" else url
    _assert_answer(payload["event"], client.post(target, json=payload))


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.stem)
def test_fixture_during_a_call(client, routed, path):
    payload = _load(path)
    event, callid = payload["event"], _callid(payload)
    if event != "ice":  # start the call the payload belongs to
        ice = {"event": "ice", "callid": callid, "timestamp": "2026-11-25T09:59:00Z",
               "to": {"type": "number", "endpoint": "+462010000188"}}  # fmt: skip
        assert client.post("/voice/ice", json=ice).status_code == 200
    body = _assert_answer(event, client.post("/voice/callback", json=payload))
    record = routed.get_call(callid)
    kinds = [e.kind for e in routed.list_events(callid)]
    if event == "ice":
        assert body["action"]["name"] == "runMenu" and record.flow_id is not None
    elif event == "pie":
        # "support", "1452", "6789" are no option of the main menu: invalid, menu again
        assert body["instructions"][0]["text"] == "Sorry, that is not an option."
        assert "input" in kinds
    elif event == "dice":
        assert record.state == "ended" and record.reason == payload["reason"]
        assert record.duration == payload["duration"] and "dice" in kinds
    elif event == "notify":
        notify = [e for e in routed.list_events(callid) if e.kind == "notify"]
        assert notify[0].data["type"] == payload["type"]
    elif event == "ace":
        assert body["action"]["name"] == "continue"
        if "amd" in payload:
            assert record.context["amd"]["status"] == payload["amd"]["status"]
