"""Reading a call log with its trace events: one request per call against bulk reads.

An analysis notebook wants every call of a flow with its events.  Fetched
one call at a time, that is a round trip (or a query) per call; the bulk
reads (``GET /api/events``, ``Repository.list_events_of_calls``) take a
handful.  This fills a server's log with ``--calls`` simulated calls and
times both ways, over HTTP and straight from the database:

    .venv/bin/python benchmarks/call_log.py [--calls 2000] [--rounds 3]
        [--postgres postgresql://root@127.0.0.1/test]

1. creates a temporary SQLite database (or PostgreSQL with ``--postgres``),
   migrates it, loads the example flows and binds a number to the support
   line, all through the CLI, and starts gunicorn on a free loopback port
   with login off;
2. places ``--calls`` random calls with ``fill_call_log`` (in-process, into
   the server's database);
3. times, best of ``--rounds``: ``Designer(url).call_log(flow=...)`` and the
   same frames built from ``GET /api/calls`` plus one ``GET
   /api/calls/<callid>`` per call (four at a time, as the client used to);
   then ``designer.notebook.call_log(database_url, flow=...)`` and the same
   frames from one ``list_events`` query per call.

Printed: seconds for each, requests made over HTTP, and the ratio
per-call/bulk.  Both ways must give identical frames (checked).
"""

from __future__ import annotations

import argparse
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.soak import _designer  # noqa: E402  (the CLI, run as a user would)
from designer.notebook import Designer, call_log, fill_call_log, frames  # noqa: E402
from designer.repository import CallFilter  # noqa: E402
from designer.storage import open_repository  # noqa: E402

LINE = "+46850000777"
SUPPORT_LINE = "Acme support line"  # the example's name
PAGE = 500
FETCH_THREADS = 4


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    gunicorn = Path(sys.executable).with_name("gunicorn")
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(gunicorn), "-c", "python:designer.web.gunicorn_conf",
             "designer.web:create_app()"],
            env={**env, "DESIGNER_BIND": f"127.0.0.1:{port}", "DESIGNER_WORKERS": "1"},
            cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    proc.kill()
    raise SystemExit(f"gunicorn did not start:\n{log.read_text()[-3000:]}")


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


class Counting(httpx.HTTPTransport):
    """Counts the requests a client sends."""

    def __init__(self) -> None:
        super().__init__()
        self.requests = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        return super().handle_request(request)


# --- the two ways over HTTP ---------------------------------------------------------------


def per_call_http(client: Designer, flow: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The call log as the client read it before the bulk endpoint: a request per call."""
    items = client.call_items(flow=flow)
    ids = [i["callid"] for i in items]
    with ThreadPoolExecutor(max_workers=FETCH_THREADS) as pool:
        bodies = list(pool.map(client.call, ids))
    by_call = {callid: body["events"] for callid, body in zip(ids, bodies, strict=True)}
    calls = frames.calls_frame(frames.call_rows_from_api(items, by_call))
    events = frames.events_frame(e for i in reversed(items) for e in by_call[i["callid"]])
    return calls, events


def bulk_http(client: Designer, flow: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    return client.call_log(flow=flow)


# --- the two ways from the database ---------------------------------------------------------


def per_call_db(database_url: str, flow: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The call log as the direct reader read it before: a ``list_events`` query per call."""
    repo = open_repository(database_url)
    try:
        records: list[Any] = []
        while True:
            page, total = repo.list_calls(CallFilter(flow_id=flow), limit=PAGE, offset=len(records))
            records.extend(page)
            if not page or len(records) >= total:
                break
        by_call = {c.callid: repo.list_events(c.callid) for c in records}
    finally:
        repo.close()
    calls = frames.calls_frame(frames.call_rows_from_records(records, by_call))
    events = frames.events_frame(e.to_dict() for c in reversed(records) for e in by_call[c.callid])
    return calls, events


def bulk_db(database_url: str, flow: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    return call_log(database_url, flow=flow)


def best(rounds: int, read: Callable[[], tuple[pd.DataFrame, pd.DataFrame]]) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(rounds):
        started = time.perf_counter()
        result = read()
        times.append(time.perf_counter() - started)
    return min(times), result


def same(a: tuple[pd.DataFrame, pd.DataFrame], b: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    for left, right in zip(a, b, strict=True):
        pd.testing.assert_frame_equal(left, right)


def measure(url: str, database_url: str, flow: str, rounds: int) -> None:
    transport = Counting()
    with Designer(url, transport=transport) as client:
        before = transport.requests
        slow, slow_frames = best(rounds, lambda: per_call_http(client, flow))
        slow_requests = (transport.requests - before) // rounds
        before = transport.requests
        fast, fast_frames = best(rounds, lambda: bulk_http(client, flow))
        fast_requests = (transport.requests - before) // rounds
    same(slow_frames, fast_frames)
    calls, events = fast_frames
    print(f"{len(calls)} calls, {len(events)} trace events")
    print(f"HTTP  one request per call: {slow:6.2f} s  ({slow_requests} requests)")
    print(f"HTTP  Designer.call_log:    {fast:6.2f} s  ({fast_requests} requests)")
    print(f"HTTP  ratio per-call/bulk:  {slow / fast:6.1f}x")
    slow, slow_frames = best(rounds, lambda: per_call_db(database_url, flow))
    fast, fast_frames = best(rounds, lambda: bulk_db(database_url, flow))
    same(slow_frames, fast_frames)
    print(f"DB    one query per call:   {slow:6.2f} s")
    print(f"DB    call_log(database):   {fast:6.2f} s")
    print(f"DB    ratio per-call/bulk:  {slow / fast:6.1f}x")


@contextmanager
def database(postgres: str, folder: Path) -> Iterator[str]:
    """A fresh database URL: a SQLite file in ``folder``, or a PostgreSQL database dropped after."""
    if not postgres:
        yield f"sqlite:///{folder / 'designer.db'}"
        return
    plain = f"designer_bench_{secrets.token_hex(4)}"
    name = sql.Identifier(plain)
    admin = postgres.replace("postgresql+psycopg://", "postgresql://", 1)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(name))
    base = admin.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    try:
        yield f"{base}/{plain}"
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--postgres", default="", help="admin URL of a PostgreSQL server")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp, database(args.postgres, Path(tmp)) as database_url:
        env = {k: v for k, v in os.environ.items() if not k.startswith("DESIGNER_")}
        env.update(DESIGNER_DATABASE_URL=database_url, DESIGNER_AUTH="off")
        _designer(env, "db", "upgrade")
        _designer(env, "examples", "load")
        port = _free_port()
        server = start_server(env, port, Path(tmp) / "server.log")
        url = f"http://127.0.0.1:{port}"
        try:
            with Designer(url) as client:
                flows = client.get("/api/flows")["items"]
                flow = next(f["id"] for f in flows if f["name"] == SUPPORT_LINE)
                client.bind(LINE, flow)
            started = time.perf_counter()
            fill_call_log(url, flow, calls=args.calls, seed=1, database_url=database_url)
            print(f"placed {args.calls} calls in {time.perf_counter() - started:.1f} s")
            measure(url, database_url, flow, args.rounds)
        finally:
            stop_server(server)


if __name__ == "__main__":
    main()
