"""The Sinch platform, simulated: call a flow without a phone (DESIGN.md §6).

- ``platform``: ``SimulatedCall``, the platform's side of one call (pure);
- ``script``: scripted callers (``Script``, ``Press``, ``Silence``...) and ``run``;
- ``transcript``: what a call sent, heard, keyed and visited;
- ``transport``: callbacks over HTTP, or in-process into a WSGI app;
- ``randomwalk``: many random callers, coverage and errors;
- ``replay``: a stored call against the current draft of its flow.

Placing calls needs an app running the flow; the core takes one from outside
(``designer.web.sim.Sandbox``, see ``line``).  For notebooks::

    from designer.web.sim import call_flow
    call_flow("designer/examples/support_line.json", "2", "1").render()
"""

from __future__ import annotations

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
    "run",
]
