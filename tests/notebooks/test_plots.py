"""The pictures: charts of the analyses and the flow drawn as a heat map."""

from __future__ import annotations

import re

import matplotlib
import pytest

from designer.flow import Flow
from designer.notebook import analysis, plots
from tests.conftest import need_dot

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # after choosing the headless backend


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_heat_svg_labels_each_node_with_its_traffic(tiny_calls, tiny_flow):
    need_dot()
    picture = plots.heat_svg(tiny_flow, analysis.funnel(tiny_calls, tiny_flow))
    assert isinstance(picture, str) and picture._repr_svg_() == picture
    labels = re.findall(r">(\d+) calls?<", picture)
    assert sorted(map(int, labels)) == sorted([8, 8, 8, 3, 2, 2, 2, 1])
    # busier nodes are drawn in a hotter colour than quiet ones
    fills = dict(re.findall(r'<title>(\w+)</title>\s*<g id="a_node&#45;\w+"><a [^>]*>\s*'
                            r'<[a-z]+ fill="(#[0-9a-f]{6})"', picture))  # fmt: skip
    assert fills["start"] != fills["agent"]
    unknown = plots.heat_svg(Flow.from_dict(tiny_flow), {"start": 5, "nowhere": 9})
    assert ">5 calls<" in unknown and "nowhere" not in unknown


def test_charts_draw_one_bar_per_row(tiny_calls, tiny_events, tiny_flow):
    funnel = analysis.funnel(tiny_calls, tiny_flow)
    assert len(plots.plot_funnel(funnel).patches) == len(funnel)
    drop = analysis.dropoff(tiny_calls)
    assert len(plots.plot_dropoff(drop).patches) == int((drop["dropped"] > 0).sum())
    problems = analysis.menu_problems(tiny_events)
    ax = plots.plot_menu_problems(problems)
    assert len(ax.patches) == 2 * len(problems)
    assert ax.get_title() == "Which menu confuses callers"
    per_hour = analysis.calls_per_hour(tiny_calls)
    ax = plots.plot_calls_per_hour(per_hour)
    assert len(ax.patches) == 24 * (per_hour.shape[1] - 1)  # one stack segment per outcome
    ax = plots.plot_duration_by_outcome(tiny_calls)
    assert [t.get_text() for t in ax.get_yticklabels()][:1] == ["callerhangup"]
    choices = analysis.menu_choices(tiny_events)
    assert len(plots.plot_menu_choices(choices).patches) == choices.shape[1]


def test_charts_draw_on_a_given_axes(tiny_calls, tiny_flow):
    _, (left, right) = plt.subplots(1, 2)
    assert plots.plot_funnel(analysis.funnel(tiny_calls, tiny_flow), ax=left) is left
    assert plots.plot_dropoff(analysis.dropoff(tiny_calls), ax=right) is right
