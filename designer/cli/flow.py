"""``designer flow validate|export``: work on a flow document file, no server needed.

``validate`` prints the findings of DESIGN.md §4 (``--json``: exactly
``{"ok", "findings": [...]}``) and exits 1 when any finding is an error, so a
script or a CI job can gate on it.  ``export`` writes the flow as SVAML (the
static compile of ``designer.compiler``), the normalised flow document, or a
Graphviz picture.  A file that cannot be read or is not a flow document is
one line on stderr and exit code 2 (``designer.cli`` maps the errors).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

import click

from designer.findings import Finding
from designer.flow import Flow

EXPORT_FORMATS: dict[str, Callable[[Flow], str]] = {
    "svaml": lambda flow: json.dumps(flow.to_svaml(), indent=2, ensure_ascii=False),
    "json": lambda flow: flow.to_json(),
    "dot": lambda flow: flow.to_dot(),
    "svg": lambda flow: flow.to_svg(),
}


@click.group()
def flow() -> None:
    """Validate and export flow documents (callflow/1 JSON files)."""


def finding_line(finding: Finding) -> str:
    """One finding for people: ``error dead-end main:timeout — message``."""
    where = finding.node or ""
    if finding.port is not None:
        where = f"{where}:{finding.port}"
    head = " ".join(part for part in (finding.severity, finding.code, where) if part)
    return f"{head} — {finding.message}"


@flow.command("validate")
@click.argument("file", metavar="FILE")
@click.option("--json", "as_json", is_flag=True, help='Print {"ok", "findings"} as JSON.')
def validate(file: str, as_json: bool) -> None:
    """Check the flow in FILE; exit 1 when any finding is an error."""
    report = Flow.load(file).validate()
    if as_json:
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False))
    else:
        for finding in report:
            click.echo(finding_line(finding))
        errors, warnings = len(report.errors), len(report.warnings)
        status = "ok" if report.ok else "invalid"
        click.echo(f"{file}: {status} ({errors} error(s), {warnings} warning(s))", err=True)
    sys.exit(0 if report.ok else 1)


@flow.command("export")
@click.argument("file", metavar="FILE")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(sorted(EXPORT_FORMATS)),
    required=True,
    help="svaml: entry point -> SVAML; json: the normalised document; dot/svg: Graphviz.",
)
@click.option(
    "-o", "--output", metavar="OUT", default=None, help="Write to OUT instead of standard output."
)
def export(file: str, fmt: str, output: str | None) -> None:
    """Write the flow in FILE in another format."""
    text = EXPORT_FORMATS[fmt](Flow.load(file))
    if not text.endswith("\n"):
        text += "\n"
    if output is None or output == "-":
        click.echo(text, nl=False)
    else:
        Path(output).write_text(text, encoding="utf-8")
