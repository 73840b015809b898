"""``designer flow validate|export`` through click, and once as a real process."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from designer import Flow, examples
from designer.cli import main
from tests.conftest import need_dot

FINDING_KEYS = ["severity", "code", "node", "port", "message"]


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def broken(tmp_path: Path) -> Path:
    """A readable flow with graph errors: a menu with unconnected ports and no 'main'."""
    path = tmp_path / "broken.json"
    path.write_text(json.dumps({
        "format": "callflow/1", "name": "Broken",
        "nodes": [{"id": "start", "type": "start"},
                  {"id": "menu1", "type": "menu", "data": {"prompt": "x", "options": ["1"]}}],
        "edges": [{"from": "start", "to": "menu1"}],
    }))  # fmt: skip
    return path


@pytest.fixture
def unreadable(tmp_path: Path) -> dict[str, Path]:
    bad_json = tmp_path / "bad.json"
    bad_json.write_text('{"format": "callflow/1",')
    wrong = tmp_path / "wrong.json"
    wrong.write_text(json.dumps({"format": "callflow/9", "nodes": [{"id": "a b", "type": "x"}]}))
    return {"missing": tmp_path / "missing.json", "bad-json": bad_json, "invalid": wrong}


def example_path(examples_dir: Path, name: str) -> str:
    return str(examples_dir / f"{name}.json")


def test_validate_a_valid_flow(runner, examples_dir):
    result = runner.invoke(main, ["flow", "validate", example_path(examples_dir, "pin_entry")])
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert "ok (0 error(s), 0 warning(s))" in result.stderr


def test_validate_json_of_a_valid_flow(runner, examples_dir):
    path = example_path(examples_dir, "support_line")
    result = runner.invoke(main, ["flow", "validate", path, "--json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {"ok": True, "findings": []}


def test_validate_an_invalid_flow(runner, broken):
    result = runner.invoke(main, ["flow", "validate", str(broken)])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    report = Flow.load(broken).validate()
    assert len(lines) == len(report) >= 3
    assert "error dead-end menu1:timeout — " in result.stdout
    assert "error dead-end menu1:1 — " in result.stdout
    for line in lines:
        assert re.match(r"^(error|warning) [a-z-]+( \S+)? — .+$", line), line
    assert "invalid (" in result.stderr


def test_validate_json_of_an_invalid_flow(runner, broken):
    result = runner.invoke(main, ["flow", "validate", str(broken), "--json"])
    assert result.exit_code == 1
    out = json.loads(result.stdout)
    assert list(out) == ["ok", "findings"] and out["ok"] is False
    assert all(list(f) == FINDING_KEYS for f in out["findings"])
    codes = {(f["code"], f["node"], f["port"]) for f in out["findings"]}
    assert {("dead-end", "menu1", "timeout"), ("dead-end", "menu1", "1")} <= codes
    assert any(f["code"] == "no-main-menu" for f in out["findings"])


@pytest.mark.parametrize("command", ["validate", "export"])
@pytest.mark.parametrize("problem", ["missing", "bad-json", "invalid"])
def test_unreadable_files_are_one_line_and_exit_2(runner, unreadable, command, problem):
    args = ["flow", command, str(unreadable[problem])]
    if command == "export":
        args += ["--format", "json"]
    result = runner.invoke(main, args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stderr.startswith("error: ")
    expected = {"missing": "cannot read", "bad-json": "not valid JSON", "invalid": "format"}
    assert expected[problem] in result.stderr


def test_export_svaml(runner, examples_dir):
    path = example_path(examples_dir, "support_line")
    result = runner.invoke(main, ["flow", "export", path, "--format", "svaml"])
    assert result.exit_code == 0
    assert json.loads(result.stdout) == examples.load("support_line").to_svaml()


def test_export_json_normalises(runner, tmp_path):
    src = tmp_path / "in.json"
    src.write_text(json.dumps({
        "format": "callflow/1", "name": "Tiny",
        "nodes": [{"id": "start", "type": "start", "data": {}}, {"id": "bye", "type": "hangup"}],
        "edges": [{"from": "start", "to": "bye", "port": "next"}],
    }))  # fmt: skip
    result = runner.invoke(main, ["flow", "export", str(src), "--format", "json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {
        "format": "callflow/1", "name": "Tiny", "locale": "en-US",
        "nodes": [{"id": "start", "type": "start"}, {"id": "bye", "type": "hangup"}],
        "edges": [{"from": "start", "to": "bye"}],
    }  # fmt: skip


def test_export_dot_to_a_file(runner, examples_dir, tmp_path):
    out = tmp_path / "flow.dot"
    path = example_path(examples_dir, "after_hours")
    result = runner.invoke(main, ["flow", "export", path, "--format", "dot", "-o", str(out)])
    assert result.exit_code == 0 and result.stdout == ""
    assert out.read_text() == examples.load("after_hours").to_dot()  # ends with a newline


def test_export_svg(runner, examples_dir):
    need_dot()
    path = example_path(examples_dir, "conference_bridge")
    result = runner.invoke(main, ["flow", "export", path, "--format", "svg"])
    assert result.exit_code == 0
    assert "<svg" in result.stdout and 'id="node&#45;join"' in result.stdout


def test_export_needs_a_known_format(runner, examples_dir):
    path = example_path(examples_dir, "pin_entry")
    result = runner.invoke(main, ["flow", "export", path, "--format", "pdf"])
    assert result.exit_code == 2
    assert "'pdf' is not one of" in result.stderr
    result = runner.invoke(main, ["flow", "export", path])
    assert result.exit_code == 2 and "--format" in result.stderr


def test_export_to_an_unwritable_place(runner, examples_dir, tmp_path):
    path = example_path(examples_dir, "pin_entry")
    target = tmp_path / "no" / "such" / "dir" / "x.json"
    result = runner.invoke(main, ["flow", "export", path, "--format", "json", "-o", str(target)])
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ") and len(result.stderr.splitlines()) == 1


def test_the_installed_command(examples_dir, broken, unreadable):
    """The console script itself, as a user or a CI job runs it."""
    designer = Path(sys.executable).parent / "designer"
    assert designer.exists(), "the package is not installed with its console script"

    def run(path) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(designer), "flow", "validate", str(path), "--json"],
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip

    ok = run(example_path(examples_dir, "every_node"))
    assert (ok.returncode, json.loads(ok.stdout)) == (0, {"ok": True, "findings": []})
    bad = run(broken)
    assert bad.returncode == 1 and json.loads(bad.stdout)["ok"] is False
    missing = run(unreadable["missing"])
    assert missing.returncode == 2 and missing.stdout == ""
    assert missing.stderr.startswith("error: cannot read") and "Traceback" not in missing.stderr
