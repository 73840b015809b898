"""What random walks and replays need from a place to call: a private line.

The simulator core cannot build an app itself -- the app is Flask and
storage, edges the core does not import (DESIGN.md §2) -- so the functions
that place many calls take a ``LineFactory``: given a flow document, the
number to bind it to and the time calls start, it returns a ``Line`` that
dials calls into an app running that document.  ``designer.web.sim.Sandbox``
is one (an in-process app with in-memory storage); tests may pass another.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Protocol

from designer.simulator.platform import SimulatedCall


class Line(Protocol):
    def dial(
        self,
        *,
        cli: str = ...,
        rng: random.Random | None = None,
        started_at: datetime | None = None,
    ) -> SimulatedCall:
        """A new call (not started yet) to the number the flow is bound to."""
        ...

    def events(self, callid: str) -> list[dict[str, Any]]:
        """The trace events the app recorded for a call (``CallEvent.to_dict()``)."""
        ...

    def close(self) -> None: ...


class LineFactory(Protocol):
    def __call__(
        self,
        document: Mapping[str, Any],
        *,
        number: str = ...,
        started_at: datetime | None = None,
    ) -> Line: ...
