"""Replay a stored call against the current draft of its flow.

A call in the call log keeps every callback the platform sent, so what the
caller did can be read back: each PIE says what was keyed (or that the
caller stayed silent, keyed something invalid until the menu gave up, or
hung up), the ACE and the DiCE say whether and how long the callee talked.
``caller_script(call)`` turns that into a ``Script``; ``replay(call, draft)``
plays it against the draft -- same caller number, same called number, same
start time -- and compares where each call went and how it ended.  That
answers "would this real call still work after my edit?" before publishing.

``call`` is the call as ``GET /api/calls/<callid>`` serves it (the call and
its ``events``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from designer.errors import BadRequest
from designer.isotime import parse_iso
from designer.simulator import prompts
from designer.simulator.line import LineFactory
from designer.simulator.platform import CallSettings
from designer.simulator.script import Callee, HangUp, Press, Script, Silence, Step, run
from designer.simulator.transcript import Transcript, attach_trace

_CALLEE_OF_RESULT = {"BUSY": "busy", "NOANSWER": "noanswer", "FAILED": "failed"}


@dataclass
class ReplayReport:
    callid: str
    script: list[str]
    original: dict[str, Any]  # {"visited", "outcome"}
    replayed: dict[str, Any]
    transcript: Transcript

    @property
    def same(self) -> bool:
        return not self.differences

    @property
    def differences(self) -> list[str]:
        out = []
        if self.original["visited"] != self.replayed["visited"]:
            out.append(
                "path: " + " > ".join(self.original["visited"])
                + "  became  " + " > ".join(self.replayed["visited"])
            )  # fmt: skip
        a, b = self.original["outcome"] or {}, self.replayed["outcome"] or {}
        if (a.get("action"), a.get("node")) != (b.get("action"), b.get("node")):
            out.append(
                f"outcome: {a.get('action')} at {a.get('node')}  became  "
                f"{b.get('action')} at {b.get('node')}"
            )
        elif a != b:
            changed = sorted(k for k in {*a, *b} if a.get(k) != b.get(k))
            out.append(f"outcome parameters changed: {', '.join(changed)}")
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "callid": self.callid,
            "script": self.script,
            "same": self.same,
            "differences": self.differences,
            "original": self.original,
            "replayed": self.replayed,
        }

    def render(self) -> str:
        head = f"replay of call {self.callid} with: {' '.join(self.script) or '(no input)'}"
        if self.same:
            return f"{head}\nsame path and outcome as the original call"
        return "\n".join([head, *self.differences])


def _events(call: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    events = call.get("events")
    if not isinstance(events, list):
        raise BadRequest("the call has no events to replay (expected the call log's 'events')")
    return sorted((e for e in events if isinstance(e, Mapping)), key=lambda e: e.get("seq") or 0)


def _callbacks(call: Mapping[str, Any]) -> list[tuple[str, Mapping[str, Any]]]:
    out = []
    for event in _events(call):
        data = event.get("data") or {}
        if event.get("kind") == "callback" and not data.get("duplicate"):
            payload = data.get("payload")
            out.append((str(data.get("event")), payload if isinstance(payload, Mapping) else {}))
    return out


def _time(payload: Mapping[str, Any]) -> datetime | None:
    stamp = payload.get("timestamp")
    if not isinstance(stamp, str):
        return None
    try:
        return parse_iso(stamp)
    except ValueError:
        return None


def _answers(call: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """The SVAML answered to each callback, by the callback's timestamp."""
    out: dict[str, Mapping[str, Any]] = {}
    stamp = None
    for event in _events(call):
        data = event.get("data") or {}
        if event.get("kind") == "callback":
            payload = data.get("payload") if isinstance(data.get("payload"), Mapping) else {}
            stamp = None if data.get("duplicate") else payload.get("timestamp")
        elif event.get("kind") == "svaml" and isinstance(stamp, str):
            answer = data.get("svaml")
            out[stamp] = answer if isinstance(answer, Mapping) else {}
    return out


def _speaking_ms(answer: Mapping[str, Any]) -> int:
    """How long the instructions of an answer play (the platform's own estimate)."""
    total = 0
    for item in answer.get("instructions") or []:
        name = str(item.get("name", "")).lower() if isinstance(item, Mapping) else ""
        if name == "say":
            total += prompts.duration_ms(prompts.spoken_text(str(item.get("text", ""))))
        elif name == "playfiles":
            for file_id in item.get("ids") or []:
                total += prompts.duration_ms(prompts.split(str(file_id)))
    return total


