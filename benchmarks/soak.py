"""Soak: many simulated callers on the production set-up for minutes, every callback checked.

A phone line is production: this runs the server as it is deployed and
calls it the way Sinch does, for a while, and reports what a caller and a
live watcher would have noticed.  Loopback only; it stops by itself.

    .venv/bin/python benchmarks/soak.py [--seconds 300] [--calls 100] [--speed 10]
        [--warmup 10] [--postgres postgresql://root@127.0.0.1/test]
        [--redis redis://127.0.0.1:6379/0] [--workers 2] [--seed 1]

What it does:

1. creates a temporary PostgreSQL database, migrates it (``designer db
   upgrade``), loads the example flows (``designer examples load``) and binds
   a number to the support line (``designer number bind``), all through the CLI;
2. starts gunicorn with ``designer/web/gunicorn_conf.py`` (two gthread
   workers), PostgreSQL and the Redis trace bus;
3. opens one live-trace websocket per flow (``/ws/traces?flow=...``) that
   records every event it is sent;
4. runs ``--calls`` simulated callers at once (``designer.simulator`` over
   HTTP, as the platform): each places calls one after another for
   ``--seconds``, with a random-ish behaviour across the support line --
   sales, support and its sub-menu, billing, repeating the menu, wrong keys,
   silence until the menu gives up, barging in, hanging up; callees that
   answer, are busy, do not answer or fail; conversations of 5 to 90 s.
   Simulated time runs ``--speed`` times faster than real time (prompts,
   timeouts and conversations are waited for, shortened), so the callback
   rate is that of ``calls x speed`` real concurrent calls;
5. then compares the events stored in the database with the events the
   websockets saw, stops gunicorn gracefully and drops the database.

Printed: calls completed, callbacks/s, callback latency p50/p99/max (as the
platform measures it: request sent to answer read), 5xx and other errors,
safe answers (the apology: an internal failure the caller heard), lost
trace events (stored but never seen by the flow's websocket), duplicates
and events out of order, and the machine's load average.

Latency is printed for every callback and for those after ``--warmup``
(10 s): in the first seconds each worker opens its database connections
and parses the flow while a hundred calls ring at once, which costs up to
a second per callback then (well within Sinch's 5 s) and says nothing about
the steady state that the p99 goal is about.

Goal: 0 errors, 0 lost, p99 after the warm-up < 25 ms.  Exit status 1 when a
goal is missed.
The load generator is Python on the same cores as the server and the
database; on a shared machine the latency says as much about the neighbours
as about the server (the load average is printed for that reason).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.proc_cpu import children, cpu_seconds, postgres_backends  # noqa: E402
from designer.engine import APOLOGY  # noqa: E402
from designer.simulator import (  # noqa: E402
    Callee,
    CallSettings,
    HangUp,
    Phase,
    Press,
    Script,
    Silence,
    SimulatedCall,
    run,
)
from designer.simulator.platform import Reply  # noqa: E402
from designer.simulator.transport import HttpTransport  # noqa: E402
from tests.wsclient import ConnectionClosed, connect  # noqa: E402

LINE = "+46850000999"
SUPPORT_LINE = "Acme support line"  # the example's name
GOAL_P99_MS = 25.0
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
MAX_SECONDS = 3600
DRAIN_S = 120  # how long callers may take to finish the calls in progress at the end
SETTLE_S = 15  # how long the websockets may take to catch up after the last call


# --- set-up ---------------------------------------------------------------------------


def _loopback(url: str, what: str) -> None:
    host = urlsplit(url).hostname or ""
    if host not in LOOPBACK:
        raise SystemExit(f"the soak only talks to services on this machine; {what} is on {host!r}")


def _designer(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [str(Path(sys.executable).with_name("designer")), *args],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"designer {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return done.stdout + done.stderr


@dataclass
class Database:
    admin: str
    name: str

    @property
    def url(self) -> str:
        base = self.admin.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
        return f"{base}/{self.name}"

    def create(self) -> None:
        with psycopg.connect(self.admin, autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(self.name)))

    def drop(self) -> None:
        with psycopg.connect(self.admin, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(self.name))
            )

    def query(self, text: str) -> list[tuple[Any, ...]]:
        dsn = self.url.replace("postgresql+psycopg://", "postgresql://", 1)
        with psycopg.connect(dsn) as conn:
            return conn.execute(text).fetchall()


def prepare(db: Database, env: dict[str, str]) -> dict[str, str]:
    """Migrate, load the examples, bind LINE to the support line; the flows by id -> name."""
    _designer(env, "db", "upgrade")
    _designer(env, "examples", "load")
    flows = {fid: name for fid, name in db.query("SELECT id, name FROM flows")}
    support = [fid for fid, name in flows.items() if name == SUPPORT_LINE]
    if not support:
        raise SystemExit(f"the examples have no flow named {SUPPORT_LINE!r}")
    _designer(env, "number", "bind", LINE, support[0])
    return flows


def start_server(env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    gunicorn = Path(sys.executable).with_name("gunicorn")
    out = open(log, "wb")  # noqa: SIM115 - the server writes to it until it stops
    proc = subprocess.Popen(
        [str(gunicorn), "-c", "python:designer.web.gunicorn_conf", "designer.web:create_app()"],
        env={**env, "DESIGNER_BIND": f"127.0.0.1:{port}"}, cwd=ROOT, stdout=out,
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    out.close()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).json()["status"] == "ok":
                time.sleep(1.0)  # let both workers finish booting
                return proc
        except (httpx.HTTPError, ValueError, KeyError):
            pass
        time.sleep(0.3)
    proc.kill()
    raise SystemExit(f"gunicorn did not start:\n{log.read_text()[-3000:]}")


def stop_server(proc: subprocess.Popen[bytes]) -> int | None:
    proc.terminate()  # graceful: in-flight callbacks finish, websockets close
    try:
        return proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        return None


# --- live watchers -----------------------------------------------------------------------


class FlowWatcher:
    """One ``/ws/traces?flow=`` socket; counts each (callid, seq) it is sent, and disorder."""

    def __init__(self, port: int, flow_id: str) -> None:
        self.flow_id = flow_id
        self.ws = connect(f"ws://127.0.0.1:{port}/ws/traces?flow={flow_id}")
        self.seen: Counter[tuple[str, int]] = Counter()
        self.last: dict[str, int] = {}
        self.out_of_order = 0
        self.statuses: list[dict[str, Any]] = []
        self.closed: str | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._read, name=f"ws-{flow_id}", daemon=True)
        self._thread.start()

    def _read(self) -> None:
        while not self._stop.is_set():
            try:
                data = self.ws.receive(timeout=0.5)
            except ConnectionClosed as exc:
                self.closed = f"{exc.reason} {exc.message or ''}".strip()
                return
            if data is None:
                continue
            frame = json.loads(data)
            if frame.get("kind") == "status":
                self.statuses.append(frame.get("data") or {})
                continue
            callid, seq = frame.get("callid"), frame.get("seq")
            if not isinstance(callid, str) or not isinstance(seq, int):
                continue
            if seq <= self.last.get(callid, 0):
                self.out_of_order += 1
            self.last[callid] = max(seq, self.last.get(callid, 0))
            self.seen[(callid, seq)] += 1

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=3)
        with contextlib.suppress(ConnectionClosed):
            self.ws.close()


# --- callers ------------------------------------------------------------------------------


@dataclass
class Stats:
    latencies: list[tuple[float, float]] = field(default_factory=list)  # (sent at, seconds)
    by_event: Counter[str] = field(default_factory=Counter)
    statuses: Counter[str] = field(default_factory=Counter)
    apologies: int = 0
    calls_started: int = 0
    calls_completed: int = 0
    failures: list[str] = field(default_factory=list)
    outcomes: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def fail(self, text: str) -> None:
        with self.lock:
            self.failures.append(text)


class PacedTransport:
    """The platform's HTTP transport, sending each callback at its simulated instant / speed."""

    def __init__(self, url: str, speed: float, stats: Stats) -> None:
        self.http = HttpTransport.to_url(url)
        self.speed = speed
        self.stats = stats
        self.real0 = 0.0
        self.sim0: datetime | None = None

    def begin(self, sim_start: datetime) -> None:
        self.real0, self.sim0 = time.monotonic(), sim_start

    def __call__(self, payload: dict[str, Any], timestamp: datetime) -> Reply:
        assert self.sim0 is not None
        due = self.real0 + (timestamp - self.sim0).total_seconds() / self.speed
        if (wait := due - time.monotonic()) > 0:
            time.sleep(wait)
        sent = time.monotonic()
        started = time.perf_counter()
        reply = self.http(payload, timestamp)
        took = time.perf_counter() - started
        event = str(payload.get("event"))
        said = [i.get("text") for i in (reply.body or {}).get("instructions", [])
                if isinstance(i, dict)] if isinstance(reply.body, dict) else []  # fmt: skip
        with self.stats.lock:
            self.stats.latencies.append((sent, took))
            self.stats.by_event[event] += 1
            self.stats.statuses[str(reply.status) if reply.status else "no answer"] += 1
            if APOLOGY in said:
                self.stats.apologies += 1
        return reply

    def close(self) -> None:
        self.http.close()


