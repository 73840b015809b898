"""A real gunicorn (gthread workers, the production configuration) for the fault tests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

GUNICORN = Path(sys.executable).with_name("gunicorn")
ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Gunicorn:
    """``gunicorn -c python:designer.web.gunicorn_conf "designer.web:create_app()"``.

    Configured only through ``DESIGNER_*`` variables, as in production
    (login off: the tests play the platform and the editor alike).
    """

    def __init__(self, log_dir: Path, env: dict[str, str], workers: int = 2) -> None:
        self.port = free_port()
        self.workers_wanted = workers
        self.log_path = log_dir / f"gunicorn-{self.port}.log"
        self.env = {
            **os.environ,
            "DESIGNER_BIND": f"127.0.0.1:{self.port}",
            "DESIGNER_WORKERS": str(workers),
            "DESIGNER_THREADS": "8",
            "DESIGNER_AUTH": "off",
            "DESIGNER_LOG_LEVEL": "info",
            **env,
        }
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def start(self, timeout: float = 40.0) -> Gunicorn:
        log = open(self.log_path, "wb")  # noqa: SIM115 - the child keeps writing to it
        self.proc = subprocess.Popen(
            [str(GUNICORN), "-c", "python:designer.web.gunicorn_conf", "designer.web:create_app()"],
            env=self.env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            if len(self.workers()) >= self.workers_wanted and self._answers():
                return self
            time.sleep(0.2)
        self.stop()
        raise AssertionError(f"gunicorn did not start:\n{self.log()[-4000:]}")

    def _answers(self) -> bool:
        try:
            return httpx.get(f"{self.url}/api/nodes", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    # --- processes ----------------------------------------------------------------------
    def workers(self) -> list[int]:
        """The pids of the master's worker processes that are running."""
        if self.proc is None:
            return []
        master = self.proc.pid
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat[stat.rindex(")") + 2 :].split()
            if int(fields[1]) == master and fields[0] != "Z":
                found.append(int(entry.name))
        return sorted(found)

    def worker_holding_connection(self) -> int | None:
        """The worker holding an established connection on the server port (a kept-alive client)."""
        inodes = _established_inodes(self.port)
        for pid in self.workers():
            try:
                fds = list(Path(f"/proc/{pid}/fd").iterdir())
            except OSError:
                continue
            for fd in fds:
                try:
                    target = os.readlink(fd)
                except OSError:
                    continue
                if target.startswith("socket:[") and target[8:-1] in inodes:
                    return pid
        return None

    def wait_workers(self, count: int, timeout: float = 30.0, without: int | None = None) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pids = self.workers()
            if len(pids) >= count and without not in pids:
                return
            time.sleep(0.1)
        raise AssertionError(f"gunicorn has workers {self.workers()}, wanted {count}")

    def wait_gone(self, pid: int, timeout: float = 10.0) -> None:
        """Until worker ``pid`` has exited and gunicorn has reaped it (``kill`` returns before)."""
        deadline = time.monotonic() + timeout
        while Path(f"/proc/{pid}").exists():
            if time.monotonic() > deadline:
                raise AssertionError(f"process {pid} is still there")
            time.sleep(0.01)

    def terminate(self) -> None:
        """SIGTERM to the master: a graceful stop."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)

    def wait(self, timeout: float) -> int:
        assert self.proc is not None
        return self.proc.wait(timeout=timeout)

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def _established_inodes(port: int) -> set[str]:
    """Socket inodes of established TCP connections whose local port is ``port``."""
    found: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if state == "01" and int(local.rsplit(":", 1)[1], 16) == port:
                found.add(inode)
    return found
