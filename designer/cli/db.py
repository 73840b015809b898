"""Commands that work on the database: schema, flows, applications, numbers, examples.

``designer db upgrade|downgrade|current|check`` run the Alembic migrations,
``designer db housekeeping`` ends calls whose DiCE never came and deletes old
callback answers (``designer.housekeeping``);
``designer flow import|list``, ``designer app add|list``, ``designer number
bind|unbind|list`` and ``designer examples load`` manage what the server
serves.  Every command takes ``--url`` (default ``$DESIGNER_DATABASE_URL``,
else ``sqlite:///instance/designer.db`` relative to the current directory).
Output meant for scripts (a new flow id) goes to stdout, commentary to stderr.
"""

from __future__ import annotations

import base64
import binascii
import getpass
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from designer.cli.flow import finding_line
from designer.errors import BadRequest, DesignerError
from designer.findings import Report
from designer.flow import Flow
from designer.housekeeping import (
    KEEP_ANSWERS,
    STALE_AFTER,
    describe,
    housekeep,
    parse_duration,
    quiet_warning,
)
from designer.repository import Application, NumberBinding, Repository, check_e164
from designer.storage import ENV_URL, database_url, open_repository
from designer.storage import migrate as migrations
from designer.storage.engine import redact
from designer.storage.secretbox import ENV_KEYS, new_key
from designer.storage.sql import SqlRepository

EXAMPLES_DIR = Path(__file__).resolve().parents[1] / "examples"
EXAMPLE_COMMENT = "example flow"


def url_option(fn: Callable[..., Any]) -> Callable[..., Any]:
    """The ``--url`` database option every storage command shares."""
    return click.option(
        "--url",
        envvar=ENV_URL,
        metavar="URL",
        help=f"Database URL (default: ${ENV_URL}, else sqlite:///instance/designer.db).",
    )(fn)


@contextmanager
def _repo(url: str | None) -> Iterator[Repository]:
    repo = open_repository(database_url(url))
    try:
        yield repo
    finally:
        close = getattr(repo, "close", None)
        if close is not None:
            close()


def _now() -> datetime:
    return datetime.now(UTC)


def _who() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "cli"


def _note(message: str) -> None:
    click.echo(message, err=True)


