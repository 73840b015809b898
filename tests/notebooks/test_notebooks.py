"""The notebooks under notebooks/ run from top to bottom against a real server.

Each runs in a fresh Jupyter kernel (nbclient, the engine nbmake uses) with
``DESIGNER_URL`` and ``DESIGNER_DATABASE_URL`` pointing at the session's
server, so what a user runs is what is tested.  The same notebooks run with
``pytest --nbmake notebooks/`` against any server named by those variables.
"""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from tests.conftest import ROOT, need_dot

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
CELL_TIMEOUT_S = 240


def test_the_three_stories_are_there():
    assert [p.name for p in NOTEBOOKS] == [
        "01_design_a_flow.ipynb",
        "02_live_calls.ipynb",
        "03_analyse_call_logs.ipynb",
    ]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebooks_are_committed_without_outputs(path: Path):
    book = nbformat.read(path, as_version=4)
    nbformat.validate(book)
    for cell in book.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, (
                f"{path.name}: strip outputs before committing (cell {cell.get('id')})"
            )


def _text(cell: nbformat.NotebookNode) -> str:
    parts = []
    for output in cell.get("outputs", []):
        if output.output_type == "stream":
            parts.append(output.text)
        elif "data" in output:
            parts.append(output.data.get("text/plain", ""))
    return "".join(parts)


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_against_a_real_server(path: Path, server):
    need_dot()  # the notebooks draw flows
    book = nbformat.read(path, as_version=4)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DESIGNER_", "MPLBACKEND"))}
    env.update(
        DESIGNER_URL=server.url,
        DESIGNER_DATABASE_URL=server.database_url,
        JUPYTER_PLATFORM_DIRS="1",
    )
    client = NotebookClient(
        book,
        timeout=CELL_TIMEOUT_S,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute(env=env)  # a failing cell raises CellExecutionError with its traceback
    code = [c for c in book.cells if c.cell_type == "code"]
    assert all(c.execution_count for c in code)
    shown = "\n".join(_text(c) for c in code)
    pictures = sum("image/svg+xml" in o.get("data", {}) or "image/png" in o.get("data", {})
                   for c in code for o in c.outputs)  # fmt: skip
    assert pictures >= 2, f"{path.name} drew {pictures} picture(s)"
    if path.stem.startswith("01"):
        assert "dead-end" in shown and "published version 1" in shown
    elif path.stem.startswith("02"):
        assert "path: start → welcome → main → support → support_internet" in shown
        assert "now at: {'support'}" in shown
    else:
        assert "2000 calls, " in shown and "The most confusing prompt is" in shown
