"""Questions an analyst asks of a call log, as pure functions over DataFrames.

Each takes the frames of ``designer.notebook.frames`` (calls: one row per
call with its ``path``; events: one row per trace event) and returns a
DataFrame whose index is what the question is about (a node, a menu, an
outcome, an hour), so it can be sorted, joined, plotted or handed to
``heat_svg``.  Nothing here reads a server, a database or the clock, so each
function is tested on a hand-made call log with known numbers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from designer.errors import BadRequest
from designer.flow import Flow

# How a call ends when the caller gave up: hung up, or let the platform time out.
DROP_OUTCOMES: tuple[str, ...] = ("callerhangup", "timeout")
# The node types that wait for the caller's keys; their input events are the menu analyses.
INPUT_TYPES: tuple[str, ...] = ("menu", "collect")
IN_PROGRESS = "in progress"


def _as_flow(flow: Flow | Mapping[str, Any]) -> Flow:
    if isinstance(flow, Flow):
        return flow
    if isinstance(flow, Mapping):
        return Flow.from_dict(flow)
    raise BadRequest(f"flow must be a designer.Flow or a flow document, not {flow!r}")


def _need(frame: pd.DataFrame, columns: Iterable[str], what: str) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise BadRequest(f"{what} must be a pandas DataFrame, not {type(frame).__name__}")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise BadRequest(
            f"{what} lacks the column(s) {', '.join(missing)}: build it with "
            f"designer.notebook.{'calls' if what == 'calls' else 'events'}(...)"
        )


def flow_order(flow: Flow | Mapping[str, Any]) -> list[tuple[str, int | None]]:
    """Node ids in the order a caller meets them: breadth-first from ``start``.

    Each with its depth (edges from ``start``); nodes no path reaches come
    last, in document order, with depth None.
    """
    flow = _as_flow(flow)
    order: dict[str, int | None] = {}
    start = flow.start
    frontier = [start.id] if start is not None else []
    depth = 0
    while frontier:
        following: list[str] = []
        for node in frontier:
            if node in order:
                continue
            order[node] = depth
            following.extend(
                t
                for t in flow.out_edges.get(node, {}).values()
                if t in flow.by_id and t not in order
            )
        frontier, depth = following, depth + 1
    for node in flow.nodes:
        order.setdefault(node.id, None)
    return list(order.items())


def reached(calls: pd.DataFrame) -> pd.Series:
    """How many calls visited each node at least once (index: node id)."""
    _need(calls, ["path"], "calls")
    steps = calls["path"].reset_index(drop=True).explode().dropna()
    pairs = pd.DataFrame({"call": steps.index, "node": steps.to_numpy()}).drop_duplicates()
    counts = pairs.groupby("node").size() if len(pairs) else pd.Series(dtype="int64")
    counts.index.name = "node"
    return counts.astype("int64").rename("calls")


def funnel(calls: pd.DataFrame, flow: Flow | Mapping[str, Any]) -> pd.DataFrame:
    """Callers reaching each node of ``flow``, in the order of the flow.

    Index: node id (breadth-first from ``start``).  Columns: ``type``,
    ``depth`` (edges from start), ``calls`` (calls that visited the node at
    least once) and ``share`` (of all calls in ``calls``).  Pass the calls
    of this flow only: node ids are matched by name.
    """
    counts = reached(calls)
    flow = _as_flow(flow)
    total = len(calls)
    rows = [
        {
            "node": node,
            "type": flow.by_id[node].type,
            "depth": depth,
            "calls": int(counts.get(node, 0)),
            "share": (int(counts.get(node, 0)) / total) if total else 0.0,
        }
        for node, depth in flow_order(flow)
    ]
    frame = pd.DataFrame(rows, columns=["node", "type", "depth", "calls", "share"])
    frame["depth"] = pd.array(frame["depth"].tolist(), dtype="Int64")
    return frame.set_index("node")


def last_nodes(calls: pd.DataFrame) -> pd.Series:
    """The node each call was at when it ended (None for a call that visited none)."""
    _need(calls, ["path"], "calls")
    return calls["path"].map(lambda p: p[-1] if len(p) else None)


def dropoff(calls: pd.DataFrame, outcomes: Iterable[str] = DROP_OUTCOMES) -> pd.DataFrame:
    """Where callers give up: per node, the calls that ended there by hang-up or timeout.

    Index: the last node of the calls.  Columns: ``ended`` (calls whose last
    node it was), ``dropped`` (those that ended with one of ``outcomes``,
    by default the caller hanging up or the call timing out), ``reached``
    (calls that visited the node) and ``rate`` = dropped / reached.  Sorted
    with the biggest drop first; nodes where no call ended are left out.
    """
    _need(calls, ["path", "outcome"], "calls")
    wanted = set(outcomes)
    frame = pd.DataFrame(
        {
            "node": last_nodes(calls).to_numpy(),
            "dropped": calls["outcome"].isin(wanted).to_numpy(),
        }
    ).dropna(subset=["node"])
    table = frame.groupby("node").agg(ended=("dropped", "size"), dropped=("dropped", "sum"))
    table = table.astype("int64")
    table["reached"] = reached(calls).reindex(table.index, fill_value=0).astype("int64")
    table["rate"] = (table["dropped"] / table["reached"]).where(table["reached"] > 0, 0.0)
    table.index.name = "node"
    return table.sort_values(["dropped", "rate"], ascending=False, kind="stable")


def _input_events(events: pd.DataFrame) -> pd.DataFrame:
    _need(events, ["kind", "node", "type", "port", "value"], "events")
    return events[(events["kind"] == "input") & events["node"].notna()]


def node_types(events: pd.DataFrame, flow: Flow | Mapping[str, Any] | None = None) -> dict:
    """node id -> node type, from ``flow`` or else from the ``node`` trace events."""
    if flow is not None:
        return {n.id: n.type for n in _as_flow(flow).nodes}
    _need(events, ["kind", "node", "type"], "events")
    seen = events[(events["kind"] == "node") & events["node"].notna()]
    return dict(zip(seen["node"], seen["type"], strict=True))


def _port_key(port: str) -> tuple[int, str]:
    rank = {"invalid": 2, "timeout": 3, "hangup": 4}
    if port in rank:
        return rank[port], port
    return (0 if len(port) == 1 and port in "0123456789*#" else 1), port


def menu_choices(
    events: pd.DataFrame, flow: Flow | Mapping[str, Any] | None = None
) -> pd.DataFrame:
    """What callers chose at each menu: input counts per menu (rows) and port (columns).

    Columns are the ports taken (option digits, ``invalid``, ``timeout``)
    and ``hangup`` for callers who hung up at the prompt.  With ``flow``,
    every menu of the flow gets a row and every port of its menus a column,
    taken or not, in flow order; without, the menus seen in ``events``.
    """
    types = node_types(events, flow)
    menus = [n for n, t in types.items() if t == "menu"]
    inputs = _input_events(events)
    inputs = inputs[inputs["node"].isin(menus)]
    choice = inputs["port"].where(inputs["port"].notna(), inputs["type"])
    pairs = pd.DataFrame({"menu": inputs["node"].to_numpy(), "choice": choice.to_numpy()})
    pairs = pairs.dropna()
    table = pairs.groupby(["menu", "choice"]).size().unstack(fill_value=0)
    rows = list(table.index)
    ports = set(table.columns)
    if flow is not None:
        flow = _as_flow(flow)
        rows = [n for n, _ in flow_order(flow) if types.get(n) == "menu"]
        for menu in rows:
            ports.update(flow.out_edges.get(menu, {}))
    table = table.reindex(index=rows, columns=sorted(ports, key=_port_key), fill_value=0)
    table = table.fillna(0).astype("int64")
    table.index.name = "menu"
    table.columns.name = "port"
    return table


def classify_input(kind: Any, port: Any, value: Any) -> str:
    """One input event as ``chosen``, ``timeout``, ``invalid`` or ``hangup``.

    The engine sends a caller who keyed nothing, or something that is not an
    option, out of the ``timeout``/``invalid`` port; keying something there
    is ``invalid``, keying nothing is ``timeout``.
    """
    kind = str(kind or "").lower()
    if kind == "hangup":
        return "hangup"
    if port in ("timeout", "invalid"):
        keyed = isinstance(value, str) and value.strip() != ""
        return "invalid" if keyed and kind != "timeout" else "timeout"
    return "chosen"


def menu_problems(
    events: pd.DataFrame, flow: Flow | Mapping[str, Any] | None = None
) -> pd.DataFrame:
    """Which menu confuses callers: timeouts and invalid input per menu and collect node.

    Index: the node.  Columns: ``type``, ``inputs`` (answers the platform
    reported), ``chosen``, ``timeouts``, ``invalid``, ``hangups``,
    ``problems`` (= timeouts + invalid) and ``rate`` (= problems / inputs).
    Sorted with the most confusing first.
    """
    types = node_types(events, flow)
    inputs = _input_events(events)
    inputs = inputs[inputs["node"].isin([n for n, t in types.items() if t in INPUT_TYPES])]
    verdicts = [
        classify_input(k, p, v)
        for k, p, v in zip(inputs["type"], inputs["port"], inputs["value"], strict=True)
    ]
    pairs = pd.DataFrame({"node": inputs["node"].to_numpy(), "verdict": verdicts})
    table = pairs.groupby(["node", "verdict"]).size().unstack(fill_value=0)
    table = table.reindex(columns=["chosen", "timeout", "invalid", "hangup"], fill_value=0)
    table = table.fillna(0).astype("int64")
    out = pd.DataFrame(
        {
            "type": [types.get(n) for n in table.index],
            "inputs": table.sum(axis=1),
            "chosen": table["chosen"],
            "timeouts": table["timeout"],
            "invalid": table["invalid"],
            "hangups": table["hangup"],
        },
        index=table.index,
    )
    out["problems"] = out["timeouts"] + out["invalid"]
    out["rate"] = (out["problems"] / out["inputs"]).where(out["inputs"] > 0, 0.0)
    out.index.name = "node"
    return out.sort_values(["rate", "problems"], ascending=False, kind="stable")


def outcome_labels(calls: pd.DataFrame) -> pd.Series:
    """Each call's outcome, ``in progress`` for calls that have not ended."""
    return calls["outcome"].astype(object).where(calls["outcome"].notna(), IN_PROGRESS)


