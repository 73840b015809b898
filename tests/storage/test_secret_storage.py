"""Application secrets on disk, SQLite and PostgreSQL, read back with the raw drivers."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import psycopg
import pytest
from cryptography.fernet import Fernet
from sqlalchemy import event
from sqlalchemy.engine import make_url

from designer.repository import Application
from designer.storage import SqlRepository, open_repository
from designer.storage.secretbox import PREFIX, SecretBox, SecretUnreadable, new_key

SECRET = "BeIukql3pTKJ8RGL5zo0DA=="
OTHER_SECRET = "c2VjcmV0IG51bWJlciB0d28="
OLD, NEW = new_key(), new_key()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def url(request: pytest.FixtureRequest) -> Iterator[str]:
    """A migrated database with no applications (and none left behind: keys differ per test)."""
    if request.param == "sqlite":
        yield request.getfixturevalue("sqlite_url")
        return
    found: str = request.getfixturevalue("pg_url")
    raw(found, "TRUNCATE applications CASCADE")
    yield found
    raw(found, "TRUNCATE applications CASCADE")


def raw(url: str, statement: str, *params: object) -> list[tuple]:
    """Run ``statement`` (``%s`` placeholders) with the driver itself: no repository in between."""
    if url.startswith("sqlite"):
        with closing(sqlite3.connect(make_url(url).database or "")) as conn, conn:
            return conn.execute(statement.replace("%s", "?"), params).fetchall()
    dsn = url.replace("postgresql+psycopg://", "postgresql://", 1)
    with psycopg.connect(dsn, autocommit=True) as conn:
        cursor = conn.execute(statement, params)  # type: ignore[arg-type]
        return cursor.fetchall() if cursor.description else []


def stored(url: str) -> dict[str, str | None]:
    return dict(raw(url, "SELECT key, secret FROM applications"))


def sqlite_files_hold(url: str, text: str) -> bool:
    """Whether any byte of the SQLite database, its WAL included, still spells ``text``."""
    path = Path(make_url(url).database or "")
    files = [p for p in path.parent.iterdir() if p.name.startswith(path.name)]
    return any(text.encode() in p.read_bytes() for p in files)


@pytest.fixture
def opened(url: str) -> Iterator:
    """Repositories on ``url`` with the given keys, closed at the end."""
    repos: list[SqlRepository] = []

    def open_with(keys: str) -> SqlRepository:
        repo = open_repository(url, secret_box=SecretBox.of(keys))
        assert isinstance(repo, SqlRepository)
        repos.append(repo)
        return repo

    yield open_with
    for repo in repos:
        repo.close()


def test_the_column_never_holds_a_secret_after_writes(url: str, opened) -> None:
    repo = opened(NEW)
    repo.add_application(Application(key="k1", secret=SECRET, name="One"))
    repo.add_application(Application(key="k2", name="Two"))
    repo.update_application(Application(key="k2", secret=OTHER_SECRET, name="Two"))
    columns = stored(url)
    assert set(columns) == {"k1", "k2"}
    for value in columns.values():
        assert value is not None and value.startswith(PREFIX)
        assert SECRET not in value and OTHER_SECRET not in value
    assert Fernet(NEW).decrypt(columns["k1"][len(PREFIX) :]).decode() == SECRET  # type: ignore[index]
    assert repo.get_application("k2").secret == OTHER_SECRET
    assert {a.key: a.secret for a in repo.list_applications()} == {
        "k1": SECRET, "k2": OTHER_SECRET,
    }  # fmt: skip
    repo.update_application(Application(key="k1", secret=None, name="One"))
    assert stored(url)["k1"] is None and repo.get_application("k1").secret is None
    if url.startswith("sqlite"):
        assert not sqlite_files_hold(url, SECRET) and not sqlite_files_hold(url, OTHER_SECRET)


def test_opening_a_secret_adds_no_query(url: str, opened) -> None:
    writer = opened(NEW)
    writer.add_application(Application(key="sealed", secret=SECRET))
    writer.add_application(Application(key="bare"))
    reader = opened(NEW)  # its own box: the secret is decrypted here, not remembered
    reader.get_application("bare")  # connected: no first-connection queries below
    statements: list[str] = []

    def count(_conn, _cursor, statement: str, *_args) -> None:
        statements.append(statement)

    event.listen(reader.engine, "before_cursor_execute", count)
    assert reader.get_application("bare").secret is None
    bare, statements[:] = list(statements), []
    assert reader.get_application("sealed").secret == SECRET
    assert statements == bare
    event.remove(reader.engine, "before_cursor_execute", count)


def test_plain_text_of_older_versions_is_read_then_encrypted_once(url: str, opened) -> None:
    repo = opened(NEW)
    repo.add_application(Application(key="legacy"))
    repo.add_application(Application(key="none"))
    raw(url, "UPDATE applications SET secret = %s WHERE key = %s", SECRET, "legacy")
    assert repo.get_application("legacy").secret == SECRET
    assert repo.encrypt_secrets() == (1, 1)
    value = stored(url)["legacy"]
    assert value is not None and value.startswith(PREFIX) and SECRET not in value
    assert repo.get_application("legacy").secret == SECRET
    assert repo.encrypt_secrets() == (0, 1)
    assert stored(url)["legacy"] == value  # untouched the second time
    if url.startswith("sqlite"):  # zeroed in the file and gone from the WAL
        assert not sqlite_files_hold(url, SECRET)


def test_rotation_reads_old_tokens_and_encrypt_secrets_moves_them(url: str, opened) -> None:
    opened(OLD).add_application(Application(key="k", secret=SECRET))
    rotated = opened(f"{NEW},{OLD}")
    assert rotated.get_application("k").secret == SECRET
    rotated.add_application(Application(key="fresh", secret=OTHER_SECRET))
    assert Fernet(NEW).decrypt(stored(url)["fresh"][len(PREFIX) :])  # type: ignore[index]
    assert rotated.encrypt_secrets() == (1, 2)
    assert rotated.encrypt_secrets() == (0, 2)
    only_new = opened(NEW)
    assert {a.key: a.secret for a in only_new.list_applications()} == {
        "k": SECRET, "fresh": OTHER_SECRET,
    }  # fmt: skip


def test_a_secret_of_another_key_is_a_clear_error_and_nothing_changes(url: str, opened) -> None:
    opened(OLD).add_application(Application(key="app-1", secret=SECRET, name="Acme"))
    before = stored(url)
    wrong = opened(NEW)
    for read in (lambda: wrong.get_application("app-1"), wrong.list_applications,
                 wrong.encrypt_secrets):  # fmt: skip
        with pytest.raises(SecretUnreadable) as caught:
            read()
        message = caught.value.message
        assert "'app-1'" in message and "DESIGNER_ENCRYPTION_KEY" in message
        assert SECRET not in message
    assert stored(url) == before
    # with the key lost, entering the secret again replaces it
    wrong.update_application(Application(key="app-1", secret=OTHER_SECRET, name="Acme"))
    assert wrong.get_application("app-1").secret == OTHER_SECRET
