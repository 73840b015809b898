"""Keeping the call log truthful and bounded: one housekeeping pass, and its defaults.

A call is ``active`` until its DiCE arrives.  When the DiCE is lost (the
database was down at that moment, the platform gave up retrying, a worker
was killed) the call would read as live forever in the call list, the
editor's statistics and the notebooks.  A live call cannot stay quiet for
long, though: the longest the Callback API lets pass without a callback is
a connected call (``connectPstn`` ``maxDuration``, at most 14400 s) or a
parked one (``park``, at most 600 s), so a call not heard of for
``STALE_AFTER`` (6 h) is over, and is ended as ``lost``.

The answers given to callbacks are stored so that a retried callback gets
the same answer; Sinch retries within minutes, so an answer older than
``KEEP_ANSWERS`` (1 day) will never be asked for again, and is deleted.

``housekeep`` is the pass: the server runs it from every worker now and then
(``designer.web.housekeeping``), ``designer db housekeeping`` runs it by
hand or from cron.  Passes may overlap each other and callbacks: a call is
ended once, a DiCE that comes first wins, one that comes later is recorded
after the sweep (see ``Repository.sweep_stale_calls``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from designer.errors import BadRequest
from designer.repository import CallEvent, Repository

STALE_AFTER = timedelta(hours=6)
KEEP_ANSWERS = timedelta(days=1)
EVERY = timedelta(minutes=10)  # how often each server worker runs a pass
# connectPstn maxDuration (14400 s) + park maxDuration (600 s): a live call may be this quiet
LONGEST_QUIET = timedelta(seconds=14400 + 600)
SHOWN_CALLS = 10  # callids listed in a summary line
LONGEST = timedelta(days=36500)  # a duration past this is a typo (and overflows a date)

_UNITS = {"d": 86400, "h": 3600, "m": 60, "s": 1}
_DURATION = re.compile(r"(?:\d{1,9}[dhms])+")
_PART = re.compile(r"(\d+)([dhms])")


def parse_duration(text: str, what: str) -> timedelta:
    """``90s``, ``10m``, ``6h``, ``1d`` or ``1h30m``; else ``BadRequest`` naming ``what``.

    One syntax for the command line and the ``DESIGNER_*`` settings, so a
    value can be copied from one to the other.
    """
    raw = text.strip().lower() if isinstance(text, str) else ""
    if not _DURATION.fullmatch(raw):
        raise BadRequest(
            f"{what}: {text!r} is not a duration; write a number and a unit "
            "(s, m, h or d), e.g. 90s, 10m, 6h, 1d or 1h30m"
        )
    delta = timedelta(seconds=sum(int(n) * _UNITS[unit] for n, unit in _PART.findall(raw)))
    if delta <= timedelta(0):
        raise BadRequest(f"{what} must be longer than zero, got {text!r}")
    if delta > LONGEST:
        raise BadRequest(f"{what}: {text!r} is too long (at most {describe(LONGEST)})")
    return delta


def describe(delta: timedelta) -> str:
    """A duration the way ``parse_duration`` reads it: ``6h``, ``1d``, ``1h30m``."""
    seconds = int(delta.total_seconds())
    parts = []
    for unit, size in _UNITS.items():
        if seconds >= size:
            parts.append(f"{seconds // size}{unit}")
            seconds %= size
    return "".join(parts) or "0s"


def quiet_warning(stale_after: timedelta) -> str | None:
    """Why ``stale_after`` may end calls that are still going, or None when it cannot."""
    if stale_after >= LONGEST_QUIET:
        return None
    return (
        f"a live call may go {describe(LONGEST_QUIET)} without a callback (a connected call "
        "lasts up to 4h, a parked one 10m): ending calls quiet for "
        f"{describe(stale_after)} may end some that are still going"
    )


@dataclass(frozen=True)
class Housekeeping:
    """What one pass did (or, with ``dry_run``, would do)."""

    stale_after: timedelta
    keep_answers: timedelta
    swept: list[CallEvent]  # the "swept" trace event of each call ended, oldest call first
    pruned: int  # callback answers deleted
    dry_run: bool = False

    @property
    def changed(self) -> bool:
        return bool(self.swept or self.pruned)

    def lines(self) -> list[str]:
        """A summary for people: one line about calls, one about callback answers."""
        quiet = describe(self.stale_after)
        if self.swept:
            callids = [e.callid for e in self.swept]
            shown = ", ".join(callids[:SHOWN_CALLS])
            if len(callids) > SHOWN_CALLS:
                shown += f" and {len(callids) - SHOWN_CALLS:,} more"
            verb = "would end" if self.dry_run else "ended"
            calls = (
                f"{verb} {_count(len(callids), 'stale call')} "
                f"(no callback for over {quiet}): {shown}"
            )
        else:
            calls = f"no stale calls (no active call went {quiet} without a callback)"
        age = describe(self.keep_answers)
        if self.pruned:
            verb = "would remove" if self.dry_run else "removed"
            answers = f"{verb} {_count(self.pruned, 'callback answer')} older than {age}"
        else:
            answers = f"no callback answers older than {age}"
        return [calls, answers]


def _count(n: int, what: str) -> str:
    return f"{n:,} {what}{'' if n == 1 else 's'}"


def housekeep(
    repo: Repository,
    now: datetime,
    *,
    stale_after: timedelta = STALE_AFTER,
    keep_answers: timedelta = KEEP_ANSWERS,
    dry_run: bool = False,
) -> Housekeeping:
    """End the calls quiet for ``stale_after`` and delete answers older than ``keep_answers``."""
    for what, value in (("stale_after", stale_after), ("keep_answers", keep_answers)):
        if not isinstance(value, timedelta) or value <= timedelta(0):
            raise BadRequest(f"{what} must be a positive duration, got {value!r}")
    swept = repo.sweep_stale_calls(now - stale_after, now, dry_run=dry_run)
    pruned = repo.prune_callback_responses(now - keep_answers, dry_run=dry_run)
    return Housekeeping(stale_after, keep_answers, swept, pruned, dry_run)
