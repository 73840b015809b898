"""The one ISO 8601 parser: every spelling the platform and users write, as aware UTC."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from designer.isotime import parse_iso

TEN = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "text",
    ["2026-11-25T10:00Z", "2026-11-25T10:00:00z", " 2026-11-25T10:00:00+00:00 ",
     "2026-11-25T11:00+01:00", "2026-11-25T10:00", "2026-11-25 10:00:00.000Z"],
)  # fmt: skip
def test_every_spelling_is_the_same_utc_instant(text: str) -> None:
    parsed = parse_iso(text)
    assert parsed == TEN and parsed.tzinfo is UTC


def test_a_date_alone_is_its_midnight_in_utc() -> None:
    assert parse_iso("2026-11-25") == datetime(2026, 11, 25, tzinfo=UTC)


@pytest.mark.parametrize("text", ["", "yesterday", "2026-13-01", "10:00Z"])
def test_anything_else_is_a_value_error(text: str) -> None:
    with pytest.raises(ValueError):
        parse_iso(text)
