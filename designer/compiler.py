"""The static SVAML export of a flow: what the app answers at each entry point.

``compile_flow(flow)`` (``Flow.to_svaml()``, ``designer flow export --format
svaml``) returns one JSON object::

    {
      "start":  <answer to the ICE>,
      "<node>": <answer when a call arrives at <node>>,
      ...
    }

The entry points are where the platform hands control back to the app:
``start`` (the ICE), and every node reached from a ``menu``/``collect`` port
(a PIE) or from an action's ``answered`` port (an ACE), in the order a walk
from ``start`` discovers them.  Entries are named by their node id, except the
ICE entry which is always ``start`` (should another node be called ``start``,
its entry is ``node:start``).

Each answer is SVAML (``{"instructions": [...], "action": {...}}``) with the
templates left as written (``{{ vars.pin }}``).  Where the walk meets a
server-side decision it cannot take without a call, the answer is a decision
instead, listing the SVAML (or the next decision) of every outcome::

    {"decision": "<node id>", "type": "branch" | "hours",
     "outcomes": {"<port>": <SVAML or decision>, ...}}

Instructions met before a decision are repeated in every outcome, since each
outcome is a complete answer.  ``setVariable`` nodes are walked through (they
emit nothing).  A port without an edge answers ``hangup``, as the engine does.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from designer import stepping, svaml
from designer.document import Node
from designer.errors import FlowInvalid, StepError
from designer.flow import Flow
from designer.registry import node_type

ICE_ENTRY = "start"
MAX_OUTCOMES = 10_000
"""Bound on decision outcomes per flow: chains of branches multiply."""


def _decide(node: Node) -> str:
    return "next" if node.type == "setVariable" else stepping.DEFER


class _Compiler:
    def __init__(self, flow: Flow) -> None:
        self.flow = flow
        self.entries: dict[str, Any] = {}
        self.queue: deque[str] = deque()
        self.queued: set[str] = set()
        self.outcomes = 0

    def entry_key(self, node_id: str, start_id: str) -> str:
        if node_id == start_id:
            return ICE_ENTRY
        return f"node:{node_id}" if node_id == ICE_ENTRY else node_id

    def run(self) -> dict[str, Any]:
        start = self.flow.start
        if start is None:
            raise FlowInvalid("the flow has no start node, so no call can enter it")
        self.enqueue(start.id)
        while self.queue:
            node_id = self.queue.popleft()
            key = self.entry_key(node_id, start.id)
            self.entries[key] = self.answer(node_id, [], ())
        return self.entries

    def enqueue(self, node_id: str) -> None:
        if node_id not in self.queued:
            self.queued.add(node_id)
            self.queue.append(node_id)

    def answer(self, node_id: str, before: list[dict[str, Any]], path: tuple[str, ...]) -> Any:
        step = stepping.walk(self.flow, node_id, decide=_decide, render=stepping.identity)
        instructions = before + step.instructions
        if step.pending is None:
            self.outcomes += 1
            if self.outcomes > MAX_OUTCOMES:
                raise StepError(
                    f"the flow has more than {MAX_OUTCOMES} decision outcomes to export",
                    details={"node": node_id},
                )
            self.discover(step)
            return svaml.svaml(instructions, step.action or svaml.hangup())
        decision = self.flow.by_id[step.pending]
        if decision.id in path:
            raise StepError(
                f"the flow loops through the decision {decision.id!r} without waiting "
                "for the caller",
                details={"node": decision.id, "visited": [*path, decision.id]},
            )
        nt = node_type(decision.type)
        assert nt is not None  # the walk rejects unknown types
        outcomes: dict[str, Any] = {}
        for port in nt.port_names(decision.data):
            target = self.flow.target(decision.id, port)
            if target is None:
                outcomes[port] = svaml.svaml(instructions, svaml.hangup())
            else:
                outcomes[port] = self.answer(target, instructions, (*path, decision.id))
        return {"decision": decision.id, "type": decision.type, "outcomes": outcomes}

    def discover(self, step: stepping.Step) -> None:
        """Queue the entry points the platform hands back to after this answer."""
        for waiting in step.waiting:
            node = self.flow.by_id[waiting]
            nt = node_type(node.type)
            for port in nt.port_names(node.data) if nt else ():
                target = self.flow.target(waiting, port)
                if target is not None:
                    self.enqueue(target)
        stop = step.stop_node
        if stop is not None and not step.waiting:
            target = self.flow.target(stop, "answered")
            if target is not None:
                self.enqueue(target)


def compile_flow(flow: Flow) -> dict[str, Any]:
    """Entry point → SVAML (or decision over SVAML), templates left as written.

    Raises ``FlowInvalid`` without a start node and ``StepError`` when the flow
    loops without input or refers to unknown nodes or types.
    """
    return _Compiler(flow).run()