def _table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    cells = [[str(h) for h in headers]] + [["" if v is None else str(v) for v in r] for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = ["  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)) for row in cells]
    return "\n".join(line.rstrip() for line in lines)


def _print_findings(report: Report, what: str) -> None:
    _note(f"{what}: {len(report.errors)} error(s), not published")
    for finding in report:
        _note(f"  {finding_line(finding)}")


# --- designer db ---------------------------------------------------------------
@click.group()
def db() -> None:
    """Create and migrate the database schema (Alembic)."""


@db.command("upgrade")
@url_option
def db_upgrade(url: str | None) -> None:
    """Migrate the database to the newest schema (creates it when missing)."""
    url = database_url(url)
    before = migrations.current(url)
    migrations.upgrade(url)
    after = migrations.current(url)
    if before == after:
        click.echo(f"{redact(url)}: already at revision {after} (head)")
    else:
        click.echo(f"{redact(url)}: upgraded from {before or 'an empty database'} to {after}")


@db.command("downgrade")
@click.argument("revision")
@url_option
def db_downgrade(revision: str, url: str | None) -> None:
    """Migrate the database down to REVISION ('base' removes every table)."""
    url = database_url(url)
    migrations.downgrade(url, revision)
    click.echo(f"{redact(url)}: now at revision {migrations.current(url) or 'base (empty)'}")


@db.command("current")
@url_option
def db_current(url: str | None) -> None:
    """Show the schema revision of the database and whether it is current."""
    url = database_url(url)
    at, head = migrations.current(url), migrations.head()
    if at == head:
        click.echo(f"{redact(url)}: revision {at} (head)")
    else:
        click.echo(
            f"{redact(url)}: revision {at or 'none'}, this code needs {head}: "
            "run `designer db upgrade`"
        )


@db.command("check")
@url_option
def db_check(url: str | None) -> None:
    """Exit 1 unless the database schema matches the models exactly."""
    url = database_url(url)
    diffs = migrations.check(url)
    if diffs:
        _note(f"{redact(url)}: the schema differs from the models:")
        for d in diffs:
            _note(f"  {d}")
        sys.exit(1)
    click.echo(f"{redact(url)}: schema matches the models")


@db.command("housekeeping")
@click.option(
    "--idle",
    default=describe(STALE_AFTER),
    show_default=True,
    metavar="DURATION",
    help="End the calls still active with no callback for longer than this.",
)
@click.option(
    "--keep-answers",
    default=describe(KEEP_ANSWERS),
    show_default=True,
    metavar="DURATION",
    help="Delete the stored callback answers older than this.",
)
@click.option("--dry-run", is_flag=True, help="Only say what would change.")
@url_option
def db_housekeeping(idle: str, keep_answers: str, dry_run: bool, url: str | None) -> None:
    """End calls whose DiCE never came; delete callback answers no retry will ask for.

    A call whose DiCE was lost stays "active" for good; one not heard of for
    --idle is ended with the result "lost" at the time it was last heard of.
    Callback answers are kept so that a retried callback gets the same
    answer; Sinch retries within minutes.  The server does this by itself
    (DESIGNER_HOUSEKEEPING); run this from cron when that is turned off.  Safe
    while the server answers calls.  A DURATION is like 90s, 10m, 6h, 1d or 1h30m.
    """
    stale_after = parse_duration(idle, "--idle")
    keep = parse_duration(keep_answers, "--keep-answers")
    warning = quiet_warning(stale_after)
    if warning:
        _note(f"warning: {warning}")
    with _repo(url) as repo:
        done = housekeep(repo, _now(), stale_after=stale_after, keep_answers=keep, dry_run=dry_run)
    for line in done.lines():
        click.echo(line)


# --- designer db encrypt-secrets | generate-key: application secrets at rest ---------
@db.command("encrypt-secrets")
@url_option
def db_encrypt_secrets(url: str | None) -> None:
    """Encrypt application secrets with the current key; print how many changed.

    Plain-text secrets (stored by older versions) and secrets encrypted with
    an older key (a later one in $DESIGNER_ENCRYPTION_KEY) are encrypted
    anew with the first key.  Safe to run again.  A secret none of the keys
    decrypts stops it, naming the application, and nothing is changed.
    """
    url = database_url(url)
    with _repo(url) as repo:
        if not isinstance(repo, SqlRepository):
            raise DesignerError(f"{url} keeps nothing on disk: there is nothing to encrypt")
        changed, stored = repo.encrypt_secrets()
    click.echo(
        f"{redact(url)}: encrypted {changed} application secret(s) with the current key "
        f"({stored - changed} already were)"
    )


@db.command("generate-key")
def db_generate_key() -> None:
    """Print a new key for $DESIGNER_ENCRYPTION_KEY (application secrets at rest)."""
    click.echo(new_key())
    _note(f"set {ENV_KEYS} to it on every host (to rotate: the new key, a comma, the old "
          "keys), then run `designer db encrypt-secrets`")  # fmt: skip


# --- designer flow import | list ---------------------------------------------------
@click.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--publish", is_flag=True, help="Validate and publish it as version 1.")
@click.option(
    "--number",
    "numbers",
    multiple=True,
    metavar="E164",
    help="Bind this number to the published flow (repeatable; needs --publish).",
)
@click.option("--comment", default="", help="Comment of the published version.")
@url_option
def flow_import(
    file: Path, publish: bool, numbers: tuple[str, ...], comment: str, url: str | None
) -> None:
    """Store the flow document FILE as a new flow and print its id.

    With --publish a flow with validation errors is refused (exit 1, errors
    listed) and nothing is stored.
    """
    if numbers and not publish:
        raise click.UsageError("--number needs --publish: numbers are bound to published flows")
    if comment and not publish:
        raise click.UsageError("--comment describes the published version: add --publish")
    for number in numbers:
        check_e164(number)
    flow = Flow.load(file)
    if publish:
        report = flow.validate()
        if not report.ok:
            _print_findings(report, str(file))
            sys.exit(1)
    now = _now()
    with _repo(url) as repo:
        record = repo.create_flow(flow.to_dict(), now)
        if publish:
            version = repo.publish(record.id, comment, _who(), now)
            _note(f"published {record.name!r} as version {version.number}")
            for number in numbers:
                repo.bind_number(NumberBinding(number=number, flow_id=record.id), now)
                _note(f"bound {number} to {record.id}")
    click.echo(record.id)


@click.command("list")
@url_option
def flow_list(url: str | None) -> None:
    """List the stored flows with their published versions and bound numbers."""
    with _repo(url) as repo:
        flows = repo.list_flows()
        bindings = repo.list_bindings()
    if not flows:
        _note("no flows stored yet: `designer flow import FILE` or `designer examples load`")
        return
    numbers: dict[str, list[str]] = {}
    for b in bindings:
        numbers.setdefault(b.flow_id, []).append(b.number)
    rows = [
        (f.id, f.name, f.revision, f.latest_version or "-", " ".join(numbers.get(f.id, [])))
        for f in flows
    ]
    click.echo(_table(("ID", "NAME", "REVISION", "VERSION", "NUMBERS"), rows))


# --- designer app ----------------------------------------------------------------
@click.group()
def app() -> None:
    """Sinch applications (key and secret) whose callbacks are accepted."""


def _check_secret(secret: str) -> str:
    try:
        if base64.b64decode(secret, validate=True):
            return secret
    except (binascii.Error, ValueError):
        pass
    raise BadRequest(
        "SECRET must be the application secret as the Sinch dashboard shows it (base64)"
    )


@app.command("add")
@click.argument("key")
@click.argument("secret")
@click.option("--name", default="", help="A name to recognise the application by.")
@click.option("--default-flow", metavar="FLOW_ID", help="Flow for calls to unbound numbers.")
@url_option
def app_add(key: str, secret: str, name: str, default_flow: str | None, url: str | None) -> None:
    """Add application KEY with its SECRET ('-' reads the secret from stdin)."""
    if secret == "-":
        secret = sys.stdin.readline().strip()
    application = Application(
        key=key, secret=_check_secret(secret), name=name, default_flow_id=default_flow
    )
    with _repo(url) as repo:
        repo.add_application(application)
    _note(f"added application {key}")


@app.command("list")
@url_option
def app_list(url: str | None) -> None:
    """List applications (secrets are never shown)."""
    with _repo(url) as repo:
        apps = repo.list_applications()
    if not apps:
        _note("no applications: `designer app add KEY SECRET`")
        return
    rows = [
        (
            a.key,
            a.name,
            "set" if a.secret else "none",
            a.default_flow_id or "-",
            a.created_at.strftime("%Y-%m-%d %H:%M") if a.created_at else "",
        )
        for a in apps
    ]
    click.echo(_table(("KEY", "NAME", "SECRET", "DEFAULT FLOW", "CREATED (UTC)"), rows))


# --- designer number ---------------------------------------------------------------
@click.group()
def number() -> None:
    """Bind called numbers (E.164) to published flows."""


@number.command("bind")
@click.argument("e164")
@click.argument("flow_id")
@click.option("--version", type=click.IntRange(min=1), help="Pin a version (default: latest).")
@click.option("--app", "app_key", metavar="KEY", help="The application the number belongs to.")
@url_option
def number_bind(
    e164: str, flow_id: str, version: int | None, app_key: str | None, url: str | None
) -> None:
    """Answer calls to E164 with flow FLOW_ID."""
    wanted = NumberBinding(
        number=check_e164(e164), flow_id=flow_id, version=version, application_key=app_key
    )
    with _repo(url) as repo:
        binding = repo.bind_number(wanted, _now())
    which = f"version {binding.version}" if binding.version else "its latest published version"
    _note(f"bound {binding.number} to {binding.flow_id} ({which})")


@number.command("unbind")
@click.argument("e164")
@url_option
def number_unbind(e164: str, url: str | None) -> None:
    """Stop answering calls to E164."""
    with _repo(url) as repo:
        repo.unbind_number(check_e164(e164))
    _note(f"unbound {e164}")


@number.command("list")
@url_option
def number_list(url: str | None) -> None:
    """List number bindings."""
    with _repo(url) as repo:
        bindings = repo.list_bindings()
    if not bindings:
        _note("no numbers bound: `designer number bind E164 FLOW_ID`")
        return
    rows = [
        (b.number, b.flow_id, b.version or "latest", b.application_key or "-") for b in bindings
    ]
    click.echo(_table(("NUMBER", "FLOW", "VERSION", "APPLICATION"), rows))


# --- designer examples ---------------------------------------------------------------
@click.group()
def examples() -> None:
    """The example flows shipped with the designer."""


@examples.command("load")
@click.option(
    "--from",
    "folder",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    default=EXAMPLES_DIR,
    show_default="the designer's examples",
    help="Folder of *.json flow documents.",
)
@url_option
def examples_load(folder: Path, url: str | None) -> None:
    """Import and publish every example flow not stored yet (matched by name).

    Safe to run again: examples already stored, by name, are left as they
    are.  No numbers are bound.  Exit 1 if an example has validation errors.
    """
    files = sorted(folder.glob("*.json"))
    if not files:
        raise DesignerError(f"no flow documents (*.json) in {folder}")
    with _repo(url) as repo:
        failed = _load_examples(repo, files)
    if failed:
        sys.exit(1)


def _load_examples(repo: Repository, files: list[Path]) -> int:
    """Import and publish the examples whose names are not stored yet; return how many failed."""
    stored = {f.name for f in repo.list_flows()}
    failed = 0
    now = _now()
    for path in files:
        flow = Flow.load(path)
        if flow.name.strip() in stored:
            _note(f"exists  {flow.name}")
            continue
        report = flow.validate()
        if not report.ok:
            _print_findings(report, path.name)
            failed += 1
            continue
        record = repo.create_flow(flow.to_dict(), now)
        repo.publish(record.id, EXAMPLE_COMMENT, _who(), now)
        stored.add(flow.name.strip())
        _note(f"loaded  {flow.name}  ({record.id}, version 1)")
    return failed


def register(main: click.Group, flow_group: click.Group) -> None:
    """Attach these commands: groups to ``designer``, import/list to ``designer flow``."""
    for group in (db, app, number, examples):
        main.add_command(group)
    flow_group.add_command(flow_import)
    flow_group.add_command(flow_list)
