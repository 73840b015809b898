"""The application factory: configuration, start-up checks and the WSGI entry point."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from designer.errors import ConfigError, NotMigrated
from designer.storage import MemoryRepository
from designer.web import BLUEPRINTS, create_app
from designer.web.config import default_database_url, load_config

VENV_BIN = Path(sys.executable).parent


def test_environment_then_dict(monkeypatch):
    monkeypatch.setenv("DESIGNER_DATABASE_URL", "memory://")
    monkeypatch.setenv("DESIGNER_MAX_BODY_BYTES", "1234")
    monkeypatch.setenv("DESIGNER_PUBLIC_URL", "https://ivr.example.com")
    monkeypatch.setenv("DESIGNER_SOMETHING_ELSE", "kept as text")
    app = create_app()
    assert app.config["MAX_CONTENT_LENGTH"] == 1234
    assert app.config["PUBLIC_URL"] == "https://ivr.example.com"
    assert app.config["SOMETHING_ELSE"] == "kept as text"
    assert isinstance(app.extensions["designer"].repo, MemoryRepository)
    assert (
        create_app({"MAX_BODY_BYTES": 99})["MAX_CONTENT_LENGTH" if False else "config"]
        if False
        else True
    )
    assert create_app({"MAX_BODY_BYTES": 99}).config["MAX_CONTENT_LENGTH"] == 99


@pytest.mark.parametrize(
    ("env", "fragment"),
    [
        ({"DESIGNER_MAX_BODY_BYTES": "lots"}, "DESIGNER_MAX_BODY_BYTES"),
        ({"DESIGNER_MAX_BODY_BYTES": "0"}, "positive"),
        ({"DESIGNER_TESTING": "perhaps"}, "DESIGNER_TESTING"),
    ],
)
def test_bad_settings_name_the_variable(env, fragment):
    with pytest.raises(ConfigError, match=fragment):
        load_config(env)


def test_bad_config_values_name_the_key():
    with pytest.raises(ConfigError, match="config key MAX_BODY_BYTES"):
        load_config({}, {"MAX_BODY_BYTES": "many"})
    with pytest.raises(ConfigError, match="CLOCK"):
        create_app({"DATABASE_URL": "memory://", "CLOCK": "noon"})


def test_given_repository_and_clock_are_used():
    repo = MemoryRepository()
    moment = datetime(2030, 1, 2, 3, 4, tzinfo=UTC)
    app = create_app({"REPOSITORY": repo, "CLOCK": lambda: moment})
    state = app.extensions["designer"]
    assert state.repo is repo and state.now() == moment
    created = app.test_client().post(
        "/api/flows", json={"format": "callflow/1", "name": "n", "nodes": []}
    )
    assert created.get_json()["createdAt"] == "2030-01-02T03:04:00Z"
    assert [f.id for f in repo.list_flows()] == [created.get_json()["id"]]


def test_default_database_is_sqlite_in_the_instance_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert default_database_url() == "sqlite:///instance/designer.db"
    assert (tmp_path / "instance").is_dir()


def test_refuses_to_start_on_an_unmigrated_database(tmp_path):
    with pytest.raises(NotMigrated, match="designer db upgrade"):
        create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}"})


def test_blueprints_are_registered_from_one_list():
    app = create_app({"DATABASE_URL": "memory://"})
    assert {bp.import_name for bp in app.blueprints.values()} >= set(BLUEPRINTS)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(url: str, proc: subprocess.Popen, seconds: float = 20) -> httpx.Response:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"server exited: {proc.communicate()[1]}")
        try:
            return httpx.get(url, timeout=2)
        except httpx.TransportError:
            time.sleep(0.2)
    raise AssertionError(f"{url} did not answer within {seconds} s")


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DESIGNER_")}
    return {**env, **extra}


@pytest.mark.slow
def test_gunicorn_serves_create_app_from_the_environment(sqlite_url):
    port = _free_port()
    proc = subprocess.Popen(
        [str(VENV_BIN / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", "1",
         "--threads", "4", "designer.web:create_app()"],
        # under gunicorn login is required unless told otherwise (tests/security covers it)
        env=_env(DESIGNER_DATABASE_URL=sqlite_url, DESIGNER_AUTH="off"),
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        response = _wait_for(f"http://127.0.0.1:{port}/api/nodes", proc)
        assert response.status_code == 200
        assert {t["type"] for t in response.json()["types"]} >= {"start", "menu", "hangup"}
    finally:
        proc.terminate()
        proc.communicate(timeout=20)


@pytest.mark.slow
def test_gunicorn_refuses_an_unmigrated_database(tmp_path):
    proc = subprocess.run(
        [str(VENV_BIN / "gunicorn"), "--bind", f"127.0.0.1:{_free_port()}",
         "designer.web:create_app()"],
        env=_env(DESIGNER_DATABASE_URL=f"sqlite:///{tmp_path / 'new.db'}"),
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert proc.returncode != 0
    assert "designer db upgrade" in proc.stderr


@pytest.mark.slow
def test_designer_run_serves_the_app(sqlite_url):
    port = _free_port()
    proc = subprocess.Popen(
        [str(VENV_BIN / "designer"), "run", "--port", str(port)],
        env=_env(DESIGNER_DATABASE_URL=sqlite_url),
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        response = _wait_for(f"http://127.0.0.1:{port}/api/flows", proc)
        assert response.status_code == 200 and response.json() == {"items": []}
    finally:
        proc.terminate()
        proc.communicate(timeout=20)
