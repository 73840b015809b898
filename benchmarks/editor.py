"""The browser editor on big flows: time to interactive, and auto-layout against raw dot.

Runs the real server (``designer run`` on a temporary SQLite database) and
Debian's Chromium with the flags of the browser tests, then measures:

1. **Time to interactive** of a generated flow of ``--nodes`` (default 1,000)
   nodes with saved positions: from navigation to the canvas drawn *and* a
   node selectable (the start node is clicked and the property panel shows
   it).  A fresh browser context each run, so nothing is cached but the
   server's own state.  Goal: under 1.5 s (median of ``--runs``).
2. **Auto-layout** of a ``--layout-nodes`` (default 500) node flow through
   the app (``POST /api/flows/layout``, what the editor's auto-layout button
   sends: HTTP, JSON, the flow model, Graphviz, the positions back) against
   raw ``dot -Tjson0`` on the same Graphviz source (``designer.layout``'s),
   timed in turns in the same run.  Goal: within 1.2x of raw dot (best of
   ``--runs`` each: both take tens of milliseconds, so the median mostly
   measures the other load of the machine).  The
   library call alone (``designer.layout.layout``, no HTTP) and the editor's
   own button (click to the positions drawn) are printed too.

    .venv/bin/python benchmarks/editor.py [--nodes 1000] [--layout-nodes 500] [--runs 5]

The flows are those of ``benchmarks/validate.py`` (menus fanning out through
announcement chains, loops back to the main menu).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from designer import Flow  # noqa: E402
from designer.layout import _layout_source, layout  # noqa: E402
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, VIEWPORT  # noqa: E402

GOAL_INTERACTIVE_S = 1.5
GOAL_LAYOUT_RATIO = 1.2
# designer.layout.layout's defaults: the node box the editor draws, in pixels.
NODE_W, NODE_H, PORT_H = 200, 64, 20


def build_flow(nodes: int) -> dict[str, Any]:
    """The validation benchmark's generated IVR (one generator for both benchmarks)."""
    spec = importlib.util.spec_from_file_location(
        "bench_validate", ROOT / "benchmarks" / "validate.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.build_flow(nodes)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def server() -> Iterator[str]:
    """``designer run`` on a fresh SQLite database; yields its base URL."""
    designer = ROOT / ".venv" / "bin" / "designer"
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "DESIGNER_DATABASE_URL": f"sqlite:///{tmp}/bench.db"}
        env.pop("DESIGNER_REDIS_URL", None)
        subprocess.run([str(designer), "db", "upgrade"], env=env, check=True, capture_output=True)
        port = free_port()
        proc = subprocess.Popen(
            [str(designer), "run", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise SystemExit("the server did not start")
                time.sleep(0.1)
            yield url
        finally:
            proc.terminate()
            proc.wait(timeout=10)


def positioned(doc: dict[str, Any]) -> dict[str, Any]:
    """The flow with the positions auto-layout gives it, as a saved flow has."""
    places = layout(Flow.from_dict(doc))
    return {**doc, "nodes": [{**n, "position": places[n["id"]]} for n in doc["nodes"]]}


def time_to_interactive(browser: Any, url: str, flow_id: str) -> tuple[float, float]:
    """Seconds from navigation to a selected node: (wall clock, the page's own clock)."""
    context = browser.new_context(viewport=VIEWPORT, base_url=url)
    page = context.new_page()
    try:
        t0 = time.perf_counter()
        page.goto(f"/flows/{flow_id}", wait_until="commit")
        start = page.locator('[data-node-id="start"]')
        start.click(timeout=30_000)
        page.locator('[data-inspector-node="start"]').wait_for(timeout=30_000)
        wall = time.perf_counter() - t0
        in_page = page.evaluate("performance.now()") / 1000  # since navigation start
        return wall, in_page
    finally:
        context.close()


def editor_layout(browser: Any, url: str, flow_id: str) -> float:
    """Seconds from clicking Auto-layout to the laid-out positions drawn."""
    context = browser.new_context(viewport=VIEWPORT, base_url=url)
    page = context.new_page()
    try:
        page.goto(f"/flows/{flow_id}")
        page.locator('[data-node-id="start"]').wait_for(timeout=60_000)
        t0 = time.perf_counter()
        page.get_by_test_id("auto-layout").click()
        # Every node starts at (0, 0); the start node moves when the layout is drawn.
        page.wait_for_function(
            """() => {
              const el = document.querySelector('.react-flow__node[data-id="start"]');
              return el && el.style.transform !== 'translate(0px, 0px)';
            }""",
            timeout=120_000,
            polling="raf",
        )
        return time.perf_counter() - t0
    finally:
        context.close()


def best_of(runs: int, *fns: Callable[[], Any]) -> list[list[float]]:
    """Wall times of each function over ``runs`` turns, interleaved so both see the same load."""
    times: list[list[float]] = [[] for _ in fns]
    for _ in range(runs):
        for i, fn in enumerate(fns):
            t0 = time.perf_counter()
            fn()
            times[i].append(time.perf_counter() - t0)
    return times


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nodes", type=int, default=1000)
    ap.add_argument("--layout-nodes", type=int, default=500)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args(argv)
    if not CHROMIUM.exists() or shutil.which("dot") is None:
        print(f"needs {CHROMIUM} and Graphviz dot")
        return 2
    if not (ROOT / "static" / "dist" / "editor.js").is_file():
        print("build the editor first: make editor")
        return 2
    from playwright.sync_api import sync_playwright

    big = positioned(build_flow(args.nodes))
    small = build_flow(args.layout_nodes)
    for n in small["nodes"]:  # nothing placed yet: the layout places every node
        n["position"] = {"x": 0, "y": 0}
    print(f"flow for loading: {len(big['nodes'])} nodes, {len(big['edges'])} edges")
    print(f"flow for layout:  {len(small['nodes'])} nodes, {len(small['edges'])} edges")

    with server() as url, httpx.Client(base_url=url, timeout=120) as api:
        big_id = api.post("/api/flows", json=big).json()["id"]
        small_id = api.post("/api/flows", json=small).json()["id"]

        # --- layout: the app against raw dot, in turns --------------------------------
        source = _layout_source(Flow.from_dict(small), NODE_W, NODE_H, PORT_H).encode()
        dot = shutil.which("dot")
        assert dot

        def raw() -> None:
            subprocess.run([dot, "-Tjson0"], input=source, capture_output=True, check=True)

        def app() -> None:
            response = api.post("/api/flows/layout", json=small)
            response.raise_for_status()
            assert len(response.json()) == len(small["nodes"])

        flow = Flow.from_dict(small)

        def library() -> None:
            layout(flow)

        app()  # warm the server's imports
        dot_times, app_times, lib_times = best_of(args.runs, raw, app, library)

        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            try:
                time_to_interactive(browser, url, big_id)  # the server's first page, imports
                loads = [time_to_interactive(browser, url, big_id) for _ in range(args.runs)]
                clicked = editor_layout(browser, url, small_id)
            finally:
                browser.close()

    wall = [w for w, _ in loads]
    page_clock = [p for _, p in loads]
    best_dot, best_app = min(dot_times), min(app_times)
    med_dot, med_app = statistics.median(dot_times), statistics.median(app_times)
    med_wall = statistics.median(wall)
    ratio = best_app / best_dot  # best of N: the two are fast, and the machine is shared
    print()
    print(f"time to interactive, {len(big['nodes'])} nodes (navigation -> node selected)")
    print(f"  wall clock:  best {min(wall):.3f} s, median {med_wall:.3f} s")
    print(
        f"  page clock:  best {min(page_clock):.3f} s, median {statistics.median(page_clock):.3f} s"
    )
    print(
        f"  goal < {GOAL_INTERACTIVE_S} s: {'met' if med_wall < GOAL_INTERACTIVE_S else 'NOT met'}"
    )
    print()
    print(f"auto-layout, {len(small['nodes'])} nodes (best / median of {args.runs})")
    print(f"  raw dot -Tjson0:             {best_dot:.3f} s / {med_dot:.3f} s")
    print(f"  app POST /api/flows/layout:  {best_app:.3f} s / {med_app:.3f} s")
    print(f"  ratio app / dot:             {ratio:.2f}x / {med_app / med_dot:.2f}x")
    lib_best, lib_med = min(lib_times), statistics.median(lib_times)
    print(f"  layout() in-process:         {lib_best:.3f} s / {lib_med:.3f} s")
    print(f"  ratio layout() / dot:        {lib_best / best_dot:.2f}x / {lib_med / med_dot:.2f}x")
    print(f"  goal <= {GOAL_LAYOUT_RATIO}x: {'met' if ratio <= GOAL_LAYOUT_RATIO else 'NOT met'}")
    print(f"  editor button, click -> drawn: {clicked:.3f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
