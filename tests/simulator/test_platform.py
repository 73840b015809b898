"""The rest of the platform: payloads, connects and their callee, park, hangup,
cookies, signing, and how illegal or missing answers are reported."""

from __future__ import annotations

import json
import re
from datetime import datetime

import pytest

from designer.errors import BadRequest, Conflict
from designer.simulator.platform import CallSettings, Phase, SimulatedCall
from designer.simulator.script import Callee, HangUp, Press, Script, run
from designer.simulator.transport import HttpTransport

from .conftest import FakeApplication

HANGUP = {"instructions": [], "action": {"name": "hangup"}}
CONTINUE = {"action": {"name": "continue"}}
CONNECT = {"instructions": [], "action": {"name": "connectPstn", "number": "+46700000001"}}
ISO_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def say_hangup(text="Goodbye."):
    return {"instructions": [{"name": "say", "text": text, "locale": "en-US"}],
            "action": {"name": "hangup"}}  # fmt: skip


def test_ice_payload_looks_like_sinchs(call_app, sinch_dir):
    settings = CallSettings(cli="+46701234567", to="+46812345678", custom="")
    _, app = call_app({"ice": [say_hangup()]}, settings=settings)
    ice = app.received[0]
    fixture = json.loads((sinch_dir / "fixtures/events/ice-pstn-sinch-docs.json").read_text())
    assert set(fixture) - {"to"} <= set(ice)  # every field Sinch sends, and more
    assert ice["event"] == "ice" and ice["version"] == 1
    assert re.match(r"^[0-9a-f]{32}@\d+\.\d+\.\d+\.\d+$", ice["callid"])
    assert ISO_Z.match(ice["timestamp"])
    assert ice["to"] == {"type": "number", "endpoint": "+46812345678"}
    assert ice["cli"] == "+46701234567"
    assert ice["domain"] == "pstn" and ice["originationType"] == "pstn"
    assert set(ice["userRate"]) == {"currencyId", "amount"}
    assert ice["callResourceUrl"].endswith(ice["callid"])
    assert app.headers[0]["content-type"] == "application/json"


def test_hangup_answer_ends_with_a_dice(call_app):
    transcript, app = call_app({"ice": [say_hangup("Closed.")]})
    assert [p["event"] for p in app.received] == ["ice", "dice"]
    dice = app.received[1]
    assert dice["reason"] == "MANAGERHANGUP" and dice["result"] == "ANSWERED"
    assert dice["duration"] >= 1  # the goodbye took time on the simulated clock
    assert dice["from"] == "+46708168731"
    assert transcript.heard == ["Closed."]
    assert transcript.outcome == {"action": "hangup", "node": None}
    assert transcript.end == {"reason": "MANAGERHANGUP", "result": "ANSWERED",
                              "duration": dice["duration"]}  # fmt: skip


def test_instructions_play_in_order(call_app):
    ice = {
        "instructions": [
            {"name": "Say", "text": "One."},
            {"name": "playFiles", "ids": ["welcome", "#tts[Two.]"], "locale": "en-US"},
            {"name": "sendDtmf", "value": "12w#"},
            {"name": "startRecording", "options": {"notificationEvents": True}},
            {"name": "answer"},
            {"name": "stopRecording"},
        ],
        "action": {"name": "Hangup"},
    }
    transcript, _ = call_app({"ice": [ice]})
    assert transcript.heard == ["One.", "[recording welcome]", "Two."]
    kinds = [line.kind for line in transcript.lines]
    assert kinds.index("tones") < kinds.index("recording") < kinds.index("end")


def test_connect_answered_sends_ace_and_ends_when_the_caller_hangs_up(call_app):
    transcript, app = call_app({"ice": [CONNECT], "ace": [CONTINUE]}, [Callee("answer", talk=42)])
    assert [p["event"] for p in app.received] == ["ice", "ace", "dice"]
    dice = app.received[2]
    assert dice["reason"] == "CALLERHANGUP" and dice["result"] == "ANSWERED"
    assert dice["duration"] == 42
    assert transcript.outcome["action"] == "connectPstn"
    assert transcript.outcome["number"] == "+46700000001"


