"""Simulated calls over HTTP whose every callback is timed and kept for the assertions."""

from __future__ import annotations

import json
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from designer.simulator import CallSettings, SimulatedCall
from designer.simulator.platform import Reply
from designer.simulator.transport import HttpTransport
from designer.svaml import check_svaml

LINE = "+46850000123"
APOLOGY = "We are sorry, something went wrong. Please call again later."
# Sinch's contract: it waits 5 s for an answer, then plays its own error.
SINCH_WAIT_S = 5.0


@dataclass(frozen=True)
class Exchange:
    """One callback as the platform saw it."""

    event: str
    payload: dict[str, Any]
    status: int | None
    body: Any
    sent_at: float  # time.monotonic() when it was sent
    seconds: float
    error: str | None

    @property
    def apology(self) -> bool:
        """The safe answer: the apology and a hangup (ICE/PIE)."""
        said = [i.get("text") for i in (self.body or {}).get("instructions", [])]
        return APOLOGY in said and self.action == "hangup"

    @property
    def action(self) -> str | None:
        return ((self.body or {}).get("action") or {}).get("name")


class RecordingTransport:
    """The simulator's HTTP transport, remembering each callback, its answer and its time."""

    def __init__(self, base_url: str) -> None:
        self.http = HttpTransport.to_url(base_url)
        self.exchanges: list[Exchange] = []
        self._lock = threading.Lock()

    def __call__(self, payload: dict[str, Any], timestamp: datetime) -> Reply:
        sent_at = time.monotonic()
        reply = self.http(payload, timestamp)
        exchange = Exchange(
            event=str(payload.get("event", "")).lower(),
            payload=json.loads(json.dumps(payload)),
            status=reply.status,
            body=reply.body,
            sent_at=sent_at,
            seconds=time.monotonic() - sent_at,
            error=reply.error,
        )
        with self._lock:
            self.exchanges.append(exchange)
        return reply

    def post(self, payload: dict[str, Any]) -> Exchange:
        """Send a callback again as the platform would re-deliver it."""
        self(payload, datetime.now(UTC))
        return self.exchanges[-1]

    def close(self) -> None:
        self.http.close()


@dataclass
class Call:
    sim: SimulatedCall
    transport: RecordingTransport

    @property
    def callid(self) -> str:
        return self.sim.callid

    @property
    def exchanges(self) -> list[Exchange]:
        return self.transport.exchanges

    def close(self) -> None:
        self.transport.close()


def place_call(base_url: str, name: str = "fault") -> Call:
    """A simulated call to ``LINE`` through the server at ``base_url`` (not started yet)."""
    transport = RecordingTransport(base_url)
    callid = f"{name}-{secrets.token_hex(6)}"
    sim = SimulatedCall(transport, datetime.now(UTC), CallSettings(to=LINE, callid=callid))
    return Call(sim, transport)


def assert_answered_in_time(exchanges: list[Exchange], limit: float = SINCH_WAIT_S) -> float:
    """Every callback got 200 and SVAML the platform accepts, within ``limit``; the worst time."""
    assert exchanges, "no callback was sent"
    for ex in exchanges:
        assert ex.status == 200, (ex.event, ex.status, ex.error, ex.body)
        assert ex.seconds < limit, (ex.event, ex.seconds)
        if ex.event in ("ice", "ace", "pie"):
            assert check_svaml(ex.body, ex.event) == [], (ex.event, ex.body)
    return max(ex.seconds for ex in exchanges)
