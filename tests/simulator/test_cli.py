"""``designer simulate``: the --json contract (one real subprocess), then every
way to name a flow, in-process with click's runner."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from werkzeug.serving import make_server

from designer.cli import main
from designer.repository import Application, NumberBinding
from designer.storage import MemoryRepository, open_repository
from designer.web import create_app

from .flows import LINE, SALES, helpdesk

ROOT = Path(__file__).resolve().parents[2]
SUPPORT = ROOT / "designer" / "examples" / "support_line.json"
OPEN = "2026-11-25T10:00:00Z"  # a Wednesday, 11:00 in Stockholm
SECRET = "BeIukql3pTKJ8RGL5zo0DA=="


def test_json_contract_from_a_real_process():
    done = subprocess.run(
        [str(Path(sys.executable).with_name("designer")), "simulate", str(SUPPORT),
         "--press", "2", "--press", "1", "--json"],
        capture_output=True, text=True, timeout=120, cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert list(out) == ["steps", "visited", "heard", "outcome"]
    assert [s["event"] for s in out["steps"]] == ["ice", "pie", "pie", "ace", "dice"]
    assert all({"request", "svaml", "status"} <= set(s) for s in out["steps"])
    assert out["visited"][:3] == ["start", "welcome", "main"]
    assert out["visited"][-1] == "support_internet"
    assert out["heard"][0].startswith("Thank you for calling Acme Telecom")
    assert out["outcome"]["action"] == "connectPstn"
    assert out["outcome"]["node"] == "support_internet"
    assert out["outcome"]["number"] == "+46700000002"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def invoke(runner: CliRunner, *args: str, env: dict[str, str] | None = None):
    return runner.invoke(main, ["simulate", *args], env=env, catch_exceptions=False)


def test_human_output_reads_like_a_call(runner, tmp_path):
    path = tmp_path / "helpdesk.json"
    path.write_text(json.dumps(helpdesk()))
    result = invoke(runner, str(path), "--press", "1", "--at", OPEN, "--callee", "busy")
    assert result.exit_code == 0, result.output
    assert "🔊 Welcome to Acme." in result.output
    assert "⌨ 1" in result.output
    assert f"→ connectPstn {SALES}" in result.output
    assert "the callee is busy" in result.output
    assert result.output.strip().endswith("outcome: connectPstn at sales")


def test_random_walks_from_the_command_line(runner):
    result = invoke(runner, str(SUPPORT), "--random", "40", "--seed", "7", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["calls"] == 40 and report["seed"] == 7
    assert report["coverage"]["nodes"]["total"] == 12
    assert report["errors"] == []


def test_a_broken_flow_exits_1_and_names_the_error(runner, tmp_path):
    broken = helpdesk()
    broken["edges"] = [e for e in broken["edges"] if e["from"] != "sales" and e["to"] != "sales"]
    broken["nodes"] = [n for n in broken["nodes"] if n["id"] != "check"]
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(broken))
    result = invoke(runner, str(path), "--press", "2", "--press", "1234#", "--at", OPEN)
    assert result.exit_code == 1
    assert "warning:" in result.output and "validation error" in result.output
    assert "⚠ pie:" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--press", "12x"], "unknown script step '12x'"),
        (["--cli", "0701"], "--cli must be an E.164"),
        (["--callee", "maybe"], "Invalid value for '--callee'"),
        (["--at", "yesterday"], "--at must be an ISO-8601 time"),
        (["--version", "latest"], "--version must be 'draft'"),
    ],
)  # fmt: skip
def test_bad_options_are_named(runner, args, message):
    result = invoke(runner, str(SUPPORT), *args)
    assert result.exit_code == 2
    assert message in result.output


def test_missing_or_unreadable_flow(runner, tmp_path):
    assert "missing FLOW" in invoke(runner).output
    result = invoke(runner, str(tmp_path / "nope.json"))
    assert result.exit_code == 2 and "cannot read" in result.output


# --- against the local database ----------------------------------------------------------


@pytest.fixture
def database(tmp_path) -> Iterator[tuple[str, str]]:
    """A migrated SQLite database with the helpdesk flow (draft) bound to LINE (v1)."""
    url = f"sqlite:///{tmp_path / 'designer.db'}"
    repo = open_repository(url, migrate=True)
    now = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
    flow_id = repo.create_flow(helpdesk(), now).id
    repo.publish(flow_id, "v1", "test", now)
    repo.bind_number(NumberBinding(LINE, flow_id), now)
    yield url, flow_id
    close = getattr(repo, "close", None)
    if close:
        close()


def test_a_stored_flow_id_runs_its_draft(runner, database):
    url, flow_id = database
    result = invoke(runner, flow_id, "--press", "9", "--press", "9", "--json",
                    env={"DESIGNER_DATABASE_URL": url})  # fmt: skip
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["visited"][0] == "start"
    assert out["outcome"]["action"] in ("hangup", "park")  # closed or open: the flow decides


def test_a_number_is_called_through_the_local_database(runner, database):
    url, _ = database
    result = invoke(runner, LINE, "--json", env={"DESIGNER_DATABASE_URL": url})
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["steps"][0]["request"]["to"]["endpoint"] == LINE


# --- against a server over HTTP -----------------------------------------------------------------


@pytest.fixture
def server() -> Iterator[tuple[str, MemoryRepository, str]]:
    """A designer server on a real socket; applications sign callbacks."""
    repo = MemoryRepository()
    now = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
    repo.add_application(Application(key="app-1", secret=SECRET, name="Acme"))
    flow_id = repo.create_flow(helpdesk(), now).id
    repo.publish(flow_id, "v1", "test", now)
    repo.bind_number(NumberBinding(LINE, flow_id, application_key="app-1"), now)
    app = create_app({"REPOSITORY": repo, "DATABASE_URL": "memory://", "REDIS_URL": None,
                      "CLOCK": lambda: datetime.now(UTC)})  # fmt: skip
    http = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{http.server_port}", repo, flow_id
    finally:
        http.shutdown()
        thread.join(timeout=10)


def test_a_number_over_http_with_signed_callbacks(runner, server):
    url, repo, _ = server
    result = invoke(runner, LINE, "--url", url, "--app-key", "app-1", "--secret", SECRET,
                    "--press", "1", "--json")  # fmt: skip
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert [s["status"] for s in out["steps"]] == [200] * len(out["steps"])
    assert out["visited"][:2] == ["start", "welcome"]  # read back from the server's call log
    callid = out["steps"][0]["request"]["callid"]
    assert repo.get_call(callid).simulated is True


def test_unsigned_callbacks_are_refused_when_signing_is_on(runner, server):
    url, _, _ = server
    result = invoke(runner, LINE, "--url", url)
    assert result.exit_code == 1
    assert "HTTP 401" in result.output


def test_a_flow_id_over_http_and_its_replay(runner, server):
    url, _, flow_id = server
    result = invoke(runner, flow_id, "--url", url, "--press", "hangup", "--json")
    assert result.exit_code == 0, result.output
    callid = json.loads(result.output)["steps"][0]["request"]["callid"]
    replayed = invoke(runner, "--replay", callid, "--url", url, "--json")
    assert replayed.exit_code == 0, replayed.output
    report = json.loads(replayed.output)
    assert report["same"] is True and report["script"] == ["hangup"]
    assert invoke(runner, "--replay", "no-such-call", "--url", url).exit_code == 2