def random_script(rng: random.Random) -> Script:
    """One caller's behaviour on the support line (menus: main 1/2/3/9, support 1/2/0)."""
    journeys: list[tuple[int, list[Any]]] = [
        (26, [Press("1")]),  # sales
        (18, [Press("2"), Press(rng.choice("12"))]),  # support: internet and TV, or mobile
        (6, [Press("2"), Press("0"), Press("3")]),  # support, back to the main menu, billing
        (10, [Press("3")]),  # billing: a message, then goodbye
        (8, [Press("9"), Press(rng.choice("123"))]),  # hear the options again first
        (8, [Press(rng.choice("4578")), Press("2"), Press("2")]),  # a wrong key, then mobile
        (6, [Silence(persist=True)]),  # says nothing: repeats, then goodbye
        (6, [HangUp()]),  # hangs up at the menu
        (6, [Press("1", during_prompt=True)]),  # barges in
        (6, [Press("2"), Silence(persist=True)]),  # silence in the sub-menu
    ]
    steps = rng.choices([j for _, j in journeys], [w for w, _ in journeys])[0]
    outcome = rng.choices(["answer", "busy", "noanswer", "failed"], [70, 10, 10, 10])[0]
    callee = Callee(outcome, talk=rng.uniform(5, 90), hangs_up=rng.choice(["caller", "callee"]))
    return Script(list(steps), callee=callee)


