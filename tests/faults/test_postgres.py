"""PostgreSQL stopped or hung in the middle of calls: every callback is still answered in time.

A real gunicorn (two gthread workers) talks to PostgreSQL through a
``FaultProxy``; simulated calls go over HTTP exactly as Sinch's do.  What a
caller may hear while the database is gone is the apology and a hangup,
within the callback budget (3 s; Sinch waits 5 s) and never a 5xx.

After the database is back, a call that was cut off by the outage is
**as it was last recorded**: the callbacks that failed left no trace (no
answer stored, no event, the call not moved), so the call can continue
where it was -- a re-delivered callback is answered as if the outage had
not happened -- and its DiCE, when delivered again, ends it.
"""

from __future__ import annotations

import threading
import time

import httpx
import pytest

from designer.simulator import Phase, Press, Script, run
from tests.faults.calls import SINCH_WAIT_S, Call, assert_answered_in_time
from tests.faults.conftest import redis_url, wait_healthy

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]

BUDGET_S = 3.0  # DESIGNER_CALLBACK_BUDGET_MS, the default
SLACK_S = 1.0  # answering after the budget ran out, on a loaded machine


def _at_main_menu(call: Call) -> None:
    call.sim.start()
    assert call.sim.phase is Phase.WAITING and call.sim.menu_id == "main"
    assert call.exchanges[-1].action == "runMenu"


def _whole_call_works(call: Call) -> Call:
    """A new call through sales: menu, connect, callee answers, conversation, hang-up."""
    transcript = run(call.sim, Script([Press("1")]))
    assert call.sim.phase is Phase.ENDED
    assert [e.event for e in call.exchanges] == ["ice", "pie", "ace", "dice"], transcript
    assert_answered_in_time(call.exchanges)
    assert not any(e.apology for e in call.exchanges)
    assert call.exchanges[1].action == "connectPstn"
    return call


def _health(base_url: str) -> tuple[int, dict, float]:
    started = time.perf_counter()
    response = httpx.get(f"{base_url}/healthz", timeout=10)
    return response.status_code, response.json(), time.perf_counter() - started


def test_postgres_cut_mid_call(database, repo, pg_proxy, redis_address, start_server, calls):
    server = start_server(database.through(pg_proxy), redis_url(redis_address))
    call = calls(server.url, "pg-cut")
    _at_main_menu(call)
    recorded, events = repo.get_call(call.callid), repo.list_events(call.callid)

    pg_proxy.cut()
    call.sim.press("1")  # the PIE fails to reach the database: apology, hangup, DiCE
    outage = call.exchanges[1:]
    assert [e.event for e in outage] == ["pie", "dice"]
    assert_answered_in_time(outage, limit=BUDGET_S + SLACK_S)
    assert outage[0].apology and outage[1].action == "hangup"
    assert call.sim.phase is Phase.ENDED
    status, health, _ = _health(server.url)
    assert status == 503 and health["database"]["status"] == "down", health

    pg_proxy.restore()
    wait_healthy(server)
    # consistent: exactly as last recorded, nothing of the failed callbacks written
    assert repo.get_call(call.callid) == recorded
    assert repo.list_events(call.callid) == events
    # ...so the call can continue: a re-delivered PIE is answered as if nothing happened
    assert call.transport.post(outage[0].payload).action == "connectPstn"
    call.transport.post(outage[1].payload)  # and the DiCE, delivered again, ends it
    ended = repo.get_call(call.callid)
    assert ended.state == "ended" and ended.reason == outage[1].payload["reason"]
    seqs = [e.seq for e in repo.list_events(call.callid)]
    assert seqs == list(range(1, len(seqs) + 1))

    after = _whole_call_works(calls(server.url, "after"))
    assert repo.get_call(after.callid).state == "ended"
    assert "Traceback" not in server.log()


def _answered_then_talk(call: Call) -> None:
    call.sim.callee("answer")  # the ACE: the call is connected whatever the database says
    call.sim.talk(20)
    call.sim.hangup()


def test_postgres_hung_mid_call(database, repo, pg_proxy, redis_address, start_server, calls):
    """Calls at the menu and calls ringing when the database stops answering: all in time."""
    server = start_server(database.through(pg_proxy), redis_url(redis_address))
    at_menu = [calls(server.url, f"pg-hung-menu{i}") for i in range(4)]
    ringing = [calls(server.url, f"pg-hung-ring{i}") for i in range(4)]
    for call in at_menu + ringing:
        _at_main_menu(call)
    for call in ringing:
        call.sim.press("1")
        assert call.sim.phase is Phase.DIALING
    recorded = {c.callid: repo.get_call(c.callid) for c in at_menu + ringing}
    before = {c.callid: len(c.exchanges) for c in at_menu + ringing}

    pg_proxy.pause()
    threads = [threading.Thread(target=c.sim.press, args=("1",)) for c in at_menu]
    threads += [threading.Thread(target=_answered_then_talk, args=(c,)) for c in ringing]
    for thread in threads:
        thread.start()
    status, health, took = _health(server.url)  # meanwhile, the load balancer asks
    for thread in threads:
        thread.join(timeout=30)
    assert status == 503 and health["database"]["status"] == "down", health
    assert took < 1.5 + SLACK_S  # DESIGNER_HEALTH_TIMEOUT_MS

    outage = {c.callid: c.exchanges[before[c.callid] :] for c in at_menu + ringing}
    every = [e for exchanges in outage.values() for e in exchanges]
    worst = assert_answered_in_time(every, limit=SINCH_WAIT_S)
    assert worst < BUDGET_S + SLACK_S, worst
    print(f"worst callback latency with PostgreSQL hung: {worst * 1000:.0f} ms")
    for call in at_menu:  # the apology, then the platform hangs up
        assert [e.event for e in outage[call.callid]] == ["pie", "dice"]
        assert outage[call.callid][0].apology
    for call in ringing:  # the caller stays connected to the callee
        assert [e.event for e in outage[call.callid]] == ["ace", "dice"]
        assert outage[call.callid][0].action == "continue"
    assert all(c.sim.phase is Phase.ENDED for c in at_menu + ringing)

    pg_proxy.restore()
    wait_healthy(server)
    for call in at_menu + ringing:
        assert repo.get_call(call.callid) == recorded[call.callid]
    _whole_call_works(calls(server.url, "after"))
