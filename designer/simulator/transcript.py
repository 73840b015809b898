"""The record of one simulated call.

A transcript is what a tester wants to know after calling a flow: every
callback the platform sent with the SVAML answered, what the caller heard and
keyed, which flow nodes the engine walked through, how the call ended and how
long it took on the simulated clock.  ``to_json()`` is the shape printed by
``designer simulate --json`` (a contract: ``steps``, ``visited``, ``heard``,
``outcome``); ``to_dict()`` adds the rest; ``render()`` reads like the call.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

# How each kind of transcript line starts when rendered for a person.
ICONS: dict[str, str] = {
    "heard": "🔊",
    "keyed": "⌨",
    "ignored": "⌨",
    "tones": "📟",
    "action": "→",
    "callee": "☎",
    "cookie": "🍪",
    "recording": "⏺",
    "note": "·",
    "error": "⚠",
    "end": "☎",
}


@dataclass
class Step:
    """One callback the platform sent and what came back."""

    event: str
    request: dict[str, Any]
    at_ms: int
    status: int | None = None
    response: Any = None
    error: str | None = None  # the answer was unusable (HTTP error, not JSON, no answer)
    problems: list[str] = field(default_factory=list)  # why Sinch would reject the SVAML
    nodes: list[str] = field(default_factory=list)  # flow nodes the engine visited
    trace: list[dict[str, Any]] = field(default_factory=list)  # the engine's trace events

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "event": self.event,
            "at": self.at_ms,
            "request": self.request,
            "status": self.status,
            "svaml": self.response,
            "nodes": list(self.nodes),
        }
        if self.error:
            out["error"] = self.error
        if self.problems:
            out["problems"] = list(self.problems)
        return out


@dataclass(frozen=True)
class Line:
    """Something a person on the call would notice, at a moment of the call."""

    at_ms: int
    kind: str  # a key of ICONS
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {"at": self.at_ms, "kind": self.kind, "text": self.text}


@dataclass
class Transcript:
    callid: str
    started_at: datetime
    steps: list[Step] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    heard: list[str] = field(default_factory=list)
    keyed: list[str] = field(default_factory=list)
    end: dict[str, Any] | None = None  # DiCE reason, result, duration (s)
    duration_ms: int = 0
    final_action: dict[str, Any] | None = None  # the last SVAML action the platform acted on
    final_step: int | None = None  # index of the step that answered it

    @property
    def errors(self) -> list[str]:
        """Everything that went wrong: unusable or refused answers, engine errors."""
        out: list[str] = []
        for step in self.steps:
            if step.error:
                out.append(f"{step.event}: {step.error}")
            out.extend(f"{step.event}: illegal SVAML: {p}" for p in step.problems)
            for event in step.trace:
                if event.get("kind") == "error":
                    data = event.get("data") or {}
                    where = f" (node {event['node']})" if event.get("node") else ""
                    out.append(f"{step.event}: {data.get('message', data.get('code'))}{where}")
        return out

    @property
    def visited(self) -> list[str]:
        return [node for step in self.steps for node in step.nodes]

    @property
    def outcome(self) -> dict[str, Any] | None:
        """``{"action", "node", ...the action's parameters}`` of the last action acted on."""
        if self.final_action is None:
            return None
        node = None
        if self.final_step is not None:
            nodes = self.steps[self.final_step].nodes
            node = nodes[-1] if nodes else None
        params = {k: v for k, v in self.final_action.items() if k != "name"}
        return {"action": self.final_action.get("name"), "node": node, **copy.deepcopy(params)}

    def to_json(self) -> dict[str, Any]:
        """The ``designer simulate --json`` contract: exactly these four keys."""
        return {
            "steps": [s.to_dict() for s in self.steps],
            "visited": self.visited,
            "heard": list(self.heard),
            "outcome": self.outcome,
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "callid": self.callid,
            "startedAt": self.started_at.isoformat().replace("+00:00", "Z"),
            **self.to_json(),
            "keyed": list(self.keyed),
            "lines": [line.to_dict() for line in self.lines],
            "errors": self.errors,
            "end": self.end,
            "duration": self.duration_ms,
        }

    def render(self) -> str:
        """The call as a person would tell it, one line per thing that happened."""
        return render_lines(line.to_dict() for line in self.lines)

    def _repr_html_(self) -> str:
        import html

        rows = "".join(
            f"<tr><td>{line.at_ms / 1000:.1f}s</td><td>{ICONS.get(line.kind, '·')}</td>"
            f"<td>{html.escape(line.text)}</td></tr>"
            for line in self.lines
        )
        return f"<table><caption>call {html.escape(self.callid)}</caption>{rows}</table>"


def render_lines(lines: Iterable[Mapping[str, Any]]) -> str:
    """Transcript lines (``{"at", "kind", "text"}``, as ``to_dict`` gives them) as text."""
    return "\n".join(
        f"{line['at'] / 1000:7.1f}s  {ICONS.get(line['kind'], '·')} {line['text']}"
        for line in lines
    )


def attach_trace(transcript: Transcript, events: Iterable[Mapping[str, Any]]) -> None:
    """Give each step the trace events the engine recorded while answering it.

    ``events`` are trace events as the call log serves them (``{seq, kind,
    node, data}``).  Each ``callback`` event names the payload it answered;
    the events after it, up to the next one, belong to that callback.  A
    repeated delivery (``duplicate``) opens no step.  Safe to call again with
    more events: the steps are rebuilt from scratch.
    """
    by_key = {(s.event, s.request.get("timestamp")): s for s in transcript.steps}
    for step in transcript.steps:
        step.nodes, step.trace = [], []
    current: Step | None = None
    for event in sorted(events, key=lambda e: e.get("seq") or 0):
        data = event.get("data") or {}
        if event.get("kind") == "callback":
            payload = data.get("payload") if isinstance(data.get("payload"), Mapping) else {}
            current = None
            if not data.get("duplicate"):
                current = by_key.get((data.get("event"), payload.get("timestamp")))
            continue
        if current is None:
            continue
        current.trace.append(dict(event))
        if event.get("kind") == "node" and isinstance(event.get("node"), str):
            current.nodes.append(event["node"])
