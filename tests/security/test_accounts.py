"""Users and tokens at rest: hashing, the stores on every backend, the CLI."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from designer import accounts
from designer.accounts import AccountStore, ApiToken, User
from designer.cli import main
from designer.errors import BadRequest, Conflict, NotFound
from designer.storage import open_repository
from designer.storage.accounts import MemoryAccountStore, accounts_for
from tests.security.conftest import PASSWORD

# --- hashing -----------------------------------------------------------------------------


def test_production_parameters_are_werkzeugs_scrypt(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.undo()  # the real cost, not the suite's faster one
    assert (accounts.SCRYPT_N, accounts.SCRYPT_R, accounts.SCRYPT_P) == (2**15, 8, 1)
    stored = accounts.hash_password(PASSWORD)
    assert stored.startswith("scrypt:32768:8:1$")
    assert accounts.verify_password(PASSWORD, stored)


def test_hashes_are_salted_and_verify() -> None:
    first, second = accounts.hash_password(PASSWORD), accounts.hash_password(PASSWORD)
    assert first != second and PASSWORD not in first
    assert accounts.verify_password(PASSWORD, first) and accounts.verify_password(PASSWORD, second)
    assert not accounts.verify_password(PASSWORD + "!", first)
    assert not accounts.verify_password(PASSWORD, None)


@pytest.mark.parametrize(
    "stored",
    ["", "plain", "scrypt:32768:8:1$$", "md5$abc$def", "scrypt:1073741824:8:1$c2FsdA==$aGFzaA=="],
)
def test_unreadable_or_hostile_hashes_never_match(stored: str) -> None:
    assert not accounts.verify_password(PASSWORD, stored)


@pytest.mark.parametrize(
    ("password", "problem"), [("short", "too short"), (" " * 12, "empty"), ("x" * 1025, "too long")]
)
def test_password_rules(password: str, problem: str) -> None:
    with pytest.raises(BadRequest, match=problem):
        accounts.hash_password(password)


@pytest.mark.parametrize("name", ["", "a b", "-dash", "x" * 65, "semi;colon", "ünï"])
def test_user_name_rules(name: str) -> None:
    with pytest.raises(BadRequest, match="not a valid user name"):
        accounts.normalize_user_name(name)


# --- the stores -----------------------------------------------------------------------------


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest) -> Iterator[AccountStore]:
    """The account store on each backend (an empty database each time)."""
    if request.param == "memory":
        yield MemoryAccountStore()
        return
    url = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_url")
    repo = open_repository(url)
    found = accounts_for(repo)
    for user in found.list_users():
        found.delete_user(user.name)
    yield found
    repo.close()


def test_store_contract(store: AccountStore, now: datetime) -> None:
    alice = accounts.create_user(store, "Alice", "admin", PASSWORD, now)
    assert alice.name == "alice" and store.get_user("alice") == alice
    with pytest.raises(Conflict):
        accounts.create_user(store, "alice", "viewer", None, now)
    accounts.create_user(store, "bot", "editor", None, now)
    assert [u.name for u in store.list_users()] == ["alice", "bot"]

    token, text = accounts.issue_token(store, "bot", "ci", now, now + timedelta(days=1))
    assert store.get_token(token.id) == token
    assert store.list_tokens("bot") == [token] and store.list_tokens("alice") == []
    user, found = accounts.check_token(store, text, now)
    assert (user.name, found.id) == ("bot", token.id)
    assert store.get_token(token.id).last_used_at == now
    assert accounts.check_token(store, text, now + timedelta(days=1)) is None  # expired

    changed = accounts.change_user(store, "bot", now + timedelta(hours=1), role="viewer")
    assert store.get_user("bot").role == "viewer" == changed.role
    store.delete_user("bot")
    with pytest.raises(NotFound):
        store.get_token(token.id)  # gone with its user
    with pytest.raises(NotFound):
        store.delete_token(token.id)
    with pytest.raises(NotFound):
        store.get_user("bot")
    with pytest.raises(NotFound):
        store.add_token(ApiToken("abcdefabcdef", "nobody", "", "0" * 64, now))


def test_the_last_admin_stays(store: AccountStore, now: datetime) -> None:
    accounts.create_user(store, "root", "admin", PASSWORD, now)
    with pytest.raises(Conflict, match="only admin"):
        accounts.change_user(store, "root", now, role="editor")
    with pytest.raises(Conflict, match="only admin"):
        accounts.remove_user(store, "root")
    accounts.create_user(store, "second", "admin", PASSWORD, now)
    accounts.remove_user(store, "root")
    assert [u.name for u in store.list_users()] == ["second"]


def test_check_login(store: AccountStore, now: datetime) -> None:
    accounts.create_user(store, "carol", "viewer", PASSWORD, now)
    assert accounts.check_login(store, "CAROL", PASSWORD).name == "carol"
    assert accounts.check_login(store, "carol", "wrong password") is None
    assert accounts.check_login(store, "nobody", PASSWORD) is None
    assert accounts.check_login(store, "not a name!", PASSWORD) is None


def test_a_changed_password_changes_the_session_stamp(store: AccountStore, now: datetime) -> None:
    user = accounts.create_user(store, "dave", "viewer", PASSWORD, now)
    changed = accounts.change_user(store, "dave", now, password="another passphrase")
    assert isinstance(changed, User) and changed.session_stamp != user.session_stamp


def test_nothing_secret_is_stored_in_clear(sqlite_url: str, now: datetime) -> None:
    repo = open_repository(sqlite_url)
    try:
        store = accounts_for(repo)
        accounts.create_user(store, "erin", "admin", PASSWORD, now)
        _token, text = accounts.issue_token(store, "erin", "", now)
    finally:
        repo.close()
    path = sqlite_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as conn:
        (password_hash,) = conn.execute("SELECT password_hash FROM users").fetchone()
        rows = conn.execute("SELECT * FROM api_tokens").fetchall()
        dump = "\n".join(conn.iterdump())
    assert password_hash.startswith("scrypt:") and PASSWORD not in password_hash
    secret = text[len("dsg_000000000000_") :]
    assert PASSWORD not in dump and text not in dump and secret not in dump
    assert len(rows) == 1


# --- the command line ------------------------------------------------------------------------


@pytest.fixture
def cli(sqlite_url: str):
    runner = CliRunner()

    def invoke(*args: str, stdin: str | None = None) -> Result:
        return runner.invoke(main, [*args, "--url", sqlite_url], input=stdin)

    return invoke


def test_cli_users_and_tokens(cli, sqlite_url: str) -> None:
    made = cli("user", "create", "Frank", "--role", "admin", "--password-stdin",
               stdin=PASSWORD + "\n")  # fmt: skip
    assert made.exit_code == 0, made.output
    assert "created admin 'frank'" in made.stderr
    assert cli("user", "create", "robot", "--role", "editor", "--no-password").exit_code == 0
    listed = cli("user", "list")
    assert listed.exit_code == 0
    assert "frank" in listed.stdout and "no (tokens only)" in listed.stdout

    token = cli("token", "create", "robot", "--label", "nightly", "--expires-days", "7")
    assert token.exit_code == 0, token.output
    text = token.stdout.strip()
    assert text.startswith("dsg_") and "not shown again" in token.stderr
    repo = open_repository(sqlite_url)
    try:
        user, record = accounts.check_token(accounts_for(repo), text, datetime.now().astimezone())
        assert user.name == "robot" and record.label == "nightly"
    finally:
        repo.close()

    assert record.id in cli("token", "list", "robot").stdout
    assert cli("token", "revoke", record.id).exit_code == 0
    assert "no API tokens" in cli("token", "list", "robot").stderr
    assert cli("user", "set-role", "robot", "viewer").exit_code == 0
    assert "robot  viewer" in cli("user", "list").stdout


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (("user", "create", "x", "--role", "viewer", "--password-stdin"), "short\n", "too short"),
        (("user", "create", "x", "--role", "king"), None, "Invalid value for '--role'"),
        (("user", "create", "x", "--role", "viewer"), "", "--password-stdin"),  # no terminal
        (("user", "set-role", "nobody", "viewer"), None, "no user named 'nobody'"),
        (("token", "create", "nobody"), None, "no user named 'nobody'"),
        (("token", "revoke", "abc"), None, "no API token with id 'abc'"),
    ],
)
def test_cli_errors_are_one_line(cli, args: tuple[str, ...], stdin: str | None,
                                 message: str) -> None:  # fmt: skip
    result = cli(*args, stdin=stdin)
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_cli_refuses_the_memory_database() -> None:
    result = CliRunner().invoke(main, ["user", "list", "--url", "memory://"])
    assert result.exit_code == 2 and "give a database URL" in result.output


def test_cli_on_an_unmigrated_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new.db'}"
    result = CliRunner().invoke(main, ["user", "list", "--url", url])
    assert result.exit_code == 2 and "designer db upgrade" in result.output
