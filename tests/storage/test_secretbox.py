"""Sealing application secrets, and where the keys come from (no database needed)."""

from __future__ import annotations

import logging
import stat
import threading
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from designer.errors import ConfigError
from designer.storage import keyfile
from designer.storage.secretbox import (
    ENV_KEY_FILE,
    ENV_KEYS,
    INSTANCE_KEY_FILE,
    PREFIX,
    SecretBox,
    SecretUnreadable,
    for_database,
    key_file_for,
    new_key,
)

SECRET = "BeIukql3pTKJ8RGL5zo0DA=="
OLD, NEW = new_key(), new_key()


def test_a_sealed_secret_is_prefixed_and_opens_again() -> None:
    box = SecretBox.of(NEW)
    stored = box.seal(SECRET)
    assert stored is not None and stored.startswith(PREFIX)
    assert SECRET not in stored
    assert Fernet(NEW).decrypt(stored[len(PREFIX) :]).decode() == SECRET
    assert SecretBox.of(NEW).open(stored, "app") == SECRET  # a fresh box: not from its memory
    assert box.seal(SECRET) != stored  # a new token each time


@pytest.mark.parametrize("nothing", [None, ""])
def test_no_secret_stays_no_secret(nothing: str | None) -> None:
    box = SecretBox.of(NEW)
    assert box.seal(nothing) == nothing
    assert box.open(nothing, "app") == nothing
    assert box.reseal(nothing, "app") is None


def test_plain_text_from_older_versions_is_read_as_it_is() -> None:
    assert SecretBox.of(NEW).open(SECRET, "app") == SECRET


def test_rotation_old_tokens_open_and_new_ones_use_the_first_key() -> None:
    sealed_old = SecretBox.of(OLD).seal(SECRET)
    rotated = SecretBox.of(f"{NEW}, {OLD}")
    assert rotated.open(sealed_old, "app") == SECRET
    sealed_new = rotated.seal(SECRET)
    assert sealed_new is not None
    assert Fernet(NEW).decrypt(sealed_new[len(PREFIX) :]).decode() == SECRET
    assert SecretBox.of(NEW).open(sealed_new, "app") == SECRET  # the old key can go now


def test_reseal_upgrades_plain_text_and_old_keys_only() -> None:
    rotated = SecretBox.of(f"{NEW},{OLD}")
    current = rotated.seal(SECRET)
    assert rotated.reseal(current, "app") is None
    for stale in (SECRET, SecretBox.of(OLD).seal(SECRET)):
        upgraded = rotated.reseal(stale, "app")
        assert upgraded is not None and upgraded.startswith(PREFIX)
        assert SecretBox.of(NEW).open(upgraded, "app") == SECRET


def test_a_secret_no_key_opens_names_the_application_and_the_fix() -> None:
    stored = SecretBox.of(OLD).seal(SECRET)
    with pytest.raises(SecretUnreadable) as caught:
        SecretBox.of(NEW, ENV_KEYS).open(stored, "app-7")
    message = caught.value.message
    assert "'app-7'" in message and ENV_KEYS in message and "another key" in message
    assert SECRET not in message and NEW not in message and OLD not in message
    assert caught.value.details == {"application": "app-7"}
    assert isinstance(caught.value, ConfigError)  # 503 for the API, not a traceback


def test_a_damaged_token_is_unreadable_too() -> None:
    with pytest.raises(SecretUnreadable):
        SecretBox.of(NEW).open(PREFIX + "not-a-token", "app")


@pytest.mark.parametrize(
    ("keys", "which"),
    [
        ("not-a-key", "the key is not a Fernet key"),
        (f"{NEW},short", "key 2 of 2 is not a Fernet key"),
        (" , ", "holds no encryption key"),
    ],
)
def test_malformed_keys_are_named_by_position_never_shown(keys: str, which: str) -> None:
    with pytest.raises(ConfigError) as caught:
        SecretBox.of(keys, ENV_KEYS)
    assert caught.value.message.startswith(ENV_KEYS)
    assert which in caught.value.message and "designer db generate-key" in caught.value.message
    assert NEW not in caught.value.message


