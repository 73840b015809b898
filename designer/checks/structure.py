"""Shape checks: one start, known types, every node reachable, no open ports, a main menu."""

from __future__ import annotations

from collections.abc import Iterable

from designer.checks.graph import TERMINAL, FlowGraph
from designer.findings import Finding
from designer.registry import NODE_TYPES

MAIN_MENU_ID = "main"
MENU_TYPE = "menu"


def starts(g: FlowGraph) -> list[Finding]:
    if not g.starts:
        return [
            Finding(
                "error",
                "no-start",
                "the flow has no start node: incoming calls have nowhere to enter",
            )
        ]
    first = g.id(g.starts[0])
    return [
        Finding(
            "error",
            "multiple-starts",
            f"{g.id(i)!r} is a second start node; a flow has exactly one (the first is {first!r})",
            g.id(i),
        )
        for i in g.starts[1:]
    ]


def unknown_types(g: FlowGraph) -> list[Finding]:
    known = ", ".join(NODE_TYPES)
    return [
        Finding(
            "error",
            "unknown-type",
            f"{node.id!r} has type {node.type!r}, which is not a node type (known: {known})",
            node.id,
        )
        for node, t in zip(g.nodes, g.types, strict=True)
        if t is None
    ]


def dead_ends(g: FlowGraph) -> list[Finding]:
    out = []
    for i, missing in g.open_ports.items():
        t = g.types[i]
        if t is None or t.kind == TERMINAL:
            continue
        for port in missing:
            if (i, port) in g.connected:
                continue  # it has an edge, reported as dangling or duplicate
            out.append(
                Finding(
                    "error",
                    "dead-end",
                    f"port {port!r} of {t.label} {g.id(i)!r} is not connected: "
                    f"a call taking it would have nowhere to go",
                    g.id(i),
                    port,
                )
            )
    return out


def reachable(g: FlowGraph) -> bytearray:
    """Which nodes a call can get to from the start node(s), misdrawn edges included."""
    succ: list[Iterable[int]] = [out.values() for out in g.ports]
    for s, d in g.extra:
        succ[s] = [*succ[s], d]
    seen = bytearray(len(g.nodes))
    stack = list(g.starts)
    for s in stack:
        seen[s] = 1
    while stack:
        for w in succ[stack.pop()]:
            if not seen[w]:
                seen[w] = 1
                stack.append(w)
    return seen


def unreachable(g: FlowGraph, seen: bytearray) -> list[Finding]:
    if not g.starts:
        return []  # every node would be reported; "no-start" says it once
    return [
        Finding(
            "error",
            "unreachable",
            f"no path from the start node leads to {node.id!r}: no call will ever get there",
            node.id,
        )
        for i, node in enumerate(g.nodes)
        if not seen[i]
    ]


def main_menu(g: FlowGraph, seen: bytearray) -> list[Finding]:
    menus = [node for node in g.nodes if node.type == MENU_TYPE]
    if not menus:
        return []
    main = g.order.get(MAIN_MENU_ID)
    if main is None or g.nodes[main].type != MENU_TYPE:
        if main is None:
            node = menus[0].id
            why = f"no menu has the id {MAIN_MENU_ID!r}"
            fix = f"rename the first menu ({node!r}) to {MAIN_MENU_ID!r}"
        else:
            node = MAIN_MENU_ID
            why = f"the node {MAIN_MENU_ID!r} is a {g.nodes[main].type}, not a menu"
            fix = "give that id to the first menu instead"
        return [
            Finding(
                "error",
                "no-main-menu",
                f"the flow has menus but {why}; Sinch plays the menu {MAIN_MENU_ID!r} first: {fix}",
                node,
            )
        ]
    if g.starts and not seen[main]:
        return [
            Finding(
                "error",
                "main-menu-unreachable",
                f"the main menu {MAIN_MENU_ID!r} cannot be reached from the start node",
                MAIN_MENU_ID,
            )
        ]
    return []
