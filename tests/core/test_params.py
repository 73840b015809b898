"""Parameter checks against the registry's schemas and Sinch's limits."""

from __future__ import annotations

from typing import Any

import pytest

from designer.params import check_params, expression_error, prompt_error, template_error
from designer.registry import (
    CONFERENCE_ID_MAX,
    CONNECT_MAX_DURATION,
    LOCALES,
    NODE_TYPES,
    PARK_MAX_DURATION,
    SAY_MAX_CHARS,
)


def problems(node_type: str, flow_locale: str = "en-US", **data: Any) -> list[tuple[str, str]]:
    return check_params(NODE_TYPES[node_type], data, flow_locale)


def paths(node_type: str, **data: Any) -> list[str]:
    return [path for path, _ in problems(node_type, **data)]


@pytest.mark.parametrize("name", sorted(NODE_TYPES))
def test_every_registry_example_is_valid(name: str) -> None:
    assert check_params(NODE_TYPES[name], NODE_TYPES[name].example, "en-US") == []


# --- say and locales --------------------------------------------------------------------


def test_say_text_limit() -> None:
    assert problems("say", text="x" * SAY_MAX_CHARS) == []
    assert problems("say", text="x" * 712) == [
        ("text", "Say text is 712 characters; Sinch allows at most 600")
    ]


def test_say_needs_text() -> None:
    assert problems("say") == [("text", "Say needs 'text'")]
    assert problems("say", text="") == [("text", "Say text is empty")]


@pytest.mark.parametrize("locale", LOCALES)
def test_every_sinch_locale_is_accepted(locale: str) -> None:
    assert problems("say", text="Hi", locale=locale) == []


def test_unknown_locale_suggests_the_right_case() -> None:
    [(path, message)] = problems("say", text="Hi", locale="en-us")
    assert path == "locale"
    assert "did you mean 'en-US'?" in message


def test_unknown_locale_without_a_near_miss() -> None:
    [(path, message)] = problems("menu", prompt="Hi", options=["1"], locale="tlh-KL")
    assert path == "locale" and "'tlh-KL'" in message


def test_empty_locale_means_the_flows() -> None:
    assert problems("say", text="Hi", locale="") == []
    assert paths("say", flow_locale="xx-XX", text="Hi", locale="") == ["locale"]
    assert problems("say", flow_locale="xx-XX", text="Hi", locale="sv-SE") == []
    assert problems("hangup", flow_locale="xx-XX") == []  # says nothing: inherits nothing


def test_unknown_parameter_is_named_with_a_suggestion() -> None:
    [(path, message)] = problems("say", text="Hi", txet="Hi")
    assert path == "txet"
    assert "'txet'" in message and "text" in message


# --- sendDtmf, cookies, conference ---------------------------------------------------------


@pytest.mark.parametrize("value", ["1", "0123456789#w", "w#w"])
def test_send_dtmf_accepts_digits_hash_and_pause(value: str) -> None:
    assert problems("sendDtmf", value=value) == []


@pytest.mark.parametrize("value", ["12a", "*", "1 2", "W"])
def test_send_dtmf_refuses_other_keys(value: str) -> None:
    [(path, message)] = problems("sendDtmf", value=value)
    assert path == "value" and "not allowed" in message


def test_cookie_value_counts_utf8_bytes() -> None:
    assert problems("setCookie", key="k", value="é" * 512) == []  # 1024 bytes
    [(path, message)] = problems("setCookie", key="k", value="é" * 513)
    assert path == "value" and "1026 bytes" in message and "1024" in message


def test_cookie_value_may_be_empty_but_not_missing() -> None:
    assert problems("setCookie", key="k", value="") == []
    assert paths("setCookie", key="k") == ["value"]


def test_conference_id_limit() -> None:
    assert problems("connectConf", conferenceId="c" * CONFERENCE_ID_MAX) == []
    assert paths("connectConf", conferenceId="c" * (CONFERENCE_ID_MAX + 1)) == ["conferenceId"]


@pytest.mark.parametrize("moh", ["ring", "music1", "music2", "music3"])
def test_music_on_hold_values(moh: str) -> None:
    assert problems("connectConf", conferenceId="c", moh=moh) == []


def test_unknown_music_on_hold_lists_the_choices() -> None:
    [(_, message)] = problems("connectConf", conferenceId="c", moh="jazz")
    assert "ring, music1, music2, music3" in message


# --- connect actions ----------------------------------------------------------------------


