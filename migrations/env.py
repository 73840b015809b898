"""Alembic environment: plain Alembic, no Flask app needed.

The database URL is, in order: ``-x url=...`` on the alembic command line,
``sqlalchemy.url`` in the config, ``$DESIGNER_DATABASE_URL``, and finally the
embedded default ``sqlite:///instance/designer.db``.  ``designer.storage.migrate``
passes an open connection instead (``config.attributes["connection"]``), which
is how an in-memory SQLite database or a test's engine gets migrated.

SQLite cannot ALTER most things, so migrations run in batch mode there
(``render_as_batch``): Alembic copies the table with the change applied.
"""

from __future__ import annotations

from logging.config import fileConfig

from alembic import context
from sqlalchemy import Connection

from designer.storage.engine import database_url, make_engine, normalize_url
from designer.storage.models import Base

config = context.config
target_metadata = Base.metadata

if config.config_file_name and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)


def _url() -> str:
    explicit = context.get_x_argument(as_dictionary=True).get("url")
    return normalize_url(explicit or config.get_main_option("sqlalchemy.url") or database_url())


def _configure(**kw: object) -> None:
    context.configure(target_metadata=target_metadata, compare_type=True, **kw)


def run_offline() -> None:
    """Print the SQL instead of running it (``alembic upgrade head --sql``)."""
    url = _url()
    _configure(
        url=url,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
        render_as_batch=url.startswith("sqlite"),
    )
    with context.begin_transaction():
        context.run_migrations()


def _run_on(connection: Connection) -> None:
    _configure(connection=connection, render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run_on(connection)
        return
    # Foreign keys stay unenforced on SQLite while batch mode copies tables.
    engine = make_engine(_url(), foreign_keys=False)
    try:
        with engine.connect() as conn:
            _run_on(conn)
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
