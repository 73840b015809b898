"""Who may do what: users, roles, hashed passwords and API tokens.

A phone line is production, so the designer knows its users.  Each user has
one role; roles are ordered, each including everything the one before may do:

- ``viewer``: read everything and watch calls live (GET, websockets);
- ``editor``: also edit drafts, create, import and delete flows, simulate;
- ``publisher``: also publish, roll back, bind numbers, manage applications;
- ``admin``: also manage users.

A route asks for a ``Permission`` (the lowest role it admits, or ``PUBLIC``);
``designer.web.access`` holds the one table that says which.

Passwords are stored as scrypt hashes (``hashlib.scrypt``, the parameters
Werkzeug uses by default: N=2^15, r=8, p=1), self-describing so that the cost
can be raised later without invalidating stored hashes.  API tokens are
random (256 bits), shown once, and stored as a SHA-256 hash of their secret
part: a token is already high-entropy, so a slow hash would only slow every
API request down without making a stolen table any less useless.

This module is pure: the stores (``AccountStore``) live in
``designer.storage.accounts``, times are passed in.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum
from typing import Protocol

from designer.errors import BadRequest, Conflict, NotFound, Unprocessable


class Permission(IntEnum):
    """What a route requires; the values order the roles."""

    PUBLIC = 0  # no login (Sinch callbacks are checked by their signature instead)
    READ = 1  # viewer
    EDIT = 2  # editor
    PUBLISH = 3  # publisher
    ADMIN = 4  # admin


ROLES: dict[str, Permission] = {
    "viewer": Permission.READ,
    "editor": Permission.EDIT,
    "publisher": Permission.PUBLISH,
    "admin": Permission.ADMIN,
}
ROLE_FOR: dict[Permission, str] = {level: role for role, level in ROLES.items()}

USER_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9._@+-]{0,63}$")
MIN_PASSWORD = 8
MAX_PASSWORD = 1024  # scrypt reads all of it; a megabyte "password" is a denial of service
MAX_LABEL = 200


def check_role(role: str) -> str:
    if role not in ROLES:
        raise BadRequest(
            f"unknown role {role!r}: use one of {', '.join(ROLES)}",
            details=[{"path": "role", "message": "unknown role"}],
        )
    return role


def allows(role: str | None, needed: Permission) -> bool:
    """Whether a user with ``role`` may use a route that requires ``needed``."""
    if needed is Permission.PUBLIC:
        return True
    return role in ROLES and ROLES[role] >= needed


def normalize_user_name(name: str) -> str:
    """User names are case-insensitive: stored and looked up in lower case."""
    if not isinstance(name, str):
        raise BadRequest("a user name must be a string")
    folded = name.strip().lower()
    if not USER_NAME_RE.match(folded):
        raise BadRequest(
            f"{name!r} is not a valid user name: 1 to 64 letters, digits and . _ @ + -, "
            "starting with a letter or digit",
            details=[{"path": "name", "message": "invalid user name"}],
        )
    return folded


def check_password(password: str) -> str:
    """A password that may be set: 8 to 1024 characters, not only spaces."""
    if not isinstance(password, str) or not password.strip():
        raise BadRequest(
            "the password is empty", details=[{"path": "password", "message": "empty"}]
        )
    if len(password) < MIN_PASSWORD:
        raise BadRequest(
            f"the password is too short: at least {MIN_PASSWORD} characters",
            details=[{"path": "password", "message": f"shorter than {MIN_PASSWORD}"}],
        )
    if len(password) > MAX_PASSWORD:
        raise BadRequest(
            f"the password is too long: at most {MAX_PASSWORD} characters",
            details=[{"path": "password", "message": f"longer than {MAX_PASSWORD}"}],
        )
    return password


# --- password hashing ---------------------------------------------------------------

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**15, 8, 1
_SCRYPT_MAXMEM = 64 * 1024 * 1024
_HASH_RE = re.compile(r"^scrypt:(\d+):(\d+):(\d+)\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$")


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=_SCRYPT_MAXMEM, dklen=32
    )


def hash_password(password: str) -> str:
    """``scrypt:N:r:p$salt$hash`` (base64) of a checked password."""
    check_password(password)
    salt = secrets.token_bytes(16)
    digest = _scrypt(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    b64 = base64.b64encode
    return f"scrypt:{SCRYPT_N}:{SCRYPT_R}:{SCRYPT_P}${b64(salt).decode()}${b64(digest).decode()}"


def verify_password(password: str, stored: str | None) -> bool:
    """Whether ``password`` matches ``stored``; False for a missing or unreadable hash."""
    match = _HASH_RE.match(stored or "")
    if match is None or not isinstance(password, str) or len(password) > MAX_PASSWORD:
        return False
    n, r, p = (int(match.group(i)) for i in (1, 2, 3))
    if n > 2**20 or r > 32 or p > 16:  # a tampered row must not exhaust the server
        return False
    salt, expected = base64.b64decode(match.group(4)), base64.b64decode(match.group(5))
    return hmac.compare_digest(_scrypt(password, salt, n, r, p), expected)


# Verifying against this when the user does not exist keeps the answer time the
# same, so response times do not tell which user names exist.
_DUMMY_HASH = hash_password("not-a-real-password")


# --- API tokens -----------------------------------------------------------------------

TOKEN_PREFIX = "dsg"
_TOKEN_RE = re.compile(rf"^{TOKEN_PREFIX}_([0-9a-f]{{12}})_([A-Za-z0-9_-]{{43}})$")


def _secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("ascii")).hexdigest()


def new_token() -> tuple[str, str, str]:
    """A fresh token: (id, hash of its secret, the full token shown once to the user)."""
    token_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    return token_id, _secret_hash(secret), f"{TOKEN_PREFIX}_{token_id}_{secret}"


def parse_token(text: str) -> tuple[str, str] | None:
    """(id, secret hash) of a well-formed token, else None."""
    match = _TOKEN_RE.match(text.strip()) if isinstance(text, str) else None
    if match is None:
        return None
    return match.group(1), _secret_hash(match.group(2))


# --- records and the store ---------------------------------------------------------------


@dataclass
class User:
    name: str
    role: str
    password_hash: str | None  # None: a user for API tokens only (scripts), no login
    created_at: datetime
    updated_at: datetime

    @property
    def session_stamp(self) -> str:
        """Changes when the password does: sessions made before a change stop working."""
        return hashlib.sha256((self.password_hash or "").encode()).hexdigest()[:16]


@dataclass
class ApiToken:
    id: str
    user: str
    label: str
    secret_hash: str
    created_at: datetime
    expires_at: datetime | None = None
    last_used_at: datetime | None = None

    def expired(self, now: datetime) -> bool:
        return self.expires_at is not None and now >= self.expires_at


class AccountStore(Protocol):
    """Users and their API tokens.  Every method is atomic.

    ``NotFound`` for unknown names and ids, ``Conflict`` when adding a user
    that exists.  Deleting a user deletes their tokens.
    """

    def add_user(self, user: User) -> User: ...
    def get_user(self, name: str) -> User: ...
    def list_users(self) -> list[User]: ...
    def update_user(self, user: User) -> User: ...
    def delete_user(self, name: str) -> None: ...
    def add_token(self, token: ApiToken) -> ApiToken: ...
    def get_token(self, token_id: str) -> ApiToken: ...
    def list_tokens(self, user: str | None = None) -> list[ApiToken]: ...
    def delete_token(self, token_id: str) -> None: ...
    def touch_token(self, token_id: str, now: datetime) -> None: ...


# --- operations over a store ----------------------------------------------------------------


def create_user(
    store: AccountStore, name: str, role: str, password: str | None, now: datetime
) -> User:
    """Add a user; ``password`` None makes an account for API tokens only."""
    user = User(
        name=normalize_user_name(name),
        role=check_role(role),
        password_hash=hash_password(password) if password is not None else None,
        created_at=now,
        updated_at=now,
    )
    return store.add_user(user)


def _admins(store: AccountStore) -> set[str]:
    return {u.name for u in store.list_users() if u.role == "admin"}


def change_user(
    store: AccountStore,
    name: str,
    now: datetime,
    *,
    role: str | None = None,
    password: str | None = None,
) -> User:
    """Change a user's role and/or password; the last admin cannot be demoted."""
    user = store.get_user(normalize_user_name(name))
    if role is not None:
        check_role(role)
        if user.role == "admin" and role != "admin" and _admins(store) == {user.name}:
            raise Conflict(f"{user.name!r} is the only admin; make another user admin first")
        user.role = role
    if password is not None:
        user.password_hash = hash_password(password)
    user.updated_at = now
    return store.update_user(user)


