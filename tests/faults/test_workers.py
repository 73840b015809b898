"""gunicorn workers dying and stopping in the middle of calls.

- A worker killed outright (SIGKILL: out of memory, a crash): the call's
  state is in the database, so its next callbacks, served by the other
  worker or the one gunicorn starts in its place, carry on exactly where
  the call was.
- A graceful stop (SIGTERM: a deploy): a callback already in flight -- here
  a slow one, its database answering late -- still gets its real answer;
  a live-trace websocket is closed with 1001 at once instead of holding
  the worker until ``graceful_timeout``; the server exits cleanly.
"""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest

from designer.simulator import Phase
from tests.faults.calls import assert_answered_in_time
from tests.faults.conftest import redis_url
from tests.faults.watch import Watcher

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]


def test_worker_killed_mid_call(database, repo, redis_address, start_server, calls):
    server = start_server(database.url, redis_url(redis_address))
    call = calls(server.url, "sigkill")
    call.sim.start()
    assert call.sim.phase is Phase.WAITING
    victim = server.worker_holding_connection()  # the worker that answered the ICE
    assert victim is not None, server.workers()
    os.kill(victim, signal.SIGKILL)
    server.wait_gone(victim)  # its sockets are closed: the platform's next request reconnects

    call.sim.press("2")  # support menu, on another worker (or the new one)
    assert call.sim.phase is Phase.WAITING, call.exchanges[-1]
    call.sim.press("2")  # mobile: connect
    assert call.sim.phase is Phase.DIALING
    call.sim.callee("answer")
    call.sim.talk(20)
    call.sim.hangup()
    assert [e.event for e in call.exchanges] == ["ice", "pie", "pie", "ace", "dice"]
    assert_answered_in_time(call.exchanges)
    assert call.exchanges[2].body["action"]["number"] == "+46700000003"  # support_mobile
    record = repo.get_call(call.callid)
    assert record.state == "ended" and record.result == "connected"
    visited = [e.node for e in repo.list_events(call.callid) if e.kind == "node"]
    assert visited[-2:] == ["support", "support_mobile"], visited
    server.wait_workers(2, without=victim)  # gunicorn replaced it


def test_sigterm_lets_the_callback_in_flight_finish(
    database, repo, pg_proxy, redis_address, start_server, calls
):
    server = start_server(database.through(pg_proxy), redis_url(redis_address))
    call = calls(server.url, "sigterm")
    call.sim.start()
    watcher = Watcher(server.ws_url, f"flow={database.flow_id}")
    try:
        time.sleep(0.3)  # subscribed
        pg_proxy.pause()  # the next callback waits for the database...
        pie = threading.Thread(target=call.sim.press, args=("1",))
        pie.start()
        time.sleep(0.5)
        terminated = time.monotonic()
        server.terminate()  # ...while the server is told to stop
        time.sleep(0.5)
        pg_proxy.restore()  # the database answers, late but within the budget
        pie.join(timeout=10)
        stopped = time.monotonic()

        answer = call.exchanges[1]
        assert answer.event == "pie" and answer.status == 200, answer
        assert answer.action == "connectPstn" and not answer.apology, answer.body
        # it really was in flight when the server was told to stop
        assert answer.sent_at < terminated < answer.sent_at + answer.seconds, answer
        assert call.sim.phase is Phase.DIALING
        # the websocket was closed for the restart instead of holding the worker
        assert watcher.wait_closed(timeout=5) == 1001
        assert server.wait(timeout=15) == 0  # graceful_timeout is 20 s: no worker was killed
        assert time.monotonic() - stopped < 10
        log = server.log()
        assert "Handling signal: term" in log and "Traceback" not in log, log[-3000:]
        assert repo.get_call(call.callid).current_node == "sales"
    finally:
        watcher.close()
