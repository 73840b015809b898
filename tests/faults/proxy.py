"""A TCP forwarder between the app and a real server, to fail that server on demand.

Other suites use the same PostgreSQL and Redis servers at the same time, so
the servers themselves are never stopped here: the app talks to them through
a ``FaultProxy`` and the test fails the proxy instead.

- ``pause()``: bytes stop flowing both ways, on open and on new connections
  (which are still accepted, as a kernel does for a stopped process).  The
  app's requests are acknowledged and never answered: a hung server.
- ``cut()``: every connection is closed and new ones are refused: a stopped
  server.
- ``restore()``: forwarding resumes (bytes held during a pause are
  delivered) or, after a cut, the proxy listens again on the same port.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from types import TracebackType

_POLL_S = 0.05


class FaultProxy:
    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self._lock = threading.Lock()
        self._flowing = threading.Event()
        self._flowing.set()
        self._conns: set[socket.socket] = set()
        self._listener: socket.socket | None = None
        self._closed = False
        self.accepted = 0
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        self.port: int = probe.getsockname()[1]
        probe.close()

    # --- life cycle -------------------------------------------------------------------
    def start(self) -> FaultProxy:
        self._listen()
        return self

    def close(self) -> None:
        self._closed = True
        self._flowing.set()
        self.cut()

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.close()

    # --- faults -----------------------------------------------------------------------
    @property
    def state(self) -> str:
        if self._listener is None:
            return "cut"
        return "up" if self._flowing.is_set() else "paused"

    def pause(self) -> None:
        self._flowing.clear()

    def cut(self) -> None:
        with self._lock:
            listener, self._listener = self._listener, None
            conns, self._conns = self._conns, set()
        if listener is not None:
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept()
            listener.close()
        for conn in conns:
            _close(conn)

    def restore(self) -> None:
        if self._listener is None and not self._closed:
            self._listen()
        self._flowing.set()

    # --- forwarding -------------------------------------------------------------------
    def _listen(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(128)
        with self._lock:
            self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=2)
            except OSError:
                _close(client)
                continue
            upstream.settimeout(None)
            with self._lock:
                if self._listener is not listener:  # cut while connecting
                    _close(client)
                    _close(upstream)
                    return
                self._conns.update((client, upstream))
                self.accepted += 1
            for src, dst in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(src, dst), daemon=True).start()

    def _pipe(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                while not self._flowing.wait(_POLL_S):  # paused: hold the bytes
                    if src not in self._conns:
                        return
                if src not in self._conns:
                    return
                dst.sendall(data)
        except OSError:
            pass
        finally:
            with self._lock:
                self._conns.discard(src)
                self._conns.discard(dst)
            _close(src)
            _close(dst)


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    with contextlib.suppress(OSError):
        sock.close()
