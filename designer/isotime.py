"""ISO 8601 / RFC 3339 times as the product reads them everywhere: aware, in UTC.

Sinch's payloads and ``x-timestamp`` headers, API query parameters, the
command line and notebooks all take the same spelling (``2026-11-25T10:00Z``,
``...+01:00``, a date alone); a time without an offset is UTC, as the
platform's are.  One parser, so that none of them accepts what another refuses.
"""

from __future__ import annotations

from datetime import UTC, datetime


def parse_iso(text: str) -> datetime:
    """``text`` as an aware UTC datetime; ``ValueError`` when it is not an ISO 8601 time."""
    text = text.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    parsed = datetime.fromisoformat(text)
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)
