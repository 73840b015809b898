"""Callback throughput: our ICE+PIE answers against a bare Flask endpoint.

Both servers run under gunicorn with the same workers and threads, and the
same load generator drives them: ``--calls`` concurrent simulated calls (one
thread and one keep-alive connection each), each call an ICE then a PIE
choosing ``1``, over loopback, for ``--seconds``.  The bare endpoint answers a
constant JSON body of the same size as our answers, so the ratio is the cost
of the engine, the storage and the traces.  Run on SQLite and on PostgreSQL:

    .venv/bin/python benchmarks/callbacks.py [--seconds 10] [--calls 100]
        [--postgres postgresql+psycopg://root@127.0.0.1/test] [--redis redis://...]

Goal: ratio >= 0.6 and p99 < 25 ms.  The support flow is the example one when
present (designer/examples/support_line.json), else the one of the runtime
tests; the server's clock is fixed on a weekday morning so opening hours are
open.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
LINE = "+46850000000"
OPEN = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)  # a Wednesday, 11:00 in Stockholm
WORKERS, THREADS = 2, 16  # as `make serve-prod`
BODY_SIZE_ENV = "BENCH_BODY_SIZE"


# --- the two apps (gunicorn imports these factories) ----------------------------------


def designer_app():
    """The real app, configured from DESIGNER_* like production, with a fixed clock."""
    from designer.web import create_app

    return create_app({"CLOCK": lambda: OPEN})


def bare_app():
    """A Flask endpoint answering a constant JSON body of the same size."""
    from flask import Flask, Response

    size = int(os.environ.get(BODY_SIZE_ENV, "400"))
    body = json.dumps({"action": {"name": "hangup"}, "pad": ""})
    body = json.dumps({"action": {"name": "hangup"}, "pad": "x" * max(0, size - len(body))})
    app = Flask(__name__)

    @app.post("/voice/callback")
    def callback() -> Response:
        return Response(body, mimetype="application/json")

    return app


# --- set-up ---------------------------------------------------------------------------


def support_flow() -> dict[str, Any]:
    example = ROOT / "designer" / "examples" / "support_line.json"
    if example.exists():
        return json.loads(example.read_text())
    sys.path.insert(0, str(ROOT))
    from tests.runtime.flows import support_line

    return support_line()


def seed(url: str) -> None:
    from designer.repository import NumberBinding
    from designer.storage import open_repository

    repo = open_repository(url, migrate=True)
    flow = repo.create_flow(support_flow(), OPEN)
    repo.publish(flow.id, "benchmark", "benchmark", OPEN)
    repo.bind_number(NumberBinding(number=LINE, flow_id=flow.id), OPEN)
    close = getattr(repo, "close", None)
    if close:
        close()


def serve(target: str, port: int, env: dict[str, str]) -> subprocess.Popen:
    gunicorn = Path(sys.executable).with_name("gunicorn")
    proc = subprocess.Popen(
        [str(gunicorn), "--workers", str(WORKERS), "--threads", str(THREADS),
         "--bind", f"127.0.0.1:{port}", "--chdir", str(ROOT), "--log-level", "warning",
         "--keep-alive", "30", target],
        env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("POST", "/voice/callback", body=b"{}", headers=_HEADERS)
            conn.getresponse().read()
            return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit(f"{target} did not start: {proc.stderr.read().decode()[-2000:]}")


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()


# --- the load generator ---------------------------------------------------------------

_HEADERS = {"Content-Type": "application/json"}


def _call_payloads(callid: str, second: int) -> list[bytes]:
    stamp = f"2026-11-25T10:{second // 60 % 60:02d}:{second % 60:02d}Z"
    ice = {"event": "ice", "callid": callid, "timestamp": stamp, "version": 1,
           "cli": "+46701234567", "to": {"type": "number", "endpoint": LINE},
           "domain": "pstn", "applicationKey": "bench", "originationType": "PSTN"}  # fmt: skip
    pie = {"event": "pie", "callid": callid, "timestamp": stamp, "version": 1,
           "menuResult": {"menuId": "main", "type": "return", "value": "1",
                          "inputMethod": "dtmf"}}  # fmt: skip
    return [json.dumps(ice).encode(), json.dumps(pie).encode()]


def drive(port: int, calls: int, seconds: float, warmup: float = 2.0) -> dict[str, Any]:
    """``calls`` threads, each running calls back to back; latencies after the warm-up."""
    start = time.monotonic()
    measure_from = start + warmup
    stop_at = measure_from + seconds
    latencies: list[list[float]] = [[] for _ in range(calls)]
    errors = [0] * calls
    sizes: list[int] = []
    run = secrets.token_hex(4)

    def worker(i: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        n = 0
        while time.monotonic() < stop_at:
            n += 1
            for body in _call_payloads(f"bench-{run}-{i}-{n}", n):
                t0 = time.monotonic()
                try:
                    conn.request("POST", "/voice/callback", body=body, headers=_HEADERS)
                    response = conn.getresponse()
                    data = response.read()
                    ok = response.status == 200
                except (OSError, http.client.HTTPException):
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                    ok, data = False, b""
                t1 = time.monotonic()
                if t0 >= measure_from and t1 <= stop_at:
                    latencies[i].append(t1 - t0)
                    if not ok:
                        errors[i] += 1
                    elif i == 0 and len(sizes) < 50:
                        sizes.append(len(data))
        conn.close()

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    flat = sorted(x for per in latencies for x in per)
    if not flat:
        raise SystemExit("no request completed")
    return {
        "rps": len(flat) / seconds,
        "p50_ms": flat[len(flat) // 2] * 1000,
        "p99_ms": flat[min(len(flat) - 1, int(len(flat) * 0.99))] * 1000,
        "errors": sum(errors),
        "requests": len(flat),
        "body_bytes": sum(sizes) // max(1, len(sizes)),
    }


def measure_answer_size(url: str, env: dict[str, str]) -> int:
    """The mean size of our ICE and PIE answers, for the bare endpoint to match."""
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    client = designer_app().test_client()
    sizes = []
    for body in _call_payloads(f"size-{secrets.token_hex(4)}", 1):
        sizes.append(len(client.post("/voice/callback", data=body, headers=_HEADERS).data))
    return sum(sizes) // len(sizes)


def bench(label: str, db_url: str, redis_url: str | None, seconds: float, calls: int) -> None:
    env = {"DESIGNER_DATABASE_URL": db_url}
    if redis_url:
        env["DESIGNER_REDIS_URL"] = redis_url
    seed(db_url)
    size = measure_answer_size(db_url, env)
    ours_port, bare_port = _free_port(), _free_port()
    ours = serve("benchmarks.callbacks:designer_app()", ours_port, env)
    try:
        mine = drive(ours_port, calls, seconds)
    finally:
        stop(ours)
    bare = serve("benchmarks.callbacks:bare_app()", bare_port, {BODY_SIZE_ENV: str(size)})
    try:
        base = drive(bare_port, calls, seconds)
    finally:
        stop(bare)
    ratio = mine["rps"] / base["rps"]
    print(f"\n== {label} ({WORKERS} workers x {THREADS} threads, {calls} concurrent calls, "
          f"{seconds:.0f} s, answers ~{size} bytes)")  # fmt: skip
    for name, r in (("callbacks", mine), ("bare flask", base)):
        print(f"  {name:<11} {r['rps']:8.0f} req/s   p50 {r['p50_ms']:6.1f} ms   "
              f"p99 {r['p99_ms']:6.1f} ms   errors {r['errors']}")  # fmt: skip
    verdict = "ok" if ratio >= 0.6 and mine["p99_ms"] < 25 else "below goal"
    print(f"  ratio {ratio:.2f} (goal >= 0.6), p99 {mine['p99_ms']:.1f} ms (goal < 25): {verdict}")


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _postgres_database(admin_url: str) -> tuple[str, Any]:
    import psycopg
    from psycopg import sql

    dsn = admin_url.replace("postgresql+psycopg://", "postgresql://", 1)
    name = f"designer_bench_{secrets.token_hex(4)}"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))

    def drop() -> None:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(name)))  # fmt: skip

    url = dsn.rsplit("/", 1)[0] + "/" + name
    return url.replace("postgresql://", "postgresql+psycopg://", 1), drop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--calls", type=int, default=100)
    parser.add_argument("--postgres", default="postgresql+psycopg://root@127.0.0.1:5432/test",
                        help="a server's admin URL ('' to skip PostgreSQL)")  # fmt: skip
    parser.add_argument("--redis", default=None, help="redis:// URL for the trace bus")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        bench("SQLite", f"sqlite:///{tmp}/bench.db", args.redis, args.seconds, args.calls)
    if args.postgres:
        url, drop = _postgres_database(args.postgres)
        try:
            bench("PostgreSQL", url, args.redis, args.seconds, args.calls)
        finally:
            drop()


if __name__ == "__main__":
    main()
