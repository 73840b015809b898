"""Flow documents the runtime tests call (built here so each test reads what it runs)."""

from __future__ import annotations

from typing import Any

SALES = "+46700000001"
AGENT = "+46700000002"
LINE = "+46850000000"
CALLER = "+46701234567"
WEEKDAYS_9_TO_5 = {d: ["09:00-17:00"] for d in ("mon", "tue", "wed", "thu", "fri")}


def support_line() -> dict[str, Any]:
    """Greeting, opening hours, main menu: 1 sales, 2 support behind a PIN check."""
    return {
        "format": "callflow/1",
        "name": "Support line",
        "locale": "en-US",
        "nodes": [
            {"id": "start", "type": "start"},
            {"id": "welcome", "type": "say", "data": {"text": "Welcome to Acme, {{ call.cli }}."}},
            {"id": "hours", "type": "hours",
             "data": {"timezone": "Europe/Stockholm", "schedule": WEEKDAYS_9_TO_5,
                      "closedDates": ["2026-12-25"]}},
            {"id": "closed", "type": "say", "data": {"text": "We are closed. Please call again."}},
            {"id": "main", "type": "menu",
             "data": {"prompt": "Press 1 for sales, 2 for support.", "options": ["1", "2"],
                      "repeatPrompt": "Please press 1 or 2.", "repeats": 2, "timeoutMills": 5000}},
            {"id": "sales", "type": "connectPstn", "data": {"number": SALES, "cli": "private"}},
            {"id": "pin", "type": "collect",
             "data": {"prompt": "Enter your PIN, then hash.", "maxDigits": 4, "variable": "pin"}},
            {"id": "check", "type": "branch",
             "data": {"cases": [{"port": "ok", "when": "vars.pin == '1234'"}]}},
            {"id": "tier", "type": "setVariable", "data": {"name": "tier", "value": "gold"}},
            {"id": "agent", "type": "connectPstn", "data": {"number": AGENT}},
            {"id": "whisper", "type": "say",
             "data": {"text": "A {{ vars.tier }} customer, PIN {{ vars.pin }}."}},
            {"id": "room", "type": "connectConf",
             "data": {"conferenceId": "support-{{ vars.pin }}"}},
            {"id": "wrong", "type": "say", "data": {"text": "That PIN is not right."}},
            {"id": "sorry", "type": "say", "data": {"text": "Sorry, that is not an option."}},
            {"id": "goodbye", "type": "say", "data": {"text": "Goodbye."}},
            {"id": "bye", "type": "hangup"},
        ],
        "edges": [
            {"from": "start", "to": "welcome"},
            {"from": "welcome", "to": "hours"},
            {"from": "hours", "port": "open", "to": "main"},
            {"from": "hours", "port": "closed", "to": "closed"},
            {"from": "closed", "to": "bye"},
            {"from": "main", "port": "1", "to": "sales"},
            {"from": "main", "port": "2", "to": "pin"},
            {"from": "main", "port": "timeout", "to": "goodbye"},
            {"from": "main", "port": "invalid", "to": "sorry"},
            {"from": "sorry", "to": "main"},
            {"from": "pin", "to": "check"},
            {"from": "pin", "port": "timeout", "to": "goodbye"},
            {"from": "check", "port": "ok", "to": "tier"},
            {"from": "check", "port": "else", "to": "wrong"},
            {"from": "tier", "to": "agent"},
            {"from": "agent", "port": "answered", "to": "whisper"},
            {"from": "whisper", "to": "room"},
            {"from": "wrong", "to": "bye"},
            {"from": "goodbye", "to": "bye"},
        ],
    }  # fmt: skip


def say_then(text: str, then: dict[str, Any] | None = None) -> dict[str, Any]:
    """start -> say(text) -> then (default: hangup): the smallest flows."""
    last = then or {"id": "end", "type": "hangup"}
    return {
        "format": "callflow/1",
        "name": "Tiny",
        "locale": "en-US",
        "nodes": [
            {"id": "start", "type": "start"},
            {"id": "hello", "type": "say", "data": {"text": text}},
            last,
        ],
        "edges": [{"from": "start", "to": "hello"}, {"from": "hello", "to": last["id"]}],
    }


def always_open() -> dict[str, Any]:
    """The support line without its opening hours (for servers on the real clock)."""
    doc = support_line()
    doc["nodes"] = [n for n in doc["nodes"] if n["id"] not in ("hours", "closed")]
    doc["edges"] = [e for e in doc["edges"] if "hours" not in (e["from"], e["to"])
                    and e["from"] != "closed"]  # fmt: skip
    doc["edges"].append({"from": "welcome", "to": "main"})
    return doc
