"""The walker shared by the call engine and the static compiler."""

from __future__ import annotations

import pytest

from designer import Flow
from designer.document import Node
from designer.errors import StepError
from designer.stepping import DEFER, Choice, follow, menu_choice, walk
from designer.svaml import check_svaml


def flow_of(nodes, edges, locale="en-US") -> Flow:
    return Flow.from_dict(
        {"format": "callflow/1", "name": "t", "locale": locale, "nodes": nodes, "edges": edges}
    )


def edge(src, dst, port="next"):
    return {"from": src, "to": dst, "port": port}


def never(node: Node) -> str:
    raise AssertionError(f"decide called for {node.id}")


SUPPORT = flow_of(
    [
        {"id": "start", "type": "start"},
        {"id": "hi", "type": "say", "data": {"text": "Hello {{ call.cli }}"}},
        {"id": "fr", "type": "say", "data": {"text": "Bonjour", "locale": "fr-FR"}},
        {"id": "cookie", "type": "setCookie", "data": {"key": "k{{x}}", "value": "v{{x}}"}},
        {"id": "tones", "type": "sendDtmf", "data": {"value": "ww1#"}},
        {"id": "main", "type": "menu", "data": {
            "prompt": "Press 1 or 2.", "repeatPrompt": "#tts[Again: 1 or 2.]", "repeats": 3,
            "timeoutMills": 4000, "barge": False, "options": ["1", "2", "#"]}},
        {"id": "sales", "type": "connectPstn", "data": {"number": "+46700000001"}},
        {"id": "bye", "type": "hangup"},
    ],
    [edge("start", "hi"), edge("hi", "fr"), edge("fr", "cookie"), edge("cookie", "tones"),
     edge("tones", "main"), edge("main", "sales", "1"), edge("main", "bye", "timeout")],
)  # fmt: skip


def test_walk_collects_instructions_until_a_menu():
    step = walk(SUPPORT, "start", decide=never, render=str.upper, event="ice")
    assert step.visited == ["start", "hi", "fr", "cookie", "tones", "main"]
    assert step.stop_node == "main" and step.waiting == ["main"]
    assert step.menus == {"main": "main"}
    assert step.fell_off is None and step.pending is None
    assert step.instructions == [
        {"name": "say", "text": "HELLO {{ CALL.CLI }}", "locale": "en-US"},  # flow locale
        {"name": "say", "text": "BONJOUR", "locale": "fr-FR"},  # node locale wins
        {"name": "setCookie", "key": "k{{x}}", "value": "V{{X}}"},  # only templated fields
        {"name": "sendDtmf", "value": "ww1#"},
    ]
    assert check_svaml(step.svaml(), "ice") == []


def test_a_menu_is_one_runmenu_whose_options_return_their_port():
    action = walk(SUPPORT, "main", decide=never).action
    assert action == {
        "name": "runMenu",
        "barge": False,
        "locale": "en-US",
        "mainMenu": "main",
        "menus": [{
            "id": "main",
            "mainPrompt": "#tts[Press 1 or 2.]",
            "repeatPrompt": "#tts[Again: 1 or 2.]",
            "repeats": 3,
            "maxDigits": 1,
            "timeoutMills": 4000,
            "options": [
                {"dtmf": "1", "action": "return(1)"},
                {"dtmf": "2", "action": "return(2)"},
                {"dtmf": "#", "action": "return(#)"},
            ],
        }],
    }  # fmt: skip


def test_a_collect_asks_for_a_sequence():
    flow = flow_of(
        [{"id": "start", "type": "start"},
         {"id": "pin", "type": "collect", "data": {"prompt": "#tts[PIN?]", "variable": "pin",
                                                   "enableVoice": True, "locale": "sv-SE"}}],
        [edge("start", "pin")],
    )  # fmt: skip
    action = walk(flow, "start", decide=never).action
    assert action["enableVoice"] is True and action["locale"] == "sv-SE"
    (menu,) = action["menus"]
    assert menu == {"id": "main", "mainPrompt": "#tts[PIN?]", "maxDigits": 4}  # registry default
    assert check_svaml(svaml_of(action), "pie") == []


