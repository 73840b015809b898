"""Fill a server's call log with random callers, for analysis notebooks and demos.

``fill_call_log(url, flow_id, calls=2000)`` rings the number bound to a
published flow ``calls`` times with the simulator's random callers
(``designer.simulator.randomwalk``): each call goes through the real
callback endpoint and engine and is traced and stored like a real one
(marked simulated).  It returns the random-walk report (coverage, outcomes,
errors).

Two ways to get the calls into the server's log:

- **In-process, fast** (``database_url`` given, or ``$DESIGNER_DATABASE_URL``
  set): the calls run in the simulator's ``Sandbox`` -- the real callback
  endpoint and engine in a private in-process app, running the published
  version with an in-memory store -- and each finished call, its record
  and its trace events exactly as the engine wrote them, is then stored in
  the server's database under the server's flow and version.  The sandbox's
  clock follows the simulated calls, so the calls are spread over a week
  with an office-hours profile (``calls_per_hour`` has a shape, ``hours``
  nodes go both ways).  Thousands of calls take seconds, not minutes: the
  engine's per-callback writes go to memory, and the database sees two
  writes per call.  These calls are not streamed to the server's live
  watchers (they never passed through its trace bus).
- **Over HTTP** (no database URL): the simulated platform posts to the
  server's ``/voice/callback``; slower, stamped with the server's clock,
  and streamed live like any call.
"""

from __future__ import annotations

import os
import random
import secrets
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from designer.errors import BadRequest, NotFound, Unprocessable
from designer.notebook.client import Designer

if TYPE_CHECKING:
    from designer.simulator.platform import SimulatedCall
    from designer.simulator.randomwalk import WalkReport

ENV_DATABASE_URL = "DESIGNER_DATABASE_URL"
# Relative call volume per hour of the day (UTC): quiet nights, a morning peak
# and an afternoon peak, as a contact centre sees.
# fmt: off
OFFICE_HOURS: tuple[float, ...] = (
    0.2, 0.1, 0.1, 0.1, 0.2, 0.4, 1.0, 2.5, 5.0, 7.0, 7.5, 6.5,  # 00:00-11:59
    5.0, 6.0, 6.5, 6.0, 4.5, 3.0, 2.0, 1.5, 1.0, 0.7, 0.5, 0.3,  # 12:00-23:59
)
# fmt: on
CALLERS = 500  # distinct caller numbers, so that some people call more than once


def caller_number(rng: random.Random) -> str:
    """A Swedish mobile number from a pool of ``CALLERS``."""
    return f"+46701{rng.randrange(CALLERS):06d}"


def at_hour(moment: datetime, rng: random.Random, profile: Sequence[float] | None) -> datetime:
    """``moment`` moved to an hour of the same day drawn from ``profile`` (24 weights)."""
    if profile is None:
        return moment
    hour = rng.choices(range(24), weights=profile)[0]
    return moment.replace(hour=hour)


def _fresh_callid() -> str:
    """A new Sinch-shaped call id, never drawn from the walk's seed.

    The seed fixes what callers do; call ids must still differ between runs,
    or a second run with the same seed would repeat the first one's ids and
    the engine would refuse its calls as duplicates.
    """
    from designer.simulator.platform import new_callid

    return new_callid(random.Random(secrets.randbits(64)))


def _caller(cli: str | None, rng: random.Random) -> str:
    """The walk's caller: a number its flow's conditions name, else one from the pool."""
    from designer.simulator.randomwalk import DEFAULT_CLI

    return cli if cli and cli != DEFAULT_CLI else caller_number(rng)


class DatabaseLine:
    """A random-walk ``Line`` that runs calls in a sandbox and stores them in a database.

    The sandbox (``designer.web.sim.Sandbox``) runs ``document``; every
    ``BATCH`` calls, and when the walk closes the line, the finished calls
    are written to the database at ``database_url`` as calls of ``flow_id``
    version ``version``.
    """

    BATCH = 200

    def __init__(
        self,
        database_url: str,
        flow_id: str,
        version: int,
        number: str,
        document: dict[str, Any],
        profile: Sequence[float] | None = OFFICE_HOURS,
        application_key: str | None = None,
    ) -> None:
        from designer.storage import open_repository
        from designer.web.sim import Sandbox

        self.flow_id = flow_id
        self.version = version
        self.number = number
        self.profile = profile
        self.application_key = application_key
        self.repo = open_repository(database_url)
        try:
            self.repo.get_version(flow_id, version)
        except NotFound:
            self._close_repo()
            raise BadRequest(
                f"the database {database_url!r} has no version {version} of flow {flow_id!r}: "
                "it is not the database of the server (set DESIGNER_DATABASE_URL to the server's)"
            ) from None
        self.sandbox = Sandbox(document, number=number)
        self.pending: list[str] = []

    def dial(
        self,
        *,
        cli: str | None = None,
        rng: random.Random | None = None,
        started_at: datetime | None = None,
    ) -> SimulatedCall:
        from designer.simulator.platform import CallSettings, SimulatedCall

        rng = rng or random.Random()
        moment = at_hour(started_at or datetime.now(UTC), rng, self.profile)
        settings = CallSettings(cli=_caller(cli, rng), to=self.number, callid=_fresh_callid())
        return SimulatedCall(self.sandbox.send, moment, settings, rng=rng)

    def events(self, callid: str) -> list[dict[str, Any]]:
        """The call's trace (the walk reads it once the call is over): time to store it."""
        events = self.sandbox.events(callid)
        self.pending.append(callid)
        if len(self.pending) >= self.BATCH:
            self.flush()
        return events

    def flush(self) -> None:
        """Store the finished calls, each with its trace, as calls of the server's flow."""
        for callid in self.pending:
            record = self.sandbox.repo.get_call(callid)
            record = replace(
                record,
                flow_id=self.flow_id,
                version=self.version,
                application_key=self.application_key or record.application_key,
            )
            self.repo.create_call(record)
            self.repo.append_events(callid, self.sandbox.repo.list_events(callid))
        self.pending.clear()

    def close(self) -> None:
        try:
            self.flush()
        finally:
            self.sandbox.close()
            self._close_repo()

    def _close_repo(self) -> None:
        close = getattr(self.repo, "close", None)
        if close is not None:
            close()


