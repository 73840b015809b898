"""The production entry: gunicorn with ``designer.web.gunicorn_conf`` requires login by default."""

from __future__ import annotations

import importlib
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from designer import accounts
from designer.storage import open_repository
from designer.storage.accounts import accounts_for
from tests.conftest import ROOT

GUNICORN = Path(sys.executable).with_name("gunicorn")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_config_reads_its_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DESIGNER_WORKERS", "3")
    monkeypatch.setenv("DESIGNER_BIND", "0.0.0.0:9000")
    conf = importlib.reload(importlib.import_module("designer.web.gunicorn_conf"))
    assert (conf.workers, conf.bind, conf.worker_class) == (3, "0.0.0.0:9000", "gthread")
    assert conf.threads >= 16 and conf.graceful_timeout > 5 and conf.worker_tmp_dir == "/dev/shm"
    monkeypatch.setenv("DESIGNER_WORKERS", "many")
    with pytest.raises(SystemExit, match="DESIGNER_WORKERS must be a positive whole number"):
        importlib.reload(conf)
    monkeypatch.delenv("DESIGNER_WORKERS")
    importlib.reload(conf)


@pytest.mark.slow
def test_gunicorn_with_the_config_requires_login(sqlite_url: str, tmp_path: Path, now) -> None:
    repo = open_repository(sqlite_url)
    try:
        store = accounts_for(repo)
        accounts.create_user(store, "ops", "viewer", None, now)
        _record, token = accounts.issue_token(store, "ops", "deploy test", now)
    finally:
        repo.close()
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("DESIGNER_")}
    env.update(
        DESIGNER_DATABASE_URL=sqlite_url,
        DESIGNER_BIND=f"127.0.0.1:{port}",  # loopback, as behind nginx: login still required
        DESIGNER_WORKERS="1",
        DESIGNER_THREADS="4",
        DESIGNER_SECRET_KEY="d" * 64,
    )
    log = tmp_path / "gunicorn.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(GUNICORN), "-c", "python:designer.web.gunicorn_conf", "designer.web:create_app()"],
            env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 30
            health = None
            while time.monotonic() < deadline and proc.poll() is None:
                try:
                    health = httpx.get(f"{base}/healthz", timeout=2)
                    break
                except httpx.TransportError:
                    time.sleep(0.2)
            assert health is not None, log.read_text()[-3000:]
            assert health.status_code == 200 and health.json()["status"] == "ok"
            assert httpx.get(f"{base}/api/flows", timeout=5).status_code == 401
            me = httpx.get(f"{base}/api/me", headers={"Authorization": f"Bearer {token}"},
                           timeout=5)  # fmt: skip
            assert me.status_code == 200 and me.json()["user"] == "ops"
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    text = log.read_text()
    assert '"GET /api/me HTTP/1.1" 200' in text  # the access log format, path without query
    assert "Using worker: gthread" in text
