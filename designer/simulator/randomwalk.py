"""Random walks: many calls by random callers, to find what no test reaches.

``random_walks(flow, n, seed)`` places ``n`` calls whose caller picks at
random at every prompt -- an option, a wrong key, a digit sequence, silence,
hanging up, keying during the prompt -- and whose callees answer, are busy,
do not answer or fail.  The report says which nodes and which connected
ports no call reached, how the calls ended, and every call that hit an error
(an engine error, a dead end, SVAML the platform refused), each with the
inputs that reproduce it (``designer simulate FLOW --press ...``).

Digit sequences are not purely random: a ``collect`` followed by a branch
checking ``vars.pin == '1234'`` would almost never see ``1234``.  The caller
also tries the digit strings written in the flow's branch conditions, and
some calls come from the phone numbers those conditions name.

Calls start at random moments of a week, so opening-hours nodes go both
ways.  Same seed, same flow: same calls, same report.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from designer.flow import Flow
from designer.registry import node_type
from designer.simulator.line import LineFactory
from designer.simulator.platform import CallSettings, Phase, SimulatedCall
from designer.simulator.transcript import Transcript, attach_trace

MAX_CALLBACKS = 60
# Calls start at random moments of one week (from a Monday), so that ``hours``
# nodes are seen both open and closed; fixed, so that a seed replays exactly.
WEEK_START = datetime(2026, 1, 5, tzinfo=UTC)
DEFAULT_CLI = CallSettings().cli
_LITERAL = re.compile(r"""['"]([0-9*#]{1,32})['"]|\b(?<!\+)([0-9]{1,32})\b""")
_PHONE = re.compile(r"""['"](\+[1-9][0-9]{1,14})['"]""")
# Share of calls placed from a number the flow's conditions mention (VIP lists...).
P_KNOWN_CALLER = 0.3
_WRONG_KEYS = "0123456789*#"

# How often a random caller does each thing at a prompt (relative weights).
WEIGHTS_MENU = {"option": 6.0, "wrong": 1.0, "silence": 1.5, "barge": 0.7, "hangup": 0.3}
WEIGHTS_COLLECT = {"literal": 3.0, "digits": 3.0, "hash": 0.4, "silence": 1.5, "hangup": 0.3}
# Some callers stay silent, or keep keying wrong, through all repeats of a menu,
# so that its timeout and invalid ports are taken too.
MOODS = {"normal": 7.0, "silent": 1.5, "wrong": 1.5}
WEIGHTS_CALLEE = {"answer": 5.0, "busy": 1.0, "noanswer": 1.0, "failed": 1.0}


@dataclass
class CallResult:
    index: int
    callid: str
    started_at: datetime
    cli: str
    inputs: list[str]
    visited: list[str]
    outcome: dict[str, Any] | None
    errors: list[str]

    def command(self) -> str:
        """The ``designer simulate`` options that place this call again."""
        presses = [f"--press {i}" for i in self.inputs if not i.startswith("callee:")]
        callees = [i.partition(":")[2] for i in self.inputs if i.startswith("callee:")]
        at = self.started_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        parts = [f"--at {at}", f"--cli {self.cli}", *presses]
        if callees:
            parts.append(f"--callee {callees[0]}")
        return " ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        return {
            "call": self.index,
            "callid": self.callid,
            "at": self.started_at.isoformat().replace("+00:00", "Z"),
            "cli": self.cli,
            "inputs": self.inputs,
            "visited": self.visited,
            "outcome": self.outcome,
            "errors": self.errors,
        }


