"""The simulator package: its pure core stays pure, and the notebook helper works."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from designer.web.sim import call_flow

ROOT = Path(__file__).resolve().parents[2]
PURE = ["designer.simulator", "designer.simulator.platform", "designer.simulator.script",
        "designer.simulator.transcript", "designer.simulator.prompts",
        "designer.simulator.transport", "designer.simulator.randomwalk",
        "designer.simulator.replay", "designer.simulator.line"]  # fmt: skip


def test_the_simulator_imports_neither_flask_nor_sqlalchemy():
    code = (
        f"import sys; import {', '.join(PURE)}; "
        "bad = [m for m in ('flask', 'sqlalchemy') if m in sys.modules]; "
        "assert not bad, bad"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, timeout=60)  # fmt: skip
    assert done.returncode == 0, done.stderr


def test_call_flow_for_notebooks(examples_dir):
    wednesday = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
    transcript = call_flow(examples_dir / "support_line.json", "3", at=wednesday, seed=1)
    assert transcript.outcome == {"action": "hangup", "node": "hangup"}
    assert "billing" in transcript.visited
    assert "<table>" in transcript._repr_html_()
