"""What a notebook user gets from ``designer`` itself: pictures, simulation, lazy extras."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime

import pytest

import designer
from designer import examples
from designer.errors import InvalidDocument
from designer.flow import Flow
from tests.conftest import need_dot
from tests.notebooks.conftest import TINY_FLOW


def test_a_flow_shows_its_picture_with_the_findings_drawn_on_it():
    need_dot()
    broken = Flow.from_dict(
        {**TINY_FLOW, "edges": [e for e in TINY_FLOW["edges"] if e["from"] != "pin"]}
    )
    page = broken._repr_html_()
    assert "<svg" in page and "<?xml" not in page
    assert "3 error(s)" in page and "dead-end" in page and "unreachable" in page
    assert "#c62828" in page  # the nodes at fault are outlined in red
    assert "<svg" in Flow.from_dict(TINY_FLOW)._repr_html_()


def test_a_flow_without_graphviz_still_shows_its_findings(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    page = Flow.from_dict(TINY_FLOW)._repr_html_()
    assert "Tiny line" in page and "No problems found" in page
    assert "<svg" not in page and "not installed" in page


def test_flow_simulate_returns_the_transcript():
    transcript = Flow.from_dict(TINY_FLOW).simulate(press=["2", "1234#"], callee="busy")
    assert transcript.visited == ["start", "welcome", "main", "pin", "agent"]
    assert transcript.outcome["action"] == "connectPstn"
    assert transcript.end["result"] == "BUSY"
    assert "1234" in "".join(transcript.keyed)


def test_flow_simulate_at_a_given_time():
    flow = examples.load("after_hours")
    sunday_night = flow.simulate(press=[], at=datetime(2026, 1, 11, 23, 0, tzinfo=UTC))
    weekday = flow.simulate(
        press=[], at=datetime(2026, 1, 7, 15, 0, tzinfo=UTC)
    )  # 10:00 in New York
    assert sunday_night.visited != weekday.visited


def test_flow_simulate_names_bad_steps():
    flow = Flow.from_dict(TINY_FLOW)
    with pytest.raises(InvalidDocument, match="list of steps"):
        flow.simulate(press="12")
    with pytest.raises(designer.DesignerError, match="unknown script step"):
        flow.simulate(press=["twelve"])


def test_the_notebook_helpers_load_lazily():
    code = (
        "import sys, designer\n"
        "designer.Flow\n"
        "assert 'pandas' not in sys.modules, 'importing designer pulled in pandas'\n"
        "assert callable(designer.calls) and callable(designer.live)\n"
        "assert 'pandas' in sys.modules\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        designer.nothing  # noqa: B018
