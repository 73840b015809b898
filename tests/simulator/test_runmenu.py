"""runMenu as the platform runs it, against hand-written SVAML.

Each test scripts the application's answers (``FakeApplication``), calls it
through the simulated platform and checks the PIE the platform produced --
its type, value and menu id -- and what the caller heard and when.
"""

from __future__ import annotations

from datetime import datetime

from designer.simulator.script import Press, Silence

HANGUP = {"instructions": [], "action": {"name": "hangup"}}
MAIN = "#tts[Press 1 for sales or 2 for support.]"
AGAIN = "#tts[Please press 1 or 2.]"


def run_menu(*menus, barge=None, **extra):
    action = {"name": "runMenu", "menus": list(menus), **extra}
    if barge is not None:
        action["barge"] = barge
    return {"instructions": [], "action": action}


def choice_menu(**fields):
    return {
        "id": "main",
        "mainPrompt": MAIN,
        "repeatPrompt": AGAIN,
        "repeats": 2,
        "maxDigits": 1,
        "timeoutMills": 5000,
        "options": [
            {"dtmf": "1", "action": "return(sales)"},
            {"dtmf": "2", "action": "return(support)"},
        ],
        **fields,
    }


def collect_menu(**fields):
    return {
        "id": "main",
        "mainPrompt": "#tts[Enter your PIN.]",
        "maxDigits": 4,
        "repeats": 1,
        "timeoutMills": 3000,
        **fields,
    }


def ms_between(a: str, b: str) -> float:
    parse = lambda s: datetime.fromisoformat(s.replace("Z", "+00:00"))  # noqa: E731
    return (parse(b) - parse(a)).total_seconds() * 1000


def only_pie(app):
    pies = app.events("pie")
    assert len(pies) == 1, pies
    return pies[0]["menuResult"]


def test_option_returns_its_value(call_app):
    transcript, app = call_app({"ice": [run_menu(choice_menu())], "pie": [HANGUP]}, [Press("2")])
    assert only_pie(app) == {
        "menuId": "main",
        "type": "return",
        "value": "support",
        "inputMethod": "dtmf",
    }
    assert transcript.heard == ["Press 1 for sales or 2 for support."]
    assert transcript.keyed == ["2"]


def test_barge_in_lets_keys_cut_the_prompt(call_app):
    _, app = call_app(
        {"ice": [run_menu(choice_menu(), barge=True)], "pie": [HANGUP]},
        [Press("1", during_prompt=True)],
    )
    assert only_pie(app)["value"] == "sales"
    ice, pie = app.received[0], app.received[1]
    # keyed one second into the prompt: the PIE comes before the prompt would have ended
    assert ms_between(ice["timestamp"], pie["timestamp"]) < 2000


def test_without_barge_keys_during_the_prompt_are_ignored(call_app):
    transcript, app = call_app(
        {"ice": [run_menu(choice_menu(), barge=False)], "pie": [HANGUP]},
        [Press("1", during_prompt=True)],
    )
    # the key was lost, the caller then stays silent: repeats, then timeout
    assert only_pie(app)["type"] == "timeout"
    assert transcript.keyed == []
    assert any(line.kind == "ignored" for line in transcript.lines)


def test_without_barge_keys_after_the_prompt_count(call_app):
    _, app = call_app(
        {"ice": [run_menu(choice_menu(), barge=False)], "pie": [HANGUP]}, [Press("1")]
    )
    assert only_pie(app)["value"] == "sales"


def test_silence_plays_the_repeat_prompt_then_times_out(call_app):
    transcript, app = call_app({"ice": [run_menu(choice_menu())], "pie": [HANGUP]}, [])
    assert only_pie(app) == {"menuId": "main", "type": "timeout", "value": "",
                             "inputMethod": "dtmf"}  # fmt: skip
    assert transcript.heard == [MAIN[5:-1], AGAIN[5:-1], AGAIN[5:-1]]
    waited = ms_between(app.received[0]["timestamp"], app.received[1]["timestamp"])
    assert waited >= 3 * 5000  # three silences of timeoutMills, plus the prompts


def test_timeout_follows_timeout_mills(call_app):
    _, app = call_app(
        {"ice": [run_menu(choice_menu(repeats=0, timeoutMills=2000))], "pie": [HANGUP]}, []
    )
    waited = ms_between(app.received[0]["timestamp"], app.received[1]["timestamp"])
    assert 2000 <= waited < 2000 + 5000  # the prompt plus two seconds of silence


def test_wrong_key_repeats_then_the_right_one_returns(call_app):
    transcript, app = call_app(
        {"ice": [run_menu(choice_menu())], "pie": [HANGUP]}, [Press("9"), Press("1")]
    )
    assert only_pie(app)["value"] == "sales"
    assert transcript.heard == [MAIN[5:-1], AGAIN[5:-1]]


def test_wrong_keys_until_repeats_run_out_is_invalid_input(call_app):
    _, app = call_app(
        {"ice": [run_menu(choice_menu())], "pie": [HANGUP]}, [Press("9", persist=True)]
    )
    assert only_pie(app) == {"menuId": "main", "type": "invalidinput", "value": "9",
                             "inputMethod": "dtmf"}  # fmt: skip
    assert len(app.events("pie")) == 1