class ServerLine:
    """Random-walk calls posted to a server's ``/voice/callback`` over HTTP."""

    def __init__(
        self,
        client: Designer,
        number: str,
        *,
        application_key: str | None = None,
        secret: str | None = None,
    ) -> None:
        from designer.simulator.transport import HttpTransport

        self.client = client
        self.number = number
        self.application_key = application_key
        self.transport = HttpTransport.to_url(
            client.url,
            application_key=application_key,
            secret=secret,
            clock=lambda: datetime.now(UTC),
        )

    def dial(
        self,
        *,
        cli: str | None = None,
        rng: random.Random | None = None,
        started_at: datetime | None = None,
    ) -> SimulatedCall:
        from designer.simulator.platform import CallSettings, SimulatedCall

        rng = rng or random.Random()
        extra = {"application_key": self.application_key} if self.application_key else {}
        settings = CallSettings(
            cli=_caller(cli, rng), to=self.number, callid=_fresh_callid(), **extra
        )
        return SimulatedCall(self.transport, datetime.now(UTC), settings, rng=rng)

    def events(self, callid: str) -> list[dict[str, Any]]:
        try:
            return self.client.call(callid).get("events") or []
        except NotFound:
            return []

    def close(self) -> None:
        self.transport.close()


def _binding(client: Designer, flow_id: str, number: str | None) -> dict[str, Any]:
    bindings = [b for b in client.numbers() if b.get("flow") == flow_id]
    if number is not None:
        found = next((b for b in bindings if b.get("number") == number), None)
        if found is None:
            raise Unprocessable(
                f"{number} is not bound to flow {flow_id!r}: Designer.bind({number!r}, "
                f"{flow_id!r}) first"
            )
        return found
    if not bindings:
        raise Unprocessable(
            f"no number is bound to flow {flow_id!r}; calls are routed by the number called, "
            f"as Sinch routes them: Designer.bind('+46850000000', {flow_id!r}) first"
        )
    return bindings[0]


def fill_call_log(
    url: str | None = None,
    flow: str | None = None,
    calls: int = 2000,
    seed: int = 0,
    *,
    database_url: str | None = None,
    number: str | None = None,
    profile: Sequence[float] | None = OFFICE_HOURS,
    token: str | None = None,
    application_key: str | None = None,
    secret: str | None = None,
) -> WalkReport:
    """Place ``calls`` random calls to the number bound to ``flow``; returns the walk report.

    The flow must be published and have a number bound (``Designer.publish``,
    ``Designer.bind``).  ``database_url`` (default ``$DESIGNER_DATABASE_URL``)
    is the server's database: with it, the calls run in-process (fast, spread
    over a simulated week by ``profile``, 24 hourly weights); without, they
    are posted to the server (signed with ``application_key``/``secret`` when
    its applications require it).  Same seed, same flow: same calls.
    """
    from designer.simulator.randomwalk import random_walks

    if not isinstance(flow, str) or not flow:
        raise BadRequest("fill_call_log needs the id of a stored flow: fill_call_log(url, flow_id)")
    if isinstance(calls, bool) or not isinstance(calls, int) or calls < 1:
        raise BadRequest(f"calls must be a positive integer, got {calls!r}")
    if profile is not None and (len(profile) != 24 or min(profile) < 0 or sum(profile) <= 0):
        raise BadRequest("profile must be 24 non-negative weights, one per hour of the day")
    database_url = database_url or os.environ.get(ENV_DATABASE_URL) or None
    with Designer(url, token) as client:
        record = client.flow_record(flow)
        binding = _binding(client, flow, number)
        version = binding.get("version") or record.get("latestVersion")
        if version is None:
            raise Unprocessable(f"flow {flow!r} has no published version: Designer.publish first")
        document = client.flow(flow, version).to_dict()
        line: DatabaseLine | ServerLine
        if database_url:
            line = DatabaseLine(
                database_url,
                flow,
                int(version),
                binding["number"],
                document,
                profile,
                application_key=binding.get("application"),
            )
        else:
            line = ServerLine(
                client, binding["number"], application_key=application_key, secret=secret
            )
        # random_walks asks a factory for the line and closes it when done.
        return random_walks(document, calls, seed, sandbox=lambda _document, **_: line)


__all__ = ["OFFICE_HOURS", "DatabaseLine", "ServerLine", "fill_call_log"]