def test_the_callee_can_hang_up(call_app):
    _, app = call_app(
        {"ice": [CONNECT], "ace": [CONTINUE]}, [Callee("answer", talk=5, hangs_up="callee")]
    )
    assert app.received[-1]["reason"] == "CALLEEHANGUP"


@pytest.mark.parametrize(
    ("outcome", "result", "reason"),
    [("busy", "BUSY", "CALLEEHANGUP"), ("noanswer", "NOANSWER", "TIMEOUT"),
     ("failed", "FAILED", "GENERALERROR")],
)  # fmt: skip
def test_a_callee_that_does_not_answer_ends_the_call(call_app, outcome, result, reason):
    _, app = call_app({"ice": [CONNECT], "ace": [CONTINUE]}, [Callee(outcome)])
    assert [p["event"] for p in app.received] == ["ice", "dice"]
    assert (app.received[1]["result"], app.received[1]["reason"]) == (result, reason)
    assert app.received[1]["duration"] == 0  # the caller's leg was never answered


@pytest.mark.parametrize("action", [
    {"name": "connectSip", "destination": {"endpoint": "4670@sip.example.com"}},
    {"name": "connectMxp", "destination": {"type": "username", "endpoint": "agent"}},
    {"name": "connectConf", "conferenceId": "standup"},
])  # fmt: skip
def test_every_connect_action_gets_an_ace(call_app, action):
    transcript, app = call_app({"ice": [{"action": action}], "ace": [CONTINUE]})
    assert [p["event"] for p in app.received] == ["ice", "ace", "dice"]
    assert transcript.outcome["action"] == action["name"]


def test_an_unknown_app_user_is_usernotfound(call_app):
    action = {"name": "connectMxp", "destination": {"type": "username", "endpoint": "nobody"}}
    _, app = call_app({"ice": [{"action": action}]}, [Callee("failed")])
    assert app.received[-1]["reason"] == "USERNOTFOUND"


def test_ace_answer_with_a_menu_runs_it(call_app):
    menu = {"id": "main", "mainPrompt": "#tts[Press 1 to accept.]",
            "options": [{"dtmf": "1", "action": "return(accept)"}]}  # fmt: skip
    _, app = call_app(
        {"ice": [CONNECT], "ace": [{"action": {"name": "runMenu", "menus": [menu]}}],
         "pie": [CONTINUE]},
        [Press("1"), Callee("answer", talk=10)],
    )  # fmt: skip
    assert [p["event"] for p in app.received] == ["ice", "ace", "pie", "dice"]
    assert app.received[2]["menuResult"]["value"] == "accept"
    assert app.received[3]["result"] == "ANSWERED"


def test_ace_hangup_ends_the_call(call_app):
    _, app = call_app({"ice": [CONNECT], "ace": [HANGUP]})
    assert [p["event"] for p in app.received] == ["ice", "ace", "dice"]
    assert app.received[2]["reason"] == "MANAGERHANGUP"


def test_max_duration_cuts_the_conversation(call_app):
    connect = {"action": {"name": "connectPstn", "number": "+46700000001", "maxDuration": 60}}
    _, app = call_app({"ice": [connect], "ace": [CONTINUE]}, [Callee("answer", talk=600)])
    assert app.received[-1]["reason"] == "TIMEOUT"
    assert app.received[-1]["duration"] == 60


def test_suppress_callbacks_sends_neither_ace_nor_dice(call_app):
    connect = {"action": {"name": "connectPstn", "number": "+46700000001",
                          "suppressCallbacks": True}}  # fmt: skip
    transcript, app = call_app({"ice": [connect]})
    assert [p["event"] for p in app.received] == ["ice"]
    assert transcript.end["result"] == "ANSWERED"


