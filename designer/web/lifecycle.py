"""Stopping a worker without dropping a call: what happens between SIGTERM and exit.

gunicorn (``designer/web/gunicorn_conf.py``) stops a worker on a deploy, a
scale-down or ``kill -TERM``: the worker stops accepting connections and
lets the requests in flight finish within ``graceful_timeout``.  Callbacks
finish in at most their time budget (3 s).  Two things would otherwise go
wrong, and these hooks handle them:

- **open websockets** (live traces) never finish by themselves: each one
  would hold its worker until ``graceful_timeout`` runs out and the worker
  is killed.  ``begin_shutdown`` marks the app as stopping; every trace
  websocket notices within a second and closes with 1001 "going away", so
  the browser or notebook reconnects to another worker and backfills what
  it missed from the stored events.
- **trace events not yet handed to Redis** (they are published from a
  background thread) would vanish with the process.  ``finish_shutdown``
  flushes them, for at most ``FLUSH_S``, then closes the bus and the
  database connections so the servers see a clean goodbye.  The events are
  stored in the database either way; this only keeps live watchers current.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

log = logging.getLogger(__name__)

STOPPING_KEY = "designer.stopping"
FLUSH_S = 2.0


def stopping(app: Any) -> threading.Event:
    """The app's "this worker is stopping" flag (set once, never cleared)."""
    event = app.extensions.get(STOPPING_KEY)
    if event is None:
        event = app.extensions.setdefault(STOPPING_KEY, threading.Event())
    return event


def begin_shutdown(app: Any) -> None:
    """Mark the app as stopping.  Safe in a signal handler: it only sets an event."""
    stopping(app).set()


def finish_shutdown(app: Any, flush_s: float = FLUSH_S) -> None:
    """Hand the remaining trace events to the bus, then close the bus and the database."""
    from designer.web.callbacks import RUNTIME_KEY

    begin_shutdown(app)
    runtime = app.extensions.get(RUNTIME_KEY)
    if runtime is not None:
        flush = getattr(runtime.bus, "flush", None)
        try:
            if flush is not None and not flush(timeout=flush_s):
                log.warning(
                    "trace events still queued at exit; watchers backfill them from storage"
                )
            runtime.bus.close()
        except Exception:  # shutting down: report, never raise
            log.exception("closing the trace bus at shutdown failed")
    state = app.extensions.get("designer")
    close = getattr(getattr(state, "repo", None), "close", None)
    if close is not None:
        try:
            close()
        except Exception:
            log.exception("closing the database connections at shutdown failed")
