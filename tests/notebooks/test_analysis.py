"""The analysis helpers on a hand-made call log whose numbers are known (conftest)."""

from __future__ import annotations

import pandas as pd
import pytest

from designer.errors import BadRequest
from designer.flow import Flow
from designer.notebook import analysis, frames


def test_paths_are_the_node_events_in_seq_order(tiny_calls):
    paths = dict(zip(tiny_calls["callid"], tiny_calls["path"], strict=True))
    assert paths["c4"] == ["start", "welcome", "main", "sorry", "main", "pin", "agent"]
    assert paths["c3"] == ["start", "welcome", "main"]
    shuffled = list(reversed(frames.events_frame([]).to_dict("records")))
    assert frames.path_of(shuffled) == []
    events = [{"seq": 2, "kind": "node", "node": "b"}, {"seq": 1, "kind": "node", "node": "a"},
              {"seq": 3, "kind": "svaml", "node": "b"}]  # fmt: skip
    assert frames.path_of(events) == ["a", "b"]


def test_flow_order_is_breadth_first_from_start(tiny_flow):
    assert analysis.flow_order(tiny_flow) == [
        ("start", 0), ("welcome", 1), ("main", 2), ("sales", 3), ("pin", 3), ("bye", 3),
        ("sorry", 3), ("agent", 4),
    ]  # fmt: skip


def test_flow_order_puts_unreachable_nodes_last():
    doc = {"format": "callflow/1", "name": "x", "nodes": [
        {"id": "lost", "type": "hangup"}, {"id": "start", "type": "start"},
        {"id": "bye", "type": "hangup"}], "edges": [{"from": "start", "to": "bye"}]}  # fmt: skip
    assert analysis.flow_order(doc) == [("start", 0), ("bye", 1), ("lost", None)]


def test_funnel_counts_callers_reaching_each_node_in_flow_order(tiny_calls, tiny_flow):
    table = analysis.funnel(tiny_calls, Flow.from_dict(tiny_flow))
    assert list(table.index) == ["start", "welcome", "main", "sales", "pin", "bye", "sorry",
                                 "agent"]  # fmt: skip
    assert table["calls"].tolist() == [8, 8, 8, 3, 2, 2, 2, 1]
    assert table.loc["sales", "share"] == pytest.approx(3 / 8)
    assert table.loc["pin", "type"] == "collect"
    assert table.loc["agent", "depth"] == 4


def test_a_call_that_comes_back_to_a_node_counts_once(tiny_calls, tiny_flow):
    # c4 and c7 visit main twice: still 8 callers reached it, not 10
    assert analysis.reached(tiny_calls)["main"] == 8
    assert analysis.funnel(tiny_calls.iloc[:0], tiny_flow)["calls"].sum() == 0


def test_dropoff_per_node(tiny_calls):
    table = analysis.dropoff(tiny_calls)
    assert list(table.index) == ["pin", "sales", "main", "agent", "bye"]
    assert table.loc["pin"].to_dict() == {"ended": 1, "dropped": 1, "reached": 2, "rate": 0.5}
    assert table.loc["sales", ["ended", "dropped", "reached"]].tolist() == [3, 1, 3]
    assert table.loc["main", ["ended", "dropped", "reached"]].tolist() == [1, 1, 8]
    assert table.loc["main", "rate"] == pytest.approx(1 / 8)
    assert table.loc["bye", ["ended", "dropped"]].tolist() == [2, 0]


def test_dropoff_outcomes_can_be_chosen(tiny_calls):
    table = analysis.dropoff(tiny_calls, outcomes=["busy"])
    assert table["dropped"].to_dict() == {"sales": 1, "agent": 0, "bye": 0, "main": 0, "pin": 0}


def test_menu_choices_counts_per_port(tiny_events):
    table = analysis.menu_choices(tiny_events)
    assert list(table.index) == ["main"]  # pin is a collect, not a menu
    assert table.loc["main"].to_dict() == {"1": 3, "2": 2, "invalid": 2, "timeout": 2, "hangup": 1}


def test_menu_choices_with_the_flow_lists_every_port(tiny_events, tiny_flow):
    doc = {
        **tiny_flow,
        "nodes": [
            *tiny_flow["nodes"],
            {"id": "unused", "type": "menu", "data": {"prompt": "x", "options": ["3"]}},
        ],
        "edges": [*tiny_flow["edges"], {"from": "unused", "port": "3", "to": "bye"}],
    }
    table = analysis.menu_choices(tiny_events, doc)
    assert list(table.index) == ["main", "unused"]
    assert list(table.columns) == ["1", "2", "3", "invalid", "timeout", "hangup"]
    assert table.loc["unused"].sum() == 0
    assert table.loc["main", "3"] == 0


