"""Is the database reachable, and is its schema the one this code expects?

For ``GET /healthz``: each check answers a small dict instead of raising, so
the web layer can report every part even when one is down.  Callers bound
the time (the web layer runs these with a deadline); the engine's own
connect timeout is the backstop.
"""

from __future__ import annotations

import time
from functools import lru_cache
from typing import Any

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

from designer.errors import DesignerError
from designer.storage.engine import translate
from designer.storage.migrate import alembic_config


@lru_cache(maxsize=1)
def _revisions() -> tuple[str, frozenset[str]]:
    """(head, every known revision): read from the migration scripts once per process."""
    script = ScriptDirectory.from_config(alembic_config())
    heads = script.get_heads()
    return (heads[0] if len(heads) == 1 else ",".join(sorted(heads)),
            frozenset(s.revision for s in script.walk_revisions()))  # fmt: skip


def check_database(repo: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """(database status, migrations status) of a repository.

    ``database.status``: ``ok`` or ``down``; ``migrations.status``: ``current``,
    ``behind`` (this code needs ``designer db upgrade``), ``ahead`` (the
    database was migrated by a newer version), ``unknown`` (cannot tell) or
    ``not-applicable`` (in memory).
    """
    engine = getattr(repo, "engine", None)
    if not isinstance(engine, Engine):
        return {"status": "ok", "backend": "memory"}, {"status": "not-applicable"}
    backend = engine.dialect.name
    started = time.perf_counter()
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            at = MigrationContext.configure(conn).get_current_revision()
    except SQLAlchemyError as exc:
        error = translate(exc, engine.url)
        return ({"status": "down", "backend": backend, "error": error.message},
                {"status": "unknown"})  # fmt: skip
    except DesignerError as exc:
        return {"status": "down", "backend": backend, "error": exc.message}, {"status": "unknown"}
    latency = round((time.perf_counter() - started) * 1000, 1)
    database = {"status": "ok", "backend": backend, "latencyMs": latency}
    head, known = _revisions()
    if at == head:
        migrations = {"status": "current", "revision": at}
    elif at is None or at in known:
        migrations = {"status": "behind", "revision": at, "head": head}
    else:
        migrations = {"status": "ahead", "revision": at, "head": head}
    return database, migrations
