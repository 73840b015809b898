"""How long validation takes on a 10,000-node flow, against plain reachability.

The baseline is ``networkx.descendants`` from ``start`` on the same graph:
the least any graph validation has to do.  The ratio says how much the rest
of validation (every check of DESIGN.md §4, parameters included) costs on
top of it.  Goal: validate() well under 0.5 s and within 10x of the baseline.

    .venv/bin/python benchmarks/validate.py [--nodes 10000] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import time
from collections.abc import Callable
from typing import Any

import networkx as nx

from designer import Flow
from designer.validation import validate


def build_flow(target_nodes: int) -> dict[str, Any]:
    """A valid IVR of about ``target_nodes`` nodes: menus fanning out through say chains.

    Each menu offers three choices; each choice runs a short chain of
    announcements (say, setVariable, setCookie-free so the cookie budget
    holds) into a sub-menu, a connect or a hangup.  Every menu's silence goes
    to one shared goodbye, and "9" returns to the main menu, so the graph has
    large cycles as real IVRs do.
    """
    nodes: list[dict[str, Any]] = [
        {"id": "start", "type": "start"},
        {"id": "bye", "type": "say", "data": {"text": "Goodbye."}},
        {"id": "end", "type": "hangup"},
    ]
    edges: list[dict[str, Any]] = [{"from": "bye", "to": "end"}, {"from": "start", "to": "main"}]
    counter = 0

    def new(kind: str, data: dict[str, Any] | None = None, prefix: str = "n") -> str:
        nonlocal counter
        counter += 1
        node_id = f"{prefix}{counter}"
        nodes.append({"id": node_id, "type": kind, **({"data": data} if data else {})})
        return node_id

    def menu(node_id: str | None = None) -> str:
        data = {
            "prompt": "#tts[Press 1, 2 or 3; 9 for the main menu.]",
            "repeatPrompt": "#tts[Please press 1, 2 or 3.]",
            "options": ["1", "2", "3", "9"],
        }
        if node_id is None:
            return new("menu", data, "m")
        nodes.append({"id": node_id, "type": "menu", "data": data})
        return node_id

    pending = [menu("main")]
    while pending:
        m = pending.pop(0)
        edges.append({"from": m, "port": "timeout", "to": "bye"})
        edges.append({"from": m, "port": "9", "to": "main"})
        for digit in ("1", "2", "3"):
            prev, port = m, digit
            for step in range(3):
                if step == 1:
                    nid = new("setVariable", {"name": "choice", "value": f"{m}-{digit}"})
                else:
                    nid = new("say", {"text": f"You chose {digit}. {{{{ vars.choice }}}}"})
                edges.append({"from": prev, "port": port, "to": nid})
                prev, port = nid, "next"
            if len(nodes) + 12 * (len(pending) + 1) < target_nodes:
                nxt = menu()
                pending.append(nxt)
            elif digit == "1":
                nxt = new("connectPstn", {"number": "+46700000001", "cli": "private"})
            else:
                nxt = new("hangup")
            edges.append({"from": prev, "port": port, "to": nxt})
    return {"format": "callflow/1", "name": "Benchmark", "nodes": nodes, "edges": edges}


def best_of(runs: int, *fns: Callable[[], Any]) -> list[float]:
    """Best wall time of each function, run in turns so that both see the same load."""
    best = [float("inf")] * len(fns)
    for _ in range(runs):
        for i, fn in enumerate(fns):
            t0 = time.perf_counter()
            fn()
            best[i] = min(best[i], time.perf_counter() - t0)
    return best


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nodes", type=int, default=10_000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--profile", action="store_true", help="print a cProfile of one validate()")
    args = ap.parse_args(argv)

    flow = Flow.from_dict(build_flow(args.nodes))
    report = validate(flow)
    if not report.ok:
        print("the benchmark flow is not valid:", *report.errors[:5], sep="\n  ")
        return 1
    graph = nx.DiGraph()
    graph.add_nodes_from(n.id for n in flow.nodes)
    graph.add_edges_from((e.source, e.target) for e in flow.edges)

    baseline, validation = best_of(
        args.runs, lambda: nx.descendants(graph, "start"), lambda: validate(flow)
    )
    print(f"flow: {len(flow.nodes)} nodes, {len(flow.edges)} edges, {len(report)} findings")
    print(f"networkx.descendants from start: {baseline * 1000:8.2f} ms (best of {args.runs})")
    print(f"validate():                      {validation * 1000:8.2f} ms (best of {args.runs})")
    print(f"ratio validate / descendants:    {validation / baseline:8.1f}x")
    if args.profile:
        profiler = cProfile.Profile()
        profiler.runcall(validate, flow)
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
    return 0


if __name__ == "__main__":
    sys.exit(main())
