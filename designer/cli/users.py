"""``designer user`` and ``designer token``: who may use a server that requires login.

The first admin can only be made here (the API needs an admin to add
users), on the machine that holds the database::

    designer user create alice --role admin          # asks for the password twice
    echo "$PASSWORD" | designer user create ci --role editor --password-stdin
    designer token create ci --label "nightly export"  # prints the token once

Passwords are read from the terminal without echo, or from the first line
of stdin with ``--password-stdin`` (never from the command line, where
other users could see them in the process list).  Every command takes
``--url`` like ``designer db``.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import click

from designer import accounts
from designer.accounts import ROLES, AccountStore
from designer.cli.db import url_option
from designer.storage.accounts import open_accounts


@contextmanager
def _store(url: str | None) -> Iterator[AccountStore]:
    store, repo = open_accounts(url)
    try:
        yield store
    finally:
        close = getattr(repo, "close", None)
        if close is not None:
            close()


def _now() -> datetime:
    return datetime.now(UTC)


def _note(message: str) -> None:
    click.echo(message, err=True)


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        if not line:
            raise click.UsageError("--password-stdin: nothing was given on stdin")
        return line.rstrip("\r\n")
    if not sys.stdin.isatty():
        raise click.UsageError(
            "no terminal to ask for the password: pipe it in with --password-stdin"
        )
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else "-"


def _table(headers: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    cells = [list(headers), *[list(r) for r in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    return "\n".join(
        "  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip() for row in cells
    )


_ROLE = click.Choice(list(ROLES))


# --- designer user --------------------------------------------------------------------------
@click.group()
def user() -> None:
    """Users who may sign in to the editor and use the API (when login is required)."""


@user.command("create")
@click.argument("name")
@click.option("--role", type=_ROLE, required=True, help="viewer < editor < publisher < admin")
@click.option("--password-stdin", is_flag=True, help="Read the password from stdin's first line.")
@click.option("--no-password", is_flag=True, help="An account for API tokens only (no sign-in).")
@url_option
def user_create(
    name: str, role: str, password_stdin: bool, no_password: bool, url: str | None
) -> None:
    """Add user NAME with a role and a password (asked for unless --password-stdin)."""
    if no_password and password_stdin:
        raise click.UsageError("--no-password and --password-stdin contradict each other")
    name = accounts.normalize_user_name(name)
    password = None if no_password else accounts.check_password(_read_password(password_stdin))
    with _store(url) as store:
        created = accounts.create_user(store, name, role, password, _now())
    _note(f"created {created.role} {created.name!r}")


@user.command("list")
@url_option
def user_list(url: str | None) -> None:
    """List users and their roles (passwords are never shown)."""
    with _store(url) as store:
        users = store.list_users()
        tokens = store.list_tokens()
    if not users:
        _note("no users yet: `designer user create NAME --role admin`")
        return
    count: dict[str, int] = {}
    for token in tokens:
        count[token.user] = count.get(token.user, 0) + 1
    rows = [
        (u.name, u.role, "yes" if u.password_hash else "no (tokens only)",
         str(count.get(u.name, 0)), _when(u.created_at))
        for u in users
    ]  # fmt: skip
    click.echo(_table(("NAME", "ROLE", "PASSWORD", "TOKENS", "CREATED (UTC)"), rows))


@user.command("set-role")
@click.argument("name")
@click.argument("role", type=_ROLE)
@url_option
def user_set_role(name: str, role: str, url: str | None) -> None:
    """Give user NAME another ROLE (the last admin stays admin)."""
    with _store(url) as store:
        changed = accounts.change_user(store, name, _now(), role=role)
    _note(f"{changed.name!r} is now {changed.role}")


@user.command("password")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the password from stdin's first line.")
@url_option
def user_password(name: str, password_stdin: bool, url: str | None) -> None:
    """Set user NAME's password (their open sessions end)."""
    password = accounts.check_password(_read_password(password_stdin))
    with _store(url) as store:
        changed = accounts.change_user(store, name, _now(), password=password)
    _note(f"changed the password of {changed.name!r}")


@user.command("delete")
@click.argument("name")
@url_option
def user_delete(name: str, url: str | None) -> None:
    """Delete user NAME and their API tokens (the last admin cannot be deleted)."""
    with _store(url) as store:
        accounts.remove_user(store, name)
    _note(f"deleted {accounts.normalize_user_name(name)!r}")


# --- designer token ---------------------------------------------------------------------------
@click.group()
def token() -> None:
    """API tokens for scripts and notebooks (Authorization: Bearer <token>)."""


@token.command("create")
@click.argument("name")
@click.option("--label", default="", help="What the token is for.")
@click.option("--expires-days", type=click.IntRange(1, 3650), help="Expire after this many days.")
@url_option
def token_create(name: str, label: str, expires_days: int | None, url: str | None) -> None:
    """Make an API token acting as user NAME and print it (it is not shown again)."""
    now = _now()
    expires = now + timedelta(days=expires_days) if expires_days else None
    with _store(url) as store:
        record, text = accounts.issue_token(store, name, label, now, expires)
    until = f", expires {_when(record.expires_at)} UTC" if expires else ""
    _note(f"token {record.id} for {record.user!r}{until}; store it now, it is not shown again:")
    click.echo(text)


@token.command("list")
@click.argument("name", required=False)
@url_option
def token_list(name: str | None, url: str | None) -> None:
    """List API tokens (of user NAME, or everyone's); the secrets are not stored."""
    with _store(url) as store:
        who = accounts.normalize_user_name(name) if name else None
        if who is not None:
            store.get_user(who)  # an unknown user is an error, not an empty list
        tokens = store.list_tokens(who)
    if not tokens:
        _note("no API tokens: `designer token create NAME`")
        return
    rows = [
        (t.id, t.user, t.label or "-", _when(t.created_at), _when(t.expires_at),
         _when(t.last_used_at))
        for t in tokens
    ]  # fmt: skip
    click.echo(_table(("ID", "USER", "LABEL", "CREATED", "EXPIRES", "LAST USED"), rows))


@token.command("revoke")
@click.argument("token_id")
@url_option
def token_revoke(token_id: str, url: str | None) -> None:
    """Revoke the API token TOKEN_ID (from `designer token list`)."""
    with _store(url) as store:
        store.delete_token(token_id)
    _note(f"revoked token {token_id}")
