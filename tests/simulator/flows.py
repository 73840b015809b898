"""Flow documents the simulator tests call through the real app."""

from __future__ import annotations

from typing import Any

SALES = "+46700000001"
AGENT = "+46700000002"
LINE = "+46850000000"
WEEKDAYS = {d: ["09:00-17:00"] for d in ("mon", "tue", "wed", "thu", "fri")}


def helpdesk() -> dict[str, Any]:
    """Greeting, opening hours (closed: on hold), main menu: 1 sales, 2 support behind a PIN."""
    return {
        "format": "callflow/1",
        "name": "Helpdesk",
        "locale": "en-US",
        "nodes": [
            {"id": "start", "type": "start"},
            {"id": "welcome", "type": "say", "data": {"text": "Welcome to Acme."}},
            {"id": "hours", "type": "hours",
             "data": {"timezone": "Europe/Stockholm", "schedule": WEEKDAYS}},
            {"id": "closed", "type": "say", "data": {"text": "We are closed."}},
            {"id": "hold", "type": "park",
             "data": {"holdPrompt": "Please hold for the night operator.", "maxDuration": 60}},
            {"id": "main", "type": "menu",
             "data": {"prompt": "Press 1 for sales, 2 for support.",
                      "options": ["1", "2"], "repeatPrompt": "Please press 1 or 2.",
                      "repeats": 1, "timeoutMills": 4000}},
            {"id": "sales", "type": "connectPstn", "data": {"number": SALES, "cli": "private"}},
            {"id": "pin", "type": "collect",
             "data": {"prompt": "Enter your PIN, then hash.", "maxDigits": 4, "variable": "pin",
                      "repeats": 0}},
            {"id": "check", "type": "branch",
             "data": {"cases": [{"port": "ok", "when": "vars.pin == '2468'"}]}},
            {"id": "agent", "type": "connectPstn", "data": {"number": AGENT}},
            {"id": "whisper", "type": "say", "data": {"text": "Customer with PIN {{ vars.pin }}."}},
            {"id": "room", "type": "connectConf", "data": {"conferenceId": "support"}},
            {"id": "wrong", "type": "say", "data": {"text": "That PIN is not right."}},
            {"id": "goodbye", "type": "say", "data": {"text": "Goodbye."}},
            {"id": "bye", "type": "hangup"},
        ],
        "edges": [
            {"from": "start", "to": "welcome"},
            {"from": "welcome", "to": "hours"},
            {"from": "hours", "port": "open", "to": "main"},
            {"from": "hours", "port": "closed", "to": "closed"},
            {"from": "closed", "to": "hold"},
            {"from": "main", "port": "1", "to": "sales"},
            {"from": "main", "port": "2", "to": "pin"},
            {"from": "main", "port": "timeout", "to": "goodbye"},
            {"from": "pin", "to": "check"},
            {"from": "pin", "port": "timeout", "to": "goodbye"},
            {"from": "check", "port": "ok", "to": "agent"},
            {"from": "check", "port": "else", "to": "wrong"},
            {"from": "agent", "port": "answered", "to": "whisper"},
            {"from": "whisper", "to": "room"},
            {"from": "wrong", "to": "bye"},
            {"from": "goodbye", "to": "bye"},
        ],
    }  # fmt: skip


def with_dead_end() -> dict[str, Any]:
    """A menu whose option 2 leads nowhere: the engine hangs up and records an error."""
    doc = helpdesk()
    doc["edges"] = [e for e in doc["edges"] if not (e["from"] == "main" and e.get("port") == "2")]
    return doc
