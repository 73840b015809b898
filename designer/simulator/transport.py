"""Sending the simulated platform's callbacks over HTTP.

One code path for both targets: ``httpx`` to a real URL, or ``httpx`` with a
``WSGITransport`` straight into a WSGI app in the same process (tests, the
CLI on a flow file, the web UI's keypad).  Either way the request is what
Sinch sends -- a JSON body, ``content-type: application/json``, and, when the
application has a secret, ``Authorization: application KEY:SIGNATURE`` with
its ``x-timestamp`` -- so the callback endpoint cannot tell a simulated call
from a real one except by the ``custom`` marker the engine reads.

This module is the simulator's I/O edge: ``designer.simulator.platform`` only
sees the ``Send`` function it returns.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import httpx

from designer.errors import BadRequest
from designer.signing import authorization
from designer.simulator.platform import Reply, iso_timestamp

CALLBACK_PATH = "/voice/callback"
CONTENT_TYPE = "application/json"
# Sinch waits this long for an answer before it gives up on a callback.
PLATFORM_TIMEOUT_S = 5.0
# Base URL used for in-process WSGI requests; never resolved.
IN_PROCESS_BASE = "http://simulator.invalid"


class HttpTransport:
    """Posts callbacks to ``path`` through an httpx client; callable as ``Send``.

    ``secret`` (base64, as in the Sinch dashboard) turns on request signing
    for ``application_key``.  The ``x-timestamp`` is the wall clock when
    ``clock`` is given (the server's replay window compares it with its own
    clock, and a long simulated call runs ahead of it), else the simulated
    instant of the callback.
    """

    def __init__(
        self,
        client: httpx.Client,
        path: str = CALLBACK_PATH,
        *,
        application_key: str | None = None,
        secret: str | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.client = client
        self.path = path
        self.application_key = application_key
        self.secret = secret
        self.clock = clock

    # --- construction -----------------------------------------------------
    @classmethod
    def to_url(cls, url: str, **kw: Any) -> HttpTransport:
        """Callbacks to a server: ``url`` is its base or the full callback URL."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise BadRequest(f"callback URL must be http(s)://host[:port][/path], not {url!r}")
        base = f"{parts.scheme}://{parts.netloc}"
        path = parts.path.rstrip("/") or ""
        if not path.startswith("/voice/"):
            path = path + CALLBACK_PATH
        client = httpx.Client(base_url=base, timeout=PLATFORM_TIMEOUT_S)
        return cls(client, path, **kw)

    @classmethod
    def to_wsgi(cls, app: Any, path: str = CALLBACK_PATH, **kw: Any) -> HttpTransport:
        """Callbacks into a WSGI app in this process (no socket, same requests)."""
        client = httpx.Client(transport=httpx.WSGITransport(app=app), base_url=IN_PROCESS_BASE)
        return cls(client, path, **kw)

    def close(self) -> None:
        self.client.close()

    # --- Send ---------------------------------------------------------------
    def __call__(self, payload: dict[str, Any], timestamp: datetime) -> Reply:
        body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        headers = {"content-type": CONTENT_TYPE}
        if self.secret and self.application_key:
            stamp = iso_timestamp(self.clock() if self.clock else timestamp)
            headers["x-timestamp"] = stamp
            headers["authorization"] = authorization(
                self.application_key, self.secret, "POST", CONTENT_TYPE, stamp, self.path, body
            )
        try:
            response = self.client.post(self.path, content=body, headers=headers)
        except httpx.TimeoutException:
            return Reply(None, error=f"no answer within {PLATFORM_TIMEOUT_S:g} s")
        except httpx.HTTPError as exc:
            return Reply(None, error=f"cannot reach the callback URL: {exc}")
        return _reply(response)

    # --- reading back ---------------------------------------------------------
    def get_json(self, path: str) -> tuple[int, Any]:
        """GET a JSON resource of the same server (the call log, the sim API)."""
        try:
            response = self.client.get(path)
        except httpx.HTTPError as exc:
            return 0, {"error": {"message": str(exc)}}
        try:
            return response.status_code, response.json()
        except ValueError:
            return response.status_code, None

    def post_json(self, path: str, body: Any) -> tuple[int, Any]:
        try:
            response = self.client.post(path, json=body)
        except httpx.HTTPError as exc:
            return 0, {"error": {"message": str(exc)}}
        try:
            return response.status_code, response.json()
        except ValueError:
            return response.status_code, None


def _reply(response: httpx.Response) -> Reply:
    status = response.status_code
    if not response.content.strip():
        return Reply(status, None, None if status < 300 else f"HTTP {status}")
    try:
        body = response.json()
    except ValueError:
        kind = response.headers.get("content-type", "no content type")
        return Reply(status, None, f"HTTP {status}, the answer is not JSON ({kind})")
    return Reply(status, body, None if 200 <= status < 300 else f"HTTP {status}")
