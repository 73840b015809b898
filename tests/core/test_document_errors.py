"""A document that is not a flow is described in the author's terms, never Python's."""

from __future__ import annotations

from typing import Any

import pytest

from designer.document import parse
from designer.errors import InvalidDocument


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ([], "a flow document is a JSON object, not a list"),
        ("flow", "a flow document is a JSON object, not text"),
        (None, "a flow document is a JSON object, not null"),
        (3, "a flow document is a JSON object, not a number"),
    ],
)
def test_a_value_that_is_not_an_object(raw: Any, message: str) -> None:
    with pytest.raises(InvalidDocument) as info:
        parse(raw)
    assert info.value.details == [{"path": "", "message": message}]


def test_a_missing_format_says_how_a_flow_starts() -> None:
    with pytest.raises(InvalidDocument) as info:
        parse({"name": "x", "nodes": []})
    found = {d["path"]: d["message"] for d in info.value.details}
    assert found["format"] == (
        'format is missing: a flow document starts with "format": "callflow/1"'
    )
    assert "None" not in info.value.message


def test_a_wrong_format_names_both() -> None:
    with pytest.raises(InvalidDocument) as info:
        parse({"format": "callflow/2", "nodes": []})
    found = {d["path"]: d["message"] for d in info.value.details}
    assert found["format"] == "format must be 'callflow/1', got 'callflow/2'"
