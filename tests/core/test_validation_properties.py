"""Properties: no document, however broken, crashes reading or validation."""

from __future__ import annotations

import json
from typing import Any

import networkx as nx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from designer import Flow, Report
from designer.checks.graph import cyclic_components
from designer.errors import InvalidDocument
from designer.params import check_params
from designer.registry import NODE_TYPES
from designer.validation import CODES, validate

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=30)
)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=20,
)

TYPE_NAMES = sorted(NODE_TYPES)
IDS = ["start", "main", "a", "b", "c", "d", "e", "bye"]
PORTS = ["next", "timeout", "invalid", "answered", "open", "closed", "else", "1", "2", "9", "ok"]


def _params(node_type: str) -> st.SearchStrategy[dict[str, Any]]:
    """Parameters that are sometimes right (the registry example) and often not."""
    t = NODE_TYPES.get(node_type)
    example = dict(t.example) if t else {}
    names = list(t.params) if t and t.params else ["x"]
    return st.one_of(
        st.just(example),
        st.fixed_dictionaries({}, optional={name: json_values for name in names}),
        st.builds(lambda extra: {**example, **extra},
                  st.dictionaries(st.sampled_from(names), json_values, max_size=2)),
    )  # fmt: skip


@st.composite
def flows(draw: st.DrawFn) -> dict[str, Any]:
    """Graphs of registry node types (plus the odd unknown one) wired at random."""
    ids = draw(st.lists(st.sampled_from(IDS), min_size=0, max_size=len(IDS), unique=True))
    nodes = []
    for node_id in ids:
        node_type = draw(st.sampled_from([*TYPE_NAMES, "start", "start", "menu", "mystery"]))
        node: dict[str, Any] = {"id": node_id, "type": node_type}
        if draw(st.booleans()):
            node["data"] = draw(_params(node_type))
        nodes.append(node)
    targets = st.sampled_from([*ids, "ghost"]) if ids else st.just("ghost")
    edges = draw(
        st.lists(
            st.fixed_dictionaries(
                {"from": targets, "to": targets},
                optional={"port": st.sampled_from(PORTS)},
            ),
            max_size=16,
        )
    )
    locale = draw(st.sampled_from(["en-US", "sv-SE", "xx", ""]))
    return {"format": "callflow/1", "name": "Random", "locale": locale, "nodes": nodes,
            "edges": edges}  # fmt: skip


def _assert_sound(flow: Flow, report: Report) -> None:
    assert isinstance(report, Report)
    ids = {n.id for n in flow.nodes}
    order = {n.id: i for i, n in enumerate(flow.nodes)}
    for f in report:
        assert f.code in CODES and f.severity == CODES[f.code]
        assert f.node is None or f.node in ids
        assert isinstance(f.message, str) and f.message
    ranks = [-1 if f.node is None else order[f.node] for f in report]
    assert ranks == sorted(ranks), "findings come in document order"
    json.dumps(report.to_dict())


@SETTINGS
@given(flows())
def test_random_graphs_validate_without_crashing(document: dict[str, Any]) -> None:
    try:
        flow = Flow.from_dict(document)
    except InvalidDocument:
        return  # e.g. an empty locale: a structural problem, reported as such
    report = validate(flow)
    _assert_sound(flow, report)
    assert validate(Flow.from_dict(document)).to_dict() == report.to_dict(), "deterministic"


@SETTINGS
@given(flows())
def test_start_count_is_always_reported(document: dict[str, Any]) -> None:
    try:
        flow = Flow.from_dict(document)
    except InvalidDocument:
        return
    starts = sum(n.type == "start" for n in flow.nodes)
    codes = [f.code for f in validate(flow)]
    assert codes.count("no-start") == (starts == 0)
    assert codes.count("multiple-starts") == max(starts - 1, 0)


@SETTINGS
@given(
    json_values
    | st.dictionaries(
        st.sampled_from(["format", "name", "nodes", "edges", "locale", "notes"]), json_values
    )
)
def test_junk_documents_only_raise_invalid_document(raw: Any) -> None:
    if isinstance(raw, dict) and "format" not in raw:
        raw = {"format": "callflow/1", **raw}
    try:
        flow = Flow.from_dict(raw)
    except InvalidDocument as exc:
        assert exc.details, "an invalid document says where"
        return
    _assert_sound(flow, validate(flow))


@SETTINGS
@given(
    st.lists(
        st.fixed_dictionaries(
            {"id": st.sampled_from(IDS), "type": st.sampled_from(TYPE_NAMES)},
            optional={"data": st.dictionaries(st.text(max_size=12), json_values, max_size=4)},
        ),
        max_size=6,
    )
)
def test_junk_parameters_never_crash(nodes: list[dict[str, Any]]) -> None:
    for node in nodes:
        found = check_params(NODE_TYPES[node["type"]], node.get("data", {}), "en-US")
        assert all(isinstance(path, str) and message for path, message in found)


@st.composite
def digraphs(draw: st.DrawFn) -> list[list[int]]:
    """Small graphs with parallel edges, self-loops, chains and rings."""
    n = draw(st.integers(min_value=0, max_value=14))
    if n == 0:
        return []
    node = st.integers(min_value=0, max_value=n - 1)
    succ: list[list[int]] = [[] for _ in range(n)]
    for s, d in draw(st.lists(st.tuples(node, node), max_size=3 * n)):
        succ[s].append(d)
    return succ


@SETTINGS
@given(digraphs())
def test_cyclic_components_match_networkx(succ: list[list[int]]) -> None:
    """The peeled and contracted computation finds exactly networkx's cyclic components."""
    graph = nx.DiGraph()
    graph.add_nodes_from(range(len(succ)))
    graph.add_edges_from((v, w) for v, targets in enumerate(succ) for w in targets)
    expected = sorted(
        sorted(comp)
        for comp in nx.strongly_connected_components(graph)
        if len(comp) > 1 or graph.has_edge(next(iter(comp)), next(iter(comp)))
    )
    assert cyclic_components(succ) == expected
