"""``designer.Flow``: a call flow as a Python object.

A thin facade over the document model so that the library is useful without a
server (``Flow.load(path).validate()``), and so that notebooks render a flow
as a picture (``_repr_svg_``) with its findings (``_repr_html_``).  Each
capability lives in its own module; this class only wires them together.
"""

from __future__ import annotations

import html
import json
from functools import cached_property
from pathlib import Path
from typing import Any

from designer import document
from designer.document import Document, Edge, Node
from designer.errors import DesignerError, InvalidDocument, RenderError
from designer.findings import Report


class Flow:
    def __init__(self, doc: Document) -> None:
        self.doc = doc

    # --- construction -----------------------------------------------------
    @classmethod
    def from_dict(cls, raw: Any) -> Flow:
        return cls(document.parse(raw))

    @classmethod
    def loads(cls, text: str | bytes) -> Flow:
        return cls(document.parse_text(text))

    @classmethod
    def load(cls, path: str | Path) -> Flow:
        path = Path(path)
        try:
            text = path.read_bytes()
        except OSError as exc:
            raise InvalidDocument(f"cannot read {path}: {exc.strerror or exc}") from None
        return cls.loads(text)

    def to_dict(self) -> dict[str, Any]:
        return self.doc.to_dict()

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    def save(self, path: str | Path) -> None:
        Path(path).write_text(self.to_json() + "\n", encoding="utf-8")

    # --- access -----------------------------------------------------------
    @property
    def name(self) -> str:
        return self.doc.name

    @property
    def locale(self) -> str:
        return self.doc.locale

    @property
    def nodes(self) -> list[Node]:
        return self.doc.nodes

    @property
    def edges(self) -> list[Edge]:
        return self.doc.edges

    @cached_property
    def by_id(self) -> dict[str, Node]:
        return {n.id: n for n in self.doc.nodes}

    @cached_property
    def out_edges(self) -> dict[str, dict[str, str]]:
        """node id -> {port: target id}; the first edge wins when a port repeats."""
        out: dict[str, dict[str, str]] = {n.id: {} for n in self.doc.nodes}
        for e in self.doc.edges:
            out.setdefault(e.source, {}).setdefault(e.port, e.target)
        return out

    def node(self, node_id: str) -> Node:
        return self.by_id[node_id]

    def target(self, node_id: str, port: str) -> str | None:
        return self.out_edges.get(node_id, {}).get(port)

    @property
    def start(self) -> Node | None:
        return next((n for n in self.doc.nodes if n.type == "start"), None)

    # --- capabilities -----------------------------------------------------
    def validate(self) -> Report:
        from designer.validation import validate

        return validate(self)

    def to_svaml(self) -> dict[str, Any]:
        """Entry point -> SVAML the app answers there (templates left as written)."""
        from designer.compiler import compile_flow

        return compile_flow(self)

    def to_dot(self, **kw: Any) -> str:
        from designer.render import to_dot

        return to_dot(self, **kw)

    def to_svg(self, **kw: Any) -> str:
        from designer.render import to_svg

        return to_svg(self, **kw)

    def simulate(
        self,
        press: list[str] | tuple[str, ...] = (),
        *,
        callee: str = "answer",
        talk: float | None = None,
        cli: str | None = None,
        to: str | None = None,
        at: Any = None,
        sandbox: Any = None,
    ) -> Any:
        """Call this flow with the simulated platform; returns the ``Transcript``.

        ``press`` are the caller's steps at each prompt (``"1"``, ``"4321#"``,
        ``"!1"`` during the prompt, ``"silence"``, ``"hangup"``), as
        ``designer simulate --press``; ``at`` (a datetime) is when the call
        starts.  The flow runs in a private app where nothing is stored:
        ``sandbox`` (a ``designer.simulator.line.LineFactory``), by default
        the one registered under the ``designer.sandboxes`` entry point.
        """
        from designer.simulator.platform import CallSettings
        from designer.simulator.script import DEFAULT_TALK_S, Script, run
        from designer.simulator.transcript import attach_trace

        if isinstance(press, str):
            raise InvalidDocument("press is a list of steps, e.g. ['1', '4321#'], not one string")
        script = Script.parse(press, callee=callee, talk=DEFAULT_TALK_S if talk is None else talk)
        defaults = CallSettings()
        line = (sandbox or _default_sandbox())(
            self.to_dict(), number=to or defaults.to, started_at=at
        )
        try:
            call = line.dial(cli=cli or defaults.cli)
            run(call, script)
            attach_trace(call.transcript, line.events(call.callid))
        finally:
            line.close()
        return call.transcript

    def _repr_svg_(self) -> str:
        return self.to_svg()

    def _repr_html_(self) -> str:
        """The picture with the findings drawn on it, then the findings as a table.

        Notebooks prefer HTML to SVG, so the picture is part of it; without
        Graphviz the summary and the table are still shown.
        """
        report = self.validate()
        status = "valid" if report.ok else f"{len(report.errors)} error(s)"
        head = (
            f"<p><b>{html.escape(self.name)}</b> — {len(self.nodes)} nodes, "
            f"{len(self.edges)} edges, {status}</p>"
        )
        try:
            svg = self.to_svg(findings=report.findings)
            picture = f"<div style='overflow:auto'>{svg[svg.find('<svg') :]}</div>"
        except RenderError as exc:
            picture = f"<p><i>{html.escape(exc.message)}</i></p>"
        return head + picture + report._repr_html_()

    def __repr__(self) -> str:
        return f"<Flow {self.name!r}: {len(self.nodes)} nodes, {len(self.edges)} edges>"


def _default_sandbox() -> Any:
    """The sandbox registered by the installed package (the web layer's in-process app)."""
    from importlib.metadata import entry_points

    found = entry_points(group="designer.sandboxes", name="default")
    if not found:
        raise DesignerError(
            "no simulator sandbox is installed: install the package (pip install -e .) so that "
            "its 'designer.sandboxes' entry point is registered"
        )
    return next(iter(found)).load()