def test_park_holds_until_max_duration(call_app):
    park = {"action": {"name": "park", "introPrompt": "#tts[Welcome]",
                       "holdPrompt": "#tts[Please hold.]", "maxDuration": 120}}  # fmt: skip
    transcript, app = call_app({"ice": [park]})
    dice = app.received[-1]
    assert dice["event"] == "dice" and dice["reason"] == "TIMEOUT"
    assert dice["duration"] == 120
    assert transcript.heard == ["Welcome", "Please hold."]


def test_a_parked_caller_may_hang_up(call_app):
    park = {"action": {"name": "park", "holdPrompt": "#tts[Please hold.]"}}
    _, app = call_app({"ice": [park]}, [HangUp()])
    assert app.received[-1]["reason"] == "CALLERHANGUP"
    assert app.received[-1]["duration"] < 10


def test_cookies_are_echoed_in_later_callbacks(call_app):
    menu = {"id": "main", "mainPrompt": "#tts[Hi]", "maxDigits": 1}
    ice = {"instructions": [{"name": "setCookie", "key": "lang", "value": "sv"}],
           "action": {"name": "runMenu", "menus": [menu]}}  # fmt: skip
    pie = {"instructions": [{"name": "setCookie", "key": "tries", "value": "1"}],
           "action": {"name": "hangup"}}  # fmt: skip
    _, app = call_app({"ice": [ice], "pie": [pie]}, [Press("5")])
    # the simulator's own marker stays; cookies join it
    assert json.loads(app.received[0]["custom"]) == {"simulated": True}
    assert json.loads(app.received[1]["custom"]) == {"simulated": True, "lang": "sv"}
    assert json.loads(app.received[2]["custom"]) == {"simulated": True, "lang": "sv",
                                                     "tries": "1"}  # fmt: skip


def test_cookies_replace_a_custom_that_is_not_json(call_app):
    menu = {"id": "main", "mainPrompt": "#tts[Hi]", "maxDigits": 1}
    ice = {"instructions": [{"name": "setCookie", "key": "lang", "value": "sv"}],
           "action": {"name": "runMenu", "menus": [menu]}}  # fmt: skip
    _, app = call_app({"ice": [ice], "pie": [HANGUP]}, [Press("5")],
                      settings=CallSettings(custom="from the caller"))  # fmt: skip
    assert app.received[0]["custom"] == "from the caller"
    assert json.loads(app.received[1]["custom"]) == {"lang": "sv"}


# --- what Sinch refuses ------------------------------------------------------------


def assert_refused(app, transcript, event):
    notify = app.events("notify")
    assert len(notify) == 1
    assert notify[0]["type"] == "callingerror"
    assert notify[0]["errorCode"] == 40001
    assert notify[0]["callid"] == app.received[0]["callid"]
    assert app.received[-1]["event"] == "dice"
    assert app.received[-1]["reason"] == "CALLBACKERROR"
    step = next(s for s in transcript.steps if s.event == event)
    assert step.problems


def test_park_answering_an_ace_is_refused(call_app):
    park = {"action": {"name": "park", "holdPrompt": "#tts[Hold]"}}
    transcript, app = call_app({"ice": [CONNECT], "ace": [park]})
    assert_refused(app, transcript, "ace")
    assert "park" in app.events("notify")[0]["errorMsg"]


def test_say_over_600_characters_is_refused(call_app):
    transcript, app = call_app({"ice": [say_hangup("x" * 601)]})
    assert_refused(app, transcript, "ice")
    assert transcript.heard == []  # nothing of a refused answer is played


def test_an_unknown_instruction_is_refused(call_app):
    ice = {"instructions": [{"name": "dance"}], "action": {"name": "hangup"}}
    transcript, app = call_app({"ice": [ice]})
    assert_refused(app, transcript, "ice")


def test_a_menu_without_main_is_refused(call_app):
    ice = {"action": {"name": "runMenu", "menus": [{"id": "other", "mainPrompt": "#tts[x]"}]}}
    transcript, app = call_app({"ice": [ice]})
    assert_refused(app, transcript, "ice")


