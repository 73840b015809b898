"""``designer db housekeeping``: the server's housekeeping pass by hand or from cron."""

# ruff: noqa: F811  (the storage CLI fixtures are imported, and the tests take them)

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from designer.repository import LOST_RESULT, SWEPT_EVENT, Repository
from tests.storage.test_callback_steps import step
from tests.storage.test_db_cli import cli, migrated, stored, url  # noqa: F401  (fixtures)


@pytest.fixture
def log(stored: Repository) -> datetime:
    """Calls last heard of 2 days, 8 hours and 1 minute ago (the CLI reads the real clock)."""
    now = datetime.now(UTC)
    for callid, ago in (("two-days", timedelta(days=2)), ("eight-hours", timedelta(hours=8)),
                        ("a-minute", timedelta(minutes=1))):  # fmt: skip
        stored.record_step(step(callid, "ice:1", now - ago, create=True))
    return now


def test_it_ends_stale_calls_and_removes_old_answers(cli, stored: Repository, log) -> None:
    planned = cli("db", "housekeeping", "--dry-run")
    assert planned.exit_code == 0, planned.output
    assert planned.stdout.splitlines() == [
        "would end 2 stale calls (no callback for over 6h): two-days, eight-hours",
        "would remove 1 callback answer older than 1d",
    ]
    assert stored.get_call("two-days").state == "active"
    assert stored.get_callback_response("two-days", "ice:1") is not None

    done = cli("db", "housekeeping")
    assert done.exit_code == 0, done.output
    assert done.stdout.splitlines() == [
        "ended 2 stale calls (no callback for over 6h): two-days, eight-hours",
        "removed 1 callback answer older than 1d",
    ]
    assert done.stderr == ""
    for callid in ("two-days", "eight-hours"):
        record = stored.get_call(callid)
        assert (record.state, record.result) == ("ended", LOST_RESULT)
        assert [e.kind for e in stored.list_events(callid)][-1] == SWEPT_EVENT
    assert stored.get_call("a-minute").state == "active"
    assert stored.get_callback_response("two-days", "ice:1") is None
    assert stored.get_callback_response("eight-hours", "ice:1") is not None

    again = cli("db", "housekeeping")
    assert again.stdout.splitlines() == [
        "no stale calls (no active call went 6h without a callback)",
        "no callback answers older than 1d",
    ]


def test_the_limits_can_be_chosen(cli, stored: Repository, log) -> None:
    done = cli("db", "housekeeping", "--idle", "1d", "--keep-answers", "1h30m")
    assert done.exit_code == 0, done.output
    assert done.stdout.splitlines() == [
        "ended 1 stale call (no callback for over 1d): two-days",
        "removed 2 callback answers older than 1h30m",
    ]
    assert stored.get_call("eight-hours").state == "active"


def test_a_short_idle_is_warned_about_but_done(cli, stored: Repository, log) -> None:
    done = cli("db", "housekeeping", "--idle", "30m")
    assert done.exit_code == 0, done.output
    assert done.stderr.startswith("warning: a live call may go 4h10m without a callback")
    assert "ended 2 stale calls (no callback for over 30m)" in done.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--idle", "6x"), "error: --idle: '6x' is not a duration; write a number and a unit"),
        (("--idle", "-6h"), "error: --idle: '-6h' is not a duration"),
        (("--idle", ""), "error: --idle: '' is not a duration"),
        (("--keep-answers", "0d"), "error: --keep-answers must be longer than zero, got '0d'"),
        (
            ("--keep-answers", "99999999d"),
            "error: --keep-answers: '99999999d' is too long (at most 36500d)",
        ),
    ],
)
def test_a_bad_duration_is_one_line_and_exit_2(
    cli, stored: Repository, log, args: tuple[str, ...], message: str
) -> None:
    result = cli("db", "housekeeping", *args)
    assert result.exit_code == 2
    assert result.stderr.startswith(message), result.stderr
    assert len(result.stderr.splitlines()) == 1
    assert stored.get_call("two-days").state == "active"  # nothing was done


def test_an_unmigrated_database_is_named(cli) -> None:
    result = cli("db", "housekeeping")
    assert result.exit_code == 2
    assert "run `designer db upgrade`" in result.stderr
