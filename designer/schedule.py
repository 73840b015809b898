"""Opening hours for the ``hours`` node: is the line open at a given instant?

The node's data (see the registry) is ``timezone`` (IANA name, default UTC),
``schedule`` (``{"mon": ["09:00-17:00", ...], ...}``) and ``closedDates``
(``["2026-12-25", ...]`` in the local calendar).  A range whose end is not
after its start runs past midnight (``22:00-02:00``), so night lines can be
drawn; ``24:00`` means the end of the day.  The instant is passed in: this
module never reads the clock.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from designer.errors import FlowInvalid

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_RANGE = re.compile(r"^\s*(\d{2}):(\d{2})\s*-\s*(\d{2}):(\d{2})\s*$")


@lru_cache(maxsize=256)
def zone(name: str) -> ZoneInfo:
    """The time zone ``name``; ``FlowInvalid`` naming it when unknown."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise FlowInvalid(f"hours: unknown time zone {name!r}") from None


def parse_range(text: str) -> tuple[int, int]:
    """``"HH:MM-HH:MM"`` as minutes since midnight ``(start, end)``; end may be 1440."""
    match = _RANGE.match(text) if isinstance(text, str) else None
    if not match:
        raise FlowInvalid(f"hours: {text!r} is not a range like '09:00-17:00'")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if h1 > 23 or m1 > 59 or h2 > 24 or m2 > 59 or (h2 == 24 and m2 != 0):
        raise FlowInvalid(f"hours: {text!r} is not a valid time range")
    return h1 * 60 + m1, h2 * 60 + m2


def _ranges(schedule: Mapping[str, Any], day: str) -> list[tuple[int, int]]:
    raw = schedule.get(day) or []
    if not isinstance(raw, list):
        raise FlowInvalid(f"hours: schedule.{day} must be a list of 'HH:MM-HH:MM' ranges")
    return [parse_range(r) for r in raw]


def _closed_dates(data: Mapping[str, Any]) -> set[date]:
    out: set[date] = set()
    for text in data.get("closedDates") or []:
        try:
            out.add(date.fromisoformat(text))
        except (TypeError, ValueError):
            raise FlowInvalid(f"hours: closed date {text!r} is not YYYY-MM-DD") from None
    return out


def local_time(data: Mapping[str, Any], now_utc: datetime) -> datetime:
    """``now_utc`` in the node's time zone (an aware UTC datetime is required)."""
    if now_utc.tzinfo is None:
        raise ValueError("now_utc must be timezone-aware")
    return now_utc.astimezone(zone(str(data.get("timezone") or "UTC")))


def is_open(data: Mapping[str, Any], now_utc: datetime) -> bool:
    """Whether the schedule in ``data`` is open at ``now_utc``."""
    schedule = data.get("schedule") or {}
    if not isinstance(schedule, Mapping):
        raise FlowInvalid("hours: schedule must be an object of weekday ranges")
    local = local_time(data, now_utc)
    closed = _closed_dates(data)
    minute = local.hour * 60 + local.minute
    today = local.date()
    yesterday = today - timedelta(days=1)

    if today not in closed:
        for start, end in _ranges(schedule, WEEKDAYS[today.weekday()]):
            if start < end and start <= minute < end:
                return True
            if end <= start and minute >= start:  # overnight range, evening part
                return True
    if yesterday not in closed:
        for start, end in _ranges(schedule, WEEKDAYS[yesterday.weekday()]):
            if end <= start and minute < end:  # overnight range from yesterday
                return True
    return False


def describe(data: Mapping[str, Any], now_utc: datetime) -> dict[str, Any]:
    """What the engine traces for an ``hours`` decision (local time and weekday)."""
    local = local_time(data, now_utc)
    return {
        "local": local.replace(microsecond=0).isoformat(),
        "weekday": WEEKDAYS[local.weekday()],
        "closedDate": local.date() in _closed_dates(data),
    }


__all__ = ["WEEKDAYS", "describe", "is_open", "local_time", "parse_range", "zone"]
