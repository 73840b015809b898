"""Storage: the SQLAlchemy and in-memory implementations of ``designer.repository``.

``open_repository(url)`` is the one way in.  The URL is a database URL
(``sqlite:///instance/designer.db``, ``postgresql://user@host/db``) or
``memory://`` for a process-local repository.
"""

from __future__ import annotations

from designer.errors import DesignerError
from designer.repository import Repository
from designer.storage.engine import DEFAULT_URL, ENV_URL, database_url, make_engine, normalize_url
from designer.storage.memory import MemoryRepository
from designer.storage.migrate import ensure_migrated, upgrade
from designer.storage.secretbox import SecretBox
from designer.storage.sql import SqlRepository

MEMORY_URL = "memory://"

__all__ = [
    "DEFAULT_URL",
    "ENV_URL",
    "MEMORY_URL",
    "MemoryRepository",
    "SqlRepository",
    "database_url",
    "normalize_url",
    "open_repository",
]


def open_repository(
    url: str | None = None,
    *,
    migrate: bool = False,
    check: bool = True,
    statement_timeout_ms: int | None = None,
    secret_box: SecretBox | None = None,
) -> Repository:
    """The repository for ``url`` (default ``$DESIGNER_DATABASE_URL``, else the SQLite file).

    ``migrate=True`` upgrades the schema first (handy for ``sqlite://`` in
    memory and for tests); otherwise ``check`` makes sure the schema is
    current and raises ``NotMigrated`` naming ``designer db upgrade`` if not,
    so a server fails at start rather than on its first callback.  An
    unreachable database raises ``StorageUnavailable`` within seconds.
    Application secrets are encrypted with ``secret_box``, by default the keys
    of ``$DESIGNER_ENCRYPTION_KEY`` or a key file (``designer.storage.secretbox``).
    """
    url = database_url(url)
    if url.strip() == MEMORY_URL:
        return MemoryRepository()
    engine = make_engine(url, statement_timeout_ms=statement_timeout_ms)
    try:
        if migrate:
            upgrade(engine)
        elif check:
            ensure_migrated(engine)
        return SqlRepository(engine, secret_box)  # a bad DESIGNER_ENCRYPTION_KEY fails here
    except DesignerError:
        engine.dispose()
        raise
