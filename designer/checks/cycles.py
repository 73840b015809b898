"""Cycle checks: trapped callers, busy loops, and menus that never let a silent caller go.

Every cycle lies within one strongly connected component, so all three
checks look only inside the components that loop (``loops``); a flow
without loops costs one linear peeling pass.  Whether a node can still
leave the flow is one reverse breadth-first search from the exits, so the
whole module stays linear in the size of the flow.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from designer.checks.graph import ACTION, INPUT, FlowGraph, cyclic_components, induced
from designer.findings import Finding

SILENT_PORTS = ("timeout", "invalid")  # what a caller who keys nothing can trigger
_LIST_MAX = 6


def loops(g: FlowGraph) -> list[list[int]]:
    """The strongly connected components that contain a cycle, in document order."""
    succ = [out.values() for out in g.ports]
    return cyclic_components(succ, g.pred)


def no_exit(g: FlowGraph, cycles: list[list[int]]) -> list[Finding]:
    if not cycles:
        return []
    can_leave = _reaches_exit(g, None)
    return [
        Finding(
            "error",
            "no-exit",
            f"a caller who gets to {_names(g, members)} can never leave: no hangup or "
            f"connect is reachable from there",
            g.id(members[0]),
        )
        for members in cycles
        if not can_leave[members[0]]
    ]


def loop_without_input(g: FlowGraph, cycles: list[list[int]]) -> list[Finding]:
    """Cycles that survive removing every edge out of a node that waits for the platform."""
    kinds = g.kinds
    busy = _within(
        g, cycles, lambda v: g.successors(v) if kinds[v] not in (INPUT, ACTION, None) else ()
    )
    out = []
    for sub in busy:
        shape = "leads back to itself" if len(sub) == 1 else "loop"
        out.append(
            Finding(
                "error",
                "loop-without-input",
                f"{_names(g, sub)} {shape} without a menu or collect in between: the "
                f"engine would go round forever without waiting for the caller",
                g.id(sub[0]),
            )
        )
    return out


def missing_hangup_path(g: FlowGraph, cycles: list[list[int]]) -> list[Finding]:
    """Menus whose silence (or wrong-key) path only ever comes back to them.

    A silent caller goes through every port of server-side nodes and
    instructions but only through the ``timeout``/``invalid`` ports of menus.
    When that walk from a menu's port returns to the menu and meets no hangup
    or action, the caller who says nothing is kept forever.
    """
    if not any(g.kinds[v] == INPUT for members in cycles for v in members):
        return []
    comp_of: dict[int, int] = {}
    for c, comp in enumerate(_within(g, cycles, lambda v: _silent_targets(g, v))):
        comp_of.update(dict.fromkeys(comp, c))
    out: list[Finding] = []
    can_leave: bytearray | None = None
    for menu in sorted(v for v in comp_of if g.kinds[v] == INPUT):
        for port in SILENT_PORTS:
            target = g.ports[menu].get(port)
            if target is None or comp_of.get(target) != comp_of[menu]:
                continue
            if can_leave is None:
                can_leave = _reaches_exit(g, _is_silent_edge(g))
            if can_leave[menu]:
                continue
            name = g.id(menu)
            out.append(
                Finding(
                    "warning",
                    "missing-hangup-path",
                    f"a caller who keys nothing at {name!r} is sent by its {port!r} port "
                    f"back to {name!r} and never reaches a hangup: lead the port to a "
                    f"goodbye and hangup",
                    name,
                    port,
                )
            )
    return out


# --- helpers -------------------------------------------------------------------------


def _within(
    g: FlowGraph, cycles: list[list[int]], targets: Callable[[int], Iterable[int]]
) -> list[list[int]]:
    """The cyclic components of a subgraph (edges given by ``targets``) of ``cycles``.

    Every cycle of a subgraph lies within one component of the whole graph,
    so the components are solved together, in one pass, as one graph whose
    edges never leave their component.
    """
    if not cycles:
        return []
    members = [v for comp in cycles for v in comp]
    comp_of = {v: c for c, comp in enumerate(cycles) for v in comp}
    local, back = induced(
        members, lambda v: [w for w in targets(v) if comp_of.get(w) == comp_of[v]]
    )
    found = [sorted(back(sub)) for sub in cyclic_components(local)]
    found.sort()
    return found


def _silent_targets(g: FlowGraph, v: int) -> Iterable[int]:
    if g.kinds[v] != INPUT:
        return g.successors(v)
    out = g.ports[v]
    return [out[p] for p in SILENT_PORTS if p in out]


def _is_silent_edge(g: FlowGraph) -> Callable[[int, int], bool]:
    def silent(u: int, v: int) -> bool:
        if g.kinds[u] != INPUT:
            return True
        out = g.ports[u]
        return any(out.get(p) == v for p in SILENT_PORTS)

    return silent


def _reaches_exit(g: FlowGraph, edge_ok: Callable[[int, int], bool] | None) -> bytearray:
    """Which nodes can reach an exit along edges that pass ``edge_ok`` (all when None)."""
    pred = g.pred
    seen = bytearray(g.exits)
    stack = [i for i, is_exit in enumerate(g.exits) if is_exit]
    while stack:
        v = stack.pop()
        for u in pred[v]:
            if not seen[u] and (edge_ok is None or edge_ok(u, v)):
                seen[u] = 1
                stack.append(u)
    return seen


def _names(g: FlowGraph, members: list[int]) -> str:
    shown = ", ".join(repr(g.id(m)) for m in members[:_LIST_MAX])
    more = f" and {len(members) - _LIST_MAX} more" if len(members) > _LIST_MAX else ""
    return shown + more
