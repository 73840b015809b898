"""Callback throughput and latency: our ICE+PIE answers against a bare Flask endpoint.

Both servers run under gunicorn with the same workers and threads, and the
same load generator drives them over loopback: ``--calls`` simulated calls,
each on its own thread and keep-alive connection, each call an ICE then a PIE
choosing ``1`` (sales).  The bare endpoint answers a constant JSON body of the
same size as our answers, so the comparison is the cost of the engine, the
storage and the traces.  Run on SQLite and on PostgreSQL:

    .venv/bin/python benchmarks/callbacks.py [--seconds 6] [--rounds 2] [--calls 100]
        [--postgres postgresql://root@127.0.0.1/test | --postgres ''] [--redis redis://...]
        [--profile]

Three measurements per backend, each printed for both servers:

1. **Saturation** (closed loop): every call sends its next callback as soon
   as the previous one is answered.  Gives the throughput (req/s) and the
   **ratio** ours/bare.  Both servers run side by side and the runs alternate
   between them ``--rounds`` times, so that other load on a shared machine
   hits both alike; the best round of each is compared, and all are printed.
   Its latencies are queueing, not service time: with ``--calls`` requests
   always outstanding, Little's law makes the mean latency
   ``calls / throughput`` for *any* server (bare Flask included).
2. **Paced** (open loop): the callbacks are sent on a fixed schedule at
   ``--rate`` req/s (default: half the saturation throughput of ours, the
   same rate for both servers); latency is measured from the scheduled send
   time, so a server that falls behind is not flattered (no coordinated
   omission).  This is the **p99** of the goal.
3. **CPU per request** of the server processes (gunicorn workers, plus the
   PostgreSQL backends of the benchmark database), from ``/proc``, during the
   saturation run: the cost that does not depend on the load generator.

Goal: ratio >= 0.6 and paced p99 < 25 ms.  The load generator is Python on
the same cores as the servers and the database, and it costs about as much
CPU per request as bare Flask does; the ratio is therefore kinder than the
CPU-per-request comparison, which is printed next to it.

``--profile`` instead answers callbacks in-process (the WSGI app called
directly, no HTTP) under cProfile and prints where the CPU time goes, by area
and by function.

The support flow is the example one (designer/examples/support_line.json),
else the one of the runtime tests; the server's clock is fixed on a weekday
morning so opening hours are open.
"""

from __future__ import annotations

import argparse
import cProfile
import http.client
import json
import os
import pstats
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.proc_cpu import children, cpu_seconds, postgres_backends  # noqa: E402

LINE = "+46850000000"
OPEN = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)  # a Wednesday, 11:00 in Stockholm
WORKERS, THREADS = 2, 16  # as `make serve-prod`
BODY_SIZE_ENV = "BENCH_BODY_SIZE"
GOAL_RATIO, GOAL_P99_MS = 0.6, 25.0


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
            conn.close()
            time.sleep(0.5)  # let every worker finish booting
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
        proc.wait()
    if proc.stderr is not None:
        proc.stderr.close()


class CpuMeter:
    """CPU seconds used by the gunicorn workers (and a database's backends) over a run."""

    def __init__(self, server: subprocess.Popen, database: str | None) -> None:
        self.server = server
        self.database = database
        self._start: dict[int, float] = {}

    def _sample(self) -> dict[int, float]:
        pids = [self.server.pid, *children(self.server.pid)]
        if self.database:
            pids += [-p for p in postgres_backends(self.database)]  # negative: the database
        return {p: cpu_seconds(abs(p)) for p in pids}

    def start(self) -> None:
        self._start = self._sample()

    def stop(self) -> tuple[float, float]:
        """(server seconds, database seconds) used since ``start``."""
        end = self._sample()
        used = {p: t - self._start.get(p, 0.0) for p, t in end.items()}
        return (sum(t for p, t in used.items() if p > 0), sum(t for p, t in used.items() if p < 0))


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


