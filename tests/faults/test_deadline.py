"""The time budget of a request's database work (designer.storage.deadline), piece by piece."""

from __future__ import annotations

import time

import psycopg
import pytest
from sqlalchemy.engine import make_url

from designer.storage.deadline import (
    BoundedConnection,
    Breaker,
    OutOfTime,
    breaker_for,
    time_budget,
    time_left,
)
from tests.faults.proxy import FaultProxy


def test_budgets_nest_without_extending_the_outer_one():
    assert time_left() is None
    with time_budget(1.0):
        outer = time_left()
        assert outer is not None and 0.9 < outer <= 1.0
        with time_budget(60):
            inner = time_left()
            assert inner is not None and inner <= outer
        with time_budget(0.2):
            inner = time_left()
            assert inner is not None and inner <= 0.2
    assert time_left() is None


def test_breaker_fails_fast_then_lets_one_probe_through():
    breaker = Breaker(open_s=0.2)
    assert breaker.allow() and breaker.closed
    breaker.failed()
    assert not breaker.closed
    assert not breaker.allow() and not breaker.allow()  # failing fast
    time.sleep(0.25)
    assert breaker.allow()  # the probe...
    assert not breaker.allow()  # ...and only one
    breaker.succeeded()
    assert breaker.closed and breaker.allow()


def _connect(proxy: FaultProxy, database) -> dict:
    url = make_url(database.url)
    return {"host": "127.0.0.1", "port": proxy.port, "dbname": url.database,
            "user": url.username, "connect_timeout": 3, "autocommit": True}  # fmt: skip


@pytest.mark.postgres
def test_a_hung_server_costs_no_more_than_the_budget(database, pg_proxy):
    params = _connect(pg_proxy, database)
    conn = BoundedConnection.connect(**params)
    assert conn.execute("SELECT 1").fetchone() == (1,)  # no budget: as usual
    pg_proxy.pause()
    started = time.monotonic()
    with time_budget(0.5), pytest.raises(OutOfTime, match="time budget"):
        conn.execute("SELECT 1")
    assert time.monotonic() - started < 0.8
    assert conn.closed  # it was mid-protocol: never reused
    # the server is presumed hung now: other budgeted work does not wait for it
    breaker = breaker_for(params)
    assert not breaker.closed
    started = time.monotonic()
    with time_budget(5), pytest.raises(OutOfTime, match="a moment ago"):
        BoundedConnection.connect(**params)
    assert time.monotonic() - started < 0.1
    pg_proxy.restore()
    breaker.succeeded()
    with BoundedConnection.connect(**params) as again:
        assert again.execute("SELECT 1").fetchone() == (1,)


@pytest.mark.postgres
def test_no_connection_is_attempted_without_time_for_it(database, pg_proxy):
    params = _connect(pg_proxy, database)
    before = pg_proxy.accepted
    with time_budget(1.5), pytest.raises(OutOfTime, match="not enough to open"):
        BoundedConnection.connect(**params)
    assert pg_proxy.accepted == before
    with time_budget(2.5), BoundedConnection.connect(**params) as conn:  # 2 s are enough
        assert conn.execute("SELECT 1").fetchone() == (1,)


@pytest.mark.postgres
def test_a_refusing_server_fails_fast_and_does_not_open_the_breaker(database, pg_proxy):
    params = _connect(pg_proxy, database)
    pg_proxy.cut()
    started = time.monotonic()
    with time_budget(3), pytest.raises(psycopg.OperationalError):
        BoundedConnection.connect(**params)
    assert time.monotonic() - started < 1
    assert breaker_for(params).closed
