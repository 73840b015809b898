"""A tiny callback application for testing the simulated platform.

``FakeApplication`` is a real WSGI app standing in for *the application*
(not for the platform under test): it answers each callback with the SVAML a
test scripted for that event, records every request it received, and can
check signatures the way a Sinch application must.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest

from designer import signing
from designer.simulator.platform import CallSettings, SimulatedCall
from designer.simulator.script import Script, run
from designer.simulator.transcript import Transcript
from designer.simulator.transport import HttpTransport

Answer = dict[str, Any] | Callable[[dict[str, Any]], Any]


class FakeApplication:
    """Answers ``answers[event]`` in order (the last one repeats); records requests."""

    def __init__(
        self,
        answers: dict[str, list[Answer]],
        *,
        secret: str | None = None,
        status: int = 200,
    ) -> None:
        self.answers = {k: list(v) for k, v in answers.items()}
        self.secret = secret
        self.status = status
        self.received: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []

    def __call__(self, environ: dict[str, Any], start_response) -> list[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length)
        headers = {
            k[5:].replace("_", "-").lower(): v for k, v in environ.items() if k.startswith("HTTP_")
        }
        headers["content-type"] = environ.get("CONTENT_TYPE", "")
        self.headers.append(headers)
        if self.secret is not None:
            try:
                signing.verify(
                    headers.get("authorization"),
                    environ["REQUEST_METHOD"],
                    headers["content-type"],
                    headers.get("x-timestamp"),
                    environ["PATH_INFO"],
                    body,
                    lambda key: self.secret,
                )
            except signing.SignatureInvalid as exc:
                return self._send(start_response, 401, {"error": exc.message})
        payload = json.loads(body)
        self.received.append(payload)
        if self.status != 200:
            return self._send(start_response, self.status, {"error": "scripted failure"})
        queue = self.answers.get(payload["event"], [])
        if not queue:
            return self._send(start_response, 200, {})
        answer = queue.pop(0) if len(queue) > 1 else queue[0]
        if callable(answer):
            answer = answer(payload)
        return self._send(start_response, 200, answer)

    @staticmethod
    def _send(start_response, status: int, body: Any) -> list[bytes]:
        data = json.dumps(body).encode()
        start_response(f"{status} X", [("Content-Type", "application/json")])
        return [data]

    def events(self, name: str) -> list[dict[str, Any]]:
        return [p for p in self.received if p["event"] == name]


def place_call(
    app: FakeApplication,
    steps: list,
    now: datetime,
    *,
    settings: CallSettings | None = None,
    secret: str | None = None,
    **script: Any,
) -> Transcript:
    """One scripted call from the simulated platform into ``app``."""
    key = (settings or CallSettings()).application_key
    transport = HttpTransport.to_wsgi(app, application_key=key, secret=secret)
    call = SimulatedCall(transport, now, settings, rng=random.Random(7))
    try:
        return run(call, Script(steps, **script))
    finally:
        transport.close()


@pytest.fixture
def call_app(now: datetime):
    """``call_app(answers, steps, **kw) -> (transcript, app)``."""

    def make(answers: dict[str, list[Answer]], steps: list | None = None, **kw: Any):
        app = FakeApplication(answers, secret=kw.pop("app_secret", None),
                              status=kw.pop("status", 200))  # fmt: skip
        transcript = place_call(app, steps or [], now, **kw)
        return transcript, app

    return make
