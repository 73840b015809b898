"""The server's own housekeeping: each worker runs ``designer.housekeeping`` now and then.

A deployment should not need a cron job for its call log to stay truthful
(calls whose DiCE was lost ended as ``lost``) and bounded (old callback
answers deleted), so every worker process does it by itself:

- **Lazily, off the request's path.**  After a response, a worker whose
  last pass started more than ``HOUSEKEEPING_EVERY`` ago starts one pass on
  a thread of its own; a request only compares two numbers, a callback
  never waits for the pass.  The first pass comes one interval after the
  app was made, and each forked worker starts its own threads, as
  ``designer.web.callbacks.runtime`` does.  An idle worker does nothing,
  and has nothing to do: no calls came in.
- **Harmless in parallel.**  Several workers (or hosts, or a cron job) may
  run passes at once: a call is ended once (the repository locks and
  re-reads each batch), deleting an answer twice deletes it once.
- **Never fatal.**  A failing pass (the database is down) is logged and
  tried again an interval later; it never reaches a request.
- **Stops with the worker.**  No pass starts once the worker is stopping
  (``designer.web.lifecycle``).  A pass already running is a daemon thread
  whose batches commit one at a time, so a worker exiting in the middle of
  one leaves every call either swept or as it was.

The calls a pass ends are published on the trace bus, so a canvas or a
notebook watching one sees it end.  ``DESIGNER_HOUSEKEEPING=off`` turns all
of this off (then run ``designer db housekeeping`` from cron).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import timedelta

from flask import Flask, Response

from designer import housekeeping
from designer.errors import ConfigError, DesignerError
from designer.web.lifecycle import stopping

log = logging.getLogger(__name__)

KEY = "designer.housekeeping"


class Housekeeper:
    """Starts a housekeeping pass when one is due, one at a time per process."""

    def __init__(
        self,
        app: Flask,
        every: timedelta,
        stale_after: timedelta,
        keep_answers: timedelta,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.app = app
        self.every = every.total_seconds()
        self.stale_after = stale_after
        self.keep_answers = keep_answers
        self._clock = clock
        self._due = clock() + self.every
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self.passes = 0  # passes finished in this process, failed ones included
        self.last: housekeeping.Housekeeping | None = None  # the latest that succeeded

    def poke(self) -> None:
        """Start a pass if one is due: a comparison when it is not (every request calls this)."""
        if self._clock() < self._due:
            return
        with self._lock:
            if self._clock() < self._due or stopping(self.app).is_set():
                return
            if self._thread is not None and self._thread.is_alive():
                return  # the previous pass is still at it (a big backlog): let it finish
            self._due = self._clock() + self.every
            self._thread = threading.Thread(target=self.run, name="housekeeping", daemon=True)
            self._thread.start()

    def wait(self, timeout: float) -> bool:
        """Wait for the pass in progress, if any, to finish; False if it is still running."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
            return not thread.is_alive()
        return True

    def run(self) -> housekeeping.Housekeeping | None:
        """One pass, now; logged, never raised."""
        try:
            state = self.app.extensions["designer"]
            done = housekeeping.housekeep(
                state.repo,
                state.now(),
                stale_after=self.stale_after,
                keep_answers=self.keep_answers,
            )
        except DesignerError as exc:
            log.warning("housekeeping failed, trying again in %ds: %s", self.every, exc.message)
            return None
        except Exception:  # a bug: keep the worker, keep the traceback
            log.exception("housekeeping failed, trying again in %ds", self.every)
            return None
        finally:
            self.passes += 1
        self.last = done
        if done.changed:
            for line in done.lines():
                log.info("housekeeping: %s", line)
            self._publish(done)
        return done

    def _publish(self, done: housekeeping.Housekeeping) -> None:
        """Let live watchers of the swept calls see them end (the bus must never fail a pass)."""
        from designer.web.callbacks import runtime

        try:
            bus = runtime(self.app).bus
            for event in done.swept:
                bus.publish(event)
        except Exception:
            log.exception("publishing the end of %d swept call(s) failed", len(done.swept))


def _duration(app: Flask, key: str) -> timedelta:
    """A duration setting, or ``ConfigError`` naming its variable (at start-up, not later)."""
    try:
        return housekeeping.parse_duration(app.config.get(key) or "", f"DESIGNER_{key}")
    except DesignerError as exc:
        raise ConfigError(exc.message) from None


def init_app(app: Flask) -> Housekeeper | None:
    """Check the settings and, unless ``HOUSEKEEPING`` is off, poke the keeper after responses."""
    if not app.config.get("HOUSEKEEPING", True):
        return None
    stale_after = _duration(app, "STALE_CALL_AFTER")
    keeper = Housekeeper(
        app,
        every=_duration(app, "HOUSEKEEPING_EVERY"),
        stale_after=stale_after,
        keep_answers=_duration(app, "KEEP_CALLBACK_ANSWERS"),
    )
    warning = housekeeping.quiet_warning(stale_after)
    if warning:
        log.warning("DESIGNER_STALE_CALL_AFTER: %s", warning)
    app.extensions[KEY] = keeper

    @app.after_request
    def _poke(response: Response) -> Response:
        try:
            keeper.poke()
        except Exception:  # no thread to be had, say: the response matters more
            log.exception("could not start housekeeping")
        return response

    return keeper


def keeper(app: Flask) -> Housekeeper | None:
    """The app's housekeeper (None when housekeeping is off)."""
    return app.extensions.get(KEY)
