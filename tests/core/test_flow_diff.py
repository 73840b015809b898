"""designer.diff: what changed between two flow documents (pure, no server)."""

from __future__ import annotations

import copy

import pytest

from designer import Flow
from designer.diff import diff_documents, is_empty
from designer.document import parse
from designer.errors import InvalidDocument

BASE = {
    "format": "callflow/1",
    "name": "Support line",
    "locale": "en-US",
    "nodes": [
        {"id": "start", "type": "start"},
        {"id": "main", "type": "menu", "data": {"prompt": "#tts[Press 1 or 2]",
                                                 "options": ["1", "2"], "repeats": 2}},
        {"id": "sales", "type": "connectPstn", "data": {"number": "+46700000001"}},
        {"id": "bye", "type": "hangup"},
    ],
    "edges": [
        {"from": "start", "to": "main"},
        {"from": "main", "port": "1", "to": "sales"},
        {"from": "main", "port": "2", "to": "bye"},
        {"from": "main", "port": "timeout", "to": "bye"},
    ],
}  # fmt: skip


def changed(mutate) -> dict:
    new = copy.deepcopy(BASE)
    mutate(new)
    return diff_documents(BASE, new)


def test_identical_documents_have_an_empty_diff():
    diff = diff_documents(BASE, copy.deepcopy(BASE))
    assert is_empty(diff)
    assert diff == {
        "nodes": {"added": [], "removed": [], "changed": []},
        "edges": {"added": [], "removed": []},
        "meta": {},
    }


def test_parameter_added_changed_and_removed():
    def mutate(doc):
        data = doc["nodes"][1]["data"]
        data["prompt"] = "#tts[Press 1, 2 or 3]"
        del data["repeats"]
        data["timeoutMills"] = 3000

    diff = changed(mutate)
    assert diff["nodes"]["changed"] == [
        {
            "id": "main",
            "changes": [
                {"param": "prompt", "from": "#tts[Press 1 or 2]", "to": "#tts[Press 1, 2 or 3]"},
                {"param": "repeats", "from": 2, "to": None},
                {"param": "timeoutMills", "from": None, "to": 3000},
            ],
        }
    ]
    assert not is_empty(diff)


def test_type_and_label_changes_are_marked_apart_from_parameters():
    def mutate(doc):
        doc["nodes"][3] = {"id": "bye", "type": "park", "label": "Hold", "data": {}}

    diff = changed(mutate)
    assert diff["nodes"]["changed"] == [
        {
            "id": "bye",
            "changes": [
                {"param": "@type", "from": "hangup", "to": "park"},
                {"param": "@label", "from": None, "to": "Hold"},
            ],
        }
    ]


def test_nodes_added_and_removed_with_their_definitions():
    def mutate(doc):
        doc["nodes"].pop(2)
        doc["nodes"].append({"id": "support", "type": "say", "data": {"text": "Hi"}})
        doc["edges"][1]["to"] = "support"
        doc["edges"].append({"from": "support", "to": "bye"})

    diff = changed(mutate)
    assert diff["nodes"]["added"] == [{"id": "support", "type": "say", "data": {"text": "Hi"}}]
    assert diff["nodes"]["removed"] == [
        {"id": "sales", "type": "connectPstn", "data": {"number": "+46700000001"}}
    ]
    assert diff["edges"]["added"] == [
        {"from": "main", "port": "1", "to": "support"},
        {"from": "support", "port": "next", "to": "bye"},
    ]
    assert diff["edges"]["removed"] == [{"from": "main", "port": "1", "to": "sales"}]


def test_positions_are_ignored_unless_asked_for():
    new = copy.deepcopy(BASE)
    new["nodes"][0]["position"] = {"x": 100, "y": 40}
    assert is_empty(diff_documents(BASE, new))
    diff = diff_documents(BASE, new, positions=True)
    assert diff["nodes"]["changed"] == [
        {"id": "start", "changes": [{"param": "@position", "from": None,
                                     "to": {"x": 100, "y": 40}}]}
    ]  # fmt: skip


def test_meta_changes():
    def mutate(doc):
        doc["name"] = "Sales line"
        doc["locale"] = "sv-SE"
        doc["notes"] = [{"id": "n1", "text": "todo"}]

    assert changed(mutate)["meta"] == {
        "name": {"from": "Support line", "to": "Sales line"},
        "locale": {"from": "en-US", "to": "sv-SE"},
        "notes": {"from": 0, "to": 1},
    }


def test_accepts_documents_flows_and_dicts_alike():
    as_dict = changed(lambda d: d.update(name="Other"))
    other = {**copy.deepcopy(BASE), "name": "Other"}
    assert diff_documents(Flow.from_dict(BASE), Flow.from_dict(other)) == as_dict
    assert diff_documents(parse(BASE), parse(other)) == as_dict


def test_reversed_diff_swaps_sides():
    def mutate(doc):
        doc["nodes"].append({"id": "extra", "type": "hangup"})
        doc["nodes"][1]["data"]["repeats"] = 3

    new = copy.deepcopy(BASE)
    mutate(new)
    forward, backward = diff_documents(BASE, new), diff_documents(new, BASE)
    assert forward["nodes"]["added"] == backward["nodes"]["removed"]
    assert [(c["from"], c["to"]) for c in forward["nodes"]["changed"][0]["changes"]] == [
        (c["to"], c["from"]) for c in backward["nodes"]["changed"][0]["changes"]
    ]


def test_unreadable_document_is_an_invalid_document_error():
    with pytest.raises(InvalidDocument):
        diff_documents(BASE, {"format": "nope"})
