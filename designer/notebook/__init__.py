"""Jupyter support: design flows in Python, watch calls live, analyse the call log.

::

    import designer
    from designer.notebook import Designer, LiveFlow, call_log, funnel, dropoff, heat_svg

    d = Designer("http://127.0.0.1:5000")          # or $DESIGNER_URL
    calls = d.calls(flow=flow_id)                  # one row per call, with its path
    funnel(calls, d.flow(flow_id))
    calls = designer.calls("sqlite:///instance/designer.db")   # no server needed
    async for event in designer.live(d.url, call=callid): ...

Needs the ``notebook`` extra (pandas, matplotlib, ipywidgets, websockets);
the core library does not import this package.
"""

from designer.notebook.analysis import (
    DROP_OUTCOMES,
    calls_per_hour,
    classify_input,
    dropoff,
    duration_by_outcome,
    flow_order,
    funnel,
    last_nodes,
    menu_choices,
    menu_problems,
    reached,
)
from designer.notebook.client import Designer
from designer.notebook.frames import call_log, calls, events
from designer.notebook.generate import fill_call_log
from designer.notebook.live import live
from designer.notebook.plots import (
    Svg,
    heat_svg,
    plot_calls_per_hour,
    plot_dropoff,
    plot_duration_by_outcome,
    plot_funnel,
    plot_menu_choices,
    plot_menu_problems,
)
from designer.notebook.widget import LiveFlow, describe

__all__ = [
    "DROP_OUTCOMES",
    "Designer",
    "LiveFlow",
    "Svg",
    "call_log",
    "calls",
    "calls_per_hour",
    "classify_input",
    "describe",
    "dropoff",
    "duration_by_outcome",
    "events",
    "fill_call_log",
    "flow_order",
    "funnel",
    "heat_svg",
    "last_nodes",
    "live",
    "menu_choices",
    "menu_problems",
    "plot_calls_per_hour",
    "plot_dropoff",
    "plot_duration_by_outcome",
    "plot_funnel",
    "plot_menu_choices",
    "plot_menu_problems",
    "reached",
]
