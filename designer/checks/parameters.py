"""``invalid-parameter``: each node's own parameters, and limits that span nodes.

A node's parameters are checked against its registry schema by
``designer.params``; this module adds what no single schema can see: the
flow's locale, the cookie budget Sinch gives a whole call, and branch cases
that would shadow each other's ports.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from designer.checks.graph import FlowGraph
from designer.findings import Finding
from designer.params import checker, utf8_len
from designer.registry import COOKIE_MAX_BYTES, LOCALES

COOKIE_TYPE = "setCookie"
BRANCH_TYPE = "branch"
BRANCH_ELSE = "else"


def node_parameters(g: FlowGraph, flow_locale: str) -> list[Finding]:
    """Each node against its schema; an unknown flow locale where a node inherits it.

    A flow whose every speaking node sets its own locale (or that has none)
    still gets one flow-wide finding for its unknown locale.
    """
    out = []
    inherited = False
    checkers: dict[str, Callable[[Any], list[tuple[str, str]]]] = {}
    for n, t in zip(g.nodes, g.types, strict=True):
        if t is None:
            continue
        check = checkers.get(t.type)
        if check is None:
            check = checkers[t.type] = checker(t, flow_locale)
        for path, message in check(n.data):
            out.append(Finding("error", "invalid-parameter", message, n.id, param=path or None))
        if not inherited and "locale" in t.params and n.data.get("locale") in (None, ""):
            inherited = True
    if flow_locale not in LOCALES and not inherited:
        out.append(
            Finding(
                "error",
                "invalid-parameter",
                f"the flow's locale {flow_locale!r} is not one Sinch speaks (e.g. en-US, sv-SE)",
            )
        )
    return out


def cookie_budget(g: FlowGraph) -> list[Finding]:
    """All cookies of a call share 1024 bytes; name the node that goes over.

    A key set by several nodes is one cookie, counted at its largest value.
    Templated values are counted as written: their rendered size is only
    known during a call.
    """
    sizes: dict[str, int] = {}
    total = 0
    for n in g.nodes:
        if n.type != COOKIE_TYPE:
            continue
        key, value = n.data.get("key"), n.data.get("value", "")
        if not isinstance(key, str) or not isinstance(value, str):
            continue  # reported by the parameter check
        size = utf8_len(key) + utf8_len(value)
        grown = max(size - sizes.get(key, 0), 0)
        if not grown:
            continue
        sizes[key] = sizes.get(key, 0) + grown
        total += grown
        if total > COOKIE_MAX_BYTES and total - grown <= COOKIE_MAX_BYTES:
            return [
                Finding(
                    "error",
                    "invalid-parameter",
                    f"with cookie {key!r} the cookies of this flow take {total} bytes; "
                    f"Sinch allows at most {COOKIE_MAX_BYTES} for all cookies of a call together",
                    n.id,
                    param="value",
                )
            ]
    return []


def branch_ports(g: FlowGraph) -> list[Finding]:
    """A case port used twice, or named 'else', would never be taken."""
    out = []
    for n in g.nodes:
        if n.type != BRANCH_TYPE:
            continue
        cases: Any = n.data.get("cases")
        seen: set[str] = set()
        for i, case in enumerate(cases if isinstance(cases, list) else ()):
            port = case.get("port") if isinstance(case, dict) else None
            if not isinstance(port, str) or not port:
                continue
            if port == BRANCH_ELSE:
                why = f"is named {BRANCH_ELSE!r}, the port taken when no case matches"
            elif port in seen:
                why = "repeats an earlier case's port, so it is never taken"
            else:
                seen.add(port)
                continue
            out.append(
                Finding(
                    "error",
                    "invalid-parameter",
                    f"Branch cases[{i}] port {port!r} {why}",
                    n.id,
                    port,
                    param=f"cases[{i}].port",
                )
            )
    return out
