"""The trace bus: in-process and Redis, including Redis going away and coming back."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

import pytest

from designer.repository import CallEvent
from designer.tracebus import InProcessBus, Subscription
from tests.faults.proxy import FaultProxy as Proxy
from tests.runtime.conftest import free_port

TS = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


def event(callid="c1", seq=1, flow="f1", kind="node"):
    return CallEvent(callid=callid, seq=seq, ts=TS, kind=kind, node="n", data={"i": seq},
                     flow_id=flow)  # fmt: skip


def drain(sub: Subscription, want: int, timeout: float = 5.0) -> list[dict]:
    got: list[dict] = []
    deadline = time.monotonic() + timeout
    while len(got) < want and time.monotonic() < deadline:
        item = sub.get(timeout=0.1)
        if item is not None:
            got.append(item)
    return got


def test_in_process_bus_routes_by_call_and_flow():
    bus = InProcessBus()
    c1, c2, f1 = bus.subscribe(call="c1"), bus.subscribe(call="c2"), bus.subscribe(flow="f1")
    bus.publish(event("c1", 1))
    bus.publish(event("c2", 1, flow="f2"))
    bus.publish(event("c1", 2))
    assert [i["seq"] for i in drain(c1, 2)] == [1, 2]
    assert [(i["callid"], i["seq"]) for i in drain(f1, 2)] == [("c1", 1), ("c1", 2)]
    assert [i["callid"] for i in drain(c2, 1)] == ["c2"]
    assert c1.get(timeout=0.01) is None
    c1.close()
    assert bus.subscriber_count() == 2
    bus.publish(event("c1", 3))
    assert c1.get(timeout=0.01) is None


def test_subscribing_needs_exactly_one_channel():
    bus = InProcessBus()
    with pytest.raises(ValueError):
        bus.subscribe()
    with pytest.raises(ValueError):
        bus.subscribe(call="a", flow="b")


def test_a_slow_subscriber_loses_the_oldest_and_is_told():
    bus = InProcessBus(queue_size=5)
    sub = bus.subscribe(call="c1")
    for seq in range(1, 21):
        bus.publish(event(seq=seq))  # never blocks
    items = drain(sub, 5, timeout=0.5)
    assert any(i["kind"] == "status" and i["data"]["dropped"] > 0 for i in items)
    assert items[-1]["seq"] in (20, None)


def test_publishing_from_many_threads_keeps_per_thread_order():
    bus = InProcessBus(queue_size=10_000)
    sub = bus.subscribe(flow="f1")

    def publisher(callid):
        for seq in range(1, 201):
            bus.publish(event(callid, seq))

    threads = [threading.Thread(target=publisher, args=(f"c{i}",)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    items = drain(sub, 1600)
    assert len(items) == 1600
    for i in range(8):
        assert [x["seq"] for x in items if x["callid"] == f"c{i}"] == list(range(1, 201))


def test_close_wakes_a_blocked_reader():
    sub = InProcessBus().subscribe(call="c1")
    threading.Timer(0.1, sub.close).start()
    started = time.monotonic()
    assert sub.get(timeout=5) is None
    assert time.monotonic() - started < 2


# --- Redis --------------------------------------------------------------------------


@pytest.mark.redis
def test_redis_bus_between_two_buses(redis_url):
    from designer.tracebus_redis import RedisBus

    prefix = f"test:{time.monotonic_ns()}"
    a, b = RedisBus(redis_url, prefix=prefix), RedisBus(redis_url, prefix=prefix)
    try:
        by_call, by_flow = b.subscribe(call="c1"), b.subscribe(flow="f1")
        for seq in (1, 2, 3):
            a.publish(event(seq=seq))
        a.publish(event("c9", 1, flow="f9"))
        assert [i["seq"] for i in drain(by_call, 3)] == [1, 2, 3]
        assert [i["seq"] for i in drain(by_flow, 3)] == [1, 2, 3]
        assert by_call.get(timeout=0.2) is None
        assert drain(by_call, 1)[:1] == []
        assert a.healthy
    finally:
        a.close()
        b.close()


@pytest.mark.redis
def test_redis_down_publish_buffers_and_flushes_in_order(redis_url):
    from designer.tracebus_redis import RedisBus

    host, port = "127.0.0.1", int(redis_url.rsplit(":", 1)[1].split("/")[0])
    proxy = Proxy((host, port)).start()
    prefix = f"test:{time.monotonic_ns()}"
    watcher_bus = RedisBus(redis_url, prefix=prefix)  # watches Redis directly
    # the publisher reaches Redis through the proxy
    publisher = RedisBus(f"redis://127.0.0.1:{proxy.port}/0", prefix=prefix)
    try:
        sub = watcher_bus.subscribe(call="c1")
        publisher.publish(event(seq=1))
        assert [i["seq"] for i in drain(sub, 1)] == [1]

        proxy.cut()
        started = time.monotonic()
        for seq in range(2, 7):
            publisher.publish(event(seq=seq))  # must not raise, must not hang
        assert time.monotonic() - started < 3
        assert not publisher.healthy and publisher.buffered >= 4

        proxy.restore()  # Redis is back: the buffer is flushed in order
        items = drain(sub, 5, timeout=10)
        assert [i["seq"] for i in items] == [2, 3, 4, 5, 6]
        deadline = time.monotonic() + 5
        while not publisher.healthy and time.monotonic() < deadline:
            time.sleep(0.05)
        assert publisher.healthy
    finally:
        publisher.close()
        watcher_bus.close()
        proxy.close()


@pytest.mark.redis
def test_subscribers_are_told_when_redis_goes_and_comes_back(redis_url):
    from designer.tracebus_redis import RedisBus

    port = int(redis_url.rsplit(":", 1)[1].split("/")[0])
    proxy = Proxy(("127.0.0.1", port)).start()
    prefix = f"test:{time.monotonic_ns()}"
    bus = RedisBus(f"redis://127.0.0.1:{proxy.port}/0", prefix=prefix)
    direct = RedisBus(redis_url, prefix=prefix)
    try:
        sub = bus.subscribe(call="c1")
        proxy.cut()
        down = drain(sub, 1)
        assert down and down[0]["kind"] == "status" and down[0]["data"] == {"bus": "down"}
        proxy.restore()
        up = drain(sub, 1, timeout=10)
        assert up and up[0]["data"] == {"bus": "up"}
        direct.publish(event(seq=7))
        assert [i["seq"] for i in drain(sub, 1)] == [7]
    finally:
        bus.close()
        direct.close()
        proxy.close()


def test_unreachable_redis_publish_is_quick():
    from designer.tracebus_redis import RedisBus

    bus = RedisBus(f"redis://127.0.0.1:{free_port()}/0", ready_timeout=0.5)
    try:
        started = time.monotonic()
        for seq in range(1, 51):
            bus.publish(event(seq=seq))
        assert time.monotonic() - started < 2
        assert bus.buffered == 50
        sub = bus.subscribe(call="c1")
        assert drain(sub, 1)[0]["data"] == {"bus": "down"}
    finally:
        bus.close()