def test_max_duration_limits() -> None:
    assert problems("connectPstn", maxDuration=CONNECT_MAX_DURATION) == []
    [(path, message)] = problems("connectPstn", maxDuration=CONNECT_MAX_DURATION + 1)
    assert (path, message) == ("maxDuration", "Connect phone maxDuration is 14401; Sinch allows "
                                              "at most 14400")  # fmt: skip
    assert paths("connectSip", destination={"endpoint": "a@b"}, maxDuration=0) == ["maxDuration"]
    assert problems("park", holdPrompt="Hold.", maxDuration=PARK_MAX_DURATION) == []
    assert paths("park", holdPrompt="Hold.", maxDuration=PARK_MAX_DURATION + 1) == ["maxDuration"]


@pytest.mark.parametrize("value", [600.0, "600", True, None])
def test_max_duration_must_be_a_whole_number(value: Any) -> None:
    found = paths("park", holdPrompt="Hold.", maxDuration=value)
    assert found == ([] if value is None else ["maxDuration"])  # null: the default applies


@pytest.mark.parametrize("transport", ["UDP", "TCP", "TLS"])
def test_sip_transports(transport: str) -> None:
    assert problems("connectSip", destination={"endpoint": "a@b"}, transport=transport) == []


def test_unknown_sip_transport() -> None:
    assert paths("connectSip", destination={"endpoint": "a@b"}, transport="udp") == ["transport"]


def test_sip_destination_needs_an_endpoint_and_no_strangers() -> None:
    found = problems("connectSip", destination={"uri": "a@b"})
    assert [p for p, _ in found] == ["destination.endpoint", "destination.uri"]


def test_call_headers_items_are_objects_with_key_and_value() -> None:
    found = paths("connectSip", destination={"endpoint": "a@b"},
                  callHeaders=[{"key": "X-A", "value": "1"}, {"key": "X-B"}, "X-C"])  # fmt: skip
    assert found == ["callHeaders[1].value", "callHeaders[2]"]


@pytest.mark.parametrize("indications", ["se", "us", "uk"])
def test_known_indications(indications: str) -> None:
    assert problems("connectPstn", indications=indications) == []


def test_unknown_indications() -> None:
    assert paths("connectPstn", indications="xx") == ["indications"]


@pytest.mark.parametrize("number", ["+46700000001", "+15551234567", "{{ vars.number }}"])
def test_e164_numbers(number: str) -> None:
    assert problems("connectPstn", number=number) == []


@pytest.mark.parametrize("number", ["0700000001", "+0123", "+1234567890123456", "46 70"])
def test_not_e164(number: str) -> None:
    [(path, message)] = problems("connectPstn", number=number)
    assert path == "number" and "E.164" in message


def test_templated_values_skip_the_pattern_but_not_the_length() -> None:
    assert problems("connectPstn", cli="{{ call.cli }}") == []
    assert paths("connectPstn", number="{{ vars.n }}" + "x" * 64) == ["number"]


# --- menus and prompts ------------------------------------------------------------------


def test_menu_options_are_dtmf_keys() -> None:
    assert problems("menu", prompt="Hi", options=["1", "*", "#", "0"]) == []
    assert paths("menu", prompt="Hi", options=["1", "10", "a"]) == ["options[1]", "options[2]"]


def test_menu_options_are_unique_and_not_empty() -> None:
    [(path, message)] = problems("menu", prompt="Hi", options=["1", "2", "1"])
    assert path == "options" and "'1' more than once" in message
    assert paths("menu", prompt="Hi", options=[]) == ["options"]


def test_menu_takes_one_key_per_choice() -> None:
    assert paths("menu", prompt="Hi", options=["1"], maxDigits=2) == ["maxDigits"]
    assert problems("collect", prompt="PIN?", variable="pin", maxDigits=12) == []


@pytest.mark.parametrize(
    "prompt",
    [
        "Welcome",
        "#tts[Welcome]",
        "#tts[Welcome];#href[https://example.com/a.mp3]",
        "#tts[Enter your PIN.];http://your.host.com/media_file.mp3",
        "#ssml[<speak>Hello <break time='1s'/></speak>]",
        "#tts[Hello {{ call.cli }}]",
        "#tts[Press 1; or wait]",
        "#tts[Hi]; ",
    ],
)
def test_valid_prompts(prompt: str) -> None:
    assert prompt_error(prompt) is None
    assert problems("menu", prompt=prompt, options=["1"]) == []


