"""A websocket client for the tests and benchmarks that never loses the first frame.

simple_websocket's ``Client`` reads the server's handshake answer with one
``recv``; when the server's first frame (our ``subscribed`` status frame,
or an ``error`` frame and the close) arrives in the same TCP segment, that
frame stays in the protocol buffer and is only handed over once more bytes
arrive, so a client waiting for it waits forever.  On a quiet machine the
two writes reach the client apart; on a loaded one they often do not.
``TraceClient`` hands over whatever came with the handshake.
"""

from __future__ import annotations

from typing import Any

from simple_websocket import Client, ConnectionClosed

__all__ = ["ConnectionClosed", "TraceClient", "connect"]


class TraceClient(Client):
    def handshake(self) -> None:
        super().handshake()
        # Frames that arrived with the handshake answer: queue them now.  A close
        # among them marks the connection closed; the reader thread, which only
        # runs while connected, is then not needed, but the constructor insists
        # on a connected socket, so the close is applied once it has started.
        still_open = self._handle_events()
        if not still_open:
            self._closed_early = True
            self.connected = True

    def _thread(self) -> None:
        if getattr(self, "_closed_early", False):
            self.connected = False
            self.event.set()
            self.sock.close()
            return
        super()._thread()


def connect(url: str, headers: dict[str, str] | None = None) -> TraceClient:
    client: Any = TraceClient.connect(url, headers=headers)
    return client
