"""The trace bus: live trace events from the callbacks to whoever watches.

Callbacks publish each stored ``CallEvent``; a websocket (or a notebook)
subscribes to one call or to every call of one flow.  Each subscription owns
a bounded queue that only its own consumer thread reads, so a request thread
publishing an event never touches a socket and never blocks on a slow
watcher: when a queue is full its oldest item is dropped and a ``status``
item says so (the watcher can fill the gap from the stored events, which
are the source of truth; the bus only carries them live).

Items delivered by ``Subscription.get`` are JSON-ready dicts: a trace event
as ``CallEvent.to_dict()`` (``callid``, ``seq``, ``ts``, ``kind``, ``node``,
``data``, ``flow``), or ``{"kind": "status", "data": {...}}`` about the bus
itself (``{"bus": "down"}``/``{"bus": "up"}`` for Redis, ``{"dropped": n}``).

``InProcessBus`` serves one process (the embedded default);
``designer.tracebus_redis.RedisBus`` lets several workers share events.
``open_bus(redis_url)`` picks one.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from typing import Any, Protocol

from designer.repository import CallEvent

DEFAULT_QUEUE_SIZE = 1000


def status_item(**data: Any) -> dict[str, Any]:
    """A bus status notice for subscribers (not a trace event: no callid, no seq)."""
    return {"callid": None, "seq": None, "ts": None, "kind": "status", "node": None,
            "data": data, "flow": None}  # fmt: skip


def event_item(event: CallEvent | dict[str, Any]) -> dict[str, Any]:
    return event.to_dict() if isinstance(event, CallEvent) else dict(event)


class Subscription:
    """One watcher's queue of bus items; iterate it or call ``get(timeout)``."""

    def __init__(
        self, call: str | None, flow: str | None, maxsize: int = DEFAULT_QUEUE_SIZE
    ) -> None:
        if (call is None) == (flow is None):
            raise ValueError("subscribe to exactly one of call=... or flow=...")
        self.call = call
        self.flow = flow
        self._queue: queue.Queue[dict[str, Any] | None] = queue.Queue()  # bounded by deliver
        self._limit = maxsize
        self._closed = threading.Event()
        self._on_close: list[Any] = []
        self._dropped = 0
        self._put_lock = threading.Lock()

    @property
    def channel(self) -> tuple[str, str]:
        return ("call", self.call) if self.call is not None else ("flow", self.flow)  # type: ignore[return-value]

    @property
    def closed(self) -> bool:
        return self._closed.is_set()

    def matches(self, item: dict[str, Any]) -> bool:
        if self.call is not None:
            return item.get("callid") == self.call
        return item.get("flow") == self.flow

    def deliver(self, item: dict[str, Any]) -> None:
        """Enqueue without blocking; on overflow drop the oldest items and say how many."""
        if self.closed:
            return
        with self._put_lock:
            while self._queue.qsize() >= self._limit:
                try:
                    self._queue.get_nowait()
                except queue.Empty:
                    break
                self._dropped += 1
            if self._dropped and item.get("kind") != "status":
                self._queue.put_nowait(status_item(dropped=self._dropped))
                self._dropped = 0
            self._queue.put_nowait(item)

    def get(self, timeout: float | None = None) -> dict[str, Any] | None:
        """The next item, or None after ``timeout`` seconds or once closed."""
        if self.closed and self._queue.empty():
            return None
        try:
            item = self._queue.get(timeout=timeout)
        except queue.Empty:
            return None
        return item

    def __iter__(self) -> Iterator[dict[str, Any]]:
        while not self.closed:
            item = self.get(timeout=0.5)
            if item is not None:
                yield item

    def on_close(self, callback: Any) -> None:
        self._on_close.append(callback)

    def close(self) -> None:
        if self._closed.is_set():
            return
        self._closed.set()
        self._queue.put_nowait(None)  # wake a blocked get()
        for callback in self._on_close:
            callback(self)

    def __enter__(self) -> Subscription:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class TraceBus(Protocol):
    def publish(self, event: CallEvent) -> None:
        """Deliver ``event`` to the subscribers of its call and of its flow; never raises."""
        ...

    def subscribe(self, call: str | None = None, flow: str | None = None) -> Subscription: ...

    def close(self) -> None: ...


class InProcessBus:
    """Subscribers in this process only; thread-safe.

    The subscriber table maps a channel to its subscriptions; ``publish``
    takes a snapshot under the lock and enqueues (never blocks, never writes
    to a socket).
    """

    def __init__(self, queue_size: int = DEFAULT_QUEUE_SIZE) -> None:
        self._lock = threading.Lock()
        self._subs: dict[tuple[str, str], set[Subscription]] = {}
        self._queue_size = queue_size

    def publish(self, event: CallEvent) -> None:
        # Most events of a busy line have no watcher: look up the subscribers
        # first and only build the JSON-able item for someone who listens.
        if isinstance(event, CallEvent):
            callid, flow = event.callid, event.flow_id
        else:
            callid, flow = event.get("callid"), event.get("flow")
        with self._lock:
            targets = list(self._subs.get(("call", callid), ()))
            if flow is not None:
                targets += self._subs.get(("flow", flow), ())
        if not targets:
            return
        item = event_item(event)
        for sub in targets:
            sub.deliver(item)

    def subscribe(self, call: str | None = None, flow: str | None = None) -> Subscription:
        sub = Subscription(call, flow, self._queue_size)
        with self._lock:
            self._subs.setdefault(sub.channel, set()).add(sub)
        sub.on_close(self._forget)
        return sub

    def _forget(self, sub: Subscription) -> None:
        with self._lock:
            subs = self._subs.get(sub.channel)
            if subs is not None:
                subs.discard(sub)
                if not subs:
                    del self._subs[sub.channel]

    def subscriber_count(self) -> int:
        with self._lock:
            return sum(len(s) for s in self._subs.values())

    def close(self) -> None:
        with self._lock:
            subs = [s for group in self._subs.values() for s in group]
        for sub in subs:
            sub.close()


def open_bus(redis_url: str | None) -> TraceBus:
    """``RedisBus`` for a ``redis://`` URL, else the in-process bus."""
    if redis_url:
        from designer.tracebus_redis import RedisBus

        return RedisBus(redis_url)
    return InProcessBus()