@pytest.mark.parametrize(
    ("prompt", "expected"),
    [
        ("#tts[Welcome", "not closed"),
        ("#tts[]", "empty"),
        ("#xyz[Welcome]", "unknown prompt segment '#xyz['"),
        ("#tts Welcome", "must be followed by [...]"),
        ("#href[ftp://example.com/a.mp3]", "not an http(s) URL"),
        ("#ssml[Hello]", "<speak>"),
        ("#tts[Hi];#tts[Bye", "not closed"),
    ],
)
def test_invalid_prompts(prompt: str, expected: str) -> None:
    error = prompt_error(prompt)
    assert error is not None and expected in error
    [(path, message)] = problems("park", holdPrompt=prompt)
    assert path == "holdPrompt" and expected in message


# --- templates and expressions ------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Plain text",
        "Hello {{ call.cli }}",
        "{{ vars.name|upper }} and {{ digits }}",
        "{% if vars.vip %}Welcome back{% else %}Welcome{% endif %}",
        "Curly { braces } are text",
    ],
)
def test_valid_templates(text: str) -> None:
    assert template_error(text) is None
    assert problems("say", text=text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hello {{ call.cli }", "line 1"),
        ("Line one\nline two {% if %}", "line 2"),
        ("{{ vars.x|nosuchfilter }}", "nosuchfilter"),
        ("{% set x = 1 %}{{ x }}", "'set'"),
        ("{{ not }}", "line 1"),
    ],
)
def test_invalid_templates(text: str, expected: str) -> None:
    error = template_error(text)
    assert error is not None and expected in error
    [(path, message)] = problems("say", text=text)
    assert path == "text" and "template error" in message and expected in message


def test_template_errors_in_nested_fields() -> None:
    found = paths("connectSip", destination={"endpoint": "{{ x"},
                  callHeaders=[{"key": "X", "value": "{{ }}"}])  # fmt: skip
    assert found == ["destination.endpoint", "callHeaders[0].value"]


@pytest.mark.parametrize(
    "expression",
    ["vars.pin == '1234'", "digits", "vars.n > 3", "vars.a and not vars.b", "call.cli in ['1']"],
)
def test_valid_expressions(expression: str) -> None:
    assert expression_error(expression) is None


@pytest.mark.parametrize("expression", ["vars.pin ==", "a b", "x }} {{ y", "(", "vars.pin = '1'"])
def test_invalid_expressions(expression: str) -> None:
    assert expression_error(expression) is not None
    found = paths("branch", cases=[{"port": "ok", "when": expression}])
    assert found == ["cases[0].when"]


def test_branch_case_ports_are_identifiers() -> None:
    assert paths("branch", cases=[{"port": "1st", "when": "true"}]) == ["cases[0].port"]


# --- hours -------------------------------------------------------------------------------


def test_time_zone_must_exist() -> None:
    assert problems("hours", timezone="America/New_York", schedule={}) == []
    [(path, message)] = problems("hours", timezone="europe/stockholm", schedule={})
    assert path == "timezone" and "did you mean 'Europe/Stockholm'?" in message
    assert paths("hours", timezone="Mars/Olympus", schedule={}) == ["timezone"]


def test_schedule_ranges() -> None:
    assert problems("hours", schedule={"mon": ["00:00-24:00"], "sat": []}) == []
    found = problems(
        "hours", schedule={"mon": ["17:00-09:00", "9-5", "10:00-24:30"], "funday": ["10:00-11:00"]}
    )
    assert [p for p, _ in found] == [
        "schedule.mon[1]", "schedule.funday", "schedule.mon[0]", "schedule.mon[2]"
    ]  # fmt: skip
    messages = dict(found)
    assert "does not start before it ends" in messages["schedule.mon[0]"]
    assert "HH:MM-HH:MM" in messages["schedule.mon[1]"]
    assert "after 24:00" in messages["schedule.mon[2]"]


def test_closed_dates_are_calendar_dates() -> None:
    assert problems("hours", schedule={}, closedDates=["2026-12-24"]) == []
    assert paths("hours", schedule={}, closedDates=["2026-02-30", "24/12"]) == [
        "closedDates[0]",
        "closedDates[1]",
    ]


# --- robustness -------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(NODE_TYPES))
@pytest.mark.parametrize(
    "junk", [None, 0, -1, 10**40, 1.5, True, "", "x" * 5000, [], [None, [1]], {}, {"a": {}}]
)
def test_any_value_in_any_parameter_is_a_problem_or_fine(name: str, junk: Any) -> None:
    node_type = NODE_TYPES[name]
    for param in node_type.params:
        found = check_params(node_type, {**node_type.example, param: junk}, "en-US")
        assert all(isinstance(p, str) and isinstance(m, str) and m for p, m in found)
