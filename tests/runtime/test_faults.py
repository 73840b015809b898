"""Backing services failing: the caller always gets SVAML, never a 5xx."""

from __future__ import annotations

import time

import pytest

from designer.storage import open_repository
from designer.svaml import check_svaml
from designer.web import create_app
from tests.faults.proxy import FaultProxy as Proxy
from tests.runtime.conftest import Caller, free_port, publish
from tests.runtime.flows import always_open

APOLOGY_HANGUP = "hangup"


def _whole_call_is_answered_safely(client):
    call = Caller(client, "fault-1")
    for answer, event in (
        (call.ice(), "ice"),
        (call.pie("return", "1"), "pie"),
        (call.ace(), "ace"),
        (call.dice(), "dice"),
    ):
        assert check_svaml(answer, event) == [], answer
        expected = "continue" if event == "ace" else "hangup"
        assert answer["action"]["name"] == expected
    assert call.ice()["instructions"][0]["name"] == "say"  # the apology


@pytest.mark.parametrize(
    "url",
    [
        "sqlite:////nonexistent-dir/designer.db",
        f"postgresql+psycopg://root@127.0.0.1:{free_port()}/test",
        "postgresql+psycopg://nobody@256.0.0.1:5432/test",
    ],
    ids=["broken-sqlite-path", "postgres-unreachable", "postgres-bad-host"],
)
def test_storage_down_gets_safe_svaml(url, clock):
    repo = open_repository(url, check=False)
    app = create_app({"REPOSITORY": repo, "CLOCK": clock, "TESTING": True})
    started = time.monotonic()
    _whole_call_is_answered_safely(app.test_client())
    assert time.monotonic() - started < 10  # well inside Sinch's 5 s per callback


def test_storage_down_with_malformed_json_is_still_400(clock):
    repo = open_repository("sqlite:////nonexistent-dir/designer.db", check=False)
    client = create_app({"REPOSITORY": repo, "CLOCK": clock, "TESTING": True}).test_client()
    assert (
        client.post("/voice/callback", data=b"{", content_type="application/json").status_code
        == 400
    )


def test_redis_unreachable_callbacks_still_answered_and_stored(repo, clock):
    publish(repo, always_open())
    app = create_app({"REPOSITORY": repo, "CLOCK": clock, "TESTING": True,
                      "REDIS_URL": f"redis://127.0.0.1:{free_port()}/0"})  # fmt: skip
    call = Caller(app.test_client(), "redis-down-1")
    started = time.monotonic()
    assert call.ice()["action"]["name"] == "runMenu"
    assert call.pie("return", "1")["action"]["name"] == "connectPstn"
    call.ace()
    call.dice()
    assert time.monotonic() - started < 5
    record = repo.get_call("redis-down-1")
    assert record.state == "ended" and record.result == "connected"
    from designer.web.callbacks import runtime

    bus = runtime(app).bus
    assert bus.flush(timeout=5)  # events go out from a thread of their own
    assert bus.buffered == len(repo.list_events("redis-down-1"))  # kept for when Redis is back
    bus.close()


@pytest.mark.postgres
def test_postgres_going_away_mid_call(pg_url, clock):
    from sqlalchemy.engine import make_url

    real = make_url(pg_url)
    proxy = Proxy((real.host or "127.0.0.1", real.port or 5432)).start()
    url = real.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    repo = open_repository(url, check=False)
    publish(repo, always_open())
    client = create_app({"REPOSITORY": repo, "CLOCK": clock, "TESTING": True}).test_client()
    call = Caller(client, f"pg-away-{time.monotonic_ns()}")
    try:
        assert call.ice()["action"]["name"] == "runMenu"
        proxy.cut()
        answer = call.pie("return", "1")
        assert answer["action"] == {"name": "hangup"} and answer["instructions"]
        proxy.restore()
        time.sleep(0.2)
        # the failed PIE did not move the call: the retry of the platform now succeeds
        call.second -= 1
        assert call.pie("return", "1")["action"]["name"] == "connectPstn"
    finally:
        proxy.close()
        repo.close()
