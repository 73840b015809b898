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

__all__ = ["DesignerError", "Finding", "Flow", "Report"]
__version__ = "0.1.0"
