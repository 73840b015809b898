"""Example flows shipped with the package: ready to load, validate, run and simulate.

They are plain ``callflow/1`` documents beside this module (read through
``importlib.resources`` so they work from an installed wheel too)::

    from designer import examples
    examples.names()                  # ['after_hours', 'conference_bridge', ...]
    flow = examples.load("support_line")
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from designer.errors import NotFound
from designer.flow import Flow

_SUFFIX = ".json"


def _files():
    return resources.files(__name__)


def names() -> list[str]:
    """The example names (file names without ``.json``), sorted."""
    return sorted(
        entry.name[: -len(_SUFFIX)]
        for entry in _files().iterdir()
        if entry.is_file() and entry.name.endswith(_SUFFIX)
    )


def text(name: str) -> str:
    """The JSON text of example ``name``; ``NotFound`` names the examples that exist."""
    if name not in names():
        raise NotFound(f"no example flow {name!r} (examples: {', '.join(names())})")
    return _files().joinpath(name + _SUFFIX).read_text(encoding="utf-8")


def document(name: str) -> dict[str, Any]:
    """Example ``name`` as a decoded flow document."""
    return json.loads(text(name))


def load(name: str) -> Flow:
    """Example ``name`` as a ``Flow``."""
    return Flow.loads(text(name))


def all_flows() -> dict[str, Flow]:
    """Every example, by name."""
    return {name: load(name) for name in names()}