def test_opened_secrets_are_remembered_by_token(monkeypatch: pytest.MonkeyPatch) -> None:
    box = SecretBox.of(NEW)
    stored = SecretBox.of(NEW).seal(SECRET)
    assert box.open(stored, "app") == SECRET

    def no_more_decrypting(token: bytes) -> bytes:
        raise AssertionError("decrypted again")

    monkeypatch.setattr(box.keyring().every, "decrypt", no_more_decrypting)
    assert box.open(stored, "app") == SECRET


# --- where the keys come from ----------------------------------------------------------
def test_the_environment_wins_and_a_bad_value_fails_at_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'd.db'}"
    box = for_database(url, {ENV_KEYS: f"{NEW},{OLD}"})
    assert Fernet(NEW).decrypt(box.seal(SECRET)[len(PREFIX) :]).decode() == SECRET  # type: ignore[index]
    assert not (tmp_path / "encryption_key").exists()
    with pytest.raises(ConfigError, match=ENV_KEYS):
        for_database(url, {ENV_KEYS: "nonsense"})


@pytest.mark.parametrize(
    ("url", "env", "expected"),
    [
        ("sqlite:///{tmp}/data/d.db", {}, "{tmp}/data/encryption_key"),
        ("sqlite:///{tmp}/d.db", {ENV_KEY_FILE: "{tmp}/keys/k"}, "{tmp}/keys/k"),
        ("postgresql+psycopg://u@db.internal/designer", {}, str(INSTANCE_KEY_FILE)),
        ("sqlite://", {}, None),
    ],
)
def test_the_key_file_sits_beside_sqlite_else_in_instance(
    tmp_path: Path, url: str, env: dict[str, str], expected: str | None
) -> None:
    fill = {k: v.format(tmp=tmp_path) for k, v in env.items()}
    found = key_file_for(url.format(tmp=tmp_path), fill)
    assert (str(found) if found else None) == (expected and expected.format(tmp=tmp_path))


def test_a_key_file_is_made_on_first_use_private_and_reused(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    url = f"sqlite:///{tmp_path / 'd.db'}"
    box = for_database(url, {})
    path = tmp_path / "encryption_key"
    assert not path.exists()  # nothing sealed or opened yet
    with caplog.at_level(logging.WARNING):
        stored = box.seal(SECRET)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "generated the encryption key" in caplog.text and str(path) in caplog.text
    assert SECRET not in caplog.text and path.read_text().strip() not in caplog.text
    assert for_database(url, {}).open(stored, "app") == SECRET  # another process, same key
    assert [p.name for p in tmp_path.iterdir()] == ["encryption_key"]  # no temporary left


def test_postgres_key_files_warn_that_hosts_need_the_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.chdir(tmp_path)
    box = for_database("postgresql+psycopg://u@db.internal/designer", {})
    with caplog.at_level(logging.WARNING):
        box.seal(SECRET)
    assert (tmp_path / INSTANCE_KEY_FILE).is_file()
    assert "every host" in caplog.text and ENV_KEYS in caplog.text


def test_in_memory_databases_keep_their_key_in_memory(tmp_path: Path) -> None:
    box = for_database("sqlite://", {})
    assert box.open(box.seal(SECRET), "app") == SECRET
    with pytest.raises(SecretUnreadable):
        for_database("sqlite://", {}).open(box.seal(SECRET), "app")


def test_an_unusable_key_file_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    box = for_database(f"sqlite:///{tmp_path / 'd.db'}", {ENV_KEY_FILE: str(blocker / "key")})
    with pytest.raises(ConfigError) as caught:
        box.seal(SECRET)
    assert str(blocker / "key") in caught.value.message
    assert ENV_KEYS in caught.value.message and ENV_KEY_FILE in caught.value.message


def test_a_key_file_with_garbage_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "encryption_key"
    path.write_text("hello\n")
    with pytest.raises(ConfigError, match=f"the key file {path}: the key is not a Fernet key"):
        for_database(f"sqlite:///{tmp_path / 'd.db'}", {}).seal(SECRET)


def test_workers_starting_together_agree_on_one_key(tmp_path: Path) -> None:
    path = tmp_path / "instance" / "encryption_key"
    start = threading.Barrier(8)
    found: list[str] = []

    def worker() -> None:
        start.wait(timeout=30)
        found.append(keyfile.read_or_create(path, new_key)[0])

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(found) == 8 and len(set(found)) == 1 and found[0].strip()
    assert sorted(p.name for p in path.parent.iterdir()) == ["encryption_key"]
