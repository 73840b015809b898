"""The flow size check's one cheap pass: it finds exactly what the path-building walk finds.

``check_flow_size`` runs on every save, validation and layout, so it first
walks the document looking only at types and lengths, and works out the path
of the offending value only when something is over a limit.  These tests hold
the fast pass to the same answers at the edges: nesting exactly at the limit,
long field names, long texts in lists, and values that are not plain JSON.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from designer.errors import PayloadTooLarge
from designer.limits import MAX_DEPTH, FlowLimits, _locate_problem, _within, check_flow_size

SMALL = FlowLimits(max_text=12)


def nested(depth: int, leaf: Any = "x") -> Any:
    """A value ``depth`` levels below the document's top level, inside node data."""
    value = leaf
    for i in range(depth - 3):  # nodes -> [0] -> data are the first three levels
        value = {"k": value} if i % 2 else [value]
    return {"format": "callflow/1", "nodes": [{"id": "a", "type": "say", "data": value}]}


def problem(document: Any, limits: FlowLimits = SMALL) -> dict[str, Any] | None:
    try:
        check_flow_size(document, limits)
    except PayloadTooLarge as exc:
        return exc.details[0]
    return None


def test_nesting_up_to_the_limit_passes_and_one_more_level_is_refused() -> None:
    assert problem(nested(MAX_DEPTH)) is None
    deeper = problem(nested(MAX_DEPTH + 1))
    assert deeper is not None and "nested more than" in deeper["message"]
    assert deeper["path"].startswith("nodes[0].data")
    assert problem(nested(MAX_DEPTH, leaf=[])) is None  # an empty list holds nothing deeper
    assert problem(nested(MAX_DEPTH, leaf=[0])) is not None


def test_texts_and_field_names_over_the_limit_are_found_with_their_path() -> None:
    doc = {"format": "callflow/1", "nodes": [{"id": "a", "type": "menu",
           "data": {"options": [{"dtmf": "1"}, {"dtmf": "2", "label": "x" * 13}]}}]}  # fmt: skip
    found = problem(doc)
    assert found == {"path": "nodes[0].data.options[1].label",
                     "message": "text of 13 characters; at most 12 allowed "
                                "(DESIGNER_MAX_TEXT_CHARS)"}  # fmt: skip
    named = problem({"format": "callflow/1", "nodes": [{"id": "a", "data": {"y" * 13: 1}}]})
    assert named == {"path": "nodes[0].data", "message": "a field name is too long"}
    assert problem({"format": "callflow/1", "notes": ["x" * 12, 12, None, True, 1.5]}) is None


def test_values_that_are_not_plain_json_are_checked_too() -> None:
    class Text(str):
        pass

    assert problem({"format": "callflow/1", "name": Text("x" * 13)}) is not None
    ordered = problem({"format": "callflow/1", "nodes": [OrderedDict(id="a", label="x" * 13)]})
    assert ordered is not None and ordered["path"] == "nodes[0].label"


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=16),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=14), inner,
                                                               max_size=4),
    max_leaves=40,
)  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(json_values)
def test_the_fast_pass_agrees_with_the_path_building_walk(value: Any) -> None:
    document = {"format": "callflow/1", "nodes": [{"id": "a", "data": value}]}
    assert _within(document, 12, 0) == (_locate_problem(document, 12) is None)


def test_deep_enough_documents_are_refused_not_crashed() -> None:
    with pytest.raises(PayloadTooLarge, match="nested more than"):
        check_flow_size(nested(500))