def test_a_failing_application_gets_a_general_error(call_app):
    transcript, app = call_app({"ice": [HANGUP]}, status=500)
    assert app.received[-1]["event"] == "dice"
    assert app.received[-1]["reason"] == "GENERALERROR"
    assert transcript.steps[0].error == "HTTP 500"


def test_no_usable_answer_to_an_ace_connects_the_call(call_app):
    transcript, app = call_app({"ice": [CONNECT], "ace": [["not", "an", "object"]]})
    assert app.received[-1]["reason"] == "CALLERHANGUP"  # connected, talked, hung up
    assert app.received[-1]["duration"] == 30
    assert transcript.steps[1].error == "the answer is not a JSON object"
    assert not app.events("notify")


def test_an_ace_answered_with_illegal_svaml_is_refused(call_app):
    transcript, app = call_app({"ice": [CONNECT], "ace": [{"not": "svaml"}]})
    assert_refused(app, transcript, "ace")


# --- signing -------------------------------------------------------------------------

SECRET = "BeIukql3pTKJ8RGL5zo0DA=="


def test_callbacks_are_signed_when_the_application_has_a_secret(call_app):
    _, app = call_app({"ice": [CONNECT], "ace": [CONTINUE]}, secret=SECRET, app_secret=SECRET)
    assert [p["event"] for p in app.received] == ["ice", "ace", "dice"]  # all verified
    assert all(h["authorization"].startswith("application ") for h in app.headers)
    assert all(ISO_Z.match(h["x-timestamp"]) for h in app.headers)


def test_a_wrong_secret_is_rejected_by_the_application(call_app):
    transcript, app = call_app({"ice": [HANGUP]}, secret="b3RoZXI=", app_secret=SECRET)
    assert app.received == []
    assert transcript.steps[0].status == 401
    assert transcript.end["reason"] == "GENERALERROR"


# --- driving a call by hand ------------------------------------------------------------


def make_call(app, now):
    return SimulatedCall(HttpTransport.to_wsgi(app), now)


def test_interactive_inputs_follow_the_phase(now: datetime):
    menu = {"id": "main", "mainPrompt": "#tts[Enter PIN]", "maxDigits": 4}
    app = FakeApplication({"ice": [{"action": {"name": "runMenu", "menus": [menu]}}],
                           "pie": [CONNECT], "ace": [CONTINUE]})  # fmt: skip
    call = make_call(app, now)
    with pytest.raises(Conflict):
        call.press("1")
    call.start()
    assert call.phase is Phase.WAITING and call.prompt == "Enter PIN"
    call.press("12")
    assert call.collecting and call.phase is Phase.WAITING
    call.press("34")
    assert call.phase is Phase.DIALING
    with pytest.raises(Conflict):
        call.silence()
    call.callee("answer")
    assert call.phase is Phase.CONNECTED
    call.talk(5)
    call.hangup()
    assert call.phase is Phase.ENDED
    with pytest.raises(Conflict):
        call.hangup()
    assert app.events("pie")[0]["menuResult"]["value"] == "1234"


def test_bad_inputs_are_named(now: datetime):
    menu = {"id": "main", "mainPrompt": "#tts[x]", "maxDigits": 1}
    call = make_call(FakeApplication({"ice": [{"action": {"name": "runMenu", "menus": [menu]}}]}),
                     now)  # fmt: skip
    call.start()
    with pytest.raises(BadRequest, match="DTMF"):
        call.press("12a")
    with pytest.raises(BadRequest, match="callee"):
        call.callee("maybe")


def test_a_silent_caller_in_an_endless_menu_gives_up(now: datetime):
    menu = {"id": "main", "mainPrompt": "#tts[Hello?]", "maxDigits": 1, "repeats": 0}
    loop = {"action": {"name": "runMenu", "menus": [menu]}}
    app = FakeApplication({"ice": [loop], "pie": [loop]})
    transcript = run(make_call(app, now), Script([], max_callbacks=10))
    assert len(app.events("pie")) == 10  # nine timeouts, then the hangup PIE
    assert app.received[-1]["reason"] == "CALLERHANGUP"
    assert any("gives up" in line.text for line in transcript.lines)