def caller(
    index: int, url: str, speed: float, until: float, stats: Stats, seed: int, run_id: str
) -> None:
    rng = random.Random(seed * 1000 + index)
    transport = PacedTransport(url, speed, stats)
    time.sleep(rng.uniform(0, 3.0))  # callers do not all ring at the same instant
    n = 0
    try:
        while time.monotonic() < until:
            n += 1
            callid = f"soak-{run_id}-{index:03d}-{n:04d}"
            start = datetime.now(UTC)
            call = SimulatedCall(transport, start, CallSettings(to=LINE, callid=callid), rng=rng)
            transport.begin(start)
            with stats.lock:
                stats.calls_started += 1
            try:
                transcript = run(call, random_script(rng))
            except Exception as exc:  # the simulator refused something: report it
                stats.fail(f"{callid}: {type(exc).__name__}: {exc}")
                continue
            errors = transcript.errors
            if call.phase is not Phase.ENDED or errors:
                stats.fail(f"{callid}: {'; '.join(errors) or call.phase}")
                continue
            with stats.lock:
                stats.calls_completed += 1
                stats.outcomes[(transcript.end or {}).get("result", "?")] += 1
    finally:
        transport.close()


# --- CPU accounting (/proc) -------------------------------------------------------------


def cpu_sample(server: int, database: str) -> dict[str, dict[int, float]]:
    """CPU seconds so far of the gunicorn processes, the database's backends and this process."""
    return {
        "server": {p: cpu_seconds(p) for p in [server, *children(server)]},
        "database": {p: cpu_seconds(p) for p in postgres_backends(database)},
        "load generator": {os.getpid(): cpu_seconds(os.getpid())},
    }


def cpu_used(
    before: dict[str, dict[int, float]], after: dict[str, dict[int, float]]
) -> dict[str, float]:
    return {
        part: sum(t - before[part].get(p, 0.0) for p, t in after[part].items()) for part in after
    }


