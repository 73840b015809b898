"""Graph validation: every code of DESIGN.md §4 fires on a minimal bad flow, none on good ones."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from designer import Flow, Report
from designer.registry import COOKIE_MAX_BYTES, NODE_TYPES
from designer.validation import CODES, validate

EXAMPLES = Path(__file__).resolve().parents[2] / "designer" / "examples"


# --- building flows tersely -------------------------------------------------------------


def node(node_id: str, node_type: str, **data: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"id": node_id, "type": node_type}
    if data:
        out["data"] = data
    return out


def edge(source: str, target: str) -> dict[str, Any]:
    """``edge("main.1", "sales")``: from node ``main`` through port ``1``."""
    name, _, port = source.partition(".")
    out = {"from": name, "to": target}
    if port:
        out["port"] = port
    return out


def make(nodes: list[dict], edges: list[dict], locale: str = "en-US") -> Flow:
    return Flow.from_dict(
        {"format": "callflow/1", "name": "Test", "locale": locale, "nodes": nodes, "edges": edges}
    )


def check(nodes: list[dict], edges: list[dict], **kw: Any) -> Report:
    return validate(make(nodes, edges, **kw))


def only(report: Report, code: str) -> list[tuple[str | None, str | None]]:
    """(node, port) of every finding with ``code``."""
    return [(f.node, f.port) for f in report if f.code == code]


def menu(node_id: str, *options: str, **data: Any) -> dict[str, Any]:
    return node(node_id, "menu", prompt="#tts[Choose.]", options=list(options), **data)


START = node("start", "start")
BYE = node("bye", "hangup")


# --- flows that must validate clean -----------------------------------------------------


def support_line() -> dict[str, Any]:
    """The flow of DESIGN.md §3."""
    return {
        "format": "callflow/1",
        "name": "Support line",
        "locale": "en-US",
        "nodes": [
            {"id": "start", "type": "start"},
            {"id": "welcome", "type": "say", "data": {"text": "Welcome to Acme."}},
            {"id": "main", "type": "menu", "data": {
                "prompt": "#tts[Press 1 for sales, 2 for support.]",
                "repeatPrompt": "#tts[Please press 1 or 2.]", "repeats": 2,
                "maxDigits": 1, "timeoutMills": 5000, "options": ["1", "2"]}},
            {"id": "sales", "type": "connectPstn",
             "data": {"number": "+46700000001", "cli": "private"}},
            {"id": "bye", "type": "hangup"},
        ],
        "edges": [
            {"from": "start", "to": "welcome"},
            {"from": "welcome", "to": "main"},
            {"from": "main", "port": "1", "to": "sales"},
            {"from": "main", "port": "2", "to": "bye"},
            {"from": "main", "port": "timeout", "to": "bye"},
        ],
    }  # fmt: skip


def every_feature() -> dict[str, Any]:
    """Hours, cookies, a PIN behind a branch, loops back to the menu, ACE, recording..."""
    weekdays = {d: ["09:00-12:00", "13:00-17:00"] for d in ("mon", "tue", "wed", "thu", "fri")}
    nodes = [
        START,
        node("pickup", "answer"),
        node("lang", "setCookie", key="lang", value="en"),
        node("hours", "hours", timezone="Europe/Stockholm", schedule=weekdays,
             closedDates=["2026-12-24"]),
        node("closed", "say", text="We are closed.", locale="en-GB"),
        node("welcome", "say", text="Welcome, {{ call.cli }}!"),
        node("main", "menu", prompt="#tts[Press 1, 2 or 3.];#href[https://example.com/a.mp3]",
             repeatPrompt="https://example.com/again.mp3", repeats=3, timeoutMills=4000,
             barge=False, options=["1", "2", "3", "0"]),
        node("pin", "collect", prompt="#tts[Your PIN, then hash.]", maxDigits=6, variable="pin"),
        node("verify", "branch", cases=[{"port": "ok", "when": "vars.pin == '1234'"},
                                        {"port": "admin", "when": "vars.pin|length > 5"}]),
        node("wrong", "say", text="That PIN is wrong."),
        node("mark", "setVariable", name="verified", value="{{ vars.pin[:2] }}"),
        node("agent", "connectSip", destination={"endpoint": "agent@sip.example.com"},
             transport="TLS", maxDuration=3600, cli="{{ call.cli }}",
             callHeaders=[{"key": "X-Pin", "value": "{{ vars.pin }}"}]),
        node("whisper", "say", text="A verified caller."),
        node("room", "connectConf", conferenceId="support-{{ vars.pin }}", moh="music2"),
        node("news", "play", ids=["https://example.com/news.mp3"]),
        node("tones", "sendDtmf", value="12w#"),
        node("rec", "startRecording", options={"format": "mp3", "notificationEvents": True}),
        node("unrec", "stopRecording"),
        node("sales", "connectPstn", number="+46700000001", cli="private", maxDuration=14400,
             indications="se", dtmf="1w2", dialTimeout=30, amd={"enabled": True}),
        BYE,
    ]  # fmt: skip
    edges = [
        edge("start", "pickup"), edge("pickup", "lang"), edge("lang", "hours"),
        edge("hours.open", "welcome"), edge("hours.closed", "closed"), edge("closed", "bye"),
        edge("welcome", "main"),
        edge("main.1", "pin"), edge("pin.next", "verify"), edge("pin.timeout", "main"),
        edge("verify.ok", "mark"), edge("verify.admin", "mark"), edge("verify.else", "wrong"),
        edge("wrong", "main"), edge("mark", "agent"),
        edge("agent.answered", "whisper"), edge("whisper", "room"),
        edge("main.2", "news"), edge("news", "tones"), edge("tones", "rec"),
        edge("rec", "unrec"), edge("unrec", "sales"),
        edge("main.3", "room"), edge("main.0", "main"),
        edge("main.timeout", "bye"), edge("main.invalid", "main"),
    ]  # fmt: skip
    return {"format": "callflow/1", "name": "All", "locale": "sv-SE", "nodes": nodes,
            "edges": edges}  # fmt: skip


def parking_lot() -> dict[str, Any]:
    """Actions only the incoming call may use: park and connectMxp, no menus at all."""
    return {
        "format": "callflow/1",
        "name": "Park",
        "nodes": [
            START,
            node("hello", "say", text="Hello."),
            node("route", "branch", cases=[{"port": "app", "when": "call.to == 'app'"}]),
            node("app", "connectMxp", destination={"type": "username", "endpoint": "agent"}),
            node("hold", "park", introPrompt="", holdPrompt="#tts[Please hold.]", maxDuration=600),
        ],
        "edges": [edge("start", "hello"), edge("hello", "route"), edge("route.app", "app"),
                  edge("route.else", "hold")],
    }  # fmt: skip


@pytest.mark.parametrize("document", [support_line, every_feature, parking_lot])
def test_valid_flows_have_no_findings(document) -> None:
    report = Flow.from_dict(document()).validate()
    assert report.findings == (), report.to_dict()
    assert report.ok


def test_every_example_validates_without_errors() -> None:
    examples = sorted(EXAMPLES.glob("*.json"))
    if not examples:
        pytest.skip("no example flows in designer/examples yet")
    for path in examples:
        report = Flow.load(path).validate()
        assert report.ok, (path.name, [f.to_dict() for f in report.errors])


def test_report_shape_is_the_contract() -> None:
    report = check([START, node("say", "say", text="x" * 601)], [edge("start", "say")])
    body = json.loads(json.dumps(report.to_dict()))
    assert body["ok"] is False
    assert set(body["findings"][0]) == {"severity", "code", "node", "port", "message"}
    assert all(f["code"] in CODES and f["severity"] == CODES[f["code"]] for f in body["findings"])


# --- start ----------------------------------------------------------------------------


def test_no_start() -> None:
    report = check([node("hi", "say", text="Hi"), BYE], [edge("hi", "bye")])
    assert only(report, "no-start") == [(None, None)]
    assert not only(report, "unreachable"), "without a start, reachability is not reported"


def test_multiple_starts_names_each_extra_start() -> None:
    report = check(
        [START, node("again", "start"), node("third", "start"), BYE],
        [edge("start", "bye"), edge("again", "bye"), edge("third", "bye")],
    )
    assert only(report, "multiple-starts") == [("again", None), ("third", None)]
    assert "'start'" in next(f.message for f in report if f.code == "multiple-starts")


# --- types and edges -----------------------------------------------------------------


def test_unknown_type_is_reported_once_without_cascade() -> None:
    report = check(
        [START, node("vm", "voicemail", box="1"), BYE],
        [edge("start", "vm"), edge("vm.recorded", "bye")],
    )
    assert [(f.code, f.node) for f in report] == [("unknown-type", "vm")]
    assert "'voicemail'" in report.findings[0].message


def test_edge_to_a_missing_node() -> None:
    report = check([START, BYE], [edge("start", "bye"), edge("start.next", "ghost")])
    # the second edge on start.next is both a duplicate and dangling: dangling wins
    assert only(report, "dangling-edge") == [("start", "next")]
    assert "'ghost'" in report.findings[0].message


def test_edge_from_a_missing_node_names_its_target() -> None:
    report = check([START, BYE], [edge("start", "bye"), edge("ghost", "bye")])
    assert only(report, "dangling-edge") == [("bye", None)]


def test_edge_from_a_port_the_node_does_not_have() -> None:
    report = check(
        [START, node("hi", "say", text="Hi"), BYE],
        [edge("start", "hi"), edge("hi", "bye"), edge("hi.1", "bye")],
    )
    assert only(report, "dangling-edge") == [("hi", "1")]
    assert "its ports: next" in report.findings[0].message


def test_edge_out_of_a_hangup() -> None:
    report = check([START, BYE, node("after", "say", text="x")],
                   [edge("start", "bye"), edge("bye", "after"), edge("after", "bye")])  # fmt: skip
    assert only(report, "dangling-edge") == [("bye", "next")]
    # the target is not reported as unreachable as well: one mistake, one finding
    assert not only(report, "unreachable")


def test_edge_into_start() -> None:
    report = check(
        [START, node("hi", "say", text="Hi")], [edge("start", "hi"), edge("hi", "start")]
    )
    assert only(report, "dangling-edge") == [("hi", "next")]
    assert "start" in report.findings[0].message


def test_menu_option_removed_but_edge_left() -> None:
    report = check(
        [START, menu("main", "1"), BYE],
        [edge("start", "main"), edge("main.1", "bye"), edge("main.2", "bye"),
         edge("main.timeout", "bye")],
    )  # fmt: skip
    assert only(report, "dangling-edge") == [("main", "2")]


def test_duplicate_edge_on_one_port() -> None:
    report = check(
        [START, node("a", "hangup"), node("b", "hangup")],
        [edge("start", "a"), edge("start", "b")],
    )
    assert only(report, "duplicate-edge") == [("start", "next")]
    assert not only(report, "unreachable"), "b is drawn as reachable; the edge is the mistake"


# --- reachability and dead ends ---------------------------------------------------------


def test_unreachable_one_finding_per_node() -> None:
    report = check(
        [START, BYE, node("lost", "say", text="x"), node("lost_bye", "hangup")],
        [edge("start", "bye"), edge("lost", "lost_bye")],
    )
    assert only(report, "unreachable") == [("lost", None), ("lost_bye", None)]


def test_dead_end_names_each_open_required_port() -> None:
    report = check(
        [START, menu("main", "1", "2"), node("hi", "say", text="Hi"), BYE],
        [edge("start", "main"), edge("main.1", "hi")],
    )
    assert only(report, "dead-end") == [("main", "2"), ("main", "timeout"), ("hi", "next")]


def test_optional_ports_are_not_dead_ends() -> None:
    report = check(
        [START, menu("main", "1"), node("call", "connectPstn", number="+46700000001"), BYE],
        [edge("start", "main"), edge("main.1", "call"), edge("main.timeout", "bye")],
    )
    assert not only(report, "dead-end")  # menu 'invalid' and connect 'answered' are optional
    assert report.ok


def test_an_option_that_is_no_dtmf_key_is_not_also_a_dead_end() -> None:
    report = check(
        [START, menu("main", "1", "x"), BYE],
        [edge("start", "main"), edge("main.1", "bye"), edge("main.timeout", "bye")],
    )
    assert [(f.code, f.node) for f in report] == [("invalid-parameter", "main")]


def test_start_without_next_is_a_dead_end() -> None:
    assert only(check([START], []), "dead-end") == [("start", "next")]


# --- main menu ------------------------------------------------------------------------


def test_no_main_menu() -> None:
    report = check(
        [START, menu("first", "1"), BYE],
        [edge("start", "first"), edge("first.1", "bye"), edge("first.timeout", "bye")],
    )
    assert only(report, "no-main-menu") == [("first", None)]


def test_main_that_is_not_a_menu() -> None:
    report = check(
        [START, node("main", "say", text="Hi"), menu("m", "1"), BYE],
        [edge("start", "main"), edge("main", "m"), edge("m.1", "bye"), edge("m.timeout", "bye")],
    )
    assert only(report, "no-main-menu") == [("main", None)]


def test_no_menus_needs_no_main_menu() -> None:
    assert check([START, BYE], [edge("start", "bye")]).findings == ()


def test_main_menu_unreachable() -> None:
    report = check(
        [START, BYE, menu("main", "1")],
        [edge("start", "bye"), edge("main.1", "bye"), edge("main.timeout", "bye")],
    )
    assert only(report, "main-menu-unreachable") == [("main", None)]


# --- cycles -----------------------------------------------------------------------------


def test_no_exit_when_every_way_leads_back() -> None:
    report = check(
        [START, menu("main", "1"), node("again", "say", text="Once more.")],
        [edge("start", "main"), edge("main.1", "again"), edge("main.timeout", "again"),
         edge("again", "main")],
    )  # fmt: skip
    assert only(report, "no-exit") == [("main", None)]
    assert not only(report, "loop-without-input"), "the loop waits at the menu"


def test_a_loop_with_a_way_out_is_fine() -> None:
    report = check(
        [START, menu("main", "1", "9"), node("again", "say", text="Again."), BYE],
        [edge("start", "main"), edge("main.1", "bye"), edge("main.9", "again"),
         edge("again", "main"), edge("main.timeout", "bye")],
    )  # fmt: skip
    assert report.findings == ()


def test_loop_without_input() -> None:
    report = check(
        [START, node("a", "say", text="a"), node("b", "setVariable", name="n", value="1"),
         node("c", "branch", cases=[{"port": "out", "when": "vars.n == '3'"}]), BYE],
        [edge("start", "a"), edge("a", "b"), edge("b", "c"), edge("c.else", "a"),
         edge("c.out", "bye")],
    )  # fmt: skip
    assert only(report, "loop-without-input") == [("a", None)]
    assert not only(report, "no-exit"), "the branch can leave the loop"


def test_self_loop_without_input() -> None:
    report = check([START, node("x", "setVariable", name="n", value="1")],
                   [edge("start", "x"), edge("x", "x")])  # fmt: skip
    assert only(report, "loop-without-input") == [("x", None)]
    assert "itself" in next(f.message for f in report if f.code == "loop-without-input")
    assert only(report, "no-exit") == [("x", None)]


def test_one_finding_per_busy_loop() -> None:
    nodes = [START, menu("main", "1", "2"), BYE]
    edges = [edge("start", "main"), edge("main.timeout", "bye")]
    for loop, digit in (("p", "1"), ("q", "2")):
        nodes += [node(f"{loop}1", "say", text="x"), node(f"{loop}2", "say", text="y")]
        edges += [edge(f"main.{digit}", f"{loop}1"), edge(f"{loop}1", f"{loop}2"),
                  edge(f"{loop}2", f"{loop}1")]  # fmt: skip
    report = check(nodes, edges)
    assert only(report, "loop-without-input") == [("p1", None), ("q1", None)]


def test_a_loop_through_an_answered_port_waits_for_the_platform() -> None:
    report = check(
        [START, node("call", "connectPstn", number="+46700000001"), node("sorry", "say", text="x")],
        [edge("start", "call"), edge("call.answered", "sorry"), edge("sorry", "call")],
    )
    assert not only(report, "loop-without-input")


def test_missing_hangup_path_on_a_silent_loop() -> None:
    report = check(
        [START, menu("main", "1"), node("again", "say", text="Please choose."), BYE],
        [edge("start", "main"), edge("main.1", "bye"), edge("main.timeout", "again"),
         edge("again", "main")],
    )  # fmt: skip
    findings = [f for f in report if f.code == "missing-hangup-path"]
    assert [(f.node, f.port, f.severity) for f in findings] == [("main", "timeout", "warning")]
    assert report.ok, "a warning does not make the flow invalid"


def test_missing_hangup_path_through_another_menu() -> None:
    report = check(
        [START, menu("main", "1"), menu("sub", "1"), BYE],
        [edge("start", "main"), edge("main.1", "sub"), edge("main.timeout", "sub"),
         edge("sub.1", "bye"), edge("sub.timeout", "main")],
    )  # fmt: skip
    assert only(report, "missing-hangup-path") == [("main", "timeout"), ("sub", "timeout")]


def test_invalid_port_back_to_itself_is_fine_when_timeout_leaves() -> None:
    report = check(
        [START, menu("main", "1"), BYE],
        [edge("start", "main"), edge("main.1", "bye"), edge("main.timeout", "bye"),
         edge("main.invalid", "main")],
    )  # fmt: skip
    assert report.findings == ()


def test_collect_timeout_into_itself() -> None:
    report = check(
        [START, node("pin", "collect", prompt="PIN?", variable="pin"), BYE],
        [edge("start", "pin"), edge("pin.next", "bye"), edge("pin.timeout", "pin")],
    )
    assert only(report, "missing-hangup-path") == [("pin", "timeout")]


def test_silent_path_with_a_goodbye_is_fine() -> None:
    report = check(
        [START, menu("main", "1"), node("again", "say", text="x"),
         node("count", "branch", cases=[{"port": "enough", "when": "vars.n == '3'"}]), BYE],
        [edge("start", "main"), edge("main.1", "bye"), edge("main.timeout", "count"),
         edge("count.else", "again"), edge("count.enough", "bye"), edge("again", "main")],
    )  # fmt: skip
    assert report.findings == ()


# --- parameters -----------------------------------------------------------------------


def test_invalid_parameter_names_the_node() -> None:
    report = check([START, node("hi", "say", text="x" * 712), BYE],
                   [edge("start", "hi"), edge("hi", "bye")])  # fmt: skip
    assert [(f.code, f.node, f.message) for f in report] == [
        ("invalid-parameter", "hi", "Say text is 712 characters; Sinch allows at most 600")
    ]


def test_unknown_flow_locale_is_reported_where_it_is_inherited() -> None:
    report = check(
        [START, node("hi", "say", text="Hi"), node("fr", "say", text="Salut", locale="fr-FR"), BYE],
        [edge("start", "hi"), edge("hi", "fr"), edge("fr", "bye")],
        locale="xx-XX",
    )
    assert only(report, "invalid-parameter") == [("hi", None)]
    assert "'xx-XX'" in report.findings[0].message


def test_unknown_flow_locale_with_no_speaking_node() -> None:
    report = check([START, BYE], [edge("start", "bye")], locale="en-us")
    assert only(report, "invalid-parameter") == [(None, None)]


def test_cookie_budget_names_the_node_that_goes_over() -> None:
    value = "v" * 400
    nodes = [START] + [node(f"c{i}", "setCookie", key=f"k{i}", value=value) for i in range(4)]
    nodes.append(BYE)
    edges = [edge("start", "c0"), edge("c0", "c1"), edge("c1", "c2"), edge("c2", "c3"),
             edge("c3", "bye")]  # fmt: skip
    report = check(nodes, edges)
    assert only(report, "invalid-parameter") == [("c2", None)]
    assert str(COOKIE_MAX_BYTES) in report.findings[0].message


def test_cookie_set_twice_counts_once() -> None:
    nodes = [START, node("a", "setCookie", key="lang", value="v" * 600),
             node("b", "setCookie", key="lang", value="w" * 600), BYE]  # fmt: skip
    report = check(nodes, [edge("start", "a"), edge("a", "b"), edge("b", "bye")])
    assert report.findings == ()


def test_duplicate_menu_digits() -> None:
    report = check(
        [START, menu("main", "1", "1"), BYE],
        [edge("start", "main"), edge("main.1", "bye"), edge("main.timeout", "bye")],
    )
    assert only(report, "invalid-parameter") == [("main", None)]
    assert "'1' more than once" in report.findings[0].message


def test_branch_case_ports_that_shadow() -> None:
    report = check(
        [START, node("b", "branch", cases=[{"port": "x", "when": "true"},
                                           {"port": "x", "when": "false"},
                                           {"port": "else", "when": "true"}]), BYE],
        [edge("start", "b"), edge("b.x", "bye"), edge("b.else", "bye")],
    )  # fmt: skip
    assert only(report, "invalid-parameter") == [("b", "x"), ("b", "else")]


def test_parameters_of_an_unknown_type_are_not_checked() -> None:
    report = check([START, node("w", "webhook", url=42)], [edge("start", "w")])
    assert [f.code for f in report] == ["unknown-type"]


# --- which event an action answers -------------------------------------------------------


def test_park_after_a_menu_answers_a_pie() -> None:
    report = check(
        [START, menu("main", "1"), node("hold", "park", holdPrompt="#tts[Hold on.]"), BYE],
        [edge("start", "main"), edge("main.1", "hold"), edge("main.timeout", "bye")],
    )
    assert only(report, "action-not-allowed") == [("hold", None)]
    message = report.findings[0].message
    assert "PIE" in message and "'main'" in message and "park" in message


def test_connect_on_the_answered_port_answers_an_ace() -> None:
    report = check(
        [START, node("first", "connectPstn", number="+46700000001"),
         node("say", "say", text="Transferring."),
         node("second", "connectPstn", number="+46700000002")],
        [edge("start", "first"), edge("first.answered", "say"), edge("say", "second")],
    )  # fmt: skip
    assert only(report, "action-not-allowed") == [("second", None)]
    assert "ACE" in report.findings[0].message


def test_connect_mxp_after_a_menu() -> None:
    report = check(
        [START, menu("main", "1"), node("app", "connectMxp", destination={"endpoint": "a"}), BYE],
        [edge("start", "main"), edge("main.1", "app"), edge("main.timeout", "bye")],
    )
    assert only(report, "action-not-allowed") == [("app", None)]


def test_an_action_reached_two_ways_is_reported_per_event() -> None:
    report = check(
        [START, node("route", "branch", cases=[{"port": "vip", "when": "call.cli == '1'"}]),
         menu("main", "1"), node("hold", "park", holdPrompt="Hold."),
         node("call", "connectPstn", number="+46700000001"), BYE],
        [edge("start", "route"), edge("route.vip", "hold"), edge("route.else", "main"),
         edge("main.1", "hold"), edge("main.timeout", "call"), edge("call.answered", "hold")],
    )  # fmt: skip
    messages = [f.message for f in report if f.code == "action-not-allowed"]
    assert len(messages) == 2
    assert any("ACE" in m for m in messages) and any("PIE" in m for m in messages)


def test_what_every_event_accepts_is_not_reported() -> None:
    report = check(
        [START, menu("main", "1", "2"), node("room", "connectConf", conferenceId="r"),
         node("call", "connectPstn", number="+46700000001"), node("m2", "menu",
         prompt="Press 1.", options=["1"]), BYE],
        [edge("start", "main"), edge("main.1", "room"), edge("main.2", "call"),
         edge("main.timeout", "bye"), edge("call.answered", "m2"), edge("m2.1", "bye"),
         edge("m2.timeout", "bye"), edge("room.answered", "bye")],
    )  # fmt: skip
    assert report.findings == ()


# --- order and robustness ---------------------------------------------------------------


def test_findings_come_in_document_order_flow_wide_first() -> None:
    report = check(
        [node("z", "say", text="x" * 700), node("a", "say"), node("m", "wat")],
        [edge("a", "z"), edge("z", "nowhere")],
        locale="xx",
    )
    nodes = [f.node for f in report]
    assert nodes[0] is None
    order = {"z": 0, "a": 1, "m": 2}
    ranks = [order[n] for n in nodes if n is not None]
    assert ranks == sorted(ranks)
    assert {"no-start", "unknown-type", "dangling-edge", "invalid-parameter"} <= report.codes()


def test_validation_is_deterministic() -> None:
    doc = every_feature()
    doc["nodes"].append(node("stray", "say", text="{{ oops"))
    first = Flow.from_dict(doc).validate().to_dict()
    second = Flow.from_dict(json.loads(json.dumps(doc))).validate().to_dict()
    assert first == second


@pytest.mark.parametrize(
    "data",
    [
        {"text": 42},
        {"text": None},
        {"text": ["a"], "locale": {"x": 1}},
        {"text": "ok", "extra": [1, {"deep": None}]},
        {"text": "\ud800 lone surrogate"},
    ],
)
def test_bad_parameter_values_become_findings(data: dict) -> None:
    report = check([START, {"id": "s", "type": "say", "data": data}, BYE],
                   [edge("start", "s"), edge("s", "bye")])  # fmt: skip
    assert isinstance(report, Report)
    assert all(f.code == "invalid-parameter" and f.node == "s" for f in report)


def test_every_registered_type_is_handled() -> None:
    """A node of each type, with its registry example, chained from start: no crash, no
    unknown-type; the checks read ports and kinds from the registry only."""
    nodes = [START]
    edges = []
    prev, port = "start", "next"
    for name, t in NODE_TYPES.items():
        if name == "start":
            continue
        nodes.append(node(f"n_{name}", name, **t.example))
        edges.append(edge(f"{prev}.{port}", f"n_{name}"))
        prev, port = f"n_{name}", next(iter(t.port_names(t.example)), "next")
    report = check(nodes, edges)
    assert "unknown-type" not in report.codes()
    assert "invalid-parameter" not in report.codes(), [f.message for f in report]
