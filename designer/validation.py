"""Validating a flow: every finding of DESIGN.md §4, all at once, never an exception.

The editor draws a broken flow and asks what is wrong with it; so does the
publish step before it lets a version go live.  Both need *all* problems,
each naming the node (and port) to mark on the canvas, in a stable order
(document order of the nodes, flow-wide findings first).  The checks
themselves live in ``designer.checks``; this module builds the graph once
and runs them.

Codes: ``no-start``, ``multiple-starts``, ``unknown-type``, ``dangling-edge``,
``duplicate-edge``, ``unreachable``, ``dead-end``, ``no-main-menu``,
``main-menu-unreachable``, ``no-exit``, ``loop-without-input``,
``invalid-parameter``, ``action-not-allowed`` (errors) and
``missing-hangup-path`` (warning).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

from designer.checks import cycles, events, graph, parameters, structure
from designer.findings import Finding, Report
from designer.flow import Flow

CODES: dict[str, str] = {
    "no-start": "error",
    "multiple-starts": "error",
    "unknown-type": "error",
    "dangling-edge": "error",
    "duplicate-edge": "error",
    "unreachable": "error",
    "dead-end": "error",
    "no-main-menu": "error",
    "main-menu-unreachable": "error",
    "no-exit": "error",
    "loop-without-input": "error",
    "invalid-parameter": "error",
    "action-not-allowed": "error",
    "missing-hangup-path": "warning",
}


def validate(flow: Flow) -> Report:
    """All findings for ``flow``; ``Report.ok`` is False when any is an error."""
    with _gc_paused():
        return _validate(flow)


def _validate(flow: Flow) -> Report:
    g = graph.build(flow)
    seen = structure.reachable(g)
    loops = cycles.loops(g)
    findings: list[Finding] = [
        *structure.starts(g),
        *structure.unknown_types(g),
        *g.findings,  # dangling-edge, duplicate-edge
        *structure.unreachable(g, seen),
        *structure.dead_ends(g),
        *structure.main_menu(g, seen),
        *cycles.no_exit(g, loops),
        *cycles.loop_without_input(g, loops),
        *parameters.node_parameters(g, flow.locale),
        *parameters.cookie_budget(g),
        *parameters.branch_ports(g),
        *events.actions_allowed(g),
        *cycles.missing_hangup_path(g, loops),
    ]
    order = g.order
    findings.sort(key=lambda f: -1 if f.node is None else order.get(f.node, -1))
    return Report(tuple(findings))


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Keep the cyclic garbage collector out of one validation.

    Validating a large flow allocates tens of thousands of small containers
    (adjacency lists, port maps) that live until the report is built; each
    batch of them would make the collector walk the whole heap, the caller's
    flow included, which costs a third of the run on a 10,000-node flow.
    None of them form reference cycles, so nothing is lost by collecting
    after.  The collector is only switched back on if it was on.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
