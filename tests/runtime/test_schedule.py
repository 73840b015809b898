"""Opening hours: weekday ranges in a time zone, closed dates, overnight ranges."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from designer.errors import FlowInvalid
from designer.schedule import describe, is_open, parse_range

OFFICE = {
    "timezone": "Europe/Stockholm",
    "schedule": {d: ["09:00-12:00", "13:00-17:00"] for d in ("mon", "tue", "wed", "thu", "fri")},
    "closedDates": ["2026-12-24", "2026-12-25"],
}
NIGHT = {
    "timezone": "America/New_York",
    "schedule": {"fri": ["22:00-02:00"], "sat": ["10:00-24:00"]},
}


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        (utc(2026, 11, 25, 8, 0), True),  # Wed 09:00 Stockholm (UTC+1): opens
        (utc(2026, 11, 25, 7, 59), False),  # 08:59
        (utc(2026, 11, 25, 11, 30), False),  # lunch 12:30
        (utc(2026, 11, 25, 15, 59), True),  # 16:59
        (utc(2026, 11, 25, 16, 0), False),  # 17:00: closed (end is exclusive)
        (utc(2026, 11, 28, 10, 0), False),  # Saturday
        (utc(2026, 12, 24, 10, 0), False),  # Thursday, but a closed date
        (utc(2026, 7, 1, 7, 30), True),  # summer time: 09:30 local (UTC+2)
        (utc(2026, 7, 1, 6, 30), False),  # 08:30 local
    ],
)
def test_office_hours(when, expected):
    assert is_open(OFFICE, when) is expected


def test_overnight_ranges_and_end_of_day():
    # Friday 23:00 New York (UTC-5) and Saturday 01:30 belong to Friday's 22:00-02:00
    assert is_open(NIGHT, utc(2026, 11, 28, 4, 0))
    assert is_open(NIGHT, utc(2026, 11, 28, 6, 30))
    assert not is_open(NIGHT, utc(2026, 11, 28, 7, 0))  # Saturday 02:00
    assert is_open(NIGHT, utc(2026, 11, 29, 4, 59))  # Saturday 23:59 (until 24:00)
    assert not is_open(NIGHT, utc(2026, 11, 27, 4, 0))  # Thursday 23:00


def test_a_closed_date_closes_only_that_local_day():
    data = {**NIGHT, "closedDates": ["2026-11-27"]}  # Friday closed: its night range too
    assert not is_open(data, utc(2026, 11, 28, 4, 0))
    assert not is_open(data, utc(2026, 11, 28, 6, 30))
    assert is_open(data, utc(2026, 11, 28, 16, 0))


def test_default_time_zone_is_utc():
    assert is_open({"schedule": {"wed": ["10:00-11:00"]}}, utc(2026, 11, 25, 10, 30))


def test_describe_says_local_time():
    assert describe(OFFICE, utc(2026, 11, 25, 8, 0)) == {
        "local": "2026-11-25T09:00:00+01:00",
        "weekday": "wed",
        "closedDate": False,
    }


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"timezone": "Mars/Olympus", "schedule": {}}, "unknown time zone"),
        ({"schedule": {"mon": ["9-17"]}}, "not a range"),
        ({"schedule": {"mon": ["25:00-26:00"]}}, "not a valid"),
        ({"schedule": {"mon": "09:00-17:00"}}, "must be a list"),
        ({"schedule": {}, "closedDates": ["25/12/2026"]}, "YYYY-MM-DD"),
    ],
)
def test_bad_hours_data_is_named(data, message):
    with pytest.raises(FlowInvalid, match=message):
        is_open(data, utc(2026, 11, 23, 10, 0))


def test_parse_range():
    assert parse_range("09:30-17:45") == (570, 1065)
    assert parse_range("22:00-24:00") == (1320, 1440)
