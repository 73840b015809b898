"""Every example flow, called through the real app by scripted callers.

Each scenario is a caller's script, the moment of the call (opening hours)
and the caller's number; the expectation is the final SVAML action and the
node that produced it, plus nodes the call must pass.  A new example without
scenarios fails ``test_every_example_has_scenarios``.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest

from designer import examples
from designer.simulator.randomwalk import random_walks
from designer.simulator.script import Callee, Script, parse_step
from designer.web.sim import Sandbox

# Moments of the call, in UTC.
WEDNESDAY_NOON_CET = datetime(2026, 11, 25, 11, 0, tzinfo=UTC)  # 12:00 Stockholm, 06:00 NY
WEDNESDAY_NOON_NY = datetime(2026, 11, 25, 17, 0, tzinfo=UTC)  # 12:00 New York
SATURDAY_EVENING = datetime(2026, 11, 28, 22, 0, tzinfo=UTC)  # closed everywhere
CHRISTMAS_NOON_NY = datetime(2026, 12, 25, 17, 0, tzinfo=UTC)  # a closed date


@dataclass
class Scenario:
    example: str
    steps: list[str]
    action: str
    node: str
    at: datetime = WEDNESDAY_NOON_CET
    cli: str = "+46708168731"
    callee: str = "answer"
    passes: list[str] = field(default_factory=list)  # nodes the call must visit
    params: dict = field(default_factory=dict)  # expected outcome parameters

    def __str__(self) -> str:
        return f"{self.example}[{' '.join(self.steps) or 'silent'}]"


SCENARIOS = [
    # after_hours: New York clinic, menu when open, on-call nurse when closed
    Scenario("after_hours", ["1"], "connectPstn", "reception", at=WEDNESDAY_NOON_NY,
             params={"number": "+12125550100"}),
    Scenario("after_hours", ["2"], "connectPstn", "pharmacy", at=WEDNESDAY_NOON_NY),
    Scenario("after_hours", ["5", "5", "5", "2"], "connectPstn", "pharmacy",
             at=WEDNESDAY_NOON_NY, passes=["invalid_choice"]),
    Scenario("after_hours", [], "hangup", "hangup", at=WEDNESDAY_NOON_NY,
             passes=["no_choice"]),
    Scenario("after_hours", [], "park", "on_call_nurse", at=SATURDAY_EVENING,
             passes=["closed_message"]),
    Scenario("after_hours", ["1"], "park", "on_call_nurse", at=CHRISTMAS_NOON_NY),
    Scenario("after_hours", ["1"], "connectPstn", "reception", at=WEDNESDAY_NOON_NY,
             callee="busy"),
    # conference_bridge: a six-digit code joins its room
    Scenario("conference_bridge", ["123456"], "connectConf", "join",
             params={"conferenceId": "acme-123456", "moh": "music1"}),
    Scenario("conference_bridge", ["12#", "654321#"], "connectConf", "join",
             passes=["bad_code"], params={"conferenceId": "acme-654321"}),
    Scenario("conference_bridge", [], "hangup", "hangup", passes=["no_code"]),
    # every_node: the tour
    Scenario("every_node", ["1"], "connectConf", "sales_room",
             passes=["record", "jingle", "stop_record", "tone", "sales", "whisper"]),
    Scenario("every_node", ["2"], "connectSip", "sip_support"),
    Scenario("every_node", ["3"], "connectConf", "demo_room"),
    Scenario("every_node", ["4", "1234#"], "connectPstn", "switchboard",
             passes=["extension", "dialling"], params={"number": "+46700000100"}),
    Scenario("every_node", ["4"], "hangup", "hangup", passes=["extension", "goodbye"]),
    Scenario("every_node", ["7", "7", "7"], "hangup", "hangup", passes=["goodbye"]),
    Scenario("every_node", [], "park", "on_hold", at=SATURDAY_EVENING),
    Scenario("every_node", [], "connectMxp", "duty_manager", cli="+46700000099"),
    # pin_entry: three attempts at 4321
    Scenario("pin_entry", ["4321#"], "connectPstn", "account_manager",
             passes=["pin_ok", "mark_verified"], params={"number": "+46700000010"}),
    Scenario("pin_entry", ["1111#", "4321"], "connectPstn", "account_manager",
             passes=["wrong_pin"]),
    Scenario("pin_entry", ["1111#", "2222#", "3333#"], "hangup", "hangup", passes=["locked"]),
    Scenario("pin_entry", [], "hangup", "hangup", passes=["no_input"]),
    # support_line: main menu and a support sub-menu
    Scenario("support_line", ["1"], "connectPstn", "sales", passes=["to_sales"]),
    Scenario("support_line", ["2", "1"], "connectPstn", "support_internet"),
    Scenario("support_line", ["2", "2"], "connectPstn", "support_mobile",
             params={"number": "+46700000003"}),
    Scenario("support_line", ["2", "0", "3"], "hangup", "hangup", passes=["billing"]),
    Scenario("support_line", ["9", "1"], "connectPstn", "sales"),
    Scenario("support_line", ["8", "8", "8", "1"], "connectPstn", "sales",
             passes=["invalid_choice"]),
    Scenario("support_line", [], "hangup", "hangup", passes=["goodbye"]),
]  # fmt: skip


def test_every_example_has_scenarios():
    covered = {s.example for s in SCENARIOS}
    assert set(examples.names()) <= covered, set(examples.names()) - covered


@pytest.mark.parametrize("scenario", SCENARIOS, ids=str)
def test_example_reaches_its_expected_outcome(scenario: Scenario):
    script = Script([parse_step(s) for s in scenario.steps], callee=Callee(scenario.callee))
    with Sandbox(examples.document(scenario.example), started_at=scenario.at) as sandbox:
        transcript = sandbox.call(script, cli=scenario.cli, rng=random.Random(1))
    outcome = transcript.outcome
    assert outcome is not None
    assert (outcome["action"], outcome["node"]) == (scenario.action, scenario.node), (
        transcript.render()
    )
    for key, value in scenario.params.items():
        assert outcome[key] == value
    for node in scenario.passes:
        assert node in transcript.visited, (node, transcript.visited)
    assert transcript.errors == []
    assert transcript.end is not None  # every call ends with a DiCE
    if scenario.callee == "busy":
        assert transcript.end["result"] == "BUSY"


def test_cookies_of_a_flow_come_back_in_later_callbacks():
    with Sandbox(examples.document("pin_entry"), started_at=WEDNESDAY_NOON_CET) as sandbox:
        transcript = sandbox.call(Script.parse(["4321#"]), rng=random.Random(1))
    dice = transcript.steps[-1]
    assert dice.event == "dice"
    assert json.loads(dice.request["custom"])["verified"] == "yes"


@pytest.mark.parametrize("name", examples.names())
def test_random_walks_reach_every_node_of_the_example(name):
    report = random_walks(examples.load(name), 120, seed=7, sandbox=Sandbox)
    assert report.unreached_nodes == [], report.render()
    assert report.ok, report.render()
