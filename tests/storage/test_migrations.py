"""Alembic migrations: they build exactly the models' schema, both ways, on both backends."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from designer.errors import ConfigError, NotMigrated
from designer.storage import open_repository
from designer.storage.engine import make_engine
from designer.storage.migrate import (
    alembic_config,
    check,
    current,
    downgrade,
    ensure_migrated,
    head,
    migrations_dir,
    upgrade,
)
from designer.storage.models import Base
from tests.conftest import ROOT

TABLES = {t.name for t in Base.metadata.sorted_tables}


def diff(url: str) -> list:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True})
            return compare_metadata(ctx, Base.metadata)
    finally:
        engine.dispose()


def tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database: a new SQLite file, or an emptied PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'designer.db'}"
    return request.getfixturevalue("pg_empty_url")


def test_upgrade_downgrade_upgrade_matches_the_models(empty_url: str) -> None:
    assert current(empty_url) is None
    upgrade(empty_url)
    assert current(empty_url) == head()
    assert tables(empty_url) == TABLES
    assert diff(empty_url) == []
    assert check(empty_url) == []

    downgrade(empty_url, "base")
    assert current(empty_url) is None
    assert tables(empty_url) == set()

    upgrade(empty_url)
    assert diff(empty_url) == []


def test_the_comparison_notices_a_schema_that_drifted(empty_url: str) -> None:
    """Guard against a check that cannot fail: drop an index and it must be reported."""
    upgrade(empty_url)
    engine = make_engine(empty_url)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP INDEX ix_calls_result")
    finally:
        engine.dispose()
    found = check(empty_url)
    assert [d[0] for d in found] == ["add_index"]
    assert found[0][1].name == "ix_calls_result"


def test_unmigrated_database_is_refused_naming_the_command(empty_url: str) -> None:
    with pytest.raises(NotMigrated, match="run `designer db upgrade`"):
        open_repository(empty_url)
    with pytest.raises(NotMigrated, match="run `designer db upgrade`"):
        check(empty_url)


def test_database_from_a_newer_version_is_refused(empty_url: str) -> None:
    upgrade(empty_url)
    engine = make_engine(empty_url)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("UPDATE alembic_version SET version_num = '9999'")
        with pytest.raises(NotMigrated, match="revision 9999, which this version"):
            ensure_migrated(engine)
    finally:
        engine.dispose()


def test_tables_dropped_under_a_running_repository(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'designer.db'}"
    repo = open_repository(url, migrate=True)
    downgrade(url, "base")
    with pytest.raises(NotMigrated, match="designer db upgrade"):
        repo.list_flows()
    repo.close()


def test_in_memory_sqlite_can_be_migrated_through_its_engine() -> None:
    repo = open_repository("sqlite://", migrate=True)
    assert repo.list_flows() == []
    ensure_migrated(repo.engine)
    repo.close()


def test_migrations_are_found_in_the_checkout() -> None:
    """Editable install: the package is imported from the checkout, migrations/ beside it."""
    assert migrations_dir() == ROOT / "migrations"


def test_migrations_folder_can_be_overridden(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.setenv("DESIGNER_MIGRATIONS_DIR", str(tmp_path))
    assert migrations_dir() == ROOT / "migrations"  # no env.py there: falls back
    (tmp_path / "env.py").write_text("")
    assert migrations_dir() == tmp_path
    monkeypatch.setenv("DESIGNER_MIGRATIONS_DIR", str(tmp_path / "missing"))
    monkeypatch.setattr("designer.__file__", str(tmp_path / "pkg" / "__init__.py"))
    with pytest.raises(ConfigError, match="migrations were not found"):
        migrations_dir()


def test_offline_sql_for_both_backends() -> None:
    for url, marker in (
        ("sqlite:///unused.db", "CREATE TABLE flows"),
        ("postgresql://u@h/db", "JSONB"),
    ):
        out = io.StringIO()
        cfg = alembic_config(url)
        cfg.output_buffer = out
        command.upgrade(cfg, "head", sql=True)
        assert marker in out.getvalue()
        assert "CREATE TABLE call_events" in out.getvalue()


def test_plain_alembic_command_line(tmp_path: Path) -> None:
    """The documented `alembic -c migrations/alembic.ini -x url=...` works without the app."""
    url = f"sqlite:///{tmp_path / 'plain.db'}"
    alembic = Path(sys.executable).with_name("alembic")
    done = subprocess.run(
        [
            str(alembic),
            "-c",
            str(ROOT / "migrations" / "alembic.ini"),
            "-x",
            f"url={url}",
            "upgrade",
            "head",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "Running upgrade  -> 0001" in done.stderr
    assert current(url) == head()