# --- the run --------------------------------------------------------------------------------


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def _admin_url(explicit: str | None) -> str:
    users = ("postgres", "root")
    candidates = (
        [explicit] if explicit else [f"postgresql://{u}@127.0.0.1:5432/test" for u in users]
    )
    for url in candidates:
        try:
            with psycopg.connect(url, connect_timeout=3):
                return url
        except psycopg.Error:
            continue
    raise SystemExit(f"no PostgreSQL at {', '.join(candidates)}")


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=300, help="how long to place calls")
    parser.add_argument("--calls", type=int, default=100, help="simulated callers at once")
    parser.add_argument("--speed", type=float, default=10, help="simulated time / real time")
    parser.add_argument(
        "--warmup", type=float, default=10, help="seconds at the start left out of the p99 goal"
    )
    parser.add_argument("--postgres", help="an admin URL of the local PostgreSQL server")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    if not 1 <= args.seconds <= MAX_SECONDS:
        parser.error(f"--seconds must be between 1 and {MAX_SECONDS}")
    if not 1 <= args.calls <= 1000:
        parser.error("--calls must be between 1 and 1000")
    if not 0.1 <= args.speed <= 100:
        parser.error("--speed must be between 0.1 and 100")
    if not 0 <= args.warmup < args.seconds:
        parser.error("--warmup must be at least 0 and shorter than --seconds")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    admin = _admin_url(args.postgres)
    _loopback(admin, "PostgreSQL")
    _loopback(args.redis, "Redis")

    run_id = secrets.token_hex(3)
    db = Database(admin, f"designer_soak_{run_id}")
    workdir = Path(tempfile.mkdtemp(prefix="designer-soak-"))
    port = _free_port()
    env = {**os.environ, "DESIGNER_DATABASE_URL": db.url, "DESIGNER_REDIS_URL": args.redis,
           "DESIGNER_AUTH": "off", "DESIGNER_WORKERS": str(args.workers),
           "DESIGNER_ACCESS_LOG": str(workdir / "access.log"),
           "DESIGNER_LOG_LEVEL": "warning"}  # fmt: skip
    print(f"soak {run_id}: {args.calls} callers for {args.seconds:g} s at {args.speed:g}x, "
          f"{args.workers} gunicorn workers, PostgreSQL + Redis; logs in {workdir}")  # fmt: skip
    db.create()
    server = None
    watchers: list[FlowWatcher] = []
    try:
        flows = prepare(db, env)
        server = start_server(env, port, workdir / "gunicorn.log")
        watchers = [FlowWatcher(port, fid) for fid in flows]
        time.sleep(0.5)  # subscribed
        summary = drive(args, port, run_id, watchers, db, server.pid)
        summary.server_log = (workdir / "gunicorn.log").read_text(errors="replace")
    finally:
        for watcher in watchers:
            watcher.close()
        if server is not None:
            code = stop_server(server)
            print(f"gunicorn stopped gracefully: exit status {code}")
        db.drop()
    summary.print()
    return 0 if summary.goals_met else 1


def drive(
    args: argparse.Namespace, port: int, run_id: str, watchers: list[FlowWatcher], db: Database,
    server: int,
) -> Summary:  # fmt: skip
    """Run the callers for ``args.seconds``, let them finish their calls, compare the traces."""
    stats = Stats()
    cpu_before = cpu_sample(server, db.name)
    load = [os.getloadavg()]
    started = time.monotonic()
    until = started + args.seconds
    url = f"http://127.0.0.1:{port}"
    threads = [
        threading.Thread(target=caller, name=f"caller-{i}", daemon=True,
                         args=(i, url, args.speed, until, stats, args.seed, run_id))
        for i in range(args.calls)
    ]  # fmt: skip
    for thread in threads:
        thread.start()
    while time.monotonic() < until:
        time.sleep(min(10.0, max(0.1, until - time.monotonic())))
        load.append(os.getloadavg())
        print(f"  {time.monotonic() - started:5.0f} s: {stats.calls_completed} calls, "
              f"{len(stats.latencies)} callbacks, load {load[-1][0]:.2f}", flush=True)  # fmt: skip
    drain_until = time.monotonic() + DRAIN_S
    for thread in threads:
        thread.join(timeout=max(0.0, drain_until - time.monotonic()))
    elapsed = time.monotonic() - started
    load.append(os.getloadavg())
    cpu = cpu_used(cpu_before, cpu_sample(server, db.name))

    stored = {(c, s) for c, s in db.query("SELECT callid, seq FROM call_events")}
    settle = time.monotonic() + SETTLE_S
    while time.monotonic() < settle and not stored <= {k for w in watchers for k in w.seen}:
        time.sleep(0.2)
    return Summary(
        args=args, stats=stats, elapsed=elapsed, load=load,
        still_running=sum(t.is_alive() for t in threads), stored=stored,
        seen=Counter(k for w in watchers for k in w.seen.elements()),
        out_of_order=sum(w.out_of_order for w in watchers),
        bus_notices=[s for w in watchers for s in w.statuses if "bus" in s or "dropped" in s],
        closed=[w.closed for w in watchers if w.closed],
        steady=[took for sent, took in stats.latencies if sent >= started + args.warmup],
        cpu=cpu,
    )  # fmt: skip


