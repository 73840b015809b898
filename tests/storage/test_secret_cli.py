"""``designer app`` stores secrets encrypted; ``designer db encrypt-secrets|generate-key``."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from cryptography.fernet import Fernet

from designer.cli import main
from designer.storage.secretbox import ENV_KEYS, PREFIX, new_key

SECRET = "BeIukql3pTKJ8RGL5zo0DA=="
OLD, NEW = new_key(), new_key()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "cli.db"


@pytest.fixture
def cli(db_path: Path):
    runner = CliRunner()

    def invoke(*args: str, keys: str | None = None, url: str | None = None) -> Result:
        env = {"DESIGNER_DATABASE_URL": url or f"sqlite:///{db_path}", ENV_KEYS: keys}
        return runner.invoke(main, list(args), env=env, catch_exceptions=False)

    assert invoke("db", "upgrade").exit_code == 0
    return invoke


def column(db_path: Path) -> dict[str, str | None]:
    with closing(sqlite3.connect(db_path)) as conn:
        return dict(conn.execute("SELECT key, secret FROM applications").fetchall())


def test_app_add_encrypts_with_a_key_file_beside_the_database(cli, db_path: Path) -> None:
    assert cli("app", "add", "KEY-1", SECRET).exit_code == 0
    key_file = db_path.parent / "encryption_key"
    assert key_file.is_file()
    value = column(db_path)["KEY-1"]
    assert value is not None and value.startswith(PREFIX) and SECRET not in value
    assert Fernet(key_file.read_text().strip()).decrypt(value[len(PREFIX) :]).decode() == SECRET
    listed = cli("app", "list")
    assert listed.exit_code == 0 and listed.stdout.splitlines()[1].split()[:2] == ["KEY-1", "set"]


def test_encrypt_secrets_upgrades_plain_text_and_old_keys_once(cli, db_path: Path) -> None:
    assert cli("app", "add", "OLD-KEY", SECRET, keys=OLD).exit_code == 0
    assert cli("app", "add", "LEGACY", SECRET, keys=OLD).exit_code == 0
    assert cli("app", "add", "CURRENT", SECRET, keys=NEW).exit_code == 0
    with closing(sqlite3.connect(db_path)) as conn, conn:
        conn.execute("UPDATE applications SET secret = ? WHERE key = 'LEGACY'", (SECRET,))
    first = cli("db", "encrypt-secrets", keys=f"{NEW},{OLD}")
    assert first.exit_code == 0, first.output
    assert "encrypted 2 application secret(s) with the current key (1 already were)" in first.stdout
    again = cli("db", "encrypt-secrets", keys=f"{NEW},{OLD}")
    assert "encrypted 0 application secret(s) with the current key (3 already were)" in again.stdout
    for value in column(db_path).values():
        assert value is not None
        assert Fernet(NEW).decrypt(value[len(PREFIX) :]).decode() == SECRET
    assert cli("app", "list", keys=NEW).exit_code == 0  # the old key is no longer needed


@pytest.mark.parametrize("command", [("app", "list"), ("db", "encrypt-secrets")])
def test_the_wrong_key_is_one_clear_line(cli, db_path: Path, command: tuple[str, ...]) -> None:
    assert cli("app", "add", "KEY-1", SECRET, keys=OLD).exit_code == 0
    before = column(db_path)
    result = cli(*command, keys=NEW)
    assert result.exit_code == 2
    assert result.stderr.startswith("error: the secret of application 'KEY-1' cannot be decrypted")
    assert ENV_KEYS in result.stderr and "Traceback" not in result.output
    assert SECRET not in result.output and NEW not in result.output and OLD not in result.output
    assert column(db_path) == before


def test_a_malformed_key_variable_is_refused_by_name(cli) -> None:
    result = cli("app", "add", "KEY-1", SECRET, keys=f"{NEW},nope")
    assert result.exit_code == 2
    assert f"error: {ENV_KEYS}: key 2 of 2 is not a Fernet key" in result.stderr
    assert NEW not in result.stderr


def test_generate_key_prints_a_usable_key(cli) -> None:
    result = cli("db", "generate-key")
    assert result.exit_code == 0 and ENV_KEYS in result.stderr
    Fernet(result.stdout.strip())  # raises if it is not a key
    assert result.stdout.strip() != cli("db", "generate-key").stdout.strip()


def test_encrypt_secrets_has_nothing_to_do_in_memory(cli) -> None:
    result = cli("db", "encrypt-secrets", url="memory://")
    assert result.exit_code == 2 and "nothing to encrypt" in result.stderr
