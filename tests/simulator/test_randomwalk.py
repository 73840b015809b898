"""Random walks: coverage, errors with the inputs that reproduce them, determinism."""

from __future__ import annotations

import random

from designer import Flow
from designer.simulator.randomwalk import digit_literals, phone_literals, random_walks
from designer.simulator.script import Script
from designer.web.sim import Sandbox

from .flows import helpdesk, with_dead_end


def test_a_fixed_seed_reaches_every_node_and_port():
    report = random_walks(helpdesk(), 150, seed=7, sandbox=Sandbox)
    assert report.unreached_nodes == []
    assert report.unreached_ports == []
    assert report.ok
    assert sum(report.outcomes.values()) == 150
    data = report.to_dict()
    assert data["coverage"]["nodes"] == {"total": 15, "reached": 15, "unreached": []}
    assert data["errors"] == []


def test_the_same_seed_gives_the_same_report():
    a = random_walks(helpdesk(), 30, seed=11, sandbox=Sandbox).to_dict()
    b = random_walks(helpdesk(), 30, seed=11, sandbox=Sandbox).to_dict()
    c = random_walks(helpdesk(), 30, seed=12, sandbox=Sandbox).to_dict()
    assert a == b
    assert a != c


def test_few_calls_leave_parts_unreached_and_say_which():
    report = random_walks(helpdesk(), 1, seed=3, sandbox=Sandbox)
    assert report.unreached_nodes  # one call cannot take every path
    assert set(report.unreached_nodes) <= {n["id"] for n in helpdesk()["nodes"]}
    text = report.render()
    assert "never reached: " in text and "1 random calls" in text


def test_calls_that_hit_an_error_are_reported_with_their_inputs():
    report = random_walks(with_dead_end(), 60, seed=7, sandbox=Sandbox)
    assert not report.ok
    failed = report.failed[0]
    assert any("leads nowhere" in e for e in failed.errors)
    assert "2" in failed.inputs  # the key that takes the unconnected port
    assert "main" in failed.visited
    assert f"--cli {failed.cli}" in failed.command() and "--press 2" in failed.command()
    assert "again: designer simulate FLOW --at " in report.render()
    # the inputs, time and caller replay the failure
    with Sandbox(with_dead_end(), started_at=failed.started_at) as sandbox:
        again = sandbox.call(Script.parse(failed.inputs), cli=failed.cli, rng=random.Random(0))
    assert again.errors and again.visited == failed.visited


def test_literals_of_branch_conditions_are_tried():
    flow = Flow.from_dict(helpdesk())
    assert digit_literals(flow) == ["2468"]
    doc = helpdesk()
    check = next(n for n in doc["nodes"] if n["id"] == "check")
    check["data"]["cases"].append({"port": "vip", "when": "call.cli == '+46700000099'"})
    assert phone_literals(Flow.from_dict(doc)) == ["+46700000099"]
    assert "46700000099" not in digit_literals(Flow.from_dict(doc))