@dataclass
class Summary:
    args: argparse.Namespace
    stats: Stats
    elapsed: float
    load: list[tuple[float, float, float]]
    still_running: int
    stored: set[tuple[str, int]]
    seen: Counter[tuple[str, int]]
    out_of_order: int
    bus_notices: list[dict[str, Any]]
    closed: list[str | None]
    steady: list[float]  # latencies (s) after the warm-up
    cpu: dict[str, float]  # CPU seconds used during the run, by part
    server_log: str = ""

    @property
    def lost(self) -> set[tuple[str, int]]:
        return self.stored - set(self.seen)

    @property
    def errors(self) -> int:
        """Failed calls, callbacks not answered 200, safe answers, calls that never ended."""
        non_200 = sum(n for status, n in self.stats.statuses.items() if status != "200")
        return len(self.stats.failures) + non_200 + self.stats.apologies + self.still_running

    @property
    def steady_p99_ms(self) -> float:
        return _percentile(self.steady, 0.99) * 1000

    @property
    def goals_met(self) -> bool:
        return self.errors == 0 and not self.lost and self.steady_p99_ms < GOAL_P99_MS

    def print(self) -> None:
        s, a = self.stats, self.args
        every = [took * 1000 for _, took in s.latencies]
        steady = [x * 1000 for x in self.steady]
        five_xx = sum(n for status, n in s.statuses.items() if status.startswith("5"))
        duplicates = sum(n - 1 for n in self.seen.values() if n > 1)
        log = self.server_log
        print()
        print(f"duration            {self.elapsed:.0f} s ({a.calls} callers, speed {a.speed:g}x)")
        print(f"calls               {s.calls_started} started, {s.calls_completed} completed, "
              f"{len(s.failures)} failed, {self.still_running} still running")  # fmt: skip
        print(f"call results        {dict(s.outcomes.most_common())}")
        print(f"callbacks           {len(every)} ({len(every) / self.elapsed:.1f}/s): "
              f"{dict(s.by_event.most_common())}")  # fmt: skip
        if every:
            print(f"latency, all        p50 {statistics.median(every):.1f} ms, "
                  f"p99 {_percentile(every, 0.99):.1f} ms, max {max(every):.1f} ms")  # fmt: skip
        if steady:
            print(f"latency, after {a.warmup:g} s  p50 {statistics.median(steady):.1f} ms, "
                  f"p99 {_percentile(steady, 0.99):.1f} ms, max {max(steady):.1f} ms "
                  f"({len(steady)} callbacks)")  # fmt: skip
        print(f"HTTP statuses       {dict(s.statuses.most_common())} (5xx: {five_xx})")
        print(f"safe answers        {s.apologies} (the apology: an internal failure)")
        print(f"trace events        {len(self.stored)} stored, {len(set(self.seen))} seen live, "
              f"lost {len(self.lost)}, duplicates {duplicates}, "
              f"out of order {self.out_of_order}")  # fmt: skip
        if self.bus_notices:
            print(f"bus notices         {self.bus_notices[:6]}")
        if self.closed:
            print(f"websockets closed   {self.closed}")
        print(f"server log          {log.count('Traceback')} tracebacks, "
              f"{log.count('[ERROR]') + log.count(' ERROR ')} error lines")  # fmt: skip
        n = max(1, len(every))
        print("CPU per callback    " + ", ".join(
            f"{part} {sec / n * 1000:.2f} ms" for part, sec in self.cpu.items()
        ) + f" ({sum(self.cpu.values()) / self.elapsed:.2f} cores busy on average)")  # fmt: skip
        print(f"load average        start {self.load[0][0]:.2f}, "
              f"max {max(x[0] for x in self.load):.2f}, end {self.load[-1][0]:.2f} "
              f"(1 min; {os.cpu_count()} cores, shared)")  # fmt: skip
        for failure in s.failures[:10]:
            print(f"  failed: {failure}")
        for callid, seq in sorted(self.lost)[:10]:
            print(f"  lost: {callid} #{seq}")
        print()
        print(f"goals: errors {self.errors} (0), lost {len(self.lost)} (0), "
              f"p99 after warm-up {self.steady_p99_ms:.1f} ms (< {GOAL_P99_MS:g}) -> "
              f"{'met' if self.goals_met else 'NOT met'}")  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
