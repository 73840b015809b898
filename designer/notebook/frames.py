"""The call log as pandas DataFrames, from a server or straight from its database.

Two sources, one shape.  ``calls(source)`` reads through the REST API when
``source`` is ``http(s)://...`` (or a ``Designer``), and otherwise treats it
as a database URL (SQLite or PostgreSQL) opened through
``designer.storage`` -- the analyst needs no server, and this module holds
no SQL.

The calls frame has one row per call::

    callid  flow  version  number  cli  started  ended  duration  outcome  path
    reason  state  simulated

``number`` is the number called, ``duration`` seconds (from the DiCE),
``outcome`` the call log's result (``connected``, ``hangup``,
``callerhangup``, ``timeout``, ``busy``...), ``path`` the node ids the call
visited in order (read from its ``node`` trace events; a node appears again
each time the call comes back to it).

The events frame has one row per trace event::

    callid  seq  ts  kind  node  flow  type  port  value  data

``type``, ``port`` and ``value`` are lifted out of ``data`` because the
analyses need them: for ``node`` events ``type`` is the node's type (and
``port`` the decision of a logic node), for ``input`` events ``type`` is the
menu result (``return``, ``sequence``, ``timeout``, ``hangup``...), ``port``
the port it selected and ``value`` what was keyed.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any

import pandas as pd

from designer.errors import BadRequest
from designer.notebook.client import moment

if TYPE_CHECKING:
    from designer.notebook.client import Designer
    from designer.repository import CallEvent, CallRecord, Repository

CALL_COLUMNS = [
    "callid",
    "flow",
    "version",
    "number",
    "cli",
    "started",
    "ended",
    "duration",
    "outcome",
    "path",
    "reason",
    "state",
    "simulated",
]
EVENT_COLUMNS = ["callid", "seq", "ts", "kind", "node", "flow", "type", "port", "value", "data"]
FLOW_COLUMNS = ["id", "name", "revision", "latest_version", "nodes", "created", "updated"]
VERSION_COLUMNS = ["flow", "number", "comment", "published_by", "published_at"]
DB_PAGE = 1000


# --- frames from rows -------------------------------------------------------------------


def _times(values: Iterable[Any]) -> pd.Series:
    return pd.to_datetime(pd.Series(list(values), dtype=object), utc=True, format="ISO8601")


def calls_frame(rows: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """The calls frame (columns ``CALL_COLUMNS``, typed) from row dicts."""
    frame = pd.DataFrame(list(rows), columns=CALL_COLUMNS)
    frame["started"] = _times(frame["started"])
    frame["ended"] = _times(frame["ended"])
    for column in ("version", "duration"):
        frame[column] = pd.array(frame[column].tolist(), dtype="Int64")
    frame["simulated"] = frame["simulated"].astype(bool)
    frame["path"] = [list(p) if isinstance(p, list | tuple) else [] for p in frame["path"]]
    return frame


def events_frame(events: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """The events frame (columns ``EVENT_COLUMNS``) from trace events as the API serves them."""
    rows = []
    for e in events:
        data = e.get("data") if isinstance(e.get("data"), Mapping) else {}
        rows.append(
            {
                "callid": e.get("callid"),
                "seq": e.get("seq"),
                "ts": e.get("ts"),
                "kind": e.get("kind"),
                "node": e.get("node"),
                "flow": e.get("flow"),
                "type": _text(data.get("type")),
                "port": _text(data.get("port")),
                "value": _text(data.get("value")),
                "data": dict(data),
            }
        )
    frame = pd.DataFrame(rows, columns=EVENT_COLUMNS)
    frame["ts"] = _times(frame["ts"])
    frame["seq"] = pd.array(frame["seq"].tolist(), dtype="Int64")
    return frame


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def path_of(events: Iterable[Mapping[str, Any]]) -> list[str]:
    """The node ids a call visited, in ``seq`` order, from its trace events."""
    ordered = sorted(events, key=lambda e: e.get("seq") or 0)
    return [
        e["node"] for e in ordered if e.get("kind") == "node" and isinstance(e.get("node"), str)
    ]


def call_rows_from_api(
    items: Iterable[Mapping[str, Any]],
    events: Mapping[str, list[dict[str, Any]]] | None = None,
) -> list[dict[str, Any]]:
    """Call rows from ``GET /api/calls`` items (and each call's events for ``path``)."""
    return [
        {
            "callid": i.get("callid"),
            "flow": i.get("flow"),
            "version": i.get("version"),
            "number": i.get("to"),
            "cli": i.get("cli"),
            "started": i.get("startedAt"),
            "ended": i.get("endedAt"),
            "duration": i.get("duration"),
            "outcome": i.get("result"),
            "path": path_of(events.get(i.get("callid"), [])) if events is not None else [],
            "reason": i.get("reason"),
            "state": i.get("state"),
            "simulated": bool(i.get("simulated")),
        }
        for i in items
    ]


def call_rows_from_records(
    records: Iterable[CallRecord],
    events: Mapping[str, list[CallEvent]] | None = None,
) -> list[dict[str, Any]]:
    """Call rows from repository records (and each call's events for ``path``)."""
    rows = []
    for c in records:
        trace = [e.to_dict() for e in events.get(c.callid, [])] if events is not None else []
        rows.append(
            {
                "callid": c.callid,
                "flow": c.flow_id,
                "version": c.version,
                "number": c.to,
                "cli": c.cli,
                "started": c.started_at,
                "ended": c.ended_at,
                "duration": c.duration,
                "outcome": c.result,
                "path": path_of(trace),
                "reason": c.reason,
                "state": c.state,
                "simulated": bool(c.simulated),
            }
        )
    return rows


def flows_frame(items: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    frame = pd.DataFrame(
        [
            {
                "id": i.get("id"),
                "name": i.get("name"),
                "revision": i.get("revision"),
                "latest_version": i.get("latestVersion"),
                "nodes": i.get("nodeCount"),
                "created": i.get("createdAt"),
                "updated": i.get("updatedAt"),
            }
            for i in items
        ],
        columns=FLOW_COLUMNS,
    )
    frame["latest_version"] = pd.array(frame["latest_version"].tolist(), dtype="Int64")
    frame["created"] = _times(frame["created"])
    frame["updated"] = _times(frame["updated"])
    return frame


def versions_frame(items: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    frame = pd.DataFrame(
        [
            {
                "flow": i.get("flow"),
                "number": i.get("number"),
                "comment": i.get("comment"),
                "published_by": i.get("publishedBy"),
                "published_at": i.get("publishedAt"),
            }
            for i in items
        ],
        columns=VERSION_COLUMNS,
    )
    frame["published_at"] = _times(frame["published_at"])
    return frame.sort_values("number", ignore_index=True)


# --- reading a source ---------------------------------------------------------------------


def _is_http(source: Any) -> bool:
    return isinstance(source, str) and source.strip().lower().startswith(("http://", "https://"))


@contextmanager
def _server(source: Any) -> Iterator[Designer | None]:
    """A client for a server URL (closed afterwards), a ``Designer`` as given, else None."""
    from designer.notebook.client import Designer

    if isinstance(source, Designer):
        yield source
    elif _is_http(source):
        with Designer(source) as client:
            yield client
    else:
        yield None


class _Opened:
    """A repository for a database URL (closed afterwards), or one handed in (left open)."""

    def __init__(self, source: Any) -> None:
        self.repo: Repository
        self._close = False
        if source is None or isinstance(source, str):
            from designer.storage import open_repository

            self.repo = open_repository(source)
            self._close = True
        elif all(hasattr(source, m) for m in ("list_calls", "list_events", "list_events_of_calls")):
            self.repo = source
        else:
            raise BadRequest(
                "the call log source is a server URL (http://...), a database URL "
                f"(sqlite:///..., postgresql://...), a Designer or a repository, not {source!r}"
            )

    def __enter__(self) -> Repository:
        return self.repo

    def __exit__(self, *exc: object) -> None:
        close = getattr(self.repo, "close", None)
        if self._close and close is not None:
            close()


def _records(
    repo: Repository,
    *,
    flow: str | None,
    number: str | None,
    result: str | None,
    since: datetime | str | None,
    until: datetime | str | None,
    simulated: bool | None,
    limit: int | None,
) -> list[CallRecord]:
    from designer.repository import CallFilter

    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 0):
        raise BadRequest(f"limit must be a non-negative integer or None, got {limit!r}")
    filters = CallFilter(
        flow_id=flow,
        number=number,
        result=result,
        since=moment(since, "since"),
        until=moment(until, "until"),
        simulated=simulated,
    )
    found: list[CallRecord] = []
    while limit is None or len(found) < limit:
        size = DB_PAGE if limit is None else min(DB_PAGE, limit - len(found))
        if size == 0:
            break
        page, total = repo.list_calls(filters, limit=size, offset=len(found))
        found.extend(page)
        if len(page) < size or len(found) >= total:
            break
    return found


def _events_of(repo: Repository, records: list[CallRecord]) -> dict[str, list[CallEvent]]:
    """The calls' events in a few queries (a few hundred calls each), not one per call."""
    return repo.list_events_of_calls([c.callid for c in records])


def calls(
    source: str | Designer | Repository | None = None,
    *,
    flow: str | None = None,
    number: str | None = None,
    since: datetime | str | None = None,
    until: datetime | str | None = None,
    result: str | None = None,
    simulated: bool | None = None,
    limit: int | None = None,
    paths: bool = True,
) -> pd.DataFrame:
    """The call log as a DataFrame, one row per call, newest first.

    ``source``: a database URL (``sqlite:///instance/designer.db``,
    ``postgresql+psycopg://user@host/db``; default ``$DESIGNER_DATABASE_URL``),
    a server URL (``http://127.0.0.1:5000``), a ``Designer`` or a repository.
    ``since`` is inclusive, ``until`` exclusive; naive times are UTC.
    """
    with _server(source) as designer:
        if designer is not None:
            return designer.calls(
                flow=flow,
                number=number,
                since=since,
                until=until,
                result=result,
                limit=limit,
                simulated=simulated,
                paths=paths,
            )
    with _Opened(source) as repo:
        records = _records(
            repo,
            flow=flow,
            number=number,
            result=result,
            since=since,
            until=until,
            simulated=simulated,
            limit=limit,
        )
        events = _events_of(repo, records) if paths else None
    return calls_frame(call_rows_from_records(records, events))


def events(
    source: str | Designer | Repository | None = None,
    callid: str | None = None,
    flow: str | None = None,
    *,
    since: datetime | str | None = None,
    until: datetime | str | None = None,
    limit: int | None = None,
) -> pd.DataFrame:
    """Trace events as a DataFrame, one row each, oldest call first, in ``seq`` order.

    Of one call (``callid``), or of the calls matching ``flow``/``since``/
    ``until`` (up to ``limit`` calls, the newest).  ``source`` as for ``calls``.
    """
    with _server(source) as designer:
        if designer is not None:
            return designer.events(callid=callid, flow=flow, since=since, until=until, limit=limit)
    with _Opened(source) as repo:
        if callid is not None:
            return events_frame(e.to_dict() for e in repo.list_events(callid))
        records = _records(
            repo,
            flow=flow,
            number=None,
            result=None,
            since=since,
            until=until,
            simulated=None,
            limit=limit,
        )
        by_call = _events_of(repo, records)
        rows = [e.to_dict() for c in reversed(records) for e in by_call[c.callid]]
    return events_frame(rows)


def call_log(
    source: str | Designer | Repository | None = None,
    *,
    flow: str | None = None,
    number: str | None = None,
    since: datetime | str | None = None,
    until: datetime | str | None = None,
    result: str | None = None,
    simulated: bool | None = None,
    limit: int | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(calls, events)`` for the same calls, reading each call's events once.

    What an analysis notebook wants: the calls frame (with paths) for the
    funnel and drop-off, the events frame for the menus.  Arguments as for
    ``calls``.
    """
    with _server(source) as designer:
        if designer is not None:
            return designer.call_log(
                flow=flow,
                number=number,
                since=since,
                until=until,
                result=result,
                limit=limit,
                simulated=simulated,
            )
    with _Opened(source) as repo:
        records = _records(
            repo,
            flow=flow,
            number=number,
            result=result,
            since=since,
            until=until,
            simulated=simulated,
            limit=limit,
        )
        by_call = _events_of(repo, records)
    calls_table = calls_frame(call_rows_from_records(records, by_call))
    events_table = events_frame(e.to_dict() for c in reversed(records) for e in by_call[c.callid])
    return calls_table, events_table