def duration_by_outcome(calls: pd.DataFrame) -> pd.DataFrame:
    """How long calls last, per outcome: count, mean, median, 90th percentile, max, total.

    Durations are the DiCE's, in seconds; calls without one (still running)
    are left out.  Sorted by the number of calls.
    """
    _need(calls, ["outcome", "duration"], "calls")
    frame = pd.DataFrame(
        {
            "outcome": outcome_labels(calls).to_numpy(),
            "duration": pd.to_numeric(calls["duration"], errors="coerce")
            .astype("float64")
            .to_numpy(),
        }
    ).dropna(subset=["duration"])
    grouped = frame.groupby("outcome")["duration"]
    table = pd.DataFrame(
        {
            "calls": grouped.size().astype("int64"),
            "mean": grouped.mean(),
            "median": grouped.median(),
            "p90": grouped.quantile(0.9),
            "max": grouped.max(),
            "total": grouped.sum(),
        }
    )
    table.index.name = "outcome"
    return table.sort_values("calls", ascending=False, kind="stable")


def calls_per_hour(calls: pd.DataFrame, tz: str | None = None) -> pd.DataFrame:
    """Calls by hour of the day they started (0-23, all present), one column per outcome.

    ``tz`` (e.g. ``"Europe/Stockholm"``) reads the hours in that time zone;
    default UTC.  The last column, ``total``, is all calls of the hour.
    """
    _need(calls, ["started", "outcome"], "calls")
    started = pd.to_datetime(calls["started"], utc=True)
    if tz is not None:
        try:
            started = started.dt.tz_convert(tz)
        except Exception as exc:  # pytz/zoneinfo raise different classes for unknown zones
            raise BadRequest(f"unknown time zone {tz!r}: {exc}") from None
    frame = pd.DataFrame(
        {"hour": started.dt.hour.to_numpy(), "outcome": outcome_labels(calls).to_numpy()}
    ).dropna()
    table = frame.groupby(["hour", "outcome"]).size().unstack(fill_value=0)
    table = table.reindex(index=range(24), fill_value=0).fillna(0).astype("int64")
    table = table[table.sum().sort_values(ascending=False, kind="stable").index]
    table["total"] = table.sum(axis=1)
    table.index.name = "hour"
    table.columns.name = None
    return table


def node_counts(counts: Mapping[str, Any] | pd.Series | pd.DataFrame) -> dict[str, int]:
    """``{node: count}`` from a mapping, a Series, or a frame with a ``calls`` column."""
    if isinstance(counts, pd.DataFrame):
        if "calls" not in counts.columns:
            raise BadRequest("a frame of node counts needs a 'calls' column (e.g. funnel(...))")
        counts = counts["calls"]
    if isinstance(counts, pd.Series):
        counts = counts.to_dict()
    if not isinstance(counts, Mapping):
        raise BadRequest(f"node counts are a mapping or a Series, not {type(counts).__name__}")
    out: dict[str, int] = {}
    for node, value in counts.items():
        if value is None or pd.isna(value):
            continue
        out[str(node)] = int(value)
    return out
