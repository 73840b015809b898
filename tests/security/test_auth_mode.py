"""When is login required?  ``DESIGNER_AUTH`` and what ``auto`` decides; the local mode."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from designer.errors import ConfigError
from designer.web.access import decide_auth, is_loopback
from tests.security.conftest import MINIMAL_FLOW

NO_SERVER: dict[str, Any] = {}


@pytest.mark.parametrize(
    ("config", "environ", "modules", "required"),
    [
        ({}, {}, NO_SERVER, False),  # in-process: tests, notebooks, the CLI's own transport
        ({"BIND_HOST": "127.0.0.1"}, {}, NO_SERVER, False),  # designer run (default host)
        ({"BIND_HOST": "::1"}, {}, NO_SERVER, False),
        ({"BIND_HOST": "localhost"}, {}, NO_SERVER, False),
        ({"BIND_HOST": "0.0.0.0"}, {}, NO_SERVER, True),  # designer run --host 0.0.0.0
        ({"BIND_HOST": "192.168.1.20"}, {}, NO_SERVER, True),
        ({"BIND_HOST": "127.0.0.1", "PUBLIC_URL": "https://abc.ngrok.app"}, {}, NO_SERVER, True),
        ({"PUBLIC_URL": "http://127.0.0.1:5000"}, {}, NO_SERVER, False),
        ({}, {"SERVER_SOFTWARE": "gunicorn/23.0.0"}, NO_SERVER, True),  # behind nginx, too
        ({"BIND_HOST": "127.0.0.1"}, {"SERVER_SOFTWARE": "gunicorn/23"}, NO_SERVER, False),
        ({}, {}, {"uwsgi": object()}, True),
        ({"AUTH": "required"}, {}, NO_SERVER, True),
        ({"AUTH": "OFF"}, {"SERVER_SOFTWARE": "gunicorn/23.0.0"}, NO_SERVER, False),
        ({"AUTH": "off", "PUBLIC_URL": "https://ivr.example.com"}, {}, NO_SERVER, False),
    ],
)
def test_auto_decides_from_what_can_be_known(
    config: dict[str, Any], environ: dict[str, str], modules: dict[str, Any], required: bool
) -> None:
    decision = decide_auth(config, modules=modules, environ=environ)
    assert decision.required is required, decision.reason
    assert decision.reason


def test_an_unknown_mode_names_the_variable() -> None:
    with pytest.raises(ConfigError, match="DESIGNER_AUTH must be one of auto, required, off"):
        decide_auth({"AUTH": "sometimes"})


def test_the_environment_variable_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    from designer.web import create_app
    from designer.web.access import login_required

    monkeypatch.setenv("DESIGNER_AUTH", "required")
    monkeypatch.setenv("DESIGNER_SECRET_KEY", "s" * 64)
    app = create_app({"DATABASE_URL": "memory://"})
    assert login_required(app)
    assert app.test_client().get("/api/flows").status_code == 401


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("127.0.0.1", True), ("127.1.2.3", True), ("::1", True), ("[::1]", True),
     ("localhost", True), ("LOCALHOST", True), ("0.0.0.0", False), ("10.0.0.1", False),
     ("example.com", False), ("localhost.evil.example", False), ("", False), (None, False)],
)  # fmt: skip
def test_loopback(host: str | None, loopback: bool) -> None:
    assert is_loopback(host) is loopback


# --- the local mode -------------------------------------------------------------------------


@pytest.fixture
def local_app(make_app: Callable[..., Flask]) -> Flask:
    """``designer run`` on 127.0.0.1: auto decides no login."""
    return make_app(AUTH="auto", BIND_HOST="127.0.0.1")


def test_local_mode_needs_no_login(local_app: Flask) -> None:
    client = local_app.test_client()
    assert client.post("/api/flows", json=MINIMAL_FLOW).status_code == 201
    assert client.get("/").status_code == 200
    me = client.get("/api/me").get_json()
    assert (me["user"], me["role"], me["auth"], me["via"]) == (None, "admin", "off", "local")


@pytest.mark.parametrize("host", ["127.0.0.1:5000", "localhost:5000", "[::1]:5000"])
def test_local_mode_answers_loopback_names(local_app: Flask, host: str) -> None:
    assert local_app.test_client().get("/api/flows", headers={"Host": host}).status_code == 200


def test_local_mode_refuses_other_host_names(local_app: Flask) -> None:
    """A page on evil.example that resolves to 127.0.0.1 (DNS rebinding) gets nothing."""
    response = local_app.test_client().get("/api/flows", headers={"Host": "evil.example:5000"})
    assert response.status_code == 403
    assert "DESIGNER_AUTH=required" in response.get_json()["error"]["message"]


def test_local_mode_still_refuses_cross_site_writes(local_app: Flask) -> None:
    """Without login a web page could otherwise post to http://127.0.0.1:5000 in the background."""
    client = local_app.test_client()
    for headers in ({"Origin": "https://evil.example"}, {"Sec-Fetch-Site": "cross-site"}):
        response = client.post("/api/flows", json=MINIMAL_FLOW, headers=headers)
        assert response.status_code == 403, headers
    flow = client.post("/api/flows", json=MINIMAL_FLOW).get_json()
    response = client.post(
        f"/api/flows/{flow['id']}/versions",
        data="",
        content_type="application/x-www-form-urlencoded",  # what an HTML form would send
        headers={"Origin": "https://evil.example"},
    )
    assert response.status_code == 403


