"""The node-type registry: the spine of the application.

Every node type is *data*: its ports, its parameter schema (a small subset of
JSON Schema, so the browser can build forms from it) and how it behaves when a
call walks through it.  The validator, the SVAML compiler, the call engine,
the editor palette and the property forms all read this one table; nothing
else lists node types.  ``registry_json()`` is what ``GET /api/nodes`` serves.

Parameter schema vocabulary (checked by ``designer.params``):

- ``type``: ``string`` | ``integer`` | ``boolean`` | ``array`` | ``object``
- ``string``: ``maxLength``, ``minLength``, ``pattern``, ``enum``, ``maxBytes``
- ``integer``: ``minimum``, ``maximum``
- ``array``: ``items``, ``minItems``, ``maxItems``, ``uniqueItems``
- ``object``: ``properties``, ``required``
- ``default``: the value the platform (or our engine) uses when absent
- ``x-format``: a hint for the editor and for extra checks:
  ``prompt`` (``#tts[..]``/``#ssml[..]``/``#href[..]``/URL segments joined by
  ``;``), ``template`` (Jinja2 text), ``expression`` (Jinja2 expression),
  ``e164``, ``locale``, ``timezone``, ``schedule``, ``identifier``
- ``x-template``: the value may contain ``{{ ... }}`` and is rendered per call

Node ``kind`` says how the engine treats it:

- ``start``: where the ICE enters (exactly one)
- ``instruction``: emits one SVAML instruction and continues through ``next``
- ``logic``: decided server-side (no SVAML), continues through one port
- ``input``: answered as ``runMenu``; the PIE picks the port
- ``action``: a final SVAML action; the call leaves the flow's control
  except for the optional ``answered`` port (taken on ACE)
- ``terminal``: ``hangup``
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from functools import cache
from typing import Any

# The Say/TTS locales of the Callback API reference.
LOCALES: tuple[str, ...] = (
    "da-DK", "nl-NL", "en-AU", "en-GB", "en-IN", "en-US", "en-GB-WLS", "fr-FR",
    "fr-CA", "de-DE", "is-IS", "it-IT", "ja-JP", "ko-KR", "nb-NO", "pl-PL",
    "pt-BR", "pt-PT", "ro-RO", "ru-RU", "es-ES", "es-US", "sv-SE", "tr-TR",
    "cy-GB",
)  # fmt: skip

# connectPstn ``indications``: the ringing tone by country.
INDICATIONS: tuple[str, ...] = (
    "at", "au", "bg", "br", "be", "ch", "cl", "cn", "cz", "de", "dk", "ee", "es",
    "fi", "fr", "gr", "hu", "il", "in", "it", "lt", "jp", "mx", "my", "nl", "no",
    "nz", "ph", "pl", "pt", "ru", "se", "sg", "th", "uk", "us", "tw", "ve", "za",
)  # fmt: skip

DTMF_KEYS: tuple[str, ...] = ("1", "2", "3", "4", "5", "6", "7", "8", "9", "0", "*", "#")

SAY_MAX_CHARS = 600
COOKIE_MAX_BYTES = 1024
CONNECT_MAX_DURATION = 14400
PARK_MAX_DURATION = 600
CONFERENCE_ID_MAX = 64
NODE_ID_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"

# Which SVAML actions each callback event accepts (Callback API reference).
ACTIONS_ALLOWED: dict[str, frozenset[str]] = {
    "ice": frozenset(
        {"hangup", "connectPstn", "connectMxp", "connectConf", "connectSip", "runMenu", "park"}
    ),
    "ace": frozenset({"hangup", "continue", "runMenu", "connectConf"}),
    "pie": frozenset({"hangup", "continue", "connectPstn", "connectConf", "connectSip", "runMenu"}),
    "dice": frozenset({"hangup"}),
}

# --- reusable parameter schemas -------------------------------------------------

_LOCALE = {
    "type": "string",
    "enum": list(LOCALES),
    "x-format": "locale",
    "title": "Locale",
    "description": "Voice and language; the flow's locale when empty.",
}
_PROMPT = {
    "type": "string",
    "minLength": 1,
    "maxLength": 4000,
    "x-format": "prompt",
    "x-template": True,
    "description": "Text to speak, or #tts[...], #ssml[...], #href[url] segments joined by ';'.",
}
_MENU_TIMING = {
    "repeatPrompt": {**_PROMPT, "minLength": 0, "title": "Repeat prompt",
                     "description": "Played when the caller gives no or wrong input."},
    "repeats": {"type": "integer", "minimum": 0, "maximum": 10, "default": 2,
                "title": "Repeats", "description": "How many times the repeat prompt plays."},
    "timeoutMills": {"type": "integer", "minimum": 500, "maximum": 60000, "default": 5000,
                     "title": "Silence timeout (ms)"},
    "maxTimeoutMills": {"type": "integer", "minimum": 1000, "maximum": 120000,
                        "default": 20000, "title": "Voice input limit (ms)"},
    "barge": {"type": "boolean", "default": True, "title": "Barge-in",
              "description": "Let the caller key in while the prompt plays."},
    "enableVoice": {"type": "boolean", "default": False, "title": "Voice input"},
    "locale": _LOCALE,
}  # fmt: skip
_MAX_DURATION = {
    "type": "integer",
    "minimum": 1,
    "maximum": CONNECT_MAX_DURATION,
    "title": "Max duration (s)",
    "description": "The call is disconnected after this many seconds (max 14400).",
}
_CLI = {
    "type": "string",
    "maxLength": 64,
    "pattern": r"^(private|\+?[0-9]{1,20}|\{\{.*\}\})$",
    "x-template": True,
    "title": "Caller id shown",
    "description": "'private', an E.164 number, or empty for the caller's own.",
}
_DTMF_STRING = {"type": "string", "pattern": r"^[0-9#w]+$", "maxLength": 128}
_CALL_HEADERS = {
    "type": "array",
    "maxItems": 32,
    "title": "Call headers",
    "items": {
        "type": "object",
        "properties": {
            "key": {"type": "string", "minLength": 1, "maxLength": 256},
            "value": {"type": "string", "maxLength": 1024, "x-template": True},
        },
        "required": ["key", "value"],
    },
}
_IDENTIFIER = {"type": "string", "pattern": r"^[A-Za-z_][A-Za-z0-9_]{0,63}$",
               "x-format": "identifier"}  # fmt: skip

_NEXT = [{"name": "next", "required": True, "label": "next"}]
_ANSWERED = [
    {"name": "answered", "required": False, "label": "answered",
     "description": "Runs when the callee answers (ACE); without it the call just connects."}
]  # fmt: skip


@dataclass(frozen=True)
class DynamicPorts:
    """Ports generated from a parameter, e.g. one per menu option digit."""

    param: str  # the array parameter that lists them
    key: str | None = None  # for arrays of objects: the field that names the port
    required: bool = True


@dataclass(frozen=True)
class NodeType:
    type: str
    label: str
    kind: str
    category: str
    description: str
    params: dict[str, dict[str, Any]]
    required: tuple[str, ...] = ()
    ports: tuple[dict[str, Any], ...] = ()
    dynamic_ports: DynamicPorts | None = None
    svaml: str | None = None  # SVAML instruction/action name (camelCase as the SDKs send)
    icon: str = ""
    example: dict[str, Any] = field(default_factory=dict)

    def port_names(self, data: dict[str, Any] | None) -> list[str]:
        """All ports of a node of this type with ``data`` (dynamic ones first)."""
        return [p for p, _ in self.iter_ports(data)]

    def iter_ports(self, data: dict[str, Any] | None):
        """Yield ``(port, required)`` in display order."""
        seen: set[str] = set()
        dyn = self.dynamic_ports
        if dyn is not None:
            values = (data or {}).get(dyn.param)
            for item in values if isinstance(values, list) else ():
                if dyn.key is None:
                    name = item if isinstance(item, str) else None
                else:
                    name = item.get(dyn.key) if isinstance(item, dict) else None
                if isinstance(name, str) and name and name not in seen:
                    seen.add(name)
                    yield name, dyn.required
        for port in self.ports:
            if port["name"] not in seen:
                seen.add(port["name"])
                yield port["name"], port["required"]

    def to_json(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "label": self.label,
            "kind": self.kind,
            "category": self.category,
            "description": self.description,
            "icon": self.icon,
            "svaml": self.svaml,
            "params": copy.deepcopy(self.params),
            "required": list(self.required),
            "ports": [dict(p) for p in self.ports],
            "dynamicPorts": (
                None
                if self.dynamic_ports is None
                else {
                    "param": self.dynamic_ports.param,
                    "key": self.dynamic_ports.key,
                    "required": self.dynamic_ports.required,
                }
            ),
            "terminal": self.kind in ("terminal",),
            "waitsForCaller": self.kind == "input",
            "example": copy.deepcopy(self.example),
        }


def _t(**kw: Any) -> NodeType:
    kw["ports"] = tuple(kw.get("ports", ()))
    kw["required"] = tuple(kw.get("required", ()))
    return NodeType(**kw)


NODE_TYPES: dict[str, NodeType] = {
    t.type: t
    for t in [
        _t(
            type="start", label="Incoming call", kind="start", category="flow",
            icon="phone-incoming",
            description="Where every incoming call (ICE) enters the flow. Exactly one per flow.",
            params={}, ports=_NEXT,
        ),
        _t(
            type="say", label="Say", kind="instruction", category="prompts", icon="message",
            svaml="say",
            description="Speak a text-to-speech message to the caller.",
            params={
                "text": {"type": "string", "minLength": 1, "maxLength": SAY_MAX_CHARS,
                         "x-format": "template", "x-template": True, "title": "Text",
                         "description": "Up to 600 characters; templates like {{ call.cli }}."},
                "locale": _LOCALE,
            },
            required=["text"], ports=_NEXT, example={"text": "Welcome to Acme."},
        ),
        _t(
            type="play", label="Play files", kind="instruction", category="prompts", icon="music",
            svaml="playFiles",
            description="Play recorded prompts (file ids or URLs), in order.",
            params={
                "ids": {"type": "array", "minItems": 1, "maxItems": 20, "title": "Files",
                        "items": {"type": "string", "minLength": 1, "maxLength": 2048}},
                "locale": _LOCALE,
            },
            required=["ids"], ports=_NEXT, example={"ids": ["welcome"]},
        ),
        _t(
            type="sendDtmf", label="Send DTMF", kind="instruction", category="prompts",
            icon="hash", svaml="sendDtmf",
            description="Send DTMF tones to the caller ('w' pauses 500 ms).",
            params={"value": {**_DTMF_STRING, "title": "Tones", "minLength": 1}},
            required=["value"], ports=_NEXT, example={"value": "1234#"},
        ),
        _t(
            type="setCookie", label="Set cookie", kind="instruction", category="data",
            icon="cookie", svaml="setCookie",
            description="Store a key/value on the call; Sinch echoes it in later callbacks. "
            "All cookies of a call together may not exceed 1024 bytes.",
            params={
                "key": {"type": "string", "minLength": 1, "maxBytes": COOKIE_MAX_BYTES,
                        "title": "Key"},
                "value": {"type": "string", "maxBytes": COOKIE_MAX_BYTES, "x-template": True,
                          "title": "Value"},
            },
            required=["key", "value"], ports=_NEXT, example={"key": "lang", "value": "en"},
        ),
        _t(
            type="answer", label="Answer", kind="instruction", category="call", icon="phone",
            svaml="answer",
            description="Answer the incoming call now (the caller's call timer starts).",
            params={}, ports=_NEXT,
        ),
        _t(
            type="startRecording", label="Start recording", kind="instruction",
            category="call", icon="record", svaml="startRecording",
            description="Start recording the call.",
            params={
                "options": {
                    "type": "object", "title": "Recording options",
                    "properties": {
                        "destinationUrl": {"type": "string", "maxLength": 2048,
                                           "title": "Destination (e.g. s3://bucket/)"},
                        "credentials": {"type": "string", "maxLength": 1024,
                                        "title": "Credentials", "x-secret": True},
                        "format": {"type": "string", "enum": ["mp3", "wav"], "title": "Format"},
                        "notificationEvents": {"type": "boolean", "default": True,
                                               "title": "Notify when done"},
                    },
                },
            },
            ports=_NEXT,
        ),
        _t(
            type="stopRecording", label="Stop recording", kind="instruction", category="call",
            icon="stop", svaml="stopRecording",
            description="Stop the ongoing recording.", params={}, ports=_NEXT,
        ),
        _t(
            type="menu", label="Menu", kind="input", category="input", icon="grid",
            svaml="runMenu",
            description="Play a prompt and let the caller choose with one key. "
            "Each option is a port; 'timeout' is taken on silence, 'invalid' on a wrong key "
            "(the 'timeout' port when 'invalid' is not connected).",
            params={
                "prompt": {**_PROMPT, "title": "Prompt"},
                **_MENU_TIMING,
                "maxDigits": {"type": "integer", "minimum": 1, "maximum": 1, "default": 1,
                              "title": "Keys per choice"},
                "options": {"type": "array", "minItems": 1, "maxItems": 12, "uniqueItems": True,
                            "title": "Options",
                            "items": {"type": "string", "enum": list(DTMF_KEYS)}},
            },
            required=["prompt", "options"],
            dynamic_ports=DynamicPorts(param="options"),
            ports=[
                {"name": "timeout", "required": True, "label": "timeout"},
                {"name": "invalid", "required": False, "label": "invalid"},
            ],
            example={"prompt": "#tts[Press 1 for sales, 2 for support.]", "options": ["1", "2"]},
        ),
        _t(
            type="collect", label="Collect digits", kind="input", category="input", icon="keypad",
            svaml="runMenu",
            description="Ask for a sequence of digits (PIN, account number), ended by '#' or "
            "when maxDigits are keyed, and store it in vars[variable].",
            params={
                "prompt": {**_PROMPT, "title": "Prompt"},
                **_MENU_TIMING,
                "maxDigits": {"type": "integer", "minimum": 1, "maximum": 32, "default": 4,
                              "title": "Max digits"},
                "variable": {**_IDENTIFIER, "title": "Store in variable"},
            },
            required=["prompt", "variable"],
            ports=[{"name": "next", "required": True, "label": "next"},
                   {"name": "timeout", "required": True, "label": "timeout"}],
            example={"prompt": "#tts[Enter your PIN, then hash.]", "maxDigits": 4,
                     "variable": "pin"},
        ),
        _t(
            type="branch", label="Branch", kind="logic", category="logic", icon="split",
            description="Decide on the server: the first case whose condition is true wins, "
            "else 'else'. Conditions are template expressions, e.g. vars.pin == '1234'.",
            params={
                "cases": {
                    "type": "array", "minItems": 1, "maxItems": 20, "title": "Cases",
                    "items": {
                        "type": "object",
                        "properties": {
                            "port": {**_IDENTIFIER, "title": "Port"},
                            "when": {"type": "string", "minLength": 1, "maxLength": 500,
                                     "x-format": "expression", "title": "When"},
                        },
                        "required": ["port", "when"],
                    },
                },
            },
            required=["cases"],
            dynamic_ports=DynamicPorts(param="cases", key="port"),
            ports=[{"name": "else", "required": True, "label": "else"}],
            example={"cases": [{"port": "ok", "when": "vars.pin == '1234'"}]},
        ),
        _t(
            type="hours", label="Opening hours", kind="logic", category="logic", icon="clock",
            description="Route by a weekly schedule in a time zone: 'open' or 'closed'.",
            params={
                "timezone": {"type": "string", "minLength": 1, "maxLength": 64,
                             "x-format": "timezone", "default": "UTC", "title": "Time zone"},
                "schedule": {
                    "type": "object", "x-format": "schedule", "title": "Weekly schedule",
                    "description": "Per weekday, a list of HH:MM-HH:MM ranges.",
                    "properties": {
                        day: {"type": "array", "maxItems": 8,
                              "items": {"type": "string",
                                        "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9]-"
                                                   r"([01][0-9]|2[0-4]):[0-5][0-9]$"}}
                        for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
                    },
                },
                "closedDates": {"type": "array", "maxItems": 366, "title": "Closed on",
                                "items": {"type": "string",
                                          "pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"}},
            },
            required=["schedule"],
            ports=[{"name": "open", "required": True, "label": "open"},
                   {"name": "closed", "required": True, "label": "closed"}],
            example={"timezone": "Europe/Stockholm",
                     "schedule": {d: ["09:00-17:00"] for d in ("mon", "tue", "wed", "thu", "fri")}},
        ),
        _t(
            type="setVariable", label="Set variable", kind="logic", category="data",
            icon="variable",
            description="Set vars[name] to a templated value for later nodes.",
            params={
                "name": {**_IDENTIFIER, "title": "Variable"},
                "value": {"type": "string", "maxLength": 1024, "x-format": "template",
                          "x-template": True, "title": "Value"},
            },
            required=["name", "value"], ports=_NEXT, example={"name": "tries", "value": "0"},
        ),
        _t(
            type="connectPstn", label="Connect phone", kind="action", category="connect",
            icon="phone-forward", svaml="connectPstn",
            description="Connect the caller to a phone number.",
            params={
                "number": {"type": "string", "maxLength": 64, "x-format": "e164",
                           "pattern": r"^(\+[1-9][0-9]{1,14}|\{\{.*\}\})$", "x-template": True,
                           "title": "Number",
                           "description": "E.164; the called number when empty."},
                "cli": _CLI,
                "locale": _LOCALE,
                "maxDuration": _MAX_DURATION,
                "dialTimeout": {"type": "integer", "minimum": 1, "maximum": 300,
                                "title": "Ring for (s)"},
                "suppressCallbacks": {"type": "boolean", "default": False,
                                      "title": "Suppress ACE/DiCE"},
                "dtmf": {**_DTMF_STRING, "title": "DTMF to callee"},
                "indications": {"type": "string", "enum": list(INDICATIONS),
                                "title": "Ringing tone"},
                "amd": {"type": "object", "title": "Answering machine detection",
                        "properties": {"enabled": {"type": "boolean", "default": False}}},
            },
            ports=_ANSWERED, example={"number": "+46700000001", "cli": "private"},
        ),
        _t(
            type="connectSip", label="Connect SIP", kind="action", category="connect",
            icon="server", svaml="connectSip",
            description="Route the call to a SIP server.",
            params={
                "destination": {
                    "type": "object", "title": "Destination",
                    "properties": {"endpoint": {"type": "string", "minLength": 1,
                                                "maxLength": 256, "x-template": True,
                                                "title": "SIP URI"}},
                    "required": ["endpoint"],
                },
                "maxDuration": _MAX_DURATION,
                "cli": _CLI,
                "transport": {"type": "string", "enum": ["UDP", "TCP", "TLS"], "default": "UDP",
                              "title": "Transport"},
                "suppressCallbacks": {"type": "boolean", "default": False,
                                      "title": "Suppress ACE/DiCE"},
                "callHeaders": _CALL_HEADERS,
            },
            required=["destination"], ports=_ANSWERED,
            example={"destination": {"endpoint": "46708000000@sip.example.com"}},
        ),
        _t(
            type="connectMxp", label="Connect app user", kind="action", category="connect",
            icon="smartphone", svaml="connectMxp",
            description="Connect to a user of a Sinch SDK app (app-to-app call).",
            params={
                "destination": {
                    "type": "object", "title": "Destination",
                    "properties": {
                        "type": {"type": "string", "enum": ["username", "number"],
                                 "default": "username", "title": "Type"},
                        "endpoint": {"type": "string", "minLength": 1, "maxLength": 256,
                                     "x-template": True, "title": "User"},
                    },
                },
                "callHeaders": _CALL_HEADERS,
            },
            ports=_ANSWERED, example={"destination": {"type": "username", "endpoint": "agent"}},
        ),
        _t(
            type="connectConf", label="Conference", kind="action", category="connect",
            icon="users", svaml="connectConf",
            description="Put the caller into a conference room.",
            params={
                "conferenceId": {"type": "string", "minLength": 1,
                                 "maxLength": CONFERENCE_ID_MAX, "x-template": True,
                                 "title": "Conference id"},
                "moh": {"type": "string", "enum": ["ring", "music1", "music2", "music3"],
                        "title": "Music on hold"},
            },
            required=["conferenceId"], ports=_ANSWERED, example={"conferenceId": "standup"},
        ),
        _t(
            type="park", label="Park", kind="action", category="connect", icon="pause",
            svaml="park",
            description="Put the caller on hold with prompts, for up to 600 seconds.",
            params={
                "introPrompt": {**_PROMPT, "minLength": 0, "title": "Intro prompt"},
                "holdPrompt": {**_PROMPT, "title": "Hold prompt"},
                "maxDuration": {"type": "integer", "minimum": 1, "maximum": PARK_MAX_DURATION,
                                "default": 180, "title": "Max duration (s)"},
            },
            required=["holdPrompt"], ports=_ANSWERED,
            example={"holdPrompt": "#tts[Please hold.]", "maxDuration": 180},
        ),
        _t(
            type="continue", label="Continue call", kind="terminal", category="flow",
            icon="arrow-right", svaml="continue",
            description="Let the call go on as it was being set up: on an 'answered' path, "
            "connect the caller to the callee once the prompts are played.",
            params={}, ports=(),
        ),
        _t(
            type="hangup", label="Hang up", kind="terminal", category="flow", icon="phone-off",
            svaml="hangup", description="End the call.", params={}, ports=(),
        ),
    ]
}  # fmt: skip


def node_type(name: str) -> NodeType | None:
    """The registered type ``name``, or None (validation reports ``unknown-type``)."""
    return NODE_TYPES.get(name)


@cache
def _registry_json_text() -> str:
    return json.dumps(
        {
            "version": 1,
            "locales": list(LOCALES),
            "dtmfKeys": list(DTMF_KEYS),
            "actionsAllowed": {k: sorted(v) for k, v in ACTIONS_ALLOWED.items()},
            "limits": {
                "sayMaxChars": SAY_MAX_CHARS,
                "cookieMaxBytes": COOKIE_MAX_BYTES,
                "connectMaxDuration": CONNECT_MAX_DURATION,
                "parkMaxDuration": PARK_MAX_DURATION,
                "conferenceIdMax": CONFERENCE_ID_MAX,
                "nodeIdPattern": NODE_ID_PATTERN,
            },
            "types": [t.to_json() for t in NODE_TYPES.values()],
        }
    )


def registry_json() -> dict[str, Any]:
    """The whole registry as JSON-able data (served by ``GET /api/nodes``)."""
    return json.loads(_registry_json_text())
