"""Optimistic concurrency over HTTP: the draft's revision as ETag and If-Match.

A flow's ETag is its revision in quotes (``"7"``).  A client that sends it
back in ``If-Match`` (or as ``"revision"`` in the JSON body, for clients that
cannot set headers) gets a 409 instead of silently overwriting someone else's
save.  Without either, the write applies unconditionally: the editor always
sends its revision, while scripts may choose last-write-wins.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Response, request

from designer.errors import BadRequest

_ETAG = re.compile(r'^(?:W/)?"?(\d{1,18})"?$')


def etag(revision: int) -> str:
    return f'"{revision}"'


def with_etag(response: Response, revision: int) -> Response:
    response.headers["ETag"] = etag(revision)
    return response


def expected_revision(body_revision: Any = None) -> int | None:
    """The revision the client last saw, from If-Match or the body; None: unconditional."""
    header = request.headers.get("If-Match")
    from_header: int | None = None
    if header is not None and header.strip() != "*":
        tags = [t.strip() for t in header.split(",") if t.strip()]
        match = _ETAG.match(tags[0]) if len(tags) == 1 else None
        if match is None:
            raise BadRequest(
                f'If-Match must be one ETag as returned by GET, such as "3"; got {header!r}',
                details=[{"path": "If-Match", "in": "header", "message": "not a revision ETag"}],
            )
        from_header = int(match.group(1))
    if body_revision is not None and from_header is not None and body_revision != from_header:
        raise BadRequest(
            f"If-Match (revision {from_header}) and the body's revision ({body_revision}) "
            "disagree; send one of them",
            details=[{"path": "revision", "message": "disagrees with If-Match"}],
        )
    return from_header if from_header is not None else body_revision