def caller_script(call: Mapping[str, Any]) -> Script:
    """What the caller (and callee) of a stored call did, as a script."""
    steps: list[Step] = []
    answered_at: datetime | None = None
    connected_at: datetime | None = None
    parked = False
    answers = _answers(call)
    for event, payload in _callbacks(call):
        if event in ("ace", "pie") and (moment := _time(payload)) is not None:
            # the conversation starts once the answer's prompts have played
            spoken = _speaking_ms(answers.get(str(payload.get("timestamp")), {}))
            connected_at = moment + timedelta(milliseconds=spoken)
        if event == "pie":
            result = payload.get("menuResult") or {}
            kind = str(result.get("type", "")).lower()
            value = str(result.get("value") or "")
            if kind in ("return", "sequence") and value:
                steps.append(Press(value))
            elif kind == "invalidinput":
                steps.append(Press(value or "#", persist=True))
            elif kind == "hangup":
                steps.append(HangUp())
            else:  # timeout, error: nothing usable was keyed
                steps.append(Silence(persist=True))
        elif event == "ace":
            answered_at = _time(payload)
        elif event == "dice":
            result, reason = payload.get("result"), payload.get("reason")
            ended_at = _time(payload)
            if result in _CALLEE_OF_RESULT:
                steps.append(Callee(_CALLEE_OF_RESULT[result]))
            elif answered_at is not None:
                start = connected_at or answered_at
                talk = (ended_at - start).total_seconds() if ended_at else 0.0
                by = "callee" if reason == "CALLEEHANGUP" else "caller"
                steps.append(Callee("answer", talk=max(0.0, talk), hangs_up=by))
            elif reason == "CALLERHANGUP" and not any(isinstance(s, HangUp) for s in steps):
                parked = True
    if parked:
        steps.append(HangUp())  # hung up while on hold (or connected without an ACE)
    return Script(steps)


def original_path(call: Mapping[str, Any]) -> dict[str, Any]:
    """The stored call's visited nodes and final action (as a transcript reports them)."""
    visited: list[str] = []
    outcome: dict[str, Any] | None = None
    connected = False
    event_of_callback = ""
    hangup_pie = False
    for event in _events(call):
        kind, data = event.get("kind"), event.get("data") or {}
        if kind == "callback":
            event_of_callback = str(data.get("event"))
            result = (data.get("payload") or {}).get("menuResult") or {}
            hangup_pie = str(result.get("type", "")).lower() == "hangup"
        elif kind == "node" and isinstance(event.get("node"), str):
            visited.append(event["node"])
        elif kind == "svaml" and event_of_callback in ("ice", "ace", "pie") and not hangup_pie:
            action = ((data.get("svaml") or {}).get("action")) or {}
            name = action.get("name")
            if name == "continue" and connected:
                continue
            connected = connected or str(name).startswith("connect")
            params = {k: v for k, v in action.items() if k != "name"}
            outcome = {"action": name, "node": event.get("node") or _last(visited), **params}
    return {"visited": visited, "outcome": outcome}


def _last(items: list[str]) -> str | None:
    return items[-1] if items else None


def replay(
    call: Mapping[str, Any],
    document: Mapping[str, Any],
    *,
    sandbox: LineFactory,
) -> ReplayReport:
    """Play a stored call's inputs against ``document`` (the flow's current draft).

    ``sandbox`` builds the private app the replayed call goes to, bound to the
    call's number (``designer.web.sim.Sandbox``).  The replay keeps the
    call's caller number and start time.
    """
    callid = str(call.get("callid") or "")
    script = caller_script(call)
    started = _time({"timestamp": call.get("startedAt")})
    to, cli = call.get("to") or CallSettings.to, call.get("cli") or CallSettings.cli
    line = sandbox(document, number=to, started_at=started)
    try:
        simulated = line.dial(cli=cli, started_at=started)
        run(simulated, script)
        attach_trace(simulated.transcript, line.events(simulated.callid))
    finally:
        line.close()
    transcript = simulated.transcript
    return ReplayReport(
        callid=callid,
        script=script.to_text(),
        original=original_path(call),
        replayed={"visited": transcript.visited, "outcome": transcript.outcome},
        transcript=transcript,
    )
