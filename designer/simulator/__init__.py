"""The Sinch platform, simulated: call a flow without a phone (DESIGN.md §6).

- ``platform``: ``SimulatedCall``, the platform's side of one call (pure);
- ``script``: scripted callers (``Script``, ``Press``, ``Silence``...) and ``run``;
- ``transcript``: what a call sent, heard, keyed and visited;
- ``transport``: callbacks over HTTP, or in-process into a WSGI app;
- ``randomwalk``: many random callers, coverage and errors;
- ``replay``: a stored call against the current draft of its flow.

For notebooks::

    from designer.simulator import call_flow
    call_flow("designer/examples/support_line.json", "2", "1").render()
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from designer.flow import Flow
from designer.simulator.platform import CallSettings, Phase, Reply, SimulatedCall
from designer.simulator.script import Callee, HangUp, Press, Script, Silence, run
from designer.simulator.transcript import Transcript

__all__ = [
    "CallSettings",
    "Callee",
    "HangUp",
    "Phase",
    "Press",
    "Reply",
    "Script",
    "Silence",
    "SimulatedCall",
    "Transcript",
    "call_flow",
    "run",
]


def call_flow(
    flow: Flow | Mapping[str, Any] | str | Path,
    *steps: str,
    callee: str = "answer",
    at: datetime | None = None,
    cli: str = CallSettings.cli,
    seed: int | None = None,
) -> Transcript:
    """Call a flow (object, document or file) in a private in-process app.

    ``steps`` are script steps in text form (``"1"``, ``"4321#"``, ``"silence"``,
    ``"hangup"``); ``at`` is when the call starts (opening hours), default now.
    """
    from designer.web.sim import Sandbox  # the in-process app (imports Flask)

    if isinstance(flow, str | Path):
        flow = Flow.load(flow)
    document = flow.to_dict() if isinstance(flow, Flow) else dict(flow)
    rng = random.Random(seed) if seed is not None else None
    with Sandbox(document, started_at=at) as sandbox:
        return sandbox.call(Script.parse(steps, callee=callee), cli=cli, rng=rng)