@dataclass
class WalkReport:
    flow: str
    calls: int
    seed: int
    nodes: list[str]
    ports: list[tuple[str, str]]  # every connected (node, port)
    node_hits: Counter[str] = field(default_factory=Counter)
    port_hits: Counter[tuple[str, str]] = field(default_factory=Counter)
    outcomes: Counter[str] = field(default_factory=Counter)
    failed: list[CallResult] = field(default_factory=list)

    @property
    def unreached_nodes(self) -> list[str]:
        return [n for n in self.nodes if not self.node_hits[n]]

    @property
    def unreached_ports(self) -> list[tuple[str, str]]:
        return [p for p in self.ports if not self.port_hits[p]]

    @property
    def ok(self) -> bool:
        return not self.failed

    def to_dict(self) -> dict[str, Any]:
        return {
            "flow": self.flow,
            "calls": self.calls,
            "seed": self.seed,
            "coverage": {
                "nodes": {"total": len(self.nodes), "reached": len(self.nodes)
                          - len(self.unreached_nodes), "unreached": self.unreached_nodes},
                "ports": {"total": len(self.ports), "reached": len(self.ports)
                          - len(self.unreached_ports),
                          "unreached": [{"node": n, "port": p} for n, p in self.unreached_ports]},
            },
            "nodeHits": dict(self.node_hits),
            "outcomes": dict(self.outcomes.most_common()),
            "errors": [c.to_dict() for c in self.failed],
        }  # fmt: skip

    def render(self) -> str:
        d = self.to_dict()["coverage"]
        lines = [
            f"{self.calls} random calls to {self.flow!r} (seed {self.seed})",
            f"nodes reached: {d['nodes']['reached']}/{d['nodes']['total']}",
            f"ports taken:   {d['ports']['reached']}/{d['ports']['total']}",
        ]
        if self.unreached_nodes:
            lines.append("never reached: " + ", ".join(self.unreached_nodes))
        if self.unreached_ports:
            lines.append(
                "ports never taken: " + ", ".join(f"{n}.{p}" for n, p in self.unreached_ports)
            )
        lines.append("outcomes: " + ", ".join(f"{k}: {v}" for k, v in self.outcomes.most_common()))
        if self.failed:
            lines.append(f"{len(self.failed)} call(s) ended in an error:")
            for c in self.failed[:20]:
                lines.append(f"  call {c.index}: {c.errors[0]}")
                lines.append(f"    again: designer simulate FLOW {c.command()}")
        else:
            lines.append("no call ended in an error")
        return "\n".join(lines)


def random_walks(
    flow: Flow | Mapping[str, Any],
    n: int,
    seed: int,
    *,
    sandbox: LineFactory,
    max_callbacks: int = MAX_CALLBACKS,
) -> WalkReport:
    """Place ``n`` calls by random callers; coverage and errors in a report.

    ``sandbox`` builds the private app the calls go to, e.g.
    ``designer.web.sim.Sandbox`` (in-process, in-memory: nothing is stored).
    """
    if n < 1:
        raise ValueError("the number of calls must be at least 1")
    flow = flow if isinstance(flow, Flow) else Flow.from_dict(flow)
    line = sandbox(flow.to_dict())
    rng = random.Random(seed)
    literals = digit_literals(flow)
    phones = phone_literals(flow)
    report = WalkReport(
        flow=flow.name,
        calls=n,
        seed=seed,
        nodes=[node.id for node in flow.nodes],
        ports=sorted({(src, port) for src, ports in flow.out_edges.items() for port in ports}),
    )
    try:
        for index in range(n):
            started_at = WEEK_START + timedelta(seconds=rng.randrange(7 * 24 * 3600))
            cli = rng.choice(phones) if phones and rng.random() < P_KNOWN_CALLER else DEFAULT_CLI
            call = line.dial(rng=random.Random(rng.getrandbits(64)), started_at=started_at, cli=cli)
            inputs = random_caller(call, rng, literals, max_callbacks=max_callbacks)
            attach_trace(call.transcript, line.events(call.callid))
            _account(report, flow, index, call, inputs)
    finally:
        line.close()
    return report


def _conditions(flow: Flow) -> list[str]:
    out = []
    for node in flow.nodes:
        if node.type == "branch":
            for case in node.data.get("cases") or []:
                when = case.get("when") if isinstance(case, Mapping) else None
                if isinstance(when, str):
                    out.append(when)
    return out


def digit_literals(flow: Flow) -> list[str]:
    """Digit strings the flow's branch conditions compare with (PINs, codes)."""
    found: dict[str, None] = {}
    for when in _conditions(flow):
        for quoted, bare in _LITERAL.findall(when):
            found.setdefault(quoted or bare)
    return list(found)


def phone_literals(flow: Flow) -> list[str]:
    """Phone numbers the flow's branch conditions compare with (``call.cli == '+46...'``)."""
    return list(dict.fromkeys(p for when in _conditions(flow) for p in _PHONE.findall(when)))


