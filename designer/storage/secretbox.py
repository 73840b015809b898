"""Application secrets encrypted at rest, so that a copy of the database does not reveal them.

A Sinch application secret lets whoever holds it forge signed callbacks.  The
API never returns it and the logs never show it; this module keeps it out of
the database file and its backups too.  A stored secret is ``enc1:`` followed
by a Fernet token (AES-128-CBC and HMAC-SHA256, from ``cryptography``).  A
value without the prefix is a plain-text secret written by an older version:
it is still read as it is, and ``designer db encrypt-secrets`` seals it.

Where the keys come from (``for_database``):

- ``DESIGNER_ENCRYPTION_KEY``: one Fernet key, or several separated by commas.
  The first encrypts; all of them decrypt, which is how keys are rotated.
  Required when several hosts share a PostgreSQL database.
- otherwise a key file, generated on first use (mode 0600): ``$DESIGNER_ENCRYPTION_KEY_FILE``,
  else ``encryption_key`` beside the SQLite file, else ``instance/encryption_key``
  (the folder of the session key) for PostgreSQL.  An in-memory SQLite database
  gets a key that lives as long as the process, like its data.

The key file is read on the first secret sealed or opened, not before: a
repository that never touches a secret (migrations, health checks) never
makes one.  A secret that none of the keys opens raises ``SecretUnreadable``,
which names the application and the fix; it never shows a key or the secret.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TypeGuard

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy.engine import URL, make_url

from designer.errors import ConfigError
from designer.storage import keyfile
from designer.storage.engine import is_memory_sqlite

log = logging.getLogger(__name__)

PREFIX = "enc1:"
ENV_KEYS = "DESIGNER_ENCRYPTION_KEY"
ENV_KEY_FILE = "DESIGNER_ENCRYPTION_KEY_FILE"
KEY_FILE_NAME = "encryption_key"
INSTANCE_KEY_FILE = Path("instance") / KEY_FILE_NAME  # beside the session key
NEW_KEY_HINT = "`designer db generate-key` prints a new one"
CACHE_LIMIT = 1024  # opened secrets remembered; far more than a server has applications


class SecretUnreadable(ConfigError):
    """A stored secret that none of the configured encryption keys decrypts."""

    code = "secret-unreadable"


def new_key() -> str:
    return Fernet.generate_key().decode("ascii")


def is_sealed(stored: str | None) -> TypeGuard[str]:
    return stored is not None and stored.startswith(PREFIX)


@dataclass(frozen=True)
class Keyring:
    current: Fernet  # encrypts
    every: MultiFernet  # decrypts: the current key first, then the older ones
    source: str  # where the keys came from, for messages (never the keys)

    @classmethod
    def parse(cls, text: str, source: str) -> Keyring:
        """Keys separated by commas or line breaks (a key file may hold one per line)."""
        keys = [k for k in re.split(r"[,\s]+", text) if k]
        if not keys:
            raise ConfigError(f"{source} holds no encryption key; {NEW_KEY_HINT}")
        fernets = []
        for number, key in enumerate(keys, 1):
            try:
                fernets.append(Fernet(key))
            except ValueError:  # the key itself stays out of the message
                which = f"key {number} of {len(keys)}" if len(keys) > 1 else "the key"
                raise ConfigError(
                    f"{source}: {which} is not a Fernet key (44 characters of URL-safe "
                    f"base64); {NEW_KEY_HINT}"
                ) from None
        return cls(fernets[0], MultiFernet(fernets), source)


class SecretBox:
    """Seals and opens stored secrets with a ``Keyring`` loaded on first use.

    Opened secrets are remembered by their token: a signed callback opens its
    application's secret on every request, and a dictionary hit is cheaper
    than a Fernet decryption (about 7 µs).  Tokens are never reused, so a
    remembered token always means the same secret.
    """

    def __init__(self, load: Callable[[], Keyring]) -> None:
        self._load = load
        self._keyring: Keyring | None = None
        self._lock = threading.Lock()
        self._opened: dict[str, str] = {}

    @classmethod
    def of(cls, keys: str, source: str = "the given encryption keys") -> SecretBox:
        """A box over ``keys`` (comma-separated Fernet keys, the first encrypts), checked now."""
        keyring = Keyring.parse(keys, source)
        return cls(lambda: keyring)

    def keyring(self) -> Keyring:
        if self._keyring is None:
            with self._lock:  # one load: two generated temporary keys would disagree
                if self._keyring is None:
                    self._keyring = self._load()
        return self._keyring

    def seal(self, secret: str | None) -> str | None:
        """What to store for ``secret`` (None and ``""`` stay as they are: no secret)."""
        if not secret:
            return secret
        stored = PREFIX + self.keyring().current.encrypt(secret.encode("utf-8")).decode("ascii")
        self._remember(stored, secret)
        return stored

    def open(self, stored: str | None, application: str) -> str | None:
        """The secret of ``application`` from its stored value (plain text is read as it is)."""
        if not is_sealed(stored):
            return stored
        secret = self._opened.get(stored)
        if secret is None:
            keyring = self.keyring()
            try:
                secret = keyring.every.decrypt(stored[len(PREFIX) :]).decode("utf-8")
            except (InvalidToken, UnicodeDecodeError):
                raise unreadable(application, keyring.source) from None
            self._remember(stored, secret)
        return secret

    def reseal(self, stored: str | None, application: str) -> str | None:
        """The value to store instead of ``stored``, or None when the current key sealed it."""
        if not stored:
            return None
        if is_sealed(stored):
            try:
                self.keyring().current.decrypt(stored[len(PREFIX) :])
                return None
            except InvalidToken:
                pass  # sealed with an older key
        return self.seal(self.open(stored, application))

    def _remember(self, stored: str, secret: str) -> None:
        if len(self._opened) >= CACHE_LIMIT:
            self._opened.clear()
        self._opened[stored] = secret


def unreadable(application: str, source: str) -> SecretUnreadable:
    return SecretUnreadable(
        f"the secret of application {application!r} cannot be decrypted with the keys from "
        f"{source}: it was encrypted with another key. Set {ENV_KEYS} to that key (or list it "
        "after the current one, comma-separated) on every host; if that key is lost, give the "
        "application its secret again: PUT /api/applications/<key> (docs/deployment.md)",
        details={"application": application},
    )


def key_file_for(url: str | URL, env: Mapping[str, str]) -> Path | None:
    """Where the generated key is kept for ``url`` (None: an in-memory database, no file)."""
    explicit = (env.get(ENV_KEY_FILE) or "").strip()
    if explicit:
        return Path(explicit).expanduser()
    parsed = make_url(url)
    if is_memory_sqlite(parsed):
        return None
    if parsed.get_backend_name() == "sqlite":
        return Path(parsed.database or "").expanduser().parent / KEY_FILE_NAME
    return INSTANCE_KEY_FILE


def for_database(url: str | URL, env: Mapping[str, str] | None = None) -> SecretBox:
    """The box for the database at ``url``: ``$DESIGNER_ENCRYPTION_KEY``, else a key file.

    A malformed ``DESIGNER_ENCRYPTION_KEY`` fails here, when the repository is
    opened (a server then refuses to start); a key file is read on first use.
    """
    env = os.environ if env is None else env
    configured = (env.get(ENV_KEYS) or "").strip()
    if configured:
        return SecretBox.of(configured, ENV_KEYS)
    path = key_file_for(url, env)
    if path is None:
        return SecretBox(lambda: Keyring.parse(new_key(), "this in-memory database"))
    shared = make_url(url).get_backend_name() != "sqlite"
    return SecretBox(lambda: _from_file(path, shared=shared))


def _from_file(path: Path, *, shared: bool) -> Keyring:
    try:
        text, created = keyfile.read_or_create(path, new_key)
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise ConfigError(
            f"{ENV_KEYS} is not set and the key file {path} cannot be used ({reason}): "
            f"set {ENV_KEYS}, or {ENV_KEY_FILE} to a file this server can write"
        ) from None
    if created:
        log.warning(
            "generated the encryption key of application secrets in %s (mode 0600)%s",
            path,
            f": every host using this database needs the same key, set {ENV_KEYS} there"
            if shared
            else "; keep it out of database backups",
        )
    return Keyring.parse(text, f"the key file {path}")
