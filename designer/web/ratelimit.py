"""An in-process token bucket per client, for the few things worth rate limiting.

Used for websocket subscriptions (each holds a worker thread) and failed
sign-ins (each costs a deliberately slow password hash).  The buckets live in
the memory of one worker process: with N gunicorn workers a client gets up to
N times the rate in total.  That is enough to stop a runaway script or a
password-guessing loop; a shared limit would need Redis on every request,
which the designer does not otherwise need.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable


class RateLimiter:
    """``capacity`` tokens per key, refilled at ``per_minute``; ``take`` spends one.

    At most ``max_keys`` clients are remembered (least recently seen are
    forgotten first), so memory stays bounded whoever connects.
    """

    def __init__(
        self,
        capacity: int,
        per_minute: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = 10_000,
    ) -> None:
        if capacity < 1 or per_minute <= 0:
            raise ValueError("a rate limit needs a capacity of at least 1 and a positive rate")
        self.capacity = float(capacity)
        self.rate = per_minute / 60.0  # tokens per second
        self.clock = clock
        self.max_keys = max_keys
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # key -> tokens, t
        self._lock = threading.Lock()

    def _level(self, key: str, now: float) -> float:
        tokens, then = self._buckets.get(key, (self.capacity, now))
        return min(self.capacity, tokens + (now - then) * self.rate)

    def take(self, key: str) -> float | None:
        """Spend a token: None when allowed, else the seconds until one is available."""
        with self._lock:
            now = self.clock()
            tokens = self._level(key, now)
            if tokens < 1.0:
                self._buckets[key] = (tokens, now)
                self._buckets.move_to_end(key)
                return max(1.0, math.ceil((1.0 - tokens) / self.rate))
            self._buckets[key] = (tokens - 1.0, now)
            self._buckets.move_to_end(key)
            while len(self._buckets) > self.max_keys:
                self._buckets.popitem(last=False)
            return None

    def blocked(self, key: str) -> float | None:
        """Like ``take`` but spends nothing: the seconds to wait, or None when a token is free."""
        with self._lock:
            tokens = self._level(key, self.clock())
            return None if tokens >= 1.0 else max(1.0, math.ceil((1.0 - tokens) / self.rate))

    def reset(self, key: str) -> None:
        with self._lock:
            self._buckets.pop(key, None)
