"""SVAML builders and the structural checker, against Sinch's own examples."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from designer import svaml
from designer.registry import ACTIONS_ALLOWED
from designer.svaml import check_svaml

SINCH = Path(__file__).resolve().parents[2].parent / "shared" / "sinch"
FIXTURES = sorted((SINCH / "fixtures" / "svaml").glob("*.json"))


def _event(path: Path) -> str | None:
    prefix = path.name.split("-", 1)[0]
    return prefix if prefix in svaml.EVENTS else None


# connectSip answers only ICE and PIE (Callback API: "ICE response"); the
# node-red help text shows it on an ACE, which the registry does not accept.
KNOWN_DEVIATIONS = {"ace-connectsip-node-red-voice-api.json": "connectSip is not accepted in a ace"}


def test_fixtures_are_present():
    assert len(FIXTURES) >= 10


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.name)
def test_check_svaml_accepts_sinch_examples_for_their_event(path: Path):
    doc = json.loads(path.read_text())
    problems = check_svaml(doc, _event(path))
    if path.name in KNOWN_DEVIATIONS:
        assert len(problems) == 1 and KNOWN_DEVIATIONS[path.name] in problems[0]
        assert check_svaml(doc, "ice") == []
    else:
        assert problems == []


# The same bodies rebuilt with the builders: names come out camelCase.
REBUILT = {
    "ace-continue-sinch-docs.json": lambda: svaml.svaml([], svaml.continue_()),
    "ace-say-hangup-sinch-sdk-java.json": lambda: svaml.svaml(
        [svaml.say("Hello, this is a call from Sinch!")], svaml.hangup()
    ),
    "ice-connectconf-sinch-docs.json": lambda: svaml.svaml(
        [], svaml.connect_conf("myConference123")
    ),
    "ice-say-connectconf-sinch-docs.json": lambda: svaml.svaml(
        [svaml.say("Welcome to the hotline", "en-US")],
        svaml.connect_conf("myconference1", cli="15612600684", suppress_callbacks=True),
    ),
    "ice-playfiles-connectpstn-sinch-docs.json": lambda: svaml.svaml(
        [svaml.play_files(["welcome"], "en-US")],
        svaml.connect_pstn(
            "+46555000111", max_duration=600, cli="+46555000222", suppress_callbacks=False
        ),
    ),
    "ice-connectpstn-amd-sinch-sdk-java.json": lambda: svaml.svaml(
        [], svaml.connect_pstn("+12233445566", cli="+12234325234", amd={"enabled": True})
    ),
    "ice-connectmxp-callheaders-sinch-docs.json": lambda: svaml.svaml(
        [], svaml.connect_mxp(call_headers={"foo": "bar", "baz": "qux"})
    ),
    "ice-park-sinch-skills.json": lambda: svaml.svaml(
        [],
        svaml.park(
            "#tts[Your call is important to us.]", intro_prompt="#tts[Please hold.]",
            max_duration=180,
        ),
    ),
    "ace-connectsip-node-red-voice-api.json": lambda: svaml.svaml(
        [],
        svaml.connect_sip(
            {"endpoint": "1011@c1duoph005346.sbc1-au-s2.cc.sinch.com:5061;transport=tls",
             "type": "Sip"},
            max_duration=3000, transport="tls", suppress_callbacks=False,
            call_headers=[{"key": "foo", "value": "bar"}, {"key": "baz", "value": "qux"}],
        ),
    ),
    "ice-runmenu-node-red-voice-api.json": lambda: svaml.svaml(
        [],
        svaml.run_menu(
            [svaml.menu(
                "main",
                main_prompt="#tts[Welcome to Sinch. You have two options, press 1 or 2]",
                options=[svaml.option("1", "return(option1)"),
                         svaml.option("2", "return(option2)")],
            )],
            main_menu=None, barge=True,
        ),
    ),
    "ace-startrecording-runmenu-sinch-skills.json": lambda: svaml.svaml(
        [svaml.start_recording({"notificationEvents": True})],
        svaml.run_menu(
            [svaml.menu(
                "main",
                main_prompt="#tts[Press 1 for sales or 2 for support.]",
                options=[{"dtmf": 1, "action": "return(sales)"},
                         {"dtmf": 2, "action": "return(support)"}],
            )],
        ),
    ),
    "say-startrecording-connectconf-sinch-sdk-java.json": lambda: svaml.svaml(
        [
            svaml.say("Hello from instruction"),
            svaml.start_recording({
                "destinationUrl": "s3://my-bucket/",
                "credentials": "AKIAIOSFODNN7EXAMPLE:wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
                               ":eu-central-1",
                "notificationEvents": True,
                "transcriptionOptions": {"enabled": True},
            }),
        ],
        svaml.connect_conf("My Conference Id"),
    ),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(REBUILT))
def test_builders_rebuild_the_sinch_examples(name: str):
    fixture = svaml.normalize(json.loads((FIXTURES[0].parent / name).read_text()))
    built = REBUILT[name]()
    assert built["action"] == fixture["action"]
    assert built["instructions"] == fixture.get("instructions", [])
    assert json.loads(json.dumps(built)) == built  # plain JSON data, nothing else
    assert check_svaml(built, _event(FIXTURES[0].parent / name) or "ice") == (
        [] if name not in KNOWN_DEVIATIONS else check_svaml(fixture, "ace")
    )


def test_every_documented_instruction_and_action_has_a_builder():
    built = [
        svaml.say("x"), svaml.play_files(["a"]), svaml.send_dtmf("1"), svaml.set_cookie("k", "v"),
        svaml.answer(), svaml.start_recording(), svaml.stop_recording(),
    ]  # fmt: skip
    assert [b["name"] for b in built] == list(svaml.INSTRUCTIONS)
    actions = [
        svaml.hangup(), svaml.continue_(), svaml.connect_pstn(), svaml.connect_mxp(),
        svaml.connect_conf("c"), svaml.connect_sip("a@b"),
        svaml.run_menu([svaml.menu("main")]), svaml.park("#tts[hold]"),
    ]  # fmt: skip
    assert [a["name"] for a in actions] == list(svaml.ACTIONS)
    assert {a for allowed in ACTIONS_ALLOWED.values() for a in allowed} <= set(svaml.ACTIONS)


def test_builders_leave_out_unset_fields():
    assert svaml.say("Hi") == {"name": "say", "text": "Hi"}
    assert svaml.connect_pstn("+46700000001", cli="private") == {
        "name": "connectPstn", "number": "+46700000001", "cli": "private"
    }  # fmt: skip
    assert svaml.connect_sip("a@sip.example.com") == {
        "name": "connectSip", "destination": {"endpoint": "a@sip.example.com"}
    }  # fmt: skip
    assert svaml.connect_mxp("agent")["destination"] == {"type": "username", "endpoint": "agent"}


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [("Say", "say"), ("ConnectPstn", "connectPstn"), ("connectPSTN", "connectPstn"),
     ("RunMenu", "runMenu"), ("runmenu", "runMenu"), ("connectMXP", "connectMxp"),
     ("ConnectSIP", "connectSip"), ("Continue", "continue"), ("PlayFiles", "playFiles"),
     ("Shout", None), (None, None), (3, None)],
)  # fmt: skip
def test_names_compare_case_insensitively(raw, canonical):
    assert svaml.canonical_name(raw) == canonical


def test_generic_builders_refuse_unknown_names():
    with pytest.raises(ValueError, match="unknown SVAML instruction"):
        svaml.instruction("shout", text="x")
    with pytest.raises(ValueError, match="unknown SVAML action"):
        svaml.action("say")
    assert svaml.action("ConnectConf", conferenceId="x")["name"] == "connectConf"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("Press 1.", "#tts[Press 1.]"), ("#tts[Hi]", "#tts[Hi]"),
     ("#href[https://x.example/a.mp3];#tts[Hi]", "#href[https://x.example/a.mp3];#tts[Hi]"),
     ("https://x.example/a.mp3", "https://x.example/a.mp3"), ("  #ssml[<s/>] ", "#ssml[<s/>]")],
)  # fmt: skip
def test_prompt_wraps_plain_text_only(text, expected):
    assert svaml.prompt(text) == expected


def _menu(**menu_fields):
    return svaml.svaml([], svaml.run_menu([{"id": "main", **menu_fields}]))


REJECTED = [
    ("not an object", ["say"], "ice", "JSON object"),
    ("unknown instruction", {"instructions": [{"name": "Shout"}], "action": svaml.hangup()},
     "ice", "unknown instruction 'Shout'"),
    ("unknown action", {"action": {"name": "Transfer"}}, "ice", "unknown action 'Transfer'"),
    ("no action", {"instructions": []}, "ice", "action: missing"),
    ("unknown field", {"action": svaml.hangup(), "actions": []}, "ice", "actions: unknown field"),
    ("unknown event", svaml.svaml([], svaml.hangup()), "ringing", "unknown callback event"),
    ("park on ace", svaml.svaml([], svaml.park("#tts[x]")), "ace", "park is not accepted in a ace"),
    ("park on pie", svaml.svaml([], svaml.park("#tts[x]")), "PIE", "park is not accepted in a pie"),
    ("connectMxp on pie", svaml.svaml([], svaml.connect_mxp("a")), "pie", "connectMxp is not"),
    ("continue on ice", svaml.svaml([], svaml.continue_()), "ice", "continue is not accepted"),
    ("connectPstn on ace", svaml.svaml([], svaml.connect_pstn()), "ace", "connectPstn is not"),
    ("runMenu on dice", _menu(), "dice", "runMenu is not accepted in a dice"),
    ("say on dice", svaml.svaml([svaml.say("x")], svaml.hangup()), "dice", "say is not accepted"),
    ("report status on ice", {"instructions": [{"name": "reportCallStatus"}],
                              "action": svaml.hangup()}, "ice", "only accepted in a dice"),
    ("say too long", svaml.svaml([svaml.say("x" * 601)], svaml.hangup()), "ice", "601 characters"),
    ("say empty", svaml.svaml([svaml.say("")], svaml.hangup()), "ice", "non-empty"),
    ("say bad locale", svaml.svaml([svaml.say("x", "english")], svaml.hangup()), "ice", "locale"),
    ("play no ids", svaml.svaml([svaml.play_files([])], svaml.hangup()), "ice", "ids"),
    ("dtmf chars", svaml.svaml([svaml.send_dtmf("12a")], svaml.hangup()), "ice", "0-9, # and w"),
    ("dtmf star", svaml.svaml([svaml.send_dtmf("*1")], svaml.hangup()), "ice", "0-9, # and w"),
    ("cookies too big", svaml.svaml([svaml.set_cookie("a", "x" * 600),
                                     svaml.set_cookie("b", "y" * 500)], svaml.hangup()),
     "ice", "over the 1024-byte limit"),
    ("conference id", svaml.svaml([], svaml.connect_conf("c" * 65)), "ice", "65 characters"),
    ("conference moh", svaml.svaml([], svaml.connect_conf("c", moh="jazz")), "ice", "moh"),
    ("pstn duration", svaml.svaml([], svaml.connect_pstn(max_duration=14401)), "ice",
     "maxDuration must be 1 to 14400"),
    ("pstn duration 0", svaml.svaml([], svaml.connect_pstn(max_duration=0)), "ice", "maxDuration"),
    ("pstn dtmf", svaml.svaml([], svaml.connect_pstn(dtmf="12*")), "ice", "dtmf"),
    ("pstn tone", svaml.svaml([], svaml.connect_pstn(indications="xx")), "ice", "ringing tone"),
    ("park duration", svaml.svaml([], svaml.park("#tts[x]", max_duration=601)), "ice",
     "maxDuration must be 1 to 600"),
    ("park no prompt", {"action": {"name": "park"}}, "ice", "holdPrompt"),
    ("sip destination", {"action": {"name": "connectSip"}}, "ice", "destination"),
    ("sip transport", svaml.svaml([], svaml.connect_sip("a@b", transport="sctp")), "ice",
     "transport"),
    ("headers too big", svaml.svaml([], svaml.connect_mxp(call_headers={"k": "v" * 1024})),
     "ice", "over 1024 bytes"),
    ("recording with mxp", svaml.svaml([svaml.start_recording()], svaml.connect_mxp()), "ice",
     "startRecording is not supported with connectMxp"),
    ("runMenu without main", svaml.svaml([], svaml.run_menu([svaml.menu("first")],
                                                          main_menu=None)), "ice", "'main'"),
    ("runMenu no menus", {"action": {"name": "runMenu", "menus": []}}, "ice", "non-empty list"),
    ("option not a key", _menu(options=[{"dtmf": "A", "action": "return(a)"}]), "ice",
     "not a DTMF key"),
    ("option number too big", _menu(options=[{"dtmf": 10, "action": "return"}]), "ice",
     "not a DTMF key"),
    ("option used twice", _menu(options=[svaml.option("1", "return(a)"),
                                         {"dtmf": 1, "action": "return(b)"}]), "ice", "twice"),
    ("option bad target", _menu(options=[svaml.option("1", "menu(sub)")]), "ice",
     "menu(sub) names no menu"),
    ("option bad action", _menu(options=[svaml.option("1", "goto(sub)")]), "ice",
     "return(value) or menu(id)"),
    ("menu digits", _menu(maxDigits=0), "ice", "maxDigits must be an integer of at least 1"),
    ("duplicate menu ids", svaml.svaml([], svaml.run_menu([svaml.menu("main"),
                                                           svaml.menu("main")])), "ice",
     "duplicate menu id"),
    ("barge not bool", svaml.svaml([], svaml.run_menu([svaml.menu("main")], barge="yes")), "ice",
     "barge must be true or false"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("case", "doc", "event", "expected"), REJECTED, ids=[r[0] for r in REJECTED]
)
def test_check_svaml_rejects_what_sinch_rejects(case, doc, event, expected):
    problems = check_svaml(doc, event)
    assert any(expected in p for p in problems), problems


def test_limits_are_inclusive():
    assert check_svaml(svaml.svaml([svaml.say("x" * 600)], svaml.hangup()), "ice") == []
    assert check_svaml(svaml.svaml([], svaml.connect_conf("c" * 64)), "ice") == []
    assert check_svaml(svaml.svaml([], svaml.park("#tts[x]", max_duration=600)), "ice") == []
    assert check_svaml(svaml.svaml([], svaml.connect_pstn(max_duration=14400)), "pie") == []
    assert check_svaml(svaml.svaml([svaml.send_dtmf("ww1234#w#")], svaml.hangup()), "ice") == []
    exactly = svaml.svaml([svaml.set_cookie("k" * 24, "v" * 1000)], svaml.hangup())
    assert check_svaml(exactly, "ice") == []


def test_cookies_count_those_set_earlier_in_the_call():
    doc = svaml.svaml([svaml.set_cookie("b", "y" * 500)], svaml.hangup())
    assert check_svaml(doc, "pie") == []
    problems = check_svaml(doc, "pie", cookies={"a": "x" * 600})
    assert problems and "1102 bytes" in problems[0]
    # setting the same key again replaces it rather than adding to it
    assert check_svaml(doc, "pie", cookies={"b": "x" * 900}) == []


def test_menu_navigation_between_menus_is_accepted():
    doc = svaml.svaml(
        [],
        svaml.run_menu(
            [svaml.menu("main", main_prompt="#tts[1 for more]",
                        options=[svaml.option("1", "menu(sub)"), svaml.option("#", "return")]),
             svaml.menu("sub", main_prompt="#tts[PIN]", max_digits=4)],
            enable_voice=True, locale="en-US",
        ),
    )  # fmt: skip
    assert check_svaml(doc, "ace") == []


def test_normalize_keeps_unknown_names_for_the_checker():
    doc = {"instructions": [{"name": "Say", "text": "x"}, {"name": "Shout"}],
           "action": {"name": "connectPSTN"}}  # fmt: skip
    out = svaml.normalize(doc)
    assert [i["name"] for i in out["instructions"]] == ["say", "Shout"]
    assert out["action"]["name"] == "connectPstn"
    assert doc["action"]["name"] == "connectPSTN"  # the input is not changed
