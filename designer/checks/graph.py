"""The flow as the graph checks see it, built once per validation.

Nodes are numbered in document order and edges kept as adjacency lists of
those numbers, so that the linear passes (reachability, the event walks, the
exit searches) are plain list indexing.  networkx does the one algorithm
worth a library, strongly connected components, on the part of the graph
that can hold a cycle at all (``cyclic_components``).

Edges are sorted into what the engine can actually take (``ports`` and
``pred``) and what it cannot: an edge from a port the node does not have, a
second edge on one port, an edge into ``start``, an edge naming a missing
node.  Those are reported here as ``dangling-edge`` / ``duplicate-edge``; the
ones between existing nodes are kept aside (``extra``) only so that
reachability does not cascade: a node behind a misdrawn edge is reported
once, for the edge, not again as unreachable.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field

import networkx as nx

from designer.document import Node
from designer.findings import Finding
from designer.flow import Flow
from designer.registry import NODE_TYPES, NodeType

# Node kinds (designer.registry): where a call waits for the platform or leaves the flow.
START = "start"
INPUT = "input"
ACTION = "action"
TERMINAL = "terminal"


@dataclass
class FlowGraph:
    """Numbered nodes, usable edges, and what was wrong with the others."""

    nodes: list[Node]  # document order; node i is ``nodes[i]``
    order: dict[str, int]  # node id -> number
    types: list[NodeType | None]  # None: not in the registry (reported once)
    kinds: list[str | None]
    ports: list[dict[str, int]]  # usable edges: port -> target number
    pred: list[list[int]]  # sources of the usable edges into each node
    starts: list[int]
    exits: list[bool] = field(default_factory=list)  # see ``build``
    extra: list[tuple[int, int]] = field(default_factory=list)
    connected: set[tuple[int, str]] = field(default_factory=set)  # ports with unusable edges
    open_ports: dict[int, list[str]] = field(default_factory=dict)  # required, no usable edge
    findings: list[Finding] = field(default_factory=list)

    def id(self, i: int) -> str:
        return self.nodes[i].id

    def successors(self, i: int) -> Iterable[int]:
        return self.ports[i].values()


def build(flow: Flow) -> FlowGraph:
    nodes = flow.nodes
    n = len(nodes)
    order = {node.id: i for i, node in enumerate(nodes)}
    types = [NODE_TYPES.get(node.type) for node in nodes]
    kinds = [None if t is None else t.kind for t in types]
    ports: list[dict[str, int]] = [{} for _ in range(n)]
    pred: list[list[int]] = [[] for _ in range(n)]
    g = FlowGraph(
        nodes=nodes,
        order=order,
        types=types,
        kinds=kinds,
        ports=ports,
        pred=pred,
        starts=[i for i, kind in enumerate(kinds) if kind == START],
    )
    static = {name: _type_ports(t)[0] for name, t in NODE_TYPES.items() if not t.dynamic_ports}
    specs = [
        static.get(node.type) or (None if t is None else _port_spec(t, node))
        for t, node in zip(types, nodes, strict=True)
    ]
    number = order.get
    for e in flow.edges:
        s, d, port = number(e.source), number(e.target), e.port
        if s is not None and d is not None:
            spec, out = specs[s], ports[s]
            if (spec is None or port in spec[0]) and port not in out and kinds[d] != START:
                out[port] = d
                pred[d].append(s)
                continue
        _misdrawn(g, specs, e.source, port, e.target)
    # Exits: where the flow lets go of the call (an action or a hangup), and,
    # so that the cycle checks do not blame a mistake reported elsewhere a
    # second time, unknown types and nodes with an unconnected required port.
    exits = [kind is None or kind in (ACTION, TERMINAL) for kind in kinds]
    for i, spec in enumerate(specs):
        if spec is None:
            continue
        out = ports[i]
        for port in spec[1]:
            if port not in out:
                g.open_ports[i] = [p for p in spec[1] if p not in out]
                exits[i] = True
                break
    g.exits = exits
    return g


def cyclic_components(
    succ: Sequence[Collection[int]], pred: Sequence[Collection[int]] | None = None
) -> list[list[int]]:
    """The strongly connected components that contain a cycle, each sorted, in node order.

    ``succ[v]`` lists the targets of node ``v`` (nodes are ``0..len(succ)-1``,
    a parallel edge listed twice) and ``pred[v]`` the sources of the same
    edges (computed when not given).  Two linear passes shrink the problem
    before networkx sees it: nodes with no way in or no way out are peeled
    off (they cannot be on a cycle: in most flows that is everything, and the
    leaves of the rest), then chains of nodes with one way in and one way out
    (say, say, set variable...) are contracted into single edges.  networkx
    computes the components of what is left, about the size of the flow's
    looping menus; each chain node joins the component of both its ends when
    they share one.
    """
    n = len(succ)
    if pred is None:
        sources: list[list[int]] = [[] for _ in range(n)]
        for v, targets in enumerate(succ):
            for w in targets:
                sources[w].append(v)
        pred = sources
    indeg = [len(p) for p in pred]
    outdeg = [len(t) for t in succ]
    alive = bytearray(b"\x01") * n
    stack = [v for v in range(n) if not indeg[v] or not outdeg[v]]
    for v in stack:
        alive[v] = 0
    while stack:
        v = stack.pop()
        for w in succ[v]:
            if alive[w]:
                indeg[w] -= 1
                if not indeg[w]:
                    alive[w] = 0
                    stack.append(w)
        for u in pred[v]:
            if alive[u]:
                outdeg[u] -= 1
                if not outdeg[u]:
                    alive[u] = 0
                    stack.append(u)
    core = [v for v in range(n) if alive[v]]
    if not core:
        return []

    # indeg/outdeg now count the edges within the core.
    link = bytearray(n)
    for v in core:
        if indeg[v] == 1 and outdeg[v] == 1:
            link[v] = 1

    def onward(v: int) -> int:
        return next(w for w in succ[v] if alive[w])

    walked = bytearray(n)
    edges: list[tuple[int, int]] = []
    chains: list[tuple[int, int, list[int]]] = []
    for head in core:
        if link[head]:
            continue
        for w in succ[head]:
            if not alive[w]:
                continue
            path = []
            while link[w]:
                walked[w] = 1
                path.append(w)
                w = onward(w)
            edges.append((head, w))
            if path:
                chains.append((head, w, path))
    contracted = nx.DiGraph(edges)
    found: list[list[int]] = []
    comp_of: dict[int, int] = {}
    for comp in nx.strongly_connected_components(contracted):
        if len(comp) == 1:
            (only,) = comp
            if not contracted.has_edge(only, only):
                continue
        comp_of.update(dict.fromkeys(comp, len(found)))
        found.append(list(comp))
    for head, tail, path in chains:
        c = comp_of.get(head)
        if c is not None and comp_of.get(tail) == c:
            found[c].extend(path)
    # Links no walk reached are rings of links only, each a cycle of its own.
    for v in core:
        if link[v] and not walked[v]:
            ring = []
            while not walked[v]:
                walked[v] = 1
                ring.append(v)
                v = onward(v)
            found.append(ring)
    for members in found:
        members.sort()
    found.sort()
    return found


def induced(
    members: list[int], targets: Callable[[int], Iterable[int]]
) -> tuple[list[list[int]], Callable[[list[int]], list[int]]]:
    """Local adjacency of the subgraph on ``members``, and a map back to node numbers."""
    index = {v: k for k, v in enumerate(members)}
    local = [[index[w] for w in targets(v) if w in index] for v in members]
    return local, lambda ks: [members[k] for k in ks]


PortSpec = tuple[frozenset[str], tuple[str, ...]]  # (all ports, required ports)


def _port_spec(t: NodeType, node: Node) -> PortSpec:
    """The ports of one node; fixed per type unless ports are dynamic.

    A dynamic port whose name its own parameter schema refuses (a menu option
    ``"x"``) is no port: the parameter check reports it, and it is not
    reported a second time as an unconnected port.
    """
    static, valid = _type_ports(t)
    if t.dynamic_ports is None:
        return static
    pairs = [(p, req) for p, req in t.iter_ports(node.data) if p in static[0] or valid(p)]
    return frozenset(p for p, _ in pairs), tuple(p for p, required in pairs if required)


_TYPE_PORTS: dict[str, tuple[NodeType, PortSpec, Callable[[str], bool]]] = {}


def _type_ports(t: NodeType) -> tuple[PortSpec, Callable[[str], bool]]:
    """The fixed ports of a type, and which names its dynamic ports may take."""
    hit = _TYPE_PORTS.get(t.type)
    if hit is None or hit[0] is not t:
        pairs = [(p["name"], bool(p["required"])) for p in t.ports]
        static = frozenset(p for p, _ in pairs), tuple(p for p, required in pairs if required)
        hit = _TYPE_PORTS[t.type] = (t, static, _port_name_check(t))
    return hit[1], hit[2]


def _port_name_check(t: NodeType) -> Callable[[str], bool]:
    dyn = t.dynamic_ports
    if dyn is None:
        return lambda name: False
    item = t.params.get(dyn.param, {}).get("items", {})
    schema = item if dyn.key is None else item.get("properties", {}).get(dyn.key, {})
    enum = schema.get("enum")
    pattern = re.compile(schema["pattern"]) if "pattern" in schema else None
    return lambda name: (
        (enum is None or name in enum) and (pattern is None or pattern.search(name) is not None)
    )


def _misdrawn(
    g: FlowGraph,
    specs: list[tuple[frozenset[str], tuple[str, ...]] | None],
    source: str,
    port: str,
    target: str,
) -> None:
    """Report an edge the engine cannot take, and keep it aside for reachability."""
    s, d = g.order.get(source), g.order.get(target)
    arrow = _arrow(source, port, target)
    if s is None:
        node = target if d is not None else None
        _dangling(g, node, None, f"edge {arrow} starts at {source!r}, which is not a node")
        return
    g.connected.add((s, port))
    if d is None:
        _dangling(g, source, port, f"edge {arrow} leads to {target!r}, which is not a node")
        return
    spec, t = specs[s], g.types[s]
    if spec is not None and t is not None and port not in spec[0]:
        if spec[0]:
            names = ", ".join(sorted(spec[0]))
            why = f"{t.label} {source!r} has no port {port!r} (its ports: {names})"
        else:
            why = f"{t.label} {source!r} has no outgoing ports; the call ends there"
        _dangling(g, source, port, f"edge {arrow}: {why}")
        g.extra.append((s, d))
    elif g.kinds[d] == START:
        _dangling(
            g, source, port, f"edge {arrow} leads into the start node; calls only enter there"
        )
    else:  # a second edge on one port
        if spec is not None:  # unknown types are reported once, without port checks
            first = g.id(g.ports[s][port])
            g.findings.append(
                Finding(
                    "error",
                    "duplicate-edge",
                    f"port {port!r} of {source!r} has more than one edge (to {first!r} and "
                    f"{target!r}); a port leads to exactly one node",
                    source,
                    port,
                )
            )
        g.extra.append((s, d))


def _arrow(source: str, port: str, target: str) -> str:
    return f"{source} → {target}" + ("" if port == "next" else f" (port {port!r})")


def _dangling(g: FlowGraph, node: str | None, port: str | None, message: str) -> None:
    g.findings.append(Finding("error", "dangling-edge", message, node, port))
