"""Pictures of the analyses: the flow as a heat map, and matplotlib charts.

Each ``plot_*`` draws one frame of ``designer.notebook.analysis`` on an
``ax`` (a new figure when none is given) and returns the Axes, so a notebook
can title, combine or save it.  matplotlib is imported when a chart is drawn,
not when the package is.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import pandas as pd

from designer.flow import Flow
from designer.notebook.analysis import _as_flow, duration_by_outcome, node_counts, outcome_labels

if TYPE_CHECKING:
    from matplotlib.axes import Axes


class Svg(str):
    """SVG markup that a notebook shows as a picture (and that is still a ``str``)."""

    def _repr_svg_(self) -> str:
        return str(self)

    def __repr__(self) -> str:
        return f"<SVG picture, {len(self)} characters>"


def heat_svg(
    flow: Flow | Mapping[str, Any],
    counts: Mapping[str, Any] | pd.Series | pd.DataFrame,
    *,
    highlight: list[str] | None = None,
) -> Svg:
    """The flow drawn with its traffic: each node shaded by and labelled with its count.

    ``counts`` is ``{node: calls}``, a Series, or a frame with a ``calls``
    column such as ``funnel(...)``.  Needs Graphviz's ``dot``.
    """
    from designer.render import to_svg

    flow = _as_flow(flow)
    heat = {n: c for n, c in node_counts(counts).items() if n in flow.by_id}
    return Svg(to_svg(flow, heat=heat, highlight=highlight))


def _axes(ax: Axes | None, size: tuple[float, float]) -> Axes:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=size, layout="constrained")
    return ax


def plot_funnel(funnel: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Horizontal bars: calls reaching each node, first node on top."""
    ax = _axes(ax, (7, max(2.5, 0.3 * len(funnel))))
    ax.barh(list(funnel.index.astype(str)), funnel["calls"].to_numpy(), color="#e34a33")
    ax.invert_yaxis()
    ax.set_xlabel("calls reaching the node")
    ax.set_title("Funnel")
    return ax


def plot_dropoff(dropoff: pd.DataFrame, ax: Axes | None = None, top: int = 10) -> Axes:
    """Bars: calls that ended by the caller giving up, at the ``top`` nodes."""
    shown = dropoff[dropoff["dropped"] > 0].head(top)
    ax = _axes(ax, (7, max(2.5, 0.35 * len(shown))))
    ax.barh(list(shown.index.astype(str)), shown["dropped"].to_numpy(), color="#8c2d04")
    ax.invert_yaxis()
    ax.set_xlabel("calls that ended here by hang-up or timeout")
    ax.set_title("Where callers give up")
    return ax


def plot_menu_problems(problems: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Stacked bars per menu: timeouts and invalid input as a share of its inputs."""
    ax = _axes(ax, (7, max(2.5, 0.4 * len(problems))))
    names = list(problems.index.astype(str))
    inputs = problems["inputs"].where(problems["inputs"] > 0, 1).to_numpy()
    timeouts = problems["timeouts"].to_numpy() / inputs
    invalid = problems["invalid"].to_numpy() / inputs
    ax.barh(names, timeouts, color="#fdae6b", label="timeout")
    ax.barh(names, invalid, left=timeouts, color="#e6550d", label="invalid input")
    ax.invert_yaxis()
    ax.set_xlabel("share of the answers at this prompt")
    ax.set_title("Which menu confuses callers")
    ax.legend(loc="lower right")
    return ax


def plot_menu_choices(choices: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Stacked bars per menu: what callers chose."""
    ax = _axes(ax, (7, max(2.5, 0.5 * len(choices))))
    choices.plot.barh(stacked=True, ax=ax, colormap="tab20")
    ax.invert_yaxis()
    ax.set_xlabel("answers")
    ax.set_title("Menu choices")
    return ax


def plot_duration_by_outcome(calls: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Box plot of call duration (seconds) per outcome, the most frequent outcome on top."""
    frame = pd.DataFrame(
        {
            "outcome": outcome_labels(calls).to_numpy(),
            "duration": pd.to_numeric(calls["duration"], errors="coerce")
            .astype("float64")
            .to_numpy(),
        }
    ).dropna()
    order = duration_by_outcome(calls).index.tolist()
    ax = _axes(ax, (7, 3.5))
    ax.boxplot(
        [frame.loc[frame["outcome"] == o, "duration"].to_numpy() for o in order],
        tick_labels=order,
        orientation="horizontal",
    )
    ax.invert_yaxis()
    ax.set_xlabel("duration (s)")
    ax.set_title("Call duration by outcome")
    return ax


def plot_calls_per_hour(per_hour: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Stacked bars: calls started in each hour of the day, by outcome."""
    ax = _axes(ax, (9, 3.5))
    per_hour.drop(columns=["total"], errors="ignore").plot.bar(
        stacked=True, ax=ax, width=0.85, colormap="tab10"
    )
    ax.set_xlabel("hour of the day")
    ax.set_ylabel("calls")
    ax.set_title("Calls per hour")
    ax.legend(fontsize="small", ncols=2)
    return ax
