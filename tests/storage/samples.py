"""Sample data shared by the storage tests."""

from __future__ import annotations

from typing import Any


def flow_doc(name: str = "Support line", text: str = "Welcome.") -> dict[str, Any]:
    """A small valid callflow/1 document."""
    return {
        "format": "callflow/1",
        "name": name,
        "locale": "en-US",
        "nodes": [
            {"id": "start", "type": "start"},
            {"id": "welcome", "type": "say", "data": {"text": text}},
            {"id": "bye", "type": "hangup"},
        ],
        "edges": [{"from": "start", "to": "welcome"}, {"from": "welcome", "to": "bye"}],
    }