def test_repeats_count_timeouts_and_wrong_keys_together(call_app):
    _, app = call_app(
        {"ice": [run_menu(choice_menu(repeats=1))], "pie": [HANGUP]}, [Silence(), Press("7")]
    )
    assert only_pie(app)["type"] == "invalidinput"


def test_max_digits_completes_the_sequence_and_drops_extra_keys(call_app):
    transcript, app = call_app(
        {"ice": [run_menu(collect_menu())], "pie": [HANGUP]}, [Press("123456")]
    )
    assert only_pie(app) == {"menuId": "main", "type": "sequence", "value": "1234",
                             "inputMethod": "dtmf"}  # fmt: skip
    assert any("56" in line.text and line.kind == "note" for line in transcript.lines)


def test_hash_ends_a_short_sequence_at_once(call_app):
    _, app = call_app({"ice": [run_menu(collect_menu())], "pie": [HANGUP]}, [Press("12#")])
    assert only_pie(app)["value"] == "12"
    waited = ms_between(app.received[0]["timestamp"], app.received[1]["timestamp"])
    assert waited < 3000 + 1000  # no silence timeout was needed


def test_a_short_sequence_without_hash_ends_after_the_timeout(call_app):
    _, app = call_app({"ice": [run_menu(collect_menu())], "pie": [HANGUP]}, [Press("12")])
    assert only_pie(app)["value"] == "12"
    waited = ms_between(app.received[0]["timestamp"], app.received[1]["timestamp"])
    assert waited >= 3000


def test_hash_alone_is_invalid_input(call_app):
    _, app = call_app({"ice": [run_menu(collect_menu(repeats=0))], "pie": [HANGUP]}, [Press("#")])
    assert only_pie(app) == {"menuId": "main", "type": "invalidinput", "value": "",
                             "inputMethod": "dtmf"}  # fmt: skip


def test_hash_can_be_an_option(call_app):
    menu = choice_menu(options=[{"dtmf": "#", "action": "return(back)"}])
    _, app = call_app({"ice": [run_menu(menu)], "pie": [HANGUP]}, [Press("#")])
    assert only_pie(app)["value"] == "back"


def test_menu_navigation_inside_one_run_menu(call_app):
    main = choice_menu(
        options=[
            {"dtmf": "1", "action": "return(support)"},
            {"dtmf": 2, "action": "menu(sub)"},
        ]
    )
    sub = {
        "id": "sub",
        "mainPrompt": "#tts[Enter your 4-digit PIN.]",
        "repeatPrompt": "#tts[Enter your PIN.]",
        "repeats": 3,
        "maxDigits": 4,
    }
    transcript, app = call_app(
        {"ice": [run_menu(main, sub)], "pie": [HANGUP]}, [Press("2"), Press("4321")]
    )
    assert only_pie(app) == {"menuId": "sub", "type": "sequence", "value": "4321",
                             "inputMethod": "dtmf"}  # fmt: skip
    assert transcript.heard == [MAIN[5:-1], "Enter your 4-digit PIN."]


def test_a_sub_menu_option_returns_with_the_sub_menu_id(call_app):
    main = choice_menu(options=[{"dtmf": "9", "action": "menu(lang)"}])
    lang = {
        "id": "lang",
        "mainPrompt": "#tts[For English press 1.];#href[https://example.com/sv.mp3]",
        "options": [{"dtmf": "1", "action": "return(en)"}, {"dtmf": "0", "action": "menu(main)"}],
    }
    steps = [Press("9"), Press("0"), Press("9"), Press("1")]
    transcript, app = call_app({"ice": [run_menu(main, lang)], "pie": [HANGUP]}, steps)
    assert only_pie(app) == {"menuId": "lang", "type": "return", "value": "en",
                             "inputMethod": "dtmf"}  # fmt: skip
    assert transcript.heard.count("[audio https://example.com/sv.mp3]") == 2


def test_a_sub_menu_times_out_with_its_own_id(call_app):
    main = choice_menu(options=[{"dtmf": "2", "action": "menu(sub)"}])
    sub = {"id": "sub", "mainPrompt": "#tts[PIN?]", "maxDigits": 4, "repeats": 0}
    _, app = call_app({"ice": [run_menu(main, sub)], "pie": [HANGUP]}, [Press("2")])
    assert only_pie(app)["menuId"] == "sub"
    assert only_pie(app)["type"] == "timeout"


def test_main_menu_field_picks_the_first_menu(call_app):
    first = {"id": "first", "mainPrompt": "#tts[First.]", "maxDigits": 2}
    _, app = call_app(
        {"ice": [run_menu(choice_menu(), first, mainMenu="first")], "pie": [HANGUP]},
        [Press("42")],
    )
    assert only_pie(app)["menuId"] == "first"


def test_hanging_up_mid_menu_sends_a_hangup_pie_and_a_dice(call_app):
    from designer.simulator.script import HangUp

    transcript, app = call_app({"ice": [run_menu(choice_menu())], "pie": [HANGUP]}, [HangUp()])
    assert only_pie(app)["type"] == "hangup"
    dice = app.events("dice")
    assert [d["reason"] for d in dice] == ["CALLERHANGUP"]
    assert dice[0]["result"] == "ANSWERED"
    assert transcript.outcome["action"] == "runMenu"
