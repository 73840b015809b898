"""``action-not-allowed``: an action answering a callback event that does not accept it.

Each callback the engine answers walks from one place to the next node that
needs the platform, so which event a node's SVAML answers follows from where
the walk began:

- from ``start``: the incoming call event (ICE);
- from a port of a menu or collect: the prompt input event (PIE);
- from the ``answered`` port of a connect action: the answered call event (ACE).

A walk stops at menus/collects (their ``runMenu`` is the answer) and at
actions.  A node can be reached by several walks and so answer several
events; each event whose allowed actions (``designer.registry.ACTIONS_ALLOWED``)
lack the node's SVAML action is one finding.  Only actions are checked;
instructions are accepted everywhere the engine emits them.
"""

from __future__ import annotations

from designer.checks.graph import ACTION, INPUT, TERMINAL, FlowGraph
from designer.findings import Finding
from designer.registry import ACTIONS_ALLOWED

ANSWERED_PORT = "answered"
_ANSWERING = (ACTION, TERMINAL, INPUT)
_EVENTS = {
    "ice": "the incoming call (ICE)",
    "ace": "the callee answering (ACE)",
    "pie": "the caller's menu input (PIE)",
}


def actions_allowed(g: FlowGraph) -> list[Finding]:
    # Only the events that some action of this flow may not answer need a walk.
    answering = [
        (i, t.svaml)
        for i, t in enumerate(g.types)
        if t is not None and t.kind in _ANSWERING and t.svaml is not None
    ]
    restricted = {
        event: [i for i, svaml in answering if svaml not in ACTIONS_ALLOWED[event]]
        for event in _EVENTS
    }
    if not any(restricted.values()):
        return []
    seeds: dict[str, dict[int, str]] = {"ice": {s: "the start node" for s in g.starts}}
    seeds["ace"], seeds["pie"] = {}, {}
    for i, kind in enumerate(g.kinds):
        if kind == INPUT:
            for port, target in g.ports[i].items():
                seeds["pie"].setdefault(target, f"port {port!r} of {g.id(i)!r}")
        elif kind == ACTION and ANSWERED_PORT in g.ports[i]:
            seeds["ace"].setdefault(g.ports[i][ANSWERED_PORT], f"the answered port of {g.id(i)!r}")

    findings = []
    for event, nodes in restricted.items():
        if not nodes or not seeds[event]:
            continue
        reached = _walk(g, seeds[event])
        allowed = ", ".join(sorted(ACTIONS_ALLOWED[event]))
        for i in nodes:
            origin = reached.get(i)
            if origin is None:
                continue
            t = g.types[i]
            findings.append(
                Finding(
                    "error",
                    "action-not-allowed",
                    f"{t.label} {g.id(i)!r} ({t.svaml}) would answer {_EVENTS[event]}, reached "
                    f"from {origin}; Sinch accepts only {allowed} there",
                    g.id(i),
                )
            )
    return findings


def _walk(g: FlowGraph, seeds: dict[int, str]) -> dict[int, str]:
    """node -> where its walk began, for every node whose SVAML answers this event."""
    reached = dict(seeds)
    stack = list(seeds)
    kinds, ports = g.kinds, g.ports
    while stack:
        u = stack.pop()
        if kinds[u] in _ANSWERING or kinds[u] is None:
            continue  # the platform answers next, or an unknown node we cannot see through
        origin = reached[u]
        for v in ports[u].values():
            if v not in reached:
                reached[v] = origin
                stack.append(v)
    return reached