def random_caller(
    call: SimulatedCall,
    rng: random.Random,
    literals: list[str] = (),  # type: ignore[assignment]
    *,
    max_callbacks: int = MAX_CALLBACKS,
) -> list[str]:
    """Drive ``call`` to its end at random; returns the inputs in script text form."""
    inputs: list[str] = []
    if call.phase is Phase.NEW:
        call.start()
    mood: tuple[int, str] = (-1, "normal")  # how the caller treats the current menu
    while call.phase is not Phase.ENDED:
        if len(call.transcript.steps) >= max_callbacks:
            call.note(f"the random caller gives up after {max_callbacks} callbacks")
            call.hangup()
            inputs.append("hangup")
            break
        if call.phase is Phase.WAITING:
            if mood[0] != len(call.transcript.steps):  # a new menu: pick a mood for it
                mood = (len(call.transcript.steps), _pick(rng, MOODS))
            _at_prompt(call, rng, literals, inputs, mood[1])
        elif call.phase is Phase.DIALING:
            outcome = _pick(rng, WEIGHTS_CALLEE)
            inputs.append(f"callee:{outcome}")
            call.callee(outcome)
        elif call.phase is Phase.CONNECTED:
            call.talk(rng.choice((5, 20, 60, 180)))
            if call.phase is Phase.CONNECTED:
                call.hangup(rng.choice(("caller", "callee")))
        elif call.phase is Phase.PARKED:
            if rng.random() < 0.5:
                inputs.append("hangup")
                call.hangup()
            else:
                call.silence()
        else:  # pragma: no cover
            raise AssertionError(f"no input moves a call in phase {call.phase}")
    return inputs


def _at_prompt(
    call: SimulatedCall, rng: random.Random, literals: list[str], inputs: list[str], mood: str
) -> None:
    keys = call.menu_keys
    if mood == "silent":
        choice = "silence"
    elif mood == "wrong":
        choice = "wrong" if keys else "hash"
    else:
        choice = _pick(rng, WEIGHTS_MENU if keys else WEIGHTS_COLLECT)
    if choice == "silence":
        inputs.append("silence")
        call.silence()
        return
    if choice == "hangup":
        inputs.append("hangup")
        call.hangup()
        return
    during = False
    if choice == "option":
        digits = rng.choice(keys)
    elif choice == "barge":
        digits, during = rng.choice(keys), True
    elif choice == "wrong":
        digits = rng.choice([k for k in _WRONG_KEYS if k not in keys] or list(_WRONG_KEYS))
    elif choice == "hash":
        digits = "#"
    else:
        wanted = max(1, call.max_digits)
        if choice == "literal" and literals:
            digits = rng.choice(literals)
        else:
            digits = "".join(rng.choice("0123456789") for _ in range(rng.randint(1, wanted)))
        if len(digits) < wanted and rng.random() < 0.6:
            digits += "#"
    inputs.append(("!" if during else "") + digits)
    call.press(digits, during_prompt=during)
    if call.phase is Phase.WAITING and call.collecting:
        call.silence()


def _pick(rng: random.Random, weights: Mapping[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def ports_taken(flow: Flow, transcript: Transcript) -> list[tuple[str, str]]:
    """The (node, port) pairs a call went through, read from its trace events."""
    taken: list[tuple[str, str]] = []
    previous_stop: str | None = None
    for step in transcript.steps:
        node_events = [e for e in step.trace if e.get("kind") == "node"]
        if step.event == "ace" and node_events and previous_stop is not None:
            taken.append((previous_stop, "answered"))
        for event in step.trace:
            kind, node, data = event.get("kind"), event.get("node"), event.get("data") or {}
            if not isinstance(node, str):
                continue
            if kind == "input" and isinstance(data.get("port"), str):
                taken.append((node, data["port"]))
            elif kind == "node":
                port = data.get("port")
                if isinstance(port, str):  # a logic node's decision
                    taken.append((node, port))
                elif _kind(flow, node) in ("start", "instruction"):
                    taken.append((node, "next"))
        if step.nodes:
            previous_stop = step.nodes[-1]
    return taken


def _kind(flow: Flow, node_id: str) -> str | None:
    node = flow.by_id.get(node_id)
    nt = node_type(node.type) if node is not None else None
    return nt.kind if nt is not None else None


def _account(
    report: WalkReport, flow: Flow, index: int, call: SimulatedCall, inputs: list[str]
) -> None:
    transcript = call.transcript
    report.node_hits.update(transcript.visited)
    connected = set(report.ports)
    report.port_hits.update(p for p in ports_taken(flow, transcript) if p in connected)
    outcome = transcript.outcome
    report.outcomes[_outcome_name(outcome, transcript)] += 1
    errors = transcript.errors
    if errors:
        report.failed.append(
            CallResult(
                index=index,
                callid=transcript.callid,
                started_at=transcript.started_at,
                cli=call.settings.cli,
                inputs=inputs,
                visited=transcript.visited,
                outcome=outcome,
                errors=errors,
            )
        )


def _outcome_name(outcome: dict[str, Any] | None, transcript: Transcript) -> str:
    if outcome is None:
        return "no answer"
    name = f"{outcome['action']}"
    if outcome.get("node"):
        name += f" at {outcome['node']}"
    end = transcript.end or {}
    if end.get("result") not in (None, "ANSWERED"):
        name += f" ({end['result'].lower()})"
    return name
