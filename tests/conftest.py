"""Fixtures shared by the whole suite.

Sub-folders (core, storage, web, runtime, simulator, browser, notebooks) add
their own ``conftest.py`` for what only they need.
"""

from __future__ import annotations

import json
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SINCH = ROOT.parent / "shared" / "sinch"
EXAMPLES = ROOT / "designer" / "examples"
IN_CI = os.environ.get("CI", "").lower() == "true"


def need_service(available: bool, what: str) -> None:
    """Skip a test whose backing service is missing, except in CI where it must run."""
    if available:
        return
    if IN_CI:
        pytest.fail(f"{what} is required when CI=true but is not reachable")
    pytest.skip(f"{what} not available")


def need_dot() -> None:
    need_service(shutil.which("dot") is not None, "graphviz 'dot'")


@pytest.fixture
def sinch_dir() -> Path:
    if not SINCH.is_dir():
        pytest.fail(f"Sinch reference material missing: {SINCH}")
    return SINCH


@pytest.fixture
def signing_vectors(sinch_dir: Path) -> dict:
    return json.loads((sinch_dir / "signing-vectors.json").read_text())


@pytest.fixture
def examples_dir() -> Path:
    return EXAMPLES


@pytest.fixture
def now() -> datetime:
    return datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
