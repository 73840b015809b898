"""The housekeeping pass's durations, defaults and summary, without storage."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from designer.errors import BadRequest
from designer.housekeeping import (
    KEEP_ANSWERS,
    LONGEST_QUIET,
    STALE_AFTER,
    Housekeeping,
    describe,
    housekeep,
    parse_duration,
    quiet_warning,
)
from designer.repository import CallEvent
from designer.storage import MemoryRepository

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90s", 90), ("10m", 600), ("6h", 21600), ("1d", 86400), ("1h30m", 5400),
     (" 2D ", 172800), ("1d1s", 86401), ("0h5m", 300)],
)  # fmt: skip
def test_durations_read_like_people_write_them(text: str, seconds: int) -> None:
    delta = parse_duration(text, "--idle")
    assert delta == timedelta(seconds=seconds)
    assert parse_duration(describe(delta), "again") == delta  # describe writes what it reads


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("6", "--idle: '6' is not a duration; write a number and a unit (s, m, h or d)"),
        ("h", "--idle: 'h' is not a duration"),
        ("6 h", "--idle: '6 h' is not a duration"),
        ("1.5h", "--idle: '1.5h' is not a duration"),
        ("6w", "--idle: '6w' is not a duration"),
        ("", "--idle: '' is not a duration"),
        (None, "--idle: None is not a duration"),
        ("0s", "--idle must be longer than zero, got '0s'"),
        ("36501d", "--idle: '36501d' is too long (at most 36500d)"),
        ("9" * 12 + "d", "is not a duration"),
    ],
)
def test_a_bad_duration_names_the_option_and_the_syntax(text: object, message: str) -> None:
    with pytest.raises(BadRequest) as caught:
        parse_duration(text, "--idle")  # type: ignore[arg-type]
    assert message in caught.value.message


def test_the_defaults_leave_room_for_the_longest_quiet_call() -> None:
    """connectPstn may last 14400 s without a callback, park 600 s: 6h is beyond both."""
    assert timedelta(hours=4, minutes=10) == LONGEST_QUIET
    assert STALE_AFTER > LONGEST_QUIET and quiet_warning(STALE_AFTER) is None
    assert quiet_warning(LONGEST_QUIET) is None
    warning = quiet_warning(timedelta(hours=1))
    assert warning is not None and "may end some that are still going" in warning
    assert timedelta(days=1) == KEEP_ANSWERS


def test_the_summary_counts_with_separators_and_lists_a_few_calls() -> None:
    swept = [CallEvent(f"c{i}", 1, NOW, "swept") for i in range(13)]
    done = Housekeeping(timedelta(hours=6), timedelta(days=1), swept, 1204)
    assert done.lines() == [
        "ended 13 stale calls (no callback for over 6h): "
        "c0, c1, c2, c3, c4, c5, c6, c7, c8, c9 and 3 more",
        "removed 1,204 callback answers older than 1d",
    ]
    dry = Housekeeping(timedelta(hours=4, minutes=30), timedelta(hours=2), swept[:1], 1, True)
    assert dry.lines() == [
        "would end 1 stale call (no callback for over 4h30m): c0",
        "would remove 1 callback answer older than 2h",
    ]


@pytest.mark.parametrize("bad", [timedelta(0), timedelta(hours=-1), 3600])
def test_a_pass_refuses_limits_that_are_not_positive_durations(bad: object) -> None:
    with pytest.raises(BadRequest, match="must be a positive duration"):
        housekeep(MemoryRepository(), NOW, stale_after=bad)  # type: ignore[arg-type]
    with pytest.raises(BadRequest, match="must be a positive duration"):
        housekeep(MemoryRepository(), NOW, keep_answers=bad)  # type: ignore[arg-type]
