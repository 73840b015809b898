"""The storage commands of the ``designer`` CLI, against a temporary SQLite database."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from designer.cli import main
from designer.repository import Repository
from designer.storage import open_repository
from designer.storage.migrate import head
from tests.storage.samples import flow_doc

SECRET = "BeIukql3pTKJ8RGL5zo0DA=="


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'cli.db'}"


@pytest.fixture
def cli(url: str):
    runner = CliRunner()

    def invoke(*args: str, stdin: str | None = None) -> Result:
        return runner.invoke(
            main,
            list(args),
            env={"DESIGNER_DATABASE_URL": url},
            input=stdin,
            catch_exceptions=False,
        )

    return invoke


@pytest.fixture
def migrated(cli, url: str) -> str:
    assert cli("db", "upgrade").exit_code == 0
    return url


@pytest.fixture
def stored(migrated: str) -> Iterator[Repository]:
    """The database the commands work on, to check what they stored."""
    repo = open_repository(migrated)
    yield repo
    repo.close()  # type: ignore[attr-defined]


def write_flow(folder: Path, name: str, doc: dict | None = None) -> Path:
    path = folder / f"{name.lower().replace(' ', '_')}.json"
    path.write_text(json.dumps(doc or flow_doc(name)))
    return path


def invalid_doc(name: str = "Broken") -> dict:
    doc = flow_doc(name)
    doc["nodes"].append({"id": "odd", "type": "teleport"})
    doc["edges"][1] = {"from": "welcome", "to": "odd"}
    return doc


# --- designer db ----------------------------------------------------------------
def test_db_upgrade_current_check_downgrade(cli, url: str) -> None:
    before = cli("db", "current")
    assert before.exit_code == 0 and "revision none" in before.output
    assert "designer db upgrade" in before.output
    first = cli("db", "upgrade")
    newest = head()  # the newest migration, whichever that is
    assert first.exit_code == 0 and f"upgraded from an empty database to {newest}" in first.output
    again = cli("db", "upgrade")
    assert f"already at revision {newest} (head)" in again.output
    assert f"revision {newest} (head)" in cli("db", "current").output
    check = cli("db", "check")
    assert check.exit_code == 0 and "schema matches the models" in check.output
    down = cli("db", "downgrade", "base")
    assert down.exit_code == 0 and "now at revision base (empty)" in down.output


def test_url_option_beats_the_environment(cli, tmp_path: Path) -> None:
    other = f"sqlite:///{tmp_path / 'other.db'}"
    assert cli("db", "upgrade", "--url", other).exit_code == 0
    assert f"{head()} (head)" in cli("db", "current", "--url", other).output
    assert "revision none" in cli("db", "current").output


def test_unmigrated_database_names_the_upgrade_command(cli) -> None:
    result = cli("flow", "list")
    assert result.exit_code == 2
    assert "run `designer db upgrade`" in result.stderr
    assert "Traceback" not in result.output


def test_bad_url_is_one_clear_line(cli) -> None:
    result = cli("flow", "list", "--url", "mysql://h/db")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: unsupported database URL 'mysql://h/db'")


# --- designer flow import | list -----------------------------------------------------
def test_flow_import_prints_the_id_and_lists(cli, stored: Repository, tmp_path: Path) -> None:
    imported = cli("flow", "import", str(write_flow(tmp_path, "Support line")))
    assert imported.exit_code == 0, imported.output
    flow_id = imported.stdout.strip()
    flow = stored.get_flow(flow_id)
    assert flow.document == flow_doc("Support line") and flow.latest_version is None

    listed = cli("flow", "list")
    assert listed.stdout.splitlines()[0].split() == ["ID", "NAME", "REVISION", "VERSION", "NUMBERS"]
    assert listed.stdout.splitlines()[1].split() == [flow_id, "Support", "line", "1", "-"]


def test_flow_import_publish_and_bind(cli, stored: Repository, tmp_path: Path) -> None:
    result = cli(
        "flow",
        "import",
        str(write_flow(tmp_path, "Sales")),
        "--publish",
        "--number",
        "+46700000001",
        "--number",
        "+46700000002",
        "--comment",
        "go live",
    )
    assert result.exit_code == 0, result.output
    flow_id = result.stdout.strip()
    repo = stored
    version = repo.get_version(flow_id, 1)
    assert version.comment == "go live" and version.published_by
    assert [(b.number, b.flow_id) for b in repo.list_bindings()] == [
        ("+46700000001", flow_id),
        ("+46700000002", flow_id),
    ]
    row = cli("flow", "list").stdout.splitlines()[1].split()
    assert row == [flow_id, "Sales", "1", "1", "+46700000001", "+46700000002"]


def test_flow_import_publish_refuses_an_invalid_flow(
    cli, stored: Repository, tmp_path: Path
) -> None:
    path = write_flow(tmp_path, "Broken", invalid_doc())
    result = cli("flow", "import", str(path), "--publish")
    assert result.exit_code == 1
    assert "  error unknown-type odd — 'odd' has type 'teleport'" in result.stderr
    assert result.stdout == ""
    assert stored.list_flows() == []


def test_flow_import_without_publish_keeps_an_invalid_draft(
    cli, stored: Repository, tmp_path: Path
) -> None:
    result = cli("flow", "import", str(write_flow(tmp_path, "Broken", invalid_doc())))
    assert result.exit_code == 0
    assert stored.get_flow(result.stdout.strip()).name == "Broken"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--publish", "--number", "0700000001"], "not an E.164 phone number"),
        (["--number", "+46700000001"], "--number needs --publish"),
        (["--comment", "x"], "--comment describes the published version"),
    ],
)
def test_flow_import_option_errors(
    cli, stored: Repository, tmp_path: Path, extra: list[str], message: str
) -> None:
    result = cli("flow", "import", str(write_flow(tmp_path, "Sales")), *extra)
    assert result.exit_code == 2
    assert message in result.stderr
    assert stored.list_flows() == []


def test_flow_import_of_a_broken_file(cli, migrated: str, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    result = cli("flow", "import", str(bad))
    assert result.exit_code == 2 and "not valid JSON at line 1" in result.stderr
    missing = cli("flow", "import", str(tmp_path / "missing.json"))
    assert missing.exit_code == 2 and "cannot read" in missing.stderr


def test_flow_list_when_empty(cli, stored: Repository) -> None:
    result = cli("flow", "list")
    assert result.exit_code == 0 and "no flows stored yet" in result.stderr


# --- designer app ---------------------------------------------------------------------
def test_app_add_and_list_never_shows_secrets(cli, stored: Repository, tmp_path: Path) -> None:
    flow_id = cli("flow", "import", str(write_flow(tmp_path, "Sales"))).stdout.strip()
    added = cli("app", "add", "KEY-1", SECRET, "--name", "Production", "--default-flow", flow_id)
    assert added.exit_code == 0, added.output
    assert cli("app", "add", "KEY-2", "-", stdin=SECRET + "\n").exit_code == 0
    listed = cli("app", "list")
    assert SECRET not in listed.output
    lines = listed.stdout.splitlines()
    assert lines[0].split()[:3] == ["KEY", "NAME", "SECRET"]
    assert lines[1].split()[:4] == ["KEY-1", "Production", "set", flow_id]
    assert stored.get_application("KEY-2").secret == SECRET


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["K", "not base64!"], "SECRET must be the application secret"),
        (["K", SECRET, "--default-flow", "ghost"], "default flow 'ghost' does not exist"),
    ],
)
def test_app_add_errors(cli, migrated: str, args: list[str], message: str) -> None:
    result = cli("app", "add", *args)
    assert result.exit_code == 2 and message in result.stderr


def test_app_add_duplicate(cli, migrated: str) -> None:
    cli("app", "add", "K", SECRET)
    result = cli("app", "add", "K", SECRET)
    assert result.exit_code == 2 and "application 'K' already exists" in result.stderr


# --- designer number -------------------------------------------------------------------
def test_number_bind_list_unbind(cli, migrated: str, tmp_path: Path) -> None:
    path = write_flow(tmp_path, "Sales")
    flow_id = cli("flow", "import", str(path), "--publish").stdout.strip()
    bound = cli("number", "bind", "+46700000001", flow_id, "--version", "1")
    assert bound.exit_code == 0 and "(version 1)" in bound.stderr
    assert "latest published" in cli("number", "bind", "+46700000002", flow_id).stderr
    lines = cli("number", "list").stdout.splitlines()
    assert [line.split() for line in lines] == [
        ["NUMBER", "FLOW", "VERSION", "APPLICATION"],
        ["+46700000001", flow_id, "1", "-"],
        ["+46700000002", flow_id, "latest", "-"],
    ]
    assert cli("number", "unbind", "+46700000001").exit_code == 0
    assert len(cli("number", "list").stdout.splitlines()) == 2


def test_number_bind_errors(cli, migrated: str, tmp_path: Path) -> None:
    draft = cli("flow", "import", str(write_flow(tmp_path, "Draft"))).stdout.strip()
    for args, message in [
        (["bind", "+4670", draft], "never been published"),
        (["bind", "0046700000001", draft], "is not an E.164 phone number"),
        (["bind", "+46700000001", "ghost"], "flow 'ghost' does not exist"),
        (["unbind", "+46700000001"], "+46700000001 is not bound"),
    ]:
        result = cli("number", *args)
        assert result.exit_code == 2, args
        assert message in result.stderr, (args, result.stderr)
    assert cli("number", "bind", "+46700000001", draft, "--version", "0").exit_code == 2


# --- designer examples load --------------------------------------------------------------
def snapshot(repo: Repository) -> list[tuple]:
    return [(f.id, f.name, f.revision, f.latest_version, f.document) for f in repo.list_flows()] + [
        ("bindings", len(repo.list_bindings()))
    ]


def test_examples_load_is_idempotent(cli, stored: Repository, examples_dir: Path) -> None:
    files = sorted(examples_dir.glob("*.json"))
    assert files, f"no example flows in {examples_dir}"
    first = cli("examples", "load")
    assert first.exit_code == 0, first.output
    state = snapshot(stored)
    assert len(state) - 1 == len(files)
    assert all(latest == 1 for (_, _, _, latest, _) in state[:-1])
    assert state[-1] == ("bindings", 0)

    again = cli("examples", "load")
    assert again.exit_code == 0
    assert again.stderr.count("exists") == len(files)
    assert snapshot(stored) == state


def test_examples_load_matches_by_name_and_reports_invalid_ones(
    cli, stored: Repository, tmp_path: Path
) -> None:
    folder = tmp_path / "examples"
    folder.mkdir()
    write_flow(folder, "Alpha")
    write_flow(folder, "Beta", invalid_doc("Beta"))
    cli("flow", "import", str(write_flow(tmp_path, "Alpha", flow_doc("Alpha", "edited"))))
    result = cli("examples", "load", "--from", str(folder))
    assert result.exit_code == 1
    assert "exists  Alpha" in result.stderr
    assert "beta.json: 2 error(s), not published" in result.stderr
    assert "error unknown-type odd" in result.stderr
    flows = stored.list_flows()
    assert [(f.name, f.document["nodes"][1]["data"]["text"]) for f in flows] == [
        ("Alpha", "edited")
    ]


def test_examples_load_from_an_empty_folder(cli, migrated: str, tmp_path: Path) -> None:
    result = cli("examples", "load", "--from", str(tmp_path))
    assert result.exit_code == 2 and "no flow documents (*.json)" in result.stderr
