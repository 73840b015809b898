"""A time budget for the database work of one request, enforced on the client side.

Sinch waits 5 seconds for a callback's answer and then plays its own error
to the caller.  The server-side ``statement_timeout`` does not bound every
wait: a PostgreSQL host that is stopped, swapping or cut off behind a
proxy or load balancer leaves the client waiting on a socket that the
kernel still acknowledges, and neither ``statement_timeout`` nor
``tcp_user_timeout`` ever fires.  So the callback endpoint runs its work
inside ``time_budget(seconds)`` and every PostgreSQL connection made by
``designer.storage.engine.make_engine`` is a ``BoundedConnection``:

- a query (or ping, commit, rollback) that has not finished when the budget
  runs out is abandoned: the connection is closed -- it is mid-protocol and
  cannot be reused -- and ``psycopg.OperationalError`` is raised, which the
  storage layer turns into ``StorageUnavailable`` like any lost connection,
  and the callback is answered with its safe SVAML;
- a new connection is only attempted with enough budget left for libpq's
  shortest connect timeout (2 s), and with a connect timeout that ends
  inside the budget;
- per database, a ``Breaker`` remembers that the server just failed to
  answer (a budget or a connect timeout ran out; a server that refuses
  connections fails fast by itself and does not count): for the next
  ``BREAKER_OPEN_S`` budgeted work fails at once instead of tying up a
  thread for the whole budget, except one probe at a time that tries the
  server again.  Without it, a hung database with a busy number would hold
  every server thread for the whole budget and queue the next callbacks
  past Sinch's 5 s.  Any query that succeeds (a probe, ``/healthz``, the
  editor's API) closes it again.

Outside ``time_budget`` (the editor's API, the CLI, migrations) nothing
changes: those waits are bounded by the engine's connect and pool timeouts.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import psycopg

MIN_CONNECT_S = 2  # libpq (and psycopg) never wait less than this for a connection
BREAKER_OPEN_S = 1.0  # how long failures make budgeted work fail fast, between probes

_deadline: ContextVar[float | None] = ContextVar("designer_storage_deadline", default=None)


@contextmanager
def time_budget(seconds: float) -> Iterator[float]:
    """Bound the database waits of the code inside to ``seconds`` from now (in total).

    Nested budgets never extend an outer one.  Yields the monotonic deadline.
    """
    deadline = time.monotonic() + max(0.0, seconds)
    outer = _deadline.get()
    if outer is not None:
        deadline = min(deadline, outer)
    token = _deadline.set(deadline)
    try:
        yield deadline
    finally:
        _deadline.reset(token)


def time_left() -> float | None:
    """Seconds left in the current budget; None outside ``time_budget``."""
    deadline = _deadline.get()
    return None if deadline is None else deadline - time.monotonic()


class OutOfTime(psycopg.OperationalError):
    """The database did not answer within the request's budget (the connection is closed)."""


class Breaker:
    """Whether budgeted work should try a database that just failed to answer.

    Closed: everything goes through.  Open (after a failure): budgeted work
    fails at once, except one probe per ``open_s`` that is let through to
    find out whether the server is back.  A success closes it.
    """

    def __init__(self, open_s: float = BREAKER_OPEN_S) -> None:
        self.open_s = open_s
        self._retry_at = 0.0  # 0: closed
        self._lock = threading.Lock()
        self.failures = 0  # consecutive, for messages and tests

    @property
    def closed(self) -> bool:
        return self._retry_at == 0.0

    def allow(self) -> bool:
        if self._retry_at == 0.0:
            return True
        now = time.monotonic()
        with self._lock:
            if self._retry_at == 0.0:
                return True
            if now < self._retry_at:
                return False
            self._retry_at = now + self.open_s  # this caller probes; the others fail fast
            return True

    def failed(self) -> None:
        with self._lock:
            self.failures += 1
            self._retry_at = time.monotonic() + self.open_s

    def succeeded(self) -> None:
        if self._retry_at != 0.0:
            with self._lock:
                self._retry_at = 0.0
                self.failures = 0


_breakers: dict[tuple[Any, ...], Breaker] = {}
_breakers_lock = threading.Lock()


def breaker_for(params: dict[str, Any]) -> Breaker:
    """The breaker of the server and database that ``params`` (connect keywords) name."""
    key = (params.get("host"), params.get("hostaddr"), params.get("port"), params.get("dbname"))
    with _breakers_lock:
        found = _breakers.get(key)
        if found is None:
            found = _breakers[key] = Breaker()
        return found


def _bounded(gen: Any, deadline: float) -> Any:
    """``gen`` (a psycopg wait generator) that gives up once ``deadline`` has passed.

    psycopg's wait loop resumes the generator at least every 0.1 s, whether
    the socket is ready or not, so the deadline is checked that often.
    """
    try:
        state = next(gen)
        while True:
            ready = yield state
            if time.monotonic() >= deadline:
                gen.close()
                raise _Expired
            state = gen.send(ready)
    except StopIteration as done:
        return done.value


class _Expired(Exception):
    pass


class BoundedConnection(psycopg.Connection):
    """A psycopg connection whose waits end with the current ``time_budget``."""

    _breaker: Breaker | None = None

    @classmethod
    def connect(cls, conninfo: str = "", **kwargs: Any) -> BoundedConnection:  # type: ignore[override]
        breaker = breaker_for(kwargs)
        left = time_left()
        if left is not None:
            if not breaker.allow():
                raise OutOfTime(
                    "the database did not answer a moment ago; "
                    "not trying again for this request (one request at a time probes it)"
                )
            if left < MIN_CONNECT_S:
                raise OutOfTime(
                    f"only {max(left, 0.0):.1f} s of the request's time budget left: "
                    "not enough to open a database connection"
                )
            given = kwargs.get("connect_timeout")
            limit = int(left)
            kwargs["connect_timeout"] = min(int(given), limit) if given else limit
        try:
            conn = super().connect(conninfo, **kwargs)
        except psycopg.errors.ConnectionTimeout:
            breaker.failed()  # hung; a refused connection fails fast by itself
            raise
        conn._breaker = breaker
        breaker.succeeded()
        return conn

    def wait(self, gen: Any, *args: Any, **kwargs: Any) -> Any:
        deadline = _deadline.get()
        breaker = self._breaker
        if deadline is None:
            result = super().wait(gen, *args, **kwargs)
            if breaker is not None:
                breaker.succeeded()
            return result
        if breaker is not None and not breaker.allow():
            gen.close()
            self.close()  # the server is presumed gone: do not keep the connection
            raise OutOfTime("the database did not answer a moment ago; not waiting for it again")
        if time.monotonic() >= deadline:
            gen.close()
            self.close()
            raise OutOfTime("the request's time budget for the database was used up")
        try:
            result = super().wait(_bounded(gen, deadline), *args, **kwargs)
        except _Expired:
            self.close()  # mid-protocol: it cannot be used again
            if breaker is not None:
                breaker.failed()
            raise OutOfTime(
                "the database did not answer within the request's time budget"
            ) from None
        if breaker is not None:
            breaker.succeeded()
        return result