def svaml_of(action):
    return {"instructions": [], "action": action}


LOGIC = flow_of(
    [
        {"id": "start", "type": "start"},
        {"id": "count", "type": "setVariable", "data": {"name": "n", "value": "1"}},
        {"id": "open", "type": "hours", "data": {"schedule": {"mon": ["09:00-17:00"]}}},
        {"id": "vip", "type": "branch", "data": {"cases": [{"port": "gold", "when": "vars.n"}]}},
        {"id": "gold", "type": "say", "data": {"text": "Gold"}},
        {"id": "hold", "type": "park", "data": {"holdPrompt": "Please hold."}},
        {"id": "closed", "type": "hangup"},
    ],
    [edge("start", "count"), edge("count", "open"), edge("open", "vip", "open"),
     edge("open", "closed", "closed"), edge("vip", "gold", "gold"), edge("gold", "hold")],
)  # fmt: skip


def test_logic_nodes_follow_the_port_decide_names():
    seen = []

    def decide(node: Node) -> str:
        seen.append(node.id)
        return {"count": "next", "open": "open", "vip": "gold"}[node.id]

    step = walk(LOGIC, "start", decide=decide, event="ice")
    assert seen == ["count", "open", "vip"]
    assert step.visited == ["start", "count", "open", "vip", "gold", "hold"]
    assert step.instructions == [{"name": "say", "text": "Gold", "locale": "en-US"}]
    assert step.action == {"name": "park", "holdPrompt": "#tts[Please hold.]"}
    assert step.stop_node == "hold" and step.waiting == []


def test_a_port_without_an_edge_hangs_up_and_says_where():
    step = walk(LOGIC, "start", decide=lambda n: "else" if n.id == "vip" else
                {"count": "next", "open": "open"}[n.id])  # fmt: skip
    assert step.action == {"name": "hangup"}
    assert step.fell_off == ("vip", "else")
    assert step.stop_node is None
    assert step.visited[-1] == "vip"


def test_defer_stops_before_the_decision():
    step = walk(LOGIC, "start", decide=lambda n: "next" if n.type == "setVariable" else DEFER)
    assert step.pending == "open" and step.action is None
    assert step.visited == ["start", "count"]
    with pytest.raises(StepError, match="decision 'open'"):
        step.svaml()


def test_decide_must_name_a_port():
    with pytest.raises(StepError, match="no port was decided for the setVariable node 'count'"):
        walk(LOGIC, "start", decide=lambda n: None)


def test_an_action_the_event_does_not_accept_is_an_error():
    decide = {"count": "next", "open": "open", "vip": "gold"}.get
    with pytest.raises(StepError, match="park, which a pie callback does not accept"):
        walk(LOGIC, "start", decide=lambda n: decide(n.id), event="pie")


LOOP = flow_of(
    [{"id": "start", "type": "start"},
     {"id": "a", "type": "say", "data": {"text": "a"}},
     {"id": "b", "type": "setVariable", "data": {"name": "x", "value": "1"}}],
    [edge("start", "a"), edge("a", "b"), edge("b", "a")],
)  # fmt: skip


def test_a_loop_without_input_exhausts_the_budget():
    with pytest.raises(StepError, match="loops without waiting for the caller") as err:
        walk(LOOP, "start", decide=lambda n: "next", budget=50)
    assert err.value.details["node"] in {"a", "b"}
    with pytest.raises(StepError, match="more than 500 nodes"):
        walk(LOOP, "start", decide=lambda n: "next")


def test_unknown_nodes_and_types_are_errors():
    with pytest.raises(StepError, match="no node 'nowhere'"):
        walk(LOOP, "nowhere", decide=never)
    odd = flow_of([{"id": "start", "type": "start"}, {"id": "x", "type": "teleport"}],
                  [edge("start", "x")])  # fmt: skip
    with pytest.raises(StepError, match="unknown type 'teleport'"):
        walk(odd, "start", decide=never)


