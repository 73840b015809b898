"""The account stores: users and API tokens in the database, or in memory.

They sit beside the flow repository rather than inside it: access control is
its own concern with its own small interface (``designer.accounts.AccountStore``),
stored in the same database and migrated by the same Alembic history.
``accounts_for(repo)`` gives the store that belongs with a repository: the
SQL store on the repository's engine, or one in-memory store per
in-memory repository.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, delete, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from designer.accounts import AccountStore, ApiToken, User
from designer.errors import Conflict, DesignerError, NotFound
from designer.storage import common as c
from designer.storage.engine import WRITE, translate
from designer.storage.models import ApiTokenRow, UserRow


def _user_exists(name: str) -> Conflict:
    return Conflict(f"a user named {name!r} exists already", details={"user": name})


def _no_user(name: str) -> NotFound:
    return NotFound(f"no user named {name!r}", details={"user": name})


def _no_token(token_id: str) -> NotFound:
    return NotFound(f"no API token with id {token_id!r}", details={"token": token_id})


class SqlAccountStore:
    """Users and tokens in the ``users`` and ``api_tokens`` tables."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @contextmanager
    def _tx(self, write: bool = False) -> Iterator[Session]:
        try:
            with self.engine.connect() as conn:
                conn.execution_options(**{WRITE: write})
                with Session(bind=conn, expire_on_commit=False, autoflush=False) as s, s.begin():
                    yield s
        except DesignerError:
            raise
        except SQLAlchemyError as exc:
            raise translate(exc, self.engine.url) from exc

    @staticmethod
    def _user(row: UserRow) -> User:
        return User(
            name=row.name,
            role=row.role,
            password_hash=row.password_hash,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )

    @staticmethod
    def _token(row: ApiTokenRow) -> ApiToken:
        return ApiToken(
            id=row.id,
            user=row.user_name,
            label=row.label,
            secret_hash=row.secret_hash,
            created_at=row.created_at,
            expires_at=row.expires_at,
            last_used_at=row.last_used_at,
        )

    def add_user(self, user: User) -> User:
        with self._tx(write=True) as s:
            if s.get(UserRow, user.name) is not None:
                raise _user_exists(user.name)
            row = UserRow(
                name=user.name,
                role=user.role,
                password_hash=user.password_hash,
                created_at=c.utc(user.created_at),
                updated_at=c.utc(user.updated_at),
            )
            s.add(row)
            s.flush()
            return self._user(row)

    def get_user(self, name: str) -> User:
        with self._tx() as s:
            row = s.get(UserRow, name)
            if row is None:
                raise _no_user(name)
            return self._user(row)

    def list_users(self) -> list[User]:
        with self._tx() as s:
            return [self._user(r) for r in s.scalars(select(UserRow).order_by(UserRow.name))]

    def update_user(self, user: User) -> User:
        with self._tx(write=True) as s:
            row = s.get(UserRow, user.name)
            if row is None:
                raise _no_user(user.name)
            row.role = user.role
            row.password_hash = user.password_hash
            row.updated_at = c.utc(user.updated_at)
            s.flush()
            return self._user(row)

    def delete_user(self, name: str) -> None:
        with self._tx(write=True) as s:
            if s.get(UserRow, name) is None:
                raise _no_user(name)
            s.execute(delete(ApiTokenRow).where(ApiTokenRow.user_name == name))
            s.execute(delete(UserRow).where(UserRow.name == name))

    def add_token(self, token: ApiToken) -> ApiToken:
        with self._tx(write=True) as s:
            if s.get(UserRow, token.user) is None:
                raise _no_user(token.user)
            if s.get(ApiTokenRow, token.id) is not None:
                raise Conflict(f"an API token with id {token.id!r} exists already")
            row = ApiTokenRow(
                id=token.id,
                user_name=token.user,
                label=token.label,
                secret_hash=token.secret_hash,
                created_at=c.utc(token.created_at),
                expires_at=c.utc_or_none(token.expires_at),
                last_used_at=c.utc_or_none(token.last_used_at),
            )
            s.add(row)
            s.flush()
            return self._token(row)

    def get_token(self, token_id: str) -> ApiToken:
        with self._tx() as s:
            row = s.get(ApiTokenRow, token_id)
            if row is None:
                raise _no_token(token_id)
            return self._token(row)

    def list_tokens(self, user: str | None = None) -> list[ApiToken]:
        query = select(ApiTokenRow).order_by(ApiTokenRow.created_at, ApiTokenRow.id)
        if user is not None:
            query = query.where(ApiTokenRow.user_name == user)
        with self._tx() as s:
            return [self._token(r) for r in s.scalars(query)]

    def delete_token(self, token_id: str) -> None:
        with self._tx(write=True) as s:
            if s.execute(delete(ApiTokenRow).where(ApiTokenRow.id == token_id)).rowcount == 0:
                raise _no_token(token_id)

    def touch_token(self, token_id: str, now: datetime) -> None:
        with self._tx(write=True) as s:
            s.execute(
                update(ApiTokenRow)
                .where(ApiTokenRow.id == token_id)
                .values(last_used_at=c.utc(now))
            )


