"""``LiveFlow``: a flow picture in JupyterLab whose active nodes light up as calls move.

The widget is an ``ipywidgets.HTML`` holding the flow's SVG (drawn by
``designer.render`` with ``highlight=`` the nodes where calls are right now
and ``heat=`` how many calls went through each node since watching began)
above a short log of the latest events.  A background asyncio task -- the
kernel's own loop, so the notebook stays usable -- reads
``designer.notebook.live`` and re-draws at most every ``redraw_every``
seconds; Graphviz runs in a worker thread so the loop never waits on it.

Once the subscription is live, the calls already in progress are read from the
call log (``calls_in_progress``) and drawn too: the stream of a flow only
carries what happens after it opened.  ``feed(event)`` applies one event
(ignoring one it has already applied) and is what the task calls: tests and
scripts can drive the widget without a server.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
from collections import Counter, deque
from collections.abc import Mapping
from typing import Any

from designer.errors import BadRequest, ServerUnreachable
from designer.flow import Flow
from designer.notebook.client import Designer
from designer.notebook.live import END_KINDS, live
from designer.notebook.plots import Svg

LOG_LINES = 12
CATCH_UP_CALLS = 50  # how many of the newest calls are checked for being in progress


def describe(event: Mapping[str, Any]) -> str:
    """One trace event as a short line of text (``seq kind node detail``)."""
    data = event.get("data") if isinstance(event.get("data"), Mapping) else {}
    kind = event.get("kind")
    detail = ""
    if kind == "callback" or kind == "svaml":
        detail = str(data.get("event") or "")
    elif kind == "node":
        detail = str(data.get("type") or "") + (f" → {data['port']}" if data.get("port") else "")
    elif kind == "input":
        keyed = data.get("value")
        detail = f"{data.get('type')}" + (f" {keyed!r}" if keyed else "")
        detail += f" → {data['port']}" if data.get("port") else ""
    elif kind in END_KINDS:
        detail = f"{data.get('reason')} {data.get('result')} {data.get('duration')}s"
    elif kind == "error":
        detail = str(data.get("message") or data.get("code") or "")
    callid = str(event.get("callid") or "")[:8]
    return f"{callid:8} #{event.get('seq')!s:>3} {kind:8} {event.get('node') or '':12} {detail}"


class LiveFlow:
    """Watch the calls of ``flow`` (an id on the server at ``url``) on its picture.

    ``LiveFlow(url, flow_id).start()`` in a notebook cell shows the widget and
    starts watching; ``stop()`` ends it.  ``active`` is ``{callid: node}``
    for calls in progress, ``counts`` the visits per node, ``events`` every
    event received.
    """

    def __init__(
        self,
        url: str | None = None,
        flow: str | None = None,
        *,
        token: str | None = None,
        document: Flow | Mapping[str, Any] | None = None,
        heat: bool = True,
        redraw_every: float = 0.25,
    ) -> None:
        if not isinstance(flow, str) or not flow:
            raise BadRequest("LiveFlow needs the id of a stored flow: LiveFlow(url, flow_id)")
        self.url = url
        self.flow_id = flow
        self.token = token
        if document is None:
            with Designer(url, token) as client:
                self.url = client.url
                document = client.flow(flow)
        self.flow = document if isinstance(document, Flow) else Flow.from_dict(document)
        self.heat = heat
        self.redraw_every = redraw_every
        self.active: dict[str, str] = {}
        self.counts: Counter[str] = Counter()
        self.events: list[dict[str, Any]] = []
        self._log: deque[str] = deque(maxlen=LOG_LINES)
        self._last_seq: dict[str, int] = {}
        self._dirty = asyncio.Event()
        self._ready = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._catching_up: asyncio.Task[None] | None = None
        self._widget: Any = None
        self.error: BaseException | None = None

    # --- state ------------------------------------------------------------------------
    def feed(self, event: Mapping[str, Any]) -> None:
        """Apply one trace event: move its call's active node, count visits, log it.

        An event older than one already applied for its call is ignored, so
        the live stream and the catch-up on calls in progress can overlap.
        """
        callid = event.get("callid")
        seq = event.get("seq")
        if isinstance(callid, str) and isinstance(seq, int):
            if seq <= self._last_seq.get(callid, 0):
                return
            self._last_seq[callid] = seq
        self.events.append(dict(event))
        node = event.get("node")
        kind = event.get("kind")
        if isinstance(callid, str):
            if kind in END_KINDS:
                self.active.pop(callid, None)
            elif isinstance(node, str) and node in self.flow.by_id:
                self.active[callid] = node
                if kind == "node":
                    self.counts[node] += 1
        self._log.append(describe(event))
        self._dirty.set()

    @property
    def highlighted(self) -> set[str]:
        """The nodes where calls are right now."""
        return set(self.active.values())

    def svg(self) -> Svg:
        """The flow as it looks now (active nodes outlined, traffic shaded)."""
        from designer.render import to_svg

        heat = dict(self.counts) if self.heat and self.counts else None
        return Svg(to_svg(self.flow, highlight=sorted(self.highlighted), heat=heat))

    def html(self, svg: str | None = None) -> str:
        """The widget's content: the picture and the latest events."""
        picture = svg if svg is not None else self.svg()
        calls = len(self.active)
        head = (
            f"<div><b>{html.escape(self.flow.name)}</b> — {calls} call(s) in progress, "
            f"{len(self.events)} event(s)</div>"
        )
        log = html.escape("\n".join(self._log)) or "waiting for calls…"
        if self.error is not None:
            log += "\n" + html.escape(f"stopped: {self.error}")
        return (
            f"{head}<div style='overflow:auto'>{picture}</div>"
            f"<pre style='font-size:11px;margin:4px 0'>{log}</pre>"
        )

    # --- the widget -------------------------------------------------------------------
    @property
    def widget(self) -> Any:
        """The ``ipywidgets.HTML`` shown in the notebook (created on first use)."""
        if self._widget is None:
            import ipywidgets

            self._widget = ipywidgets.HTML(value=self.html())
        return self._widget

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)

    def _repr_svg_(self) -> str:
        return self.svg()

    # --- watching ---------------------------------------------------------------------
    def start(self, **live_options: Any) -> LiveFlow:
        """Start watching in the background on the running loop (a Jupyter kernel's).

        ``live_options`` go to ``live`` (e.g. ``idle_timeout=60`` to stop by itself).
        """
        if self._task is not None and not self._task.done():
            return self
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            raise BadRequest(
                "LiveFlow.start() needs a running asyncio loop, as in a Jupyter kernel; "
                "in a script, `await live_flow.run()` instead"
            ) from None
        self.widget  # noqa: B018 -- create the widget on the loop's thread
        self._task = loop.create_task(self.run(**live_options))
        return self

    async def run(self, **live_options: Any) -> None:
        """Read the flow's live events until stopped, re-drawing as they arrive."""
        painter = asyncio.create_task(self._paint())
        try:
            stream = live(
                self.url,
                flow=self.flow_id,
                token=self.token,
                on_open=self._opened,
                **live_options,
            )
            async for event in stream:
                self.feed(event)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # shown in the widget: a notebook has no one to raise to
            self.error = exc
            self._dirty.set()
        finally:
            await asyncio.sleep(0)
            if self._catching_up is not None:
                self._catching_up.cancel()
            painter.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await painter
            await self.redraw()

    def _opened(self) -> None:
        self._catching_up = asyncio.get_running_loop().create_task(self._catch_up())

    async def _catch_up(self) -> None:
        """Feed the calls already in progress: the stream only has what happens from now on."""
        try:
            for trace in await asyncio.to_thread(self.calls_in_progress):
                for event in trace:
                    self.feed(event)
        except Exception as exc:  # the live stream still works: say so and go on
            self._log.append(f"could not read the calls in progress: {exc}")
            self._dirty.set()
        finally:
            self._ready.set()

    def calls_in_progress(self) -> list[list[dict[str, Any]]]:
        """The stored events of the flow's calls that have not ended (the newest calls)."""
        with Designer(self.url, self.token) as client:  # one request, not one per call
            items = client.call_items(flow=self.flow_id, limit=CATCH_UP_CALLS, events=True)
            return [
                item.get("events") or [] for item in reversed(items) if item.get("state") != "ended"
            ]

    async def redraw(self) -> None:
        """Draw the current state into the widget now (Graphviz in a worker thread)."""
        svg = await asyncio.to_thread(self.svg)
        if self._widget is not None:
            self._widget.value = self.html(svg)

    async def _paint(self) -> None:
        while True:
            await self._dirty.wait()
            self._dirty.clear()
            await self.redraw()
            await asyncio.sleep(self.redraw_every)

    async def ready(self, timeout: float = 10.0) -> LiveFlow:
        """Wait until the watcher is live: the server has confirmed the subscription
        and the calls in progress are on the picture, so every call from now on is seen.

        Raises what stopped the watcher if it could not connect.
        """
        if self._task is None:
            raise BadRequest("start() the LiveFlow before waiting for it")
        opened = asyncio.ensure_future(self._ready.wait())
        try:
            await asyncio.wait(
                {opened, self._task}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            opened.cancel()
        if self.error is not None:
            raise self.error
        if not self._ready.is_set():
            raise ServerUnreachable(
                f"the trace websocket of {self.url} did not open in {timeout:g} s"
            )
        return self

    def stop(self) -> None:
        """Stop watching (the picture keeps its last state)."""
        if self._task is not None:
            self._task.cancel()

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def wait(self, timeout: float | None = None) -> None:
        """Wait until watching ends (e.g. ``run(idle_timeout=...)`` ran out)."""
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError, TimeoutError):
                await asyncio.wait_for(asyncio.shield(self._task), timeout)
