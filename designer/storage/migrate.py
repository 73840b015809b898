"""Running the Alembic migrations from Python and checking a database is up to date.

The migrations live in ``migrations/`` at the repository root (plain Alembic,
``migrations/alembic.ini``), so ``alembic -c migrations/alembic.ini upgrade
head`` works as usual.  These helpers find that folder relative to the
``designer`` package:

1. ``$DESIGNER_MIGRATIONS_DIR`` when set (an explicit override);
2. ``<package>/../migrations`` — a source checkout or an editable install
   (``pip install -e .``), where the package is imported from the checkout;
3. ``<package>/_migrations`` — a wheel install, which ships the folder there.

No Flask app is involved: ``designer db upgrade`` and the test suite call
these functions directly with a URL or an existing engine.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError

import designer
from designer.errors import ConfigError, DesignerError, NotMigrated
from designer.storage.engine import (
    database_url,
    is_memory_sqlite,
    make_engine,
    redact,
    translate,
)
from designer.storage.models import Base

ENV_DIR = "DESIGNER_MIGRATIONS_DIR"
UPGRADE_HINT = "run `designer db upgrade`"


def migrations_dir() -> Path:
    """The folder holding ``env.py`` and ``versions/`` (see the module docstring)."""
    explicit = os.environ.get(ENV_DIR)
    package = Path(designer.__file__).resolve().parent
    candidates = [Path(explicit)] if explicit else []
    candidates += [package.parent / "migrations", package / "_migrations"]
    for folder in candidates:
        if (folder / "env.py").is_file():
            return folder
    tried = ", ".join(str(p) for p in candidates)
    raise ConfigError(f"the database migrations were not found (looked in {tried})")


def alembic_config(url: str | None = None, connection: Connection | None = None) -> Config:
    """An Alembic config for ``url`` (or an open connection, e.g. an in-memory SQLite)."""
    folder = migrations_dir()
    cfg = Config(str(folder / "alembic.ini")) if (folder / "alembic.ini").is_file() else Config()
    cfg.set_main_option("script_location", str(folder))
    if url is not None:
        # ConfigParser interpolation: a literal % in a password must be doubled.
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if connection is not None:
        cfg.attributes["connection"] = connection
    # The application owns logging; alembic.ini's logging is for the alembic command.
    cfg.attributes["configure_logger"] = False
    return cfg


def head() -> str:
    """The newest revision this code knows."""
    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    if len(heads) != 1:
        raise ConfigError(f"the migrations have {len(heads)} heads, expected one: {heads}")
    return heads[0]


@contextmanager
def _connection(
    target: str | Engine | None, *, migrating: bool = False
) -> Iterator[tuple[Connection, str]]:
    """A transaction on ``target``; for ``migrating``, on an engine of its own.

    The migration engine leaves SQLite's foreign keys unenforced while batch
    mode copies tables, and has no PostgreSQL statement timeout to cut long
    DDL short.  An in-memory SQLite database exists only on its one
    connection, so its engine is always reused.
    """
    if isinstance(target, Engine) and (not migrating or is_memory_sqlite(target.url)):
        engine, own = target, False
    else:
        url = (
            target.url.render_as_string(hide_password=False)
            if isinstance(target, Engine)
            else database_url(target)
        )
        engine, own = make_engine(url, foreign_keys=not migrating), True
    try:
        with engine.begin() as conn:
            yield conn, redact(engine.url)
    except SQLAlchemyError as exc:
        raise translate(exc, engine.url) from exc
    finally:
        if own:
            engine.dispose()


def _run(target: str | Engine | None, fn: Any, *args: Any) -> None:
    with _connection(target, migrating=True) as (conn, _url):
        try:
            fn(alembic_config(connection=conn), *args)
        except CommandError as exc:
            raise DesignerError(f"migration failed: {exc}") from None


def upgrade(target: str | Engine | None = None, revision: str = "head") -> None:
    """Migrate the database (a URL or an engine; default ``$DESIGNER_DATABASE_URL``) up."""
    _run(target, command.upgrade, revision)


def downgrade(target: str | Engine | None, revision: str) -> None:
    """Migrate down to ``revision`` (``base`` drops every table the migrations created)."""
    _run(target, command.downgrade, revision)


def current(target: str | Engine | None = None) -> str | None:
    """The revision the database is at, or None when it was never migrated."""
    with _connection(target) as (conn, _url):
        return MigrationContext.configure(conn).get_current_revision()


def ensure_migrated(target: str | Engine | None = None) -> None:
    """Raise ``NotMigrated`` unless the database is at this code's head revision.

    Called when a repository is opened, so that a server never starts on a
    missing or outdated schema and then fails on its first callback.
    """
    newest = head()
    with _connection(target) as (conn, url):
        at = MigrationContext.configure(conn).get_current_revision()
    if at == newest:
        return
    if at is None:
        raise NotMigrated(
            f"the database {url} has no tables yet: {UPGRADE_HINT}",
            details={"current": None, "head": newest},
        )
    known = {s.revision for s in ScriptDirectory.from_config(alembic_config()).walk_revisions()}
    if at not in known:
        raise NotMigrated(
            f"the database {url} is at revision {at}, which this version of the designer "
            "does not know (was it migrated by a newer version?)",
            details={"current": at, "head": newest},
        )
    raise NotMigrated(
        f"the database {url} is at revision {at}, this code needs {newest}: {UPGRADE_HINT}",
        details={"current": at, "head": newest},
    )


def check(target: str | Engine | None = None) -> list[Any]:
    """Differences between the models and the migrated database (empty when they agree).

    The programmatic ``alembic check``: raises ``NotMigrated`` first when the
    database is not at head, then compares the live schema with the models.
    """
    ensure_migrated(target)
    with _connection(target) as (conn, _url):
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(ctx, Base.metadata)
