"""``designer simulate --url`` against a server that requires login: ``--token``.

The token goes on the ``/api`` calls the command makes (the simulator API,
reading a call's trace back, a flow for ``--random``) as ``Authorization:
Bearer``; the Sinch callbacks themselves never carry it, since their
signature is their authentication.  The server here is the real app with
``DESIGNER_AUTH=required`` on a loopback port, with real users and tokens.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from click.testing import CliRunner
from werkzeug.serving import make_server

from designer import accounts
from designer.cli import main
from designer.repository import Application, NumberBinding
from designer.storage import MemoryRepository
from designer.web import create_app
from designer.web.access import access_state

from .flows import LINE, helpdesk

SECRET = "BeIukql3pTKJ8RGL5zo0DA=="


@dataclass
class Server:
    url: str
    flow_id: str
    tokens: dict[str, str]  # role -> API token
    seen: list[tuple[str, str | None]] = field(default_factory=list)  # (path, Authorization)


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Production scrypt parameters but a lower cost: these tests are about the CLI."""
    monkeypatch.setattr(accounts, "SCRYPT_N", 2**10)


@pytest.fixture
def server() -> Iterator[Server]:
    """A login-required designer on a real socket that records each request's Authorization."""
    repo = MemoryRepository()
    now = datetime.now(UTC)
    repo.add_application(Application(key="app-1", secret=SECRET, name="Acme"))
    flow_id = repo.create_flow(helpdesk(), now).id
    repo.publish(flow_id, "v1", "test", now)
    repo.bind_number(NumberBinding(LINE, flow_id, application_key="app-1"), now)
    app = create_app({"REPOSITORY": repo, "DATABASE_URL": "memory://", "REDIS_URL": None,
                      "AUTH": "required", "SECRET_KEY": "s" * 64})  # fmt: skip
    store = access_state(app).store
    tokens = {}
    for role in ("viewer", "editor"):
        accounts.create_user(store, f"{role}-bot", role, None, now)
        tokens[role] = accounts.issue_token(store, f"{role}-bot", "simulate tests", now)[1]
    state = Server(url="", flow_id=flow_id, tokens=tokens)
    inner = app.wsgi_app

    def recording(environ: dict[str, Any], start_response: Any) -> Any:
        state.seen.append((environ["PATH_INFO"], environ.get("HTTP_AUTHORIZATION")))
        return inner(environ, start_response)

    app.wsgi_app = recording  # type: ignore[method-assign]
    http = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{http.server_port}"
    try:
        yield state
    finally:
        http.shutdown()
        thread.join(timeout=10)
        http.server_close()
        repo.close()


def simulate(*args: str, env: dict[str, str] | None = None) -> Any:
    runner = CliRunner()
    return runner.invoke(main, ["simulate", *args], env=env, catch_exceptions=False)


def test_without_a_token_the_command_says_how_to_sign_in(server: Server) -> None:
    result = simulate(server.flow_id, "--url", server.url, "--press", "hangup")
    assert result.exit_code == 2
    assert "requires login" in result.output and "--token" in result.output
    assert "DESIGNER_TOKEN" in result.output


def test_a_flow_id_with_a_token(server: Server) -> None:
    result = simulate(server.flow_id, "--url", server.url, "--press", "1", "--json",
                      "--token", server.tokens["editor"])  # fmt: skip
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["visited"][:2] == ["start", "welcome"]
    bearer = f"Bearer {server.tokens['editor']}"
    assert ("/api/sim/calls", bearer) in server.seen


def test_the_token_can_come_from_the_environment(server: Server) -> None:
    result = simulate(server.flow_id, "--url", server.url, "--press", "hangup", "--json",
                      env={"DESIGNER_TOKEN": server.tokens["editor"]})  # fmt: skip
    assert result.exit_code == 0, result.output
    # --random reads the flow through the API too
    walked = simulate(server.flow_id, "--url", server.url, "--random", "3",
                      env={"DESIGNER_TOKEN": server.tokens["editor"]})  # fmt: skip
    assert walked.exit_code == 0, walked.output


def test_a_role_that_may_not_simulate_is_told_so(server: Server) -> None:
    result = simulate(server.flow_id, "--url", server.url, "--token", server.tokens["viewer"])
    assert result.exit_code == 2
    assert "may not do this" in result.output and "editor" in result.output


def test_callbacks_never_carry_the_token(server: Server) -> None:
    """A number called over HTTP: signed callbacks, then the trace read back with the token."""
    token = server.tokens["viewer"]  # reading the call log is enough here
    result = simulate(LINE, "--url", server.url, "--app-key", "app-1", "--secret", SECRET,
                      "--press", "1", "--json", "--token", token)  # fmt: skip
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["visited"][:2] == ["start", "welcome"]  # read back from the call log
    callbacks = [auth for path, auth in server.seen if path.startswith("/voice/")]
    assert callbacks and all(auth and auth.startswith("application app-1:") for auth in callbacks)
    api = [auth for path, auth in server.seen if path.startswith("/api/")]
    assert api == [f"Bearer {token}"]


def test_a_token_that_is_no_token_is_refused_before_any_request(server: Server) -> None:
    result = simulate(server.flow_id, "--url", server.url, "--token", "two words")
    assert result.exit_code == 2 and "without spaces" in result.output
    assert server.seen == []
