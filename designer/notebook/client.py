"""``Designer(url)``: the REST API of a running designer server, for notebooks.

Every answer that is a list becomes a pandas DataFrame (one row per flow,
version, call or trace event) and every flow a ``designer.Flow``, so an
analyst moves from the server to pandas in one call.  Errors the server
reports come back as the same ``designer.errors`` classes the server raised
(``NotFound``, ``Conflict``, ``FlowInvalid`` with its findings...), and a
server that cannot be reached is one ``ServerUnreachable`` naming the URL,
never an httpx traceback.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

import httpx

from designer import errors
from designer.errors import BadRequest, DesignerError, ServerUnreachable
from designer.findings import Finding, Report
from designer.flow import Flow
from designer.isotime import parse_iso

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    import pandas as pd

ENV_URL = "DESIGNER_URL"
DEFAULT_URL = "http://127.0.0.1:5000"
PAGE_SIZE = 500  # the largest page GET /api/calls and GET /api/events serve
STATUS_ERRORS: dict[int, type[DesignerError]] = {
    400: errors.BadRequest,
    401: errors.Unauthorized,
    403: errors.Forbidden,
    404: errors.NotFound,
    409: errors.Conflict,
    413: errors.PayloadTooLarge,
    415: errors.UnsupportedMediaType,
    422: errors.Unprocessable,
}


def server_url(url: str | None = None) -> str:
    """``url``, else ``$DESIGNER_URL``, else ``http://127.0.0.1:5000``; checked, no trailing /."""
    raw = url if url is not None else os.environ.get(ENV_URL) or DEFAULT_URL
    if not isinstance(raw, str):
        raise BadRequest(f"the server URL must be a string, not {type(raw).__name__}")
    parts = urlsplit(raw.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise BadRequest(f"the server URL must look like http://host:port, not {raw!r}")
    return raw.strip().rstrip("/")


def error_classes() -> dict[str, type[DesignerError]]:
    """Every ``designer.errors`` class by its ``code``, as the server names them."""
    found: dict[str, type[DesignerError]] = {}
    pending: list[type[DesignerError]] = [DesignerError]
    while pending:
        cls = pending.pop()
        found.setdefault(cls.code, cls)
        pending.extend(cls.__subclasses__())
    return found


def error_from_response(response: httpx.Response) -> DesignerError:
    """The ``designer.errors`` exception a server error body describes."""
    try:
        body = response.json()
    except ValueError:
        body = None
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        error = {}
    message = error.get("message") or f"{response.request.method} {response.request.url.path} "
    if not error.get("message"):
        message += f"answered HTTP {response.status_code}"
    code = error.get("code")
    cls = error_classes().get(code) if isinstance(code, str) else None
    if cls is None:
        cls = STATUS_ERRORS.get(response.status_code, DesignerError)
    return cls(str(message), details=error.get("details"))


def moment(value: datetime | str | None, what: str = "a time") -> datetime | None:
    """An aware datetime from a datetime or an ISO 8601 string (``2026-01-05``,
    ``2026-01-05T09:00Z``...); naive times are UTC, as the API reads them."""
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = parse_iso(value)
        except ValueError:
            raise BadRequest(
                f"{what} must be an ISO 8601 time such as 2026-01-05T09:00Z, not {value!r}"
            ) from None
    if not isinstance(value, datetime):
        raise BadRequest(f"{what} must be a datetime or an ISO 8601 string, not {value!r}")
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _iso(value: datetime | str | None, what: str) -> str | None:
    found = moment(value, what)
    return None if found is None else found.isoformat()


def _flow_document(flow: Flow | Mapping[str, Any]) -> dict[str, Any]:
    if isinstance(flow, Flow):
        return flow.to_dict()
    if isinstance(flow, Mapping):
        return dict(flow)
    raise BadRequest(f"a flow is a designer.Flow or a flow document (dict), not {flow!r}")


class Designer:
    """A client of one designer server: flows, versions, numbers, the call log, the simulator.

    ``url`` defaults to ``$DESIGNER_URL`` (else ``http://127.0.0.1:5000``);
    ``token`` is sent as ``Authorization: Bearer <token>`` for servers behind
    an authenticating proxy.  Usable as a context manager.
    """

    def __init__(
        self,
        url: str | None = None,
        token: str | None = None,
        *,
        timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.url = server_url(url)
        self.token = token
        headers = {"accept": "application/json"}
        if token:
            headers["authorization"] = f"Bearer {token}"
        self._http = httpx.Client(
            base_url=self.url, headers=headers, timeout=timeout, transport=transport
        )

    def __repr__(self) -> str:
        return f"<Designer {self.url}>"

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Designer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- HTTP -----------------------------------------------------------------------
    def request(self, method: str, path: str, **kw: Any) -> httpx.Response:
        """One request; a non-2xx answer raises the matching ``designer.errors`` class."""
        try:
            response = self._http.request(method, path, **kw)
        except httpx.TimeoutException:
            raise ServerUnreachable(
                f"the designer server at {self.url} did not answer {method} {path} in time"
            ) from None
        except httpx.HTTPError as exc:
            raise ServerUnreachable(
                f"cannot reach the designer server at {self.url}: {exc}"
            ) from None
        if response.status_code >= 400:
            raise error_from_response(response)
        return response

    def get(self, path: str, **params: Any) -> Any:
        query = {k: v for k, v in params.items() if v is not None}
        return self._json(self.request("GET", path, params=query))

    def _json(self, response: httpx.Response) -> Any:
        try:
            return response.json()
        except ValueError:
            raise ServerUnreachable(
                f"{response.request.url} answered something that is not JSON "
                f"({response.headers.get('content-type', 'no content type')}): is {self.url} "
                "a designer server?"
            ) from None

    # --- flows ------------------------------------------------------------------------
    def flows(self) -> pd.DataFrame:
        """Every stored flow: id, name, revision, latest published version, node count, times."""
        from designer.notebook import frames

        return frames.flows_frame(self.get("/api/flows").get("items") or [])

    def flow_record(self, flow_id: str) -> dict[str, Any]:
        """The draft as the API serves it: ``{"id", "name", "revision", "document", ...}``."""
        return self.get(f"/api/flows/{_segment(flow_id)}")

    def flow(self, flow_id: str, version: int | None = None) -> Flow:
        """A stored flow's draft, or its published ``version``, as a ``designer.Flow``."""
        if version is None:
            return Flow.from_dict(self.flow_record(flow_id)["document"])
        body = self.get(f"/api/flows/{_segment(flow_id)}/versions/{int(version)}")
        return Flow.from_dict(body["document"])

    def create_flow(self, flow: Flow | Mapping[str, Any]) -> str:
        """Store a new flow (draft); returns its id."""
        body = self._json(self.request("POST", "/api/flows", json=_flow_document(flow)))
        return body["id"]

    def save_flow(
        self, flow_id: str, flow: Flow | Mapping[str, Any], revision: int | None = None
    ) -> int:
        """Replace the draft; with ``revision``, only if nobody saved since (else ``Conflict``).

        Returns the new revision.
        """
        headers = {"if-match": f'"{revision}"'} if revision is not None else {}
        response = self.request(
            "PUT", f"/api/flows/{_segment(flow_id)}", json=_flow_document(flow), headers=headers
        )
        return self._json(response)["revision"]

    def delete_flow(self, flow_id: str) -> None:
        self.request("DELETE", f"/api/flows/{_segment(flow_id)}")

    def validate(self, flow: str | Flow | Mapping[str, Any]) -> Report:
        """The server's findings for a flow id (its draft) or a document."""
        if isinstance(flow, str):
            response = self.request("POST", f"/api/flows/{_segment(flow)}/validate")
        else:
            response = self.request("POST", "/api/flows/validate", json=_flow_document(flow))
        return report_from_dict(self._json(response))

    def publish(self, flow_id: str, comment: str = "") -> int:
        """Publish the draft as a new version; returns its number.

        An invalid draft raises ``FlowInvalid`` whose ``details["findings"]``
        are the errors, as the canvas shows them.
        """
        response = self.request(
            "POST", f"/api/flows/{_segment(flow_id)}/versions", json={"comment": comment}
        )
        return self._json(response)["number"]

    def versions(self, flow_id: str) -> pd.DataFrame:
        """The published versions of a flow, oldest first."""
        from designer.notebook import frames

        body = self.get(f"/api/flows/{_segment(flow_id)}/versions")
        return frames.versions_frame(body.get("items") or [])

    def export(self, flow_id: str, format: str = "svaml") -> Any:
        """``svaml``/``json`` as decoded JSON, ``dot``/``svg`` as text."""
        response = self.request(
            "GET", f"/api/flows/{_segment(flow_id)}/export", params={"format": format}
        )
        if format in ("svaml", "json"):
            return self._json(response)
        return response.text

    # --- numbers ----------------------------------------------------------------------
    def bind(self, number: str, flow_id: str, version: int | None = None) -> dict[str, Any]:
        """Route calls to ``number`` (E.164) to the flow's latest (or pinned) published version."""
        body: dict[str, Any] = {"flow": flow_id}
        if version is not None:
            body["version"] = version
        return self._json(self.request("PUT", f"/api/numbers/{quote(number)}", json=body))

    def numbers(self) -> list[dict[str, Any]]:
        return self.get("/api/numbers").get("items") or []

    # --- the call log -------------------------------------------------------------------
    def call(self, callid: str) -> dict[str, Any]:
        """One call as the API serves it, with its trace events in ``seq`` order."""
        return self.get(f"/api/calls/{_segment(callid)}")

    def call_items(
        self,
        *,
        flow: str | None = None,
        number: str | None = None,
        result: str | None = None,
        since: datetime | str | None = None,
        until: datetime | str | None = None,
        simulated: bool | None = None,
        limit: int | None = None,
        events: bool = False,
    ) -> list[dict[str, Any]]:
        """Call summaries as the API serves them, newest first, paging through all of them.

        With ``events`` each carries its trace events (``"events"``, in ``seq``
        order), read from ``GET /api/events`` a page of calls at a time: a
        few requests for thousands of calls, not one per call.
        """
        if limit is not None and (
            isinstance(limit, bool) or not isinstance(limit, int) or limit < 0
        ):
            raise BadRequest(f"limit must be a non-negative integer or None, got {limit!r}")
        query: dict[str, Any] = {
            "flow": flow,
            "number": number,
            "result": result,
            "since": _iso(since, "since"),
            "until": _iso(until, "until"),
            "simulated": None if simulated is None else str(bool(simulated)).lower(),
        }
        path = "/api/events" if events else "/api/calls"
        items: list[dict[str, Any]] = []
        while limit is None or len(items) < limit:
            size = PAGE_SIZE if limit is None else min(PAGE_SIZE, limit - len(items))
            if size == 0:
                break
            page = self.get(path, **query, limit=size, offset=len(items))
            batch = page.get("items") or []
            items.extend(batch)
            if len(batch) < size or len(items) >= int(page.get("total", 0)):
                break
        return items

    def calls(
        self,
        flow: str | None = None,
        number: str | None = None,
        since: datetime | str | None = None,
        until: datetime | str | None = None,
        result: str | None = None,
        limit: int | None = None,
        *,
        simulated: bool | None = None,
        paths: bool = True,
    ) -> pd.DataFrame:
        """The call log, one row per call, newest first (see ``designer.notebook.frames``).

        ``path`` (the node ids each call visited, in order) needs the calls'
        events, which make the answers larger; ``paths=False`` skips them for
        a quick look.
        """
        from designer.notebook import frames

        items = self.call_items(
            flow=flow,
            number=number,
            result=result,
            since=since,
            until=until,
            simulated=simulated,
            limit=limit,
            events=paths,
        )
        by_call = _events_by_call(items) if paths else None
        return frames.calls_frame(frames.call_rows_from_api(items, by_call))

    def call_log(
        self,
        flow: str | None = None,
        number: str | None = None,
        since: datetime | str | None = None,
        until: datetime | str | None = None,
        result: str | None = None,
        limit: int | None = None,
        *,
        simulated: bool | None = None,
    ) -> tuple[pd.DataFrame, pd.DataFrame]:
        """``(calls, events)`` of the same calls, read together page by page."""
        from designer.notebook import frames

        items = self.call_items(
            flow=flow,
            number=number,
            result=result,
            since=since,
            until=until,
            simulated=simulated,
            limit=limit,
            events=True,
        )
        by_call = _events_by_call(items)
        calls = frames.calls_frame(frames.call_rows_from_api(items, by_call))
        events = frames.events_frame(e for i in reversed(items) for e in by_call[i["callid"]])
        return calls, events

    def events(
        self,
        callid: str | None = None,
        flow: str | None = None,
        *,
        since: datetime | str | None = None,
        until: datetime | str | None = None,
        limit: int | None = None,
    ) -> pd.DataFrame:
        """Trace events, one row each, in call and ``seq`` order.

        For one call (``callid``), or for the calls of the log that match
        ``flow``/``since``/``until`` (up to ``limit`` calls).
        """
        from designer.notebook import frames

        if callid is not None:
            return frames.events_frame(self.call(callid).get("events") or [])
        items = self.call_items(flow=flow, since=since, until=until, limit=limit, events=True)
        return frames.events_frame(e for i in reversed(items) for e in i.get("events") or [])

    # --- the simulator ------------------------------------------------------------------
    def simulate(
        self,
        flow: str | None = None,
        press: Iterable[str] | None = None,
        *,
        number: str | None = None,
        version: int | str = "draft",
        callee: str | None = None,
        talk: float | None = None,
        cli: str | None = None,
    ) -> dict[str, Any]:
        """Start a simulated call through ``/api/sim``; returns the session.

        With ``press`` (steps such as ``"1"``, ``"4321#"``, ``"silence"``,
        ``"hangup"``) the call runs to its end at once; without, it waits at
        its first prompt for ``press_keys``/``silence``/``hang_up`` with the
        session's ``id``.  The session's ``callid`` is what ``live(call=...)``
        and ``call(...)`` take.
        """
        body: dict[str, Any] = {}
        if number is not None:
            body["number"] = number
        else:
            body.update(flow=flow, version=version)
        if press is not None:
            if isinstance(press, str):
                raise BadRequest("press is a list of steps, e.g. ['1', '4321#'], not one string")
            body["script"] = list(press)
        for key, value in (("callee", callee), ("talk", talk), ("cli", cli)):
            if value is not None:
                body[key] = value
        return self._json(self.request("POST", "/api/sim/calls", json=body))

    def press_keys(self, session: str, digits: str, during_prompt: bool = False) -> dict[str, Any]:
        """Key ``digits`` in a waiting simulated call; returns the session after them."""
        return self._sim(session, "dtmf", {"digits": digits, "duringPrompt": during_prompt})

    def silence(self, session: str) -> dict[str, Any]:
        return self._sim(session, "silence", None)

    def hang_up(self, session: str, by: str = "caller") -> dict[str, Any]:
        return self._sim(session, "hangup", {"by": by})

    def _sim(self, session: str, what: str, body: dict[str, Any] | None) -> dict[str, Any]:
        path = f"/api/sim/calls/{_segment(session)}/{what}"
        return self._json(self.request("POST", path, json=body))

    # --- live ---------------------------------------------------------------------------
    def live(
        self, *, flow: str | None = None, call: str | None = None, **kw: Any
    ) -> AsyncIterator[dict[str, Any]]:
        """``designer.notebook.live`` on this server (same token)."""
        from designer.notebook.live import live

        return live(self.url, flow=flow, call=call, token=self.token, **kw)


def _events_by_call(items: Iterable[Mapping[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    return {i["callid"]: i.get("events") or [] for i in items}


def _segment(value: str) -> str:
    if not isinstance(value, str) or not value:
        raise BadRequest(f"an id must be a non-empty string, not {value!r}")
    return quote(value, safe="@")


def report_from_dict(body: Mapping[str, Any]) -> Report:
    """A ``Report`` from its JSON form (``{"ok", "findings": [...]}``)."""
    findings = tuple(
        Finding(
            severity=f.get("severity", "error"),
            code=f.get("code", ""),
            message=f.get("message", ""),
            node=f.get("node"),
            port=f.get("port"),
        )
        for f in body.get("findings") or []
    )
    return Report(findings)
