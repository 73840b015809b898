"""Call-flow designer: a visual IVR designer and runtime for Sinch voice callbacks.

The library works without a server::

    from designer import Flow
    flow = Flow.load("support.json")
    flow.validate().ok
    flow.to_svaml()
"""

from designer.errors import DesignerError
from designer.findings import Finding, Report
from designer.flow import Flow

__all__ = ["DesignerError", "Finding", "Flow", "Report", "calls", "events", "live"]
__version__ = "0.1.0"

# Notebook conveniences, imported on first use so that the core library does
# not need pandas: ``designer.calls(db_url)`` -> DataFrame, ``designer.live(url, flow=...)``.
_NOTEBOOK = frozenset({"calls", "events", "live"})


def __getattr__(name: str):
    if name in _NOTEBOOK:
        try:
            from designer import notebook
        except ModuleNotFoundError as exc:
            raise ModuleNotFoundError(
                f"designer.{name} needs the notebook extra ({exc.name} is missing): "
                "pip install 'callflow-designer[notebook]'"
            ) from exc
        return getattr(notebook, name)
    raise AttributeError(f"module 'designer' has no attribute {name!r}")
