"""Fill a server's call log with random callers, for analysis notebooks and demos.

``fill_call_log(url, flow_id, calls=2000)`` rings the number bound to a
published flow ``calls`` times with the simulator's random callers
(``designer.simulator.randomwalk``): each call goes through the real
callback endpoint and engine and is traced and stored like a real one
(marked simulated).  It returns the random-walk report (coverage, outcomes,
errors).

Two ways to reach the server's engine:

- **In-process, fast** (``database_url`` given, or ``$DESIGNER_DATABASE_URL``
  set): the callbacks go to an app in this process over the server's own
  database, through the same WSGI stack, without sockets.  Its clock
  follows the simulated calls, so the calls are spread over a week with an
  office-hours profile (``calls_per_hour`` has a shape, ``hours`` nodes go
  both ways).  A few thousand calls take seconds, not minutes.
- **Over HTTP** (no database URL): the simulated platform posts to the
  server's ``/voice/callback``; slower, and stamped with the server's clock.
"""

from __future__ import annotations

import os
import random
import secrets
from collections.abc import Sequence
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
OFFICE_HOURS: tuple[float, ...] = (
    0.2,
    0.1,
    0.1,
    0.1,
    0.2,
    0.4,
    1.0,
    2.5,
    5.0,
    7.0,
    7.5,
    6.5,
    5.0,
    6.0,
    6.5,
    6.0,
    4.5,
    3.0,
    2.0,
    1.5,
    1.0,
    0.7,
    0.5,
    0.3,
)
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
    """Random-walk calls into an in-process app over the server's database.

    A ``designer.simulator.line.Line``.  The app's clock follows the
    simulated call (as ``designer.web.sim.Sandbox`` does), so each call is
    stored at the moment it was placed in the simulated week.  Callbacks
    are signed when the number's application has a secret, as Sinch would.
    """

    def __init__(
        self,
        database_url: str,
        flow_id: str,
        number: str,
        profile: Sequence[float] | None = OFFICE_HOURS,
    ) -> None:
        from designer.simulator.transport import HttpTransport
        from designer.storage import open_repository
        from designer.web import create_app

        self.number = number
        self.profile = profile
        self._now = datetime.now(UTC)
        self.repo = open_repository(database_url)
        try:
            self.repo.get_flow(flow_id)
            binding = self.repo.get_binding(number)
        except NotFound:
            self.close()
            raise BadRequest(
                f"the database {database_url!r} has no flow {flow_id!r} bound to {number}: it "
                "is not the database of the server (set DESIGNER_DATABASE_URL to the server's)"
            ) from None
        self.application_key, secret = self._signing(binding.application_key)
        app = create_app(
            {"REPOSITORY": self.repo, "DATABASE_URL": database_url, "CLOCK": lambda: self._now}
        )
        self._transport = HttpTransport.to_wsgi(
            app, application_key=self.application_key, secret=secret
        )

    def _signing(self, preferred: str | None) -> tuple[str | None, str | None]:
        apps = self.repo.list_applications()
        chosen = next((a for a in apps if a.key == preferred), None)
        chosen = chosen or next((a for a in apps if a.secret), None)
        return (chosen.key, chosen.secret) if chosen else (None, None)

    def _send(self, payload: dict[str, Any], timestamp: datetime) -> Any:
        self._now = timestamp
        return self._transport(payload, timestamp)

    def dial(
        self,
        *,
        cli: str | None = None,
        rng: random.Random | None = None,
        started_at: datetime | None = None,
    ) -> SimulatedCall:
        from designer.simulator.platform import CallSettings, SimulatedCall

        rng = rng or random.Random()
        moment = at_hour(started_at or self._now, rng, self.profile)
        extra = {"application_key": self.application_key} if self.application_key else {}
        settings = CallSettings(
            cli=_caller(cli, rng), to=self.number, callid=_fresh_callid(), **extra
        )
        return SimulatedCall(self._send, moment, settings, rng=rng)

    def events(self, callid: str) -> list[dict[str, Any]]:
        try:
            return [e.to_dict() for e in self.repo.list_events(callid)]
        except NotFound:
            return []

    def close(self) -> None:
        transport = getattr(self, "_transport", None)
        if transport is not None:
            transport.close()
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
            line = DatabaseLine(database_url, flow, binding["number"], profile)
        else:
            line = ServerLine(
                client, binding["number"], application_key=application_key, secret=secret
            )
        # random_walks asks a factory for the line and closes it when done.
        return random_walks(document, calls, seed, sandbox=lambda _document, **_: line)


__all__ = ["OFFICE_HOURS", "DatabaseLine", "ServerLine", "fill_call_log"]
