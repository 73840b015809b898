"""``GET /healthz``: can this worker answer calls?  For load balancers and monitoring.

No login (it tells nothing secret: statuses, latencies, the schema revision)
and fast: the database and Redis are each asked with a deadline
(``DESIGNER_HEALTH_TIMEOUT_MS``, 1.5 s by default), side by side, and an
unanswered check counts as down.  A check still stuck from an earlier probe
is not started again, so a hung database cannot pile up threads.

``status`` is ``down`` (503) when calls cannot be answered: the database is
unreachable or its schema is older than this code.  It is ``degraded``
(200) when calls are answered but something is off: Redis is unreachable
(traces no longer cross between workers) or the schema is newer than this
code (a rolling upgrade in progress).  Otherwise ``ok`` (200).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from flask import Blueprint, Flask, current_app, jsonify

bp = Blueprint("health", __name__)

HEALTH_KEY = "designer.health"


class _Probe:
    """Runs one check at a time in a daemon thread; callers wait at most a deadline."""

    def __init__(self, name: str, check: Callable[[], Any]) -> None:
        self.name = name
        self.check = check
        self._running: Future[Any] | None = None
        self._lock = threading.Lock()

    def run(self) -> Future[Any]:
        with self._lock:
            if self._running is not None and not self._running.done():
                return self._running  # still waiting for the previous answer
            future: Future[Any] = Future()
            self._running = future

        def work() -> None:
            try:
                future.set_result(self.check())
            except Exception as exc:  # reported as the part's error, never raised
                future.set_exception(exc)

        threading.Thread(target=work, name=f"healthz-{self.name}", daemon=True).start()
        return future


class _Health:
    def __init__(self, app: Flask) -> None:
        repo = app.extensions["designer"].repo
        self.database = _Probe("database", lambda: _check_database(repo))
        url = app.config.get("REDIS_URL")
        timeout = app.config["HEALTH_TIMEOUT_MS"] / 1000
        self.redis = _Probe("redis", _redis_ping(url, timeout)) if url else None


def _check_database(repo: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    from designer.storage.health import check_database

    return check_database(repo)


def _redis_ping(url: str, timeout: float) -> Callable[[], dict[str, Any]]:
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)

    def ping() -> dict[str, Any]:
        client.ping()
        return {"status": "ok"}

    return ping


def _health(app: Flask) -> _Health:
    found = app.extensions.get(HEALTH_KEY)
    if found is None:
        found = app.extensions.setdefault(HEALTH_KEY, _Health(app))
    return found


def _wait(future: Future[Any], deadline: float, timeout: float) -> tuple[Any, str | None]:
    try:
        return future.result(timeout=max(0.0, deadline - time.monotonic())), None
    except TimeoutError:
        return None, f"no answer within {timeout:g} s"
    except Exception as exc:
        return None, getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}"


def report(app: Flask) -> tuple[dict[str, Any], int]:
    """The health document and its HTTP status."""
    health = _health(app)
    timeout = app.config["HEALTH_TIMEOUT_MS"] / 1000
    deadline = time.monotonic() + timeout
    db_future = health.database.run()
    redis_future = health.redis.run() if health.redis else None
    result, error = _wait(db_future, deadline, timeout)
    if error is None:
        database, migrations = result
    else:
        database, migrations = {"status": "down", "error": error}, {"status": "unknown"}
    if redis_future is None:
        redis_status: dict[str, Any] = {"status": "not-configured"}
    else:
        answer, error = _wait(redis_future, deadline, timeout)
        redis_status = answer if error is None else {"status": "down", "error": error}
    if database["status"] != "ok" or migrations["status"] in ("behind", "unknown"):
        status = "down"
    elif redis_status["status"] == "down" or migrations["status"] == "ahead":
        status = "degraded"
    else:
        status = "ok"
    body = {"status": status, "database": database, "migrations": migrations,
            "redis": redis_status}  # fmt: skip
    return body, 503 if status == "down" else 200


@bp.get("/healthz")
def healthz() -> Any:
    body, status = report(current_app._get_current_object())  # type: ignore[attr-defined]
    response = jsonify(body)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response
