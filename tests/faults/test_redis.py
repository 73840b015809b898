"""Redis gone in the middle of a call: the call goes on, and no live watcher misses an event.

Trace events are always stored in the database; Redis only carries them
live between workers.  "Lost" means: stored, but never seen by a websocket
watching the call or its flow.  While the bus is down the watchers are told
(a ``status`` frame), read the stored events instead, and catch up when it
is back; the events buffered by the publishers then arrive a second time
and are skipped.  So each watcher ends with every stored event of the call
exactly once, in ``seq`` order.

The outage is a ``FaultProxy`` cut or pause (a hung Redis closes nothing:
the subscriptions notice it by a ping that goes unanswered), except in
``test_redis_server_restart``,
which really stops the machine's Redis server and starts it again: other
suites share that server, so it runs only in CI (``CI=true``), where the
suites run one after the other.
"""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Callable

import httpx
import pytest

from designer.simulator import Phase, Press, Script, run
from tests.conftest import IN_CI
from tests.faults.calls import assert_answered_in_time
from tests.faults.conftest import redis_url, wait_healthy
from tests.faults.watch import Watcher

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]


def redis_server(port: int) -> list[str]:
    """How the machine's Redis is started (as the project's machines start their services)."""
    return ["redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "-::1",
            "--port", str(port), "--save", "", "--appendonly", "no", "--dir", "/var/lib/redis",
            "--logfile", "/var/log/redis/ci.log"]  # fmt: skip


def call_through_outage(
    server, repo, flow_id: str, calls, go_down: Callable[[], None], come_back: Callable[[], None]
) -> None:
    flow_watcher = Watcher(server.ws_url, f"flow={flow_id}")
    call = calls(server.url, "redis-outage")
    try:
        call.sim.start()
        call_watcher = Watcher(server.ws_url, f"call={call.callid}")
        try:
            assert call_watcher.wait_for(lambda: len(call_watcher.events(call.callid)) > 0)
            go_down()
            # support, internet and TV: two menus, a connect, the conversation, hang-up
            run(call.sim, Script([Press("2"), Press("1")]))
            assert call.sim.phase is Phase.ENDED
            assert [e.event for e in call.exchanges] == ["ice", "pie", "pie", "ace", "dice"]
            assert_answered_in_time(call.exchanges)
            assert not any(e.apology for e in call.exchanges)
            record = repo.get_call(call.callid)
            assert record.state == "ended" and record.result == "connected"

            for watcher in (call_watcher, flow_watcher):
                assert watcher.wait_for(lambda w=watcher: {"bus": "down"} in w.statuses())
            health = httpx.get(f"{server.url}/healthz", timeout=10)
            assert health.status_code == 200 and health.json()["status"] == "degraded"

            come_back()
            stored = [e.to_dict() for e in repo.list_events(call.callid)]
            for watcher in (call_watcher, flow_watcher):
                watcher.wait_for(lambda w=watcher: len(w.events(call.callid)) >= len(stored))
                assert watcher.wait_for(lambda w=watcher: {"bus": "up"} in w.statuses())
                # let the publishers' buffered copies arrive too: they must be skipped
                assert not watcher.wait_for(
                    lambda w=watcher: len(w.events(call.callid)) > len(stored), timeout=3
                )
                assert watcher.events(call.callid) == stored
            wait_healthy(server)
        finally:
            call_watcher.close()
    finally:
        flow_watcher.close()


@pytest.mark.parametrize("fault", ["cut", "pause"], ids=["cut", "hung"])
def test_redis_gone_mid_call(fault, database, repo, redis_proxy, start_server, calls):
    """Cut: connections closed and refused.  Hung: nothing answers, nothing is closed."""
    server = start_server(database.url, redis_url(redis_proxy))
    go_down = getattr(redis_proxy, fault)
    call_through_outage(server, repo, database.flow_id, calls, go_down, redis_proxy.restore)


def _command(address: tuple[str, int], command: bytes) -> bytes:
    """One inline command on a fresh connection, without a client's retries."""
    with socket.create_connection(address, timeout=2) as conn:
        conn.sendall(command + b"\r\n")
        return conn.recv(64)


def _answers(address: tuple[str, int]) -> bool:
    try:
        return _command(address, b"PING").startswith(b"+PONG")
    except OSError:
        return False


@pytest.mark.skipif(
    not IN_CI,
    reason="stops the machine's shared Redis server, which other suites are using: CI only",
)
def test_redis_server_restart(database, repo, redis_address, start_server, calls):
    server = start_server(database.url, redis_url(redis_address))

    def stop() -> None:
        _command(redis_address, b"SHUTDOWN NOSAVE")  # answers by closing the connection
        deadline = time.monotonic() + 10
        while _answers(redis_address) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _answers(redis_address), "Redis did not stop"

    def start() -> None:
        if not _answers(redis_address):
            subprocess.run(redis_server(redis_address[1]), check=True, timeout=30)
        deadline = time.monotonic() + 30
        while not _answers(redis_address):
            assert time.monotonic() < deadline, "Redis did not come back"
            time.sleep(0.1)

    try:
        call_through_outage(server, repo, database.flow_id, calls, stop, start)
    finally:
        start()  # whatever happened, the machine's Redis is running again