def test_explicitly_off_answers_any_host(make_app: Callable[..., Flask]) -> None:
    """DESIGNER_AUTH=off is for deployments behind an authenticating proxy."""
    app = make_app(AUTH="off")
    response = app.test_client().get("/api/flows", headers={"Host": "designer.internal"})
    assert response.status_code == 200


# --- callbacks never need a login -------------------------------------------------------------


def test_callbacks_need_no_login(secure_app: Flask, clock: Any) -> None:
    repo = secure_app.extensions["designer"].repo
    flow = repo.create_flow(MINIMAL_FLOW, clock())
    repo.publish(flow.id, "", "tests", clock())
    from designer.repository import NumberBinding

    repo.bind_number(NumberBinding(number="+46700000001", flow_id=flow.id), clock())
    response = secure_app.test_client().post("/voice/callback", json={
        "event": "ice", "callid": "c-1", "timestamp": "2026-11-25T10:00:00Z",
        "cli": "+46701234567", "to": {"type": "number", "endpoint": "+46700000001"},
    })  # fmt: skip
    assert response.status_code == 200
    assert response.get_json()["action"]["name"] == "hangup"


# --- the session key --------------------------------------------------------------------------


def test_required_login_keeps_its_session_key_in_a_file(
    make_app: Callable[..., Flask], tmp_path: Path
) -> None:
    key_file = tmp_path / "instance" / "secret_key"
    first = make_app(SECRET_KEY=None, SECRET_KEY_FILE=str(key_file))
    second = make_app(SECRET_KEY=None, SECRET_KEY_FILE=str(key_file))
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"] == key_file.read_text().strip()
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"


def test_a_configured_key_wins(make_app: Callable[..., Flask], tmp_path: Path) -> None:
    app = make_app(SECRET_KEY="c" * 40, SECRET_KEY_FILE=str(tmp_path / "unused"))
    assert app.config["SECRET_KEY"] == "c" * 40
    assert not (tmp_path / "unused").exists()


def test_an_unusable_key_file_stops_the_start(
    make_app: Callable[..., Flask], tmp_path: Path
) -> None:
    (tmp_path / "short").write_text("abc")
    with pytest.raises(ConfigError, match="too short"):
        make_app(SECRET_KEY=None, SECRET_KEY_FILE=str(tmp_path / "short"))