def test_menu_problems_finds_the_confusing_menu(tiny_events):
    table = analysis.menu_problems(tiny_events)
    assert list(table.index) == ["main", "pin"]
    main = table.loc["main"]
    assert main[["inputs", "chosen", "timeouts", "invalid", "hangups", "problems"]].tolist() == [
        10, 5, 2, 2, 1, 4]  # fmt: skip
    assert main["rate"] == pytest.approx(0.4)
    assert main["type"] == "menu"
    assert table.loc["pin", ["inputs", "chosen", "hangups", "problems"]].tolist() == [2, 1, 1, 0]


@pytest.mark.parametrize(
    ("kind", "port", "value", "verdict"),
    [
        ("return", "1", "1", "chosen"),
        ("timeout", "timeout", "", "timeout"),
        ("timeout", "timeout", None, "timeout"),
        ("return", "invalid", "7", "invalid"),
        ("sequence", "timeout", "#", "invalid"),  # keyed, but nothing usable
        ("sequence", "invalid", "", "timeout"),  # nothing keyed
        ("hangup", None, "", "hangup"),
        ("sequence", "next", "1234", "chosen"),
    ],
)
def test_classify_input(kind, port, value, verdict):
    assert analysis.classify_input(kind, port, value) == verdict


def test_duration_by_outcome(tiny_calls):
    table = analysis.duration_by_outcome(tiny_calls)
    assert list(table.index) == ["callerhangup", "connected", "hangup", "busy", "timeout"]
    assert table.loc["connected", ["calls", "mean", "median", "max", "total"]].tolist() == [
        2, 160.0, 160.0, 200.0, 320.0]  # fmt: skip
    assert table.loc["callerhangup", "mean"] == 14.0
    assert table.loc["hangup", "p90"] == pytest.approx(29.5)


def test_duration_leaves_out_calls_still_running(tiny_calls):
    running = tiny_calls.copy()
    running.loc[0, "duration"] = pd.NA
    running.loc[0, "outcome"] = None
    table = analysis.duration_by_outcome(running)
    assert "in progress" not in table.index
    assert table["calls"].sum() == 7


def test_calls_per_hour(tiny_calls):
    table = analysis.calls_per_hour(tiny_calls)
    assert list(table.index) == list(range(24))
    assert table["total"].to_dict() == {h: {9: 2, 10: 2, 14: 3, 23: 1}.get(h, 0) for h in range(24)}
    assert table.loc[14].drop("total").to_dict() == {
        "callerhangup": 1, "connected": 0, "hangup": 1, "busy": 0, "timeout": 1}  # fmt: skip
    assert list(table.columns)[-1] == "total"


def test_calls_per_hour_in_a_time_zone(tiny_calls):
    table = analysis.calls_per_hour(tiny_calls, tz="Europe/Stockholm")  # UTC+1 in January
    assert {h: n for h, n in table["total"].items() if n} == {0: 1, 10: 2, 11: 2, 15: 3}
    with pytest.raises(BadRequest, match="Mars/Olympus"):
        analysis.calls_per_hour(tiny_calls, tz="Mars/Olympus")


def test_node_counts_from_a_funnel_a_series_or_a_dict(tiny_calls, tiny_flow):
    table = analysis.funnel(tiny_calls, tiny_flow)
    assert analysis.node_counts(table)["sales"] == 3
    assert analysis.node_counts(table["calls"])["agent"] == 1
    assert analysis.node_counts({"a": 2.0, "b": None}) == {"a": 2}
    with pytest.raises(BadRequest, match="'calls' column"):
        analysis.node_counts(table.drop(columns="calls"))


def test_frames_without_the_needed_columns_are_named(tiny_calls, tiny_events):
    with pytest.raises(BadRequest, match="path"):
        analysis.dropoff(tiny_calls.drop(columns="path"))
    with pytest.raises(BadRequest, match="port"):
        analysis.menu_choices(tiny_events.drop(columns="port"))
    with pytest.raises(BadRequest, match="DataFrame"):
        analysis.funnel([1, 2], {"format": "callflow/1"})
    with pytest.raises(BadRequest, match="flow must be"):
        analysis.funnel(tiny_calls, 42)


def test_empty_logs_give_empty_tables(tiny_calls, tiny_events, tiny_flow):
    no_calls, no_events = tiny_calls.iloc[:0], tiny_events.iloc[:0]
    assert analysis.dropoff(no_calls).empty
    assert analysis.menu_problems(no_events).empty
    assert analysis.menu_choices(no_events).empty
    assert analysis.duration_by_outcome(no_calls).empty
    assert analysis.calls_per_hour(no_calls)["total"].sum() == 0
    assert analysis.funnel(no_calls, tiny_flow)["share"].sum() == 0