class MemoryAccountStore:
    """The same store in a dict, for ``memory://`` apps and tests."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._users: dict[str, User] = {}
        self._tokens: dict[str, ApiToken] = {}

    def add_user(self, user: User) -> User:
        with self._lock:
            if user.name in self._users:
                raise _user_exists(user.name)
            self._users[user.name] = replace(user)
            return replace(user)

    def get_user(self, name: str) -> User:
        with self._lock:
            if name not in self._users:
                raise _no_user(name)
            return replace(self._users[name])

    def list_users(self) -> list[User]:
        with self._lock:
            return [replace(u) for _, u in sorted(self._users.items())]

    def update_user(self, user: User) -> User:
        with self._lock:
            if user.name not in self._users:
                raise _no_user(user.name)
            self._users[user.name] = replace(user)
            return replace(user)

    def delete_user(self, name: str) -> None:
        with self._lock:
            if self._users.pop(name, None) is None:
                raise _no_user(name)
            for token_id in [t.id for t in self._tokens.values() if t.user == name]:
                del self._tokens[token_id]

    def add_token(self, token: ApiToken) -> ApiToken:
        with self._lock:
            if token.user not in self._users:
                raise _no_user(token.user)
            if token.id in self._tokens:
                raise Conflict(f"an API token with id {token.id!r} exists already")
            self._tokens[token.id] = replace(token)
            return replace(token)

    def get_token(self, token_id: str) -> ApiToken:
        with self._lock:
            if token_id not in self._tokens:
                raise _no_token(token_id)
            return replace(self._tokens[token_id])

    def list_tokens(self, user: str | None = None) -> list[ApiToken]:
        with self._lock:
            found = [t for t in self._tokens.values() if user is None or t.user == user]
            return [replace(t) for t in sorted(found, key=lambda t: (t.created_at, t.id))]

    def delete_token(self, token_id: str) -> None:
        with self._lock:
            if self._tokens.pop(token_id, None) is None:
                raise _no_token(token_id)

    def touch_token(self, token_id: str, now: datetime) -> None:
        with self._lock:
            if token_id in self._tokens:
                self._tokens[token_id].last_used_at = now


_memory_stores: weakref.WeakKeyDictionary[Any, MemoryAccountStore] = weakref.WeakKeyDictionary()
_unweakable: dict[int, MemoryAccountStore] = {}
_memory_lock = threading.Lock()


def accounts_for(repo: Any) -> AccountStore:
    """The account store stored alongside ``repo``.

    A repository with a SQLAlchemy ``engine`` (``SqlRepository``) shares it;
    any other repository (in memory, or a test's wrapper) gets one in-memory
    store of its own, the same one every time it is asked.
    """
    engine = getattr(repo, "engine", None)
    if isinstance(engine, Engine):
        return SqlAccountStore(engine)
    with _memory_lock:
        try:
            store = _memory_stores.get(repo)
            if store is None:
                store = _memory_stores[repo] = MemoryAccountStore()
        except TypeError:  # not weak-referenceable: keyed by identity for the process
            store = _unweakable.setdefault(id(repo), MemoryAccountStore())
        return store


def open_accounts(url: str | None = None) -> tuple[AccountStore, Any]:
    """(the account store of the database at ``url``, the repository to close afterwards).

    For the command line: the schema must be migrated (``NotMigrated`` otherwise).
    """
    from designer.storage import MEMORY_URL, database_url, open_repository

    url = database_url(url)
    if url.strip() == MEMORY_URL:
        raise DesignerError(
            f"{MEMORY_URL} keeps users only inside one server process; "
            "give a database URL (--url or $DESIGNER_DATABASE_URL)"
        )
    repo = open_repository(url)
    return accounts_for(repo), repo
