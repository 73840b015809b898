"""``RedisBus``: the trace bus shared by several workers through Redis pub/sub.

Each trace event is published on two channels, ``<prefix>:call:<callid>`` and
``<prefix>:flow:<flowid>``, in one round trip.  A subscription runs its own
listener thread that reads its channel and feeds the subscription's queue,
so the websocket thread only ever reads its own queue.

Redis being down must never fail a callback: ``publish`` then keeps the
event in a bounded buffer and returns at once; a background thread retries
with back-off and flushes the buffer, in order, when Redis is back (events
published meanwhile queue behind the buffer so order is kept).  Subscribers
learn about the outage through ``{"kind": "status", "data": {"bus": "down"}}``
and ``{"bus": "up"}`` items, and can read the stored events meanwhile.

A Redis that hangs instead of closing its connections (stopped process,
network partition behind a proxy) raises nothing on a quiet subscription:
the listener therefore pings Redis after ``HEARTBEAT_S`` of silence and
counts the subscription as lost when neither that ping nor a ``SUBSCRIBE``
is answered within ``ANSWER_S``; it then reports ``down`` and reconnects.
Publishing is bounded by the client's socket timeout (``SOCKET_TIMEOUT_S``)
and happens off the callback's thread (``designer.web.callbacks``).
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
import time
from collections import deque
from typing import Any

import redis

from designer.repository import CallEvent
from designer.tracebus import DEFAULT_QUEUE_SIZE, Subscription, event_item, status_item

log = logging.getLogger(__name__)

DEFAULT_PREFIX = "designer:trace"
BUFFER_LIMIT = 10_000
_RETRY_MIN = 0.1
_RETRY_MAX = 2.0
SOCKET_TIMEOUT_S = 2.0  # any one Redis command
HEARTBEAT_S = 2.0  # a quiet subscription pings Redis this often...
ANSWER_S = 2.0  # ...and is lost when the ping (or its SUBSCRIBE) is not answered this fast
_READ_S = 0.5  # one wait for a message


class RedisBus:
    def __init__(
        self,
        url: str,
        *,
        prefix: str = DEFAULT_PREFIX,
        queue_size: int = DEFAULT_QUEUE_SIZE,
        buffer_limit: int = BUFFER_LIMIT,
        connect_timeout: float = 0.25,
        ready_timeout: float = 2.0,
        heartbeat_s: float = HEARTBEAT_S,
        answer_s: float = ANSWER_S,
    ) -> None:
        self.url = url
        self.prefix = prefix
        self._queue_size = queue_size
        self._ready_timeout = ready_timeout
        self._heartbeat_s = heartbeat_s
        self._answer_s = answer_s
        self._client = redis.Redis.from_url(
            url, socket_connect_timeout=connect_timeout, socket_timeout=SOCKET_TIMEOUT_S
        )
        self._lock = threading.Lock()
        self._buffer: deque[tuple[str, str | None, str]] = deque()
        self._buffer_limit = buffer_limit
        self.dropped = 0  # events lost because the buffer was full during an outage
        self._wake = threading.Event()
        self._stopped = threading.Event()
        self._flusher: threading.Thread | None = None
        self._down = False
        self._subs: set[Subscription] = set()

    # --- channels ---------------------------------------------------------
    def call_channel(self, callid: str) -> str:
        return f"{self.prefix}:call:{callid}"

    def flow_channel(self, flow_id: str) -> str:
        return f"{self.prefix}:flow:{flow_id}"

    # --- publishing -------------------------------------------------------
    @property
    def healthy(self) -> bool:
        """False while Redis is unreachable or buffered events are still waiting."""
        with self._lock:
            return not self._down and not self._buffer

    @property
    def buffered(self) -> int:
        with self._lock:
            return len(self._buffer)

    def publish(self, event: CallEvent) -> None:
        item = event_item(event)
        entry = (str(item["callid"]), item.get("flow"), json.dumps(item, default=str))
        with self._lock:
            if self._down or self._buffer:
                self._keep(entry)
                return
        try:
            self._send([entry])
        except redis.RedisError as exc:
            with self._lock:
                if not self._down:
                    log.warning("Redis trace bus unreachable (%s); buffering events", exc)
                self._down = True
                self._keep(entry)

    def _keep(self, entry: tuple[str, str | None, str]) -> None:
        # called with the lock held; the newest events are dropped when full so the
        # buffered ones keep their order (the stored events remain complete)
        if len(self._buffer) >= self._buffer_limit:
            self.dropped += 1
        else:
            self._buffer.append(entry)
        self._ensure_flusher()

    def _send(self, entries: list[tuple[str, str | None, str]]) -> None:
        pipe = self._client.pipeline(transaction=False)
        for callid, flow, payload in entries:
            pipe.publish(self.call_channel(callid), payload)
            if flow is not None:
                pipe.publish(self.flow_channel(flow), payload)
        pipe.execute()

    def _ensure_flusher(self) -> None:
        # called with the lock held
        self._wake.set()
        if self._flusher is None or not self._flusher.is_alive():
            self._flusher = threading.Thread(
                target=self._flush_loop, name="redis-bus-flusher", daemon=True
            )
            self._flusher.start()

    def _flush_loop(self) -> None:
        delay = _RETRY_MIN
        while not self._stopped.is_set():
            with self._lock:
                batch = list(self._buffer)[:500]
            if not batch:
                with self._lock:
                    if not self._buffer:
                        self._down = False
                        return
                continue
            try:
                self._send(batch)
            except redis.RedisError:
                self._wake.clear()
                self._stopped.wait(delay)
                delay = min(delay * 2, _RETRY_MAX)
                continue
            delay = _RETRY_MIN
            with self._lock:
                for _ in batch:
                    self._buffer.popleft()
                if not self._buffer:
                    log.info("Redis trace bus reachable again; buffered events flushed")
                    self._down = False
                    return

    # --- subscribing ------------------------------------------------------
    def subscribe(self, call: str | None = None, flow: str | None = None) -> Subscription:
        sub = Subscription(call, flow, self._queue_size)
        channel = self.call_channel(call) if call is not None else self.flow_channel(flow or "")
        ready = threading.Event()
        thread = threading.Thread(
            target=self._listen, args=(sub, channel, ready), name="redis-bus-listener", daemon=True
        )
        with self._lock:
            self._subs.add(sub)
        sub.on_close(self._forget)
        thread.start()
        # Wait for Redis to confirm the subscription so that nothing published after
        # this returns is missed; when Redis is down the subscriber gets a status item.
        ready.wait(self._ready_timeout)
        return sub

    def _forget(self, sub: Subscription) -> None:
        with self._lock:
            self._subs.discard(sub)

    def _listen(self, sub: Subscription, channel: str, ready: threading.Event) -> None:
        delay = _RETRY_MIN
        down = False
        while not sub.closed and not self._stopped.is_set():
            pubsub = self._client.pubsub()
            try:
                pubsub.subscribe(channel)
                for message in self._messages(sub, pubsub):
                    if message["type"] == "subscribe":
                        ready.set()
                        delay = _RETRY_MIN
                        if down:
                            down = False
                            sub.deliver(status_item(bus="up"))
                    elif message["type"] == "message":
                        item = _decode(message["data"])
                        if item is not None:
                            sub.deliver(item)
            except (redis.RedisError, OSError, ValueError) as exc:
                # ValueError: redis-py reading a socket that the server just closed
                if sub.closed or self._stopped.is_set():
                    break
                if not down:
                    down = True
                    log.warning("Redis trace bus subscription lost (%s); retrying", exc)
                    sub.deliver(status_item(bus="down"))
                ready.set()
                self._stopped.wait(delay)
                delay = min(delay * 2, _RETRY_MAX)
            finally:
                with contextlib.suppress(redis.RedisError, OSError):
                    pubsub.close()

    def _messages(self, sub: Subscription, pubsub: Any) -> Any:
        """The subscription's messages until it is closed; raises when Redis stops answering.

        The ``SUBSCRIBE`` just sent counts as a question awaiting its answer;
        after ``HEARTBEAT_S`` without a word from Redis a ``PING`` is sent.
        """
        heard = asked = time.monotonic()
        while not sub.closed and not self._stopped.is_set():
            message = pubsub.get_message(timeout=_READ_S)
            now = time.monotonic()
            if message is None:
                if asked is not None and now - asked > self._answer_s:
                    raise redis.TimeoutError(
                        f"Redis did not answer the trace bus within {self._answer_s:g} s"
                    )
                if asked is None and now - heard > self._heartbeat_s:
                    pubsub.ping()
                    asked = now
                continue
            heard, asked = now, None
            yield message

    def close(self) -> None:
        self._stopped.set()
        with self._lock:
            subs = list(self._subs)
        for sub in subs:
            sub.close()
        self._client.close()


def _decode(data: Any) -> dict[str, Any] | None:
    try:
        item = json.loads(data)
    except ValueError:
        item = None
    if not isinstance(item, dict):
        log.warning("ignoring a trace bus message that is not a JSON object")
        return None
    return item