def remove_user(store: AccountStore, name: str) -> None:
    """Delete a user and their tokens; the last admin cannot be deleted."""
    user = store.get_user(normalize_user_name(name))
    if user.role == "admin" and _admins(store) == {user.name}:
        raise Conflict(f"{user.name!r} is the only admin; make another user admin first")
    store.delete_user(user.name)


def check_login(store: AccountStore, name: str, password: str) -> User | None:
    """The user whose name and password these are, else None (same time either way)."""
    try:
        user = store.get_user(normalize_user_name(name))
    except (NotFound, BadRequest):
        verify_password(password, _DUMMY_HASH)
        return None
    if user.password_hash is None:
        verify_password(password, _DUMMY_HASH)
        return None
    return user if verify_password(password, user.password_hash) else None


def issue_token(
    store: AccountStore,
    user_name: str,
    label: str,
    now: datetime,
    expires_at: datetime | None = None,
) -> tuple[ApiToken, str]:
    """A new token for ``user_name``: (the stored record, the token text to show once)."""
    user = store.get_user(normalize_user_name(user_name))
    if not isinstance(label, str) or len(label) > MAX_LABEL:
        raise BadRequest(f"a token label is a string of at most {MAX_LABEL} characters")
    if expires_at is not None and expires_at <= now:
        raise Unprocessable("the token would expire before it is used: choose a later time")
    token_id, secret_hash, text = new_token()
    record = ApiToken(
        id=token_id,
        user=user.name,
        label=label.strip(),
        secret_hash=secret_hash,
        created_at=now,
        expires_at=expires_at,
    )
    return store.add_token(record), text


TOUCH_INTERVAL_S = 300  # last_used_at is written at most this often per token


def check_token(store: AccountStore, text: str, now: datetime) -> tuple[User, ApiToken] | None:
    """The user and token a bearer token proves, else None (unknown, wrong, expired)."""
    parsed = parse_token(text)
    if parsed is None:
        return None
    token_id, secret_hash = parsed
    try:
        token = store.get_token(token_id)
        user = store.get_user(token.user)
    except NotFound:
        return None
    if not hmac.compare_digest(token.secret_hash, secret_hash) or token.expired(now):
        return None
    last = token.last_used_at
    if last is None or (now - last).total_seconds() >= TOUCH_INTERVAL_S:
        store.touch_token(token.id, now)
    return user, token
