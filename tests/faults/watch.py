"""A live-trace websocket read on a thread of its own, as the canvas or a notebook reads it."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from typing import Any

from tests.wsclient import ConnectionClosed, connect


class Watcher:
    """Collects every frame of ``/ws/traces?...`` until closed; the close code is kept."""

    def __init__(self, ws_url: str, query: str) -> None:
        self.ws = connect(f"{ws_url}/ws/traces?{query}")
        self.frames: list[dict[str, Any]] = []
        self.closed_with: int | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        while not self._stop.is_set():
            try:
                data = self.ws.receive(timeout=0.2)
            except ConnectionClosed as closed:
                self.closed_with = closed.reason
                return
            if data is not None:
                self.frames.append(json.loads(data))

    def events(self, callid: str) -> list[dict[str, Any]]:
        return [
            f for f in list(self.frames) if f.get("kind") != "status" and f.get("callid") == callid
        ]

    def statuses(self) -> list[dict[str, Any]]:
        return [f["data"] for f in list(self.frames) if f.get("kind") == "status"]

    def wait_for(self, predicate: Any, timeout: float = 15.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return True
            time.sleep(0.05)
        return predicate()

    def wait_closed(self, timeout: float) -> int | None:
        self._thread.join(timeout)
        return self.closed_with

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        with contextlib.suppress(ConnectionClosed):
            self.ws.close()