def drive(
    port: int, calls: int, seconds: float, rate: float | None = None, warmup: float = 1.5,
    meter: CpuMeter | None = None,
) -> dict[str, Any]:  # fmt: skip
    """``calls`` threads, each running calls back to back; latencies after the warm-up.

    Without ``rate`` each thread sends its next callback as soon as the last
    one is answered (closed loop).  With ``rate`` (req/s over all threads)
    each thread sends on a fixed schedule and a latency is counted from the
    scheduled time (open loop).
    """
    start = time.monotonic()
    measure_from = start + warmup
    stop_at = measure_from + seconds
    latencies: list[list[float]] = [[] for _ in range(calls)]
    errors = [0] * calls
    sizes: list[int] = []
    run = secrets.token_hex(4)
    interval = calls / rate if rate else 0.0

    def worker(i: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        due = start + interval * i / calls  # spread the threads over one interval
        n = 0
        while time.monotonic() < stop_at:
            n += 1
            for body in _call_payloads(f"bench-{run}-{i}-{n}", n):
                if rate:
                    pause = due - time.monotonic()
                    if pause > 0:
                        time.sleep(pause)
                    t0 = due
                    due += interval
                else:
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
    if meter is not None:
        time.sleep(max(0.0, measure_from - time.monotonic()))
        meter.start()
        time.sleep(max(0.0, stop_at - time.monotonic()))
        server_cpu, db_cpu = meter.stop()
    for t in threads:
        t.join()
    flat = sorted(x for per in latencies for x in per)
    if not flat:
        raise SystemExit("no request completed")
    result = {
        "rps": len(flat) / seconds,
        "p50_ms": flat[len(flat) // 2] * 1000,
        "p99_ms": flat[min(len(flat) - 1, int(len(flat) * 0.99))] * 1000,
        "errors": sum(errors),
        "requests": len(flat),
        "body_bytes": sum(sizes) // max(1, len(sizes)),
    }
    if meter is not None:
        result["server_us"] = server_cpu / len(flat) * 1e6
        result["db_us"] = db_cpu / len(flat) * 1e6
    return result


def measure_answer_size(env: dict[str, str]) -> int:
    """The mean size of our ICE and PIE answers, for the bare endpoint to match."""
    os.environ.update(env)
    client = designer_app().test_client()
    sizes = []
    for body in _call_payloads(f"size-{secrets.token_hex(4)}", 1):
        sizes.append(len(client.post("/voice/callback", data=body, headers=_HEADERS).data))
    return sum(sizes) // len(sizes)


def bench(
    label: str, db_url: str, redis_url: str | None, seconds: float, calls: int,
    rate: float | None, rounds: int,
) -> bool:  # fmt: skip
    """Both servers up at once; saturated runs alternate between them, ``rounds`` times.

    The machine is shared, so other load comes and goes: alternating the two
    servers exposes them to the same conditions, and the best round of each
    (the least disturbed) is what the ratio compares.  Every round is printed.
    """
    env = {"DESIGNER_DATABASE_URL": db_url}
    if redis_url:
        env["DESIGNER_REDIS_URL"] = redis_url
    seed(db_url)
    size = measure_answer_size(env)
    database = db_url.rsplit("/", 1)[1] if db_url.startswith("postgresql") else None
    servers: dict[str, tuple[subprocess.Popen, int, str | None]] = {}
    saturated: dict[str, list[dict[str, Any]]] = {"callbacks": [], "bare flask": []}
    paced: dict[str, dict[str, Any]] = {}
    try:
        for name, target, target_env, db in (
            ("callbacks", "benchmarks.callbacks:designer_app()", env, database),
            ("bare flask", "benchmarks.callbacks:bare_app()", {BODY_SIZE_ENV: str(size)}, None),
        ):
            port = _free_port()
            servers[name] = (serve(target, port, target_env), port, db)
        for round_ in range(rounds):
            order = list(servers) if round_ % 2 == 0 else list(reversed(servers))
            for name in order:
                proc, port, db = servers[name]
                saturated[name].append(drive(port, calls, seconds, meter=CpuMeter(proc, db)))
        best = {name: max(runs, key=lambda r: r["rps"]) for name, runs in saturated.items()}
        if rate is None:
            rate = round(best["callbacks"]["rps"] / 2)
        for name, (_proc, port, _db) in servers.items():
            paced[name] = drive(port, calls, seconds, rate=rate)
    finally:
        for proc, _port, _db in servers.values():
            stop(proc)
    ratio = best["callbacks"]["rps"] / best["bare flask"]["rps"]
    p99 = paced["callbacks"]["p99_ms"]
    print(f"\n== {label} ({WORKERS} workers x {THREADS} threads, {calls} concurrent calls, "
          f"{seconds:.0f} s per run, answers ~{size} bytes, loopback)")  # fmt: skip
    print("  saturated (closed loop)   round   req/s     p50 ms    p99 ms  errors   CPU us/req")
    for name, runs in saturated.items():
        for i, s in enumerate(runs, start=1):
            cpu = f"{s['server_us']:6.0f}"
            if s.get("db_us"):
                cpu += f" + db {s['db_us']:.0f}"
            mark = " <- best" if s is best[name] and len(runs) > 1 else ""
            print(f"    {name:<24} {i:5d} {s['rps']:8.0f} {s['p50_ms']:9.1f} {s['p99_ms']:9.1f} "
                  f"{s['errors']:7d}   {cpu}{mark}")  # fmt: skip
    print(f"  paced at {rate:.0f} req/s (open loop)       req/s     p50 ms    p99 ms  errors")
    for name, p in paced.items():
        print(f"    {name:<30} {p['rps']:8.0f} {p['p50_ms']:9.1f} {p['p99_ms']:9.1f} "
              f"{p['errors']:7d}")  # fmt: skip
    ok = ratio >= GOAL_RATIO and p99 < GOAL_P99_MS
    print(f"  ratio {ratio:.2f} (best rounds; goal >= {GOAL_RATIO}), paced p99 {p99:.1f} ms "
          f"(goal < {GOAL_P99_MS:.0f}): {'ok' if ok else 'below goal'}")  # fmt: skip
    return ok


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _postgres_database(admin_url: str) -> tuple[str, Callable[[], None]]:
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


# --- in-process profile ---------------------------------------------------------------

_AREAS = (
    ("database driver (sqlite3, psycopg)", ("sqlite3", "psycopg/", "{method 'execute",
                                            "{method 'executemany", "{method 'commit",
                                            "{method 'fetch")),
    ("storage (designer.storage)", ("designer/storage/",)),
    ("SQLAlchemy", ("sqlalchemy/",)),
    ("walker (stepping, svaml, templates)", ("designer/stepping", "designer/svaml",
                                             "designer/templates", "jinja2/",
                                             "designer/schedule", "designer/flow")),
    ("engine", ("designer/engine", "designer/repository")),
    ("trace bus", ("designer/tracebus",)),
    ("JSON", ("json/",)),
    ("web: callbacks view", ("designer/web/callbacks",)),
    ("web: other hooks (access, headers...)", ("designer/web/",)),
    ("Flask, Werkzeug", ("flask/", "werkzeug/")),
)  # fmt: skip


def profile(db_url: str, callbacks: int = 2000, top: int = 25) -> None:
    """Answer ``callbacks`` callbacks in-process under cProfile; print CPU time by area.

    The requests go straight into the WSGI app (environments built before
    the clock starts), as gunicorn would hand them over: no test client, no
    HTTP.  Built-in functions (``dict.get``, a driver's ``execute``...) are
    charged to the area of the code that called them.
    """
    from werkzeug.test import EnvironBuilder

    seed(db_url)
    os.environ["DESIGNER_DATABASE_URL"] = db_url
    app = designer_app()

    def environs(n: int, tag: str) -> list[dict[str, Any]]:
        return [
            EnvironBuilder(method="POST", path="/voice/callback", data=body,
                           headers=_HEADERS).get_environ()
            for i in range(n // 2) for body in _call_payloads(f"{tag}-{i}", i)
        ]  # fmt: skip

    statuses: list[str] = []

    def start_response(status: str, _headers: Any, _exc_info: Any = None) -> None:
        statuses.append(status)

    def run(batch: list[dict[str, Any]]) -> None:
        for environ in batch:
            body = b"".join(app.wsgi_app(environ, start_response))
            assert statuses.pop().startswith("200"), body

    run(environs(200, "warm"))
    timed, profiled = environs(callbacks, "timed"), environs(callbacks, "profiled")
    started = time.process_time()
    run(timed)
    plain = (time.process_time() - started) / callbacks * 1e6
    profiler = cProfile.Profile(time.process_time)  # CPU time: other load does not show
    profiler.enable()
    run(profiled)
    profiler.disable()
    stats = pstats.Stats(profiler)
    rows = stats.stats  # type: ignore[attr-defined]

    def area_of(func: tuple[str, int, str]) -> str:
        where = f"{func[0]}:{func[2]}"
        return next((a for a, keys in _AREAS if any(k in where for k in keys)), "other")

    by_area: dict[str, float] = {}
    for func, (_cc, _nc, own, _cum, callers) in rows.items():
        if func[0] == "~" and callers and not area_of(func).startswith("database"):
            for caller, edge in callers.items():  # a built-in: charged to its callers
                by_area[area_of(caller)] = by_area.get(area_of(caller), 0.0) + edge[2]
        else:
            by_area[area_of(func)] = by_area.get(area_of(func), 0.0) + own
    total = sum(by_area.values())
    print(f"\n== in-process profile, {db_url.split(':', 1)[0]}: {plain:.0f} us CPU per callback "
          f"without the profiler (WSGI app called directly, no HTTP)")  # fmt: skip
    print("  CPU time by area (share of the profiled run):")
    for area, seconds in sorted(by_area.items(), key=lambda kv: -kv[1]):
        print(f"    {area:<40} {seconds / total * 100:5.1f} %   "
              f"~{seconds / total * plain:4.0f} us")  # fmt: skip
    print(f"  top {top} functions by own time:")
    stats.sort_stats("tottime").print_stats(top)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=6, help="length of each run")
    parser.add_argument("--rounds", type=int, default=2, help="saturated runs per server")
    parser.add_argument("--calls", type=int, default=100, help="concurrent simulated calls")
    parser.add_argument(
        "--rate",
        type=float,
        default=None,
        help="req/s of the paced runs (default: half of ours when saturated)",
    )
    parser.add_argument(
        "--postgres",
        default="postgresql+psycopg://root@127.0.0.1:5432/test",
        help="a server's admin URL ('' to skip PostgreSQL)",
    )
    parser.add_argument("--sqlite", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--redis", default=None, help="redis:// URL for the trace bus")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="profile the callbacks in-process instead of benchmarking",
    )
    args = parser.parse_args()  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        if args.profile:
            profile(f"sqlite:///{tmp}/profile.db")
        elif args.sqlite:
            bench("SQLite", f"sqlite:///{tmp}/bench.db", args.redis, args.seconds, args.calls,
                  args.rate, args.rounds)  # fmt: skip
    if args.postgres:
        url, drop = _postgres_database(args.postgres)
        try:
            if args.profile:
                profile(url)
            else:
                bench("PostgreSQL", url, args.redis, args.seconds, args.calls, args.rate,
                      args.rounds)  # fmt: skip
        finally:
            drop()


if __name__ == "__main__":
    main()