ANSWERED = flow_of(
    [{"id": "start", "type": "start"},
     {"id": "agent", "type": "connectPstn", "data": {"number": "+46700000001"}},
     {"id": "other", "type": "connectSip", "data": {"destination": {"endpoint": "{{ sip }}"}}},
     {"id": "whisper", "type": "say", "data": {"text": "Customer call"}},
     {"id": "room", "type": "connectConf", "data": {"conferenceId": "room"}}],
    [edge("start", "agent"), edge("agent", "whisper", "answered"), edge("whisper", "room")],
)  # fmt: skip


def test_follow_an_answered_port():
    step = follow(ANSWERED, "agent", "answered", decide=never, event="ace")
    assert step.visited == ["whisper", "room"]
    assert step.svaml()["action"] == {"name": "connectConf", "conferenceId": "room"}


def test_an_unconnected_answered_port_lets_the_call_continue():
    step = follow(ANSWERED, "other", "answered", decide=never, event="ace")
    assert step.svaml() == {"instructions": [], "action": {"name": "continue"}}
    assert step.fell_off is None


def test_follow_an_unconnected_port_hangs_up():
    step = follow(SUPPORT, "main", "2", decide=never, event="pie")
    assert step.action == {"name": "hangup"} and step.fell_off == ("main", "2")


def test_nested_templated_fields_are_rendered():
    step = walk(ANSWERED, "other", decide=never, render=lambda t: t.replace("{{ sip }}", "a@b"))
    assert step.action["destination"] == {"endpoint": "a@b"}


@pytest.mark.parametrize(
    ("result", "expected"),
    [({"type": "return", "value": "1"}, Choice("1", "1")),
     ({"type": "Return", "value": "#"}, Choice("#", "#")),
     ({"type": "sequence", "value": "2#"}, Choice("2", "2")),
     ({"type": "sequence", "value": "7"}, Choice("timeout", "7")),  # 'invalid' not connected
     ({"type": "InvalidInput", "value": ""}, Choice("timeout")),
     ({"type": "timeout", "value": ""}, Choice("timeout")),
     ({"type": "hangup"}, None),
     ({"type": "Error", "value": "x"}, None)],
)  # fmt: skip
def test_menu_choice_for_a_menu(result, expected):
    assert menu_choice(SUPPORT, "main", {"menuId": "main", **result}) == expected


def test_menu_choice_uses_invalid_when_connected():
    flow = flow_of(
        [{"id": "start", "type": "start"},
         {"id": "main", "type": "menu", "data": {"prompt": "x", "options": ["1"]}},
         {"id": "bye", "type": "hangup"}],
        [edge("start", "main"), edge("main", "bye", "1"), edge("main", "bye", "invalid"),
         edge("main", "bye", "timeout")],
    )  # fmt: skip
    assert menu_choice(flow, "main", {"type": "sequence", "value": "9"}) == Choice("invalid", "9")
    assert menu_choice(flow, "main", {"type": "invalidinput"}) == Choice("invalid")


@pytest.mark.parametrize(
    ("result", "expected"),
    [({"type": "sequence", "value": "1234#"}, Choice("next", "1234")),
     ({"type": "sequence", "value": "12"}, Choice("next", "12")),
     ({"type": "sequence", "value": "#"}, Choice("timeout")),
     ({"type": "timeout"}, Choice("timeout")),
     ({"type": "invalidinput", "value": "x"}, Choice("timeout")),
     ({"type": "hangup"}, None)],
)  # fmt: skip
def test_menu_choice_for_a_collect(result, expected):
    flow = flow_of([{"id": "start", "type": "start"},
                    {"id": "pin", "type": "collect", "data": {"prompt": "x", "variable": "p"}}],
                   [edge("start", "pin")])  # fmt: skip
    assert menu_choice(flow, "pin", result) == expected


def test_menu_choice_needs_a_waiting_input_node():
    with pytest.raises(StepError, match="not a menu or collect"):
        menu_choice(SUPPORT, "hi", {"type": "return", "value": "1"})
