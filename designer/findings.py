"""Validation findings: what is wrong, how badly, and where on the canvas."""

from __future__ import annotations

import html
from dataclasses import asdict, dataclass
from typing import Any, Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Finding:
    severity: Severity
    code: str
    message: str
    node: str | None = None
    port: str | None = None
    param: str | None = None  # path of the offending parameter, e.g. "options[2]"

    def to_dict(self) -> dict[str, Any]:
        """The contract fields of DESIGN.md §4, plus ``param`` when one is known."""
        d = asdict(self)
        out = {k: d[k] for k in ("severity", "code", "node", "port", "message")}
        if self.param is not None:
            out["param"] = self.param
        return out


@dataclass(frozen=True)
class Report:
    """All findings for one flow; ``ok`` means no errors (warnings allowed)."""

    findings: tuple[Finding, ...]

    @property
    def ok(self) -> bool:
        return not any(f.severity == "error" for f in self.findings)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]

    def codes(self) -> set[str]:
        return {f.code for f in self.findings}

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "findings": [f.to_dict() for f in self.findings]}

    def __iter__(self):
        return iter(self.findings)

    def __len__(self) -> int:
        return len(self.findings)

    def _repr_html_(self) -> str:
        if not self.findings:
            return "<p>✅ No problems found.</p>"
        rows = "".join(
            f"<tr><td>{'❌' if f.severity == 'error' else '⚠️'}</td>"
            f"<td><code>{html.escape(f.code)}</code></td>"
            f"<td>{html.escape(f.node or '')}</td><td>{html.escape(f.port or '')}</td>"
            f"<td>{html.escape(f.message)}</td></tr>"
            for f in self.findings
        )
        return (
            "<table><thead><tr><th></th><th>code</th><th>node</th><th>port</th>"
            f"<th>message</th></tr></thead><tbody>{rows}</tbody></table>"
        )
