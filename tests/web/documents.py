"""Sample flow documents for the HTTP tests."""

from __future__ import annotations

from typing import Any


def flow_doc(name: str = "Support line", text: str = "Welcome to Acme.") -> dict[str, Any]:
    """A small valid flow: start -> say -> hangup."""
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


def broken_doc(name: str = "Broken") -> dict[str, Any]:
    """Well-formed but invalid: the say node's ``next`` port leads nowhere (dead-end)."""
    doc = flow_doc(name)
    doc["nodes"] = doc["nodes"][:2]
    doc["edges"] = doc["edges"][:1]
    return doc
