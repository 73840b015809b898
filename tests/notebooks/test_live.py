"""``live(...)`` and ``LiveFlow`` over the real trace websocket of a running server."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

import designer
from designer.errors import BadRequest, NotFound, ServerUnreachable
from designer.notebook import Designer, LiveFlow, live
from designer.notebook.live import traces_url
from designer.notebook.widget import describe
from tests.conftest import need_dot
from tests.notebooks.conftest import TINY_FLOW

TIMEOUT_S = 20


@pytest.fixture
def client(server):
    with Designer(server.url) as d:
        yield d


@pytest.fixture
def flow_id(client):
    return client.create_flow(TINY_FLOW)


async def _collect(stream: Any) -> list[dict[str, Any]]:
    return [event async for event in stream]


async def _until(condition: Any, timeout: float = TIMEOUT_S) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.05)


def test_a_call_is_streamed_in_order_and_ends_by_itself(server, client, flow_id):
    async def scenario() -> list[dict[str, Any]]:
        session = client.simulate(flow_id)  # waits at the main menu
        watcher = asyncio.create_task(_collect(designer.live(server.url, call=session["callid"])))
        await asyncio.sleep(0.2)
        await asyncio.to_thread(client.press_keys, session["id"], "2")
        await asyncio.to_thread(client.press_keys, session["id"], "1234#")
        await asyncio.to_thread(client.hang_up, session["id"])
        async with asyncio.timeout(TIMEOUT_S):
            return await watcher

    received = asyncio.run(scenario())
    stored = client.call(received[0]["callid"])["events"]
    assert [e["seq"] for e in received] == list(range(1, len(stored) + 1))
    assert [(e["kind"], e["node"]) for e in received] == [(e["kind"], e["node"]) for e in stored]
    nodes = [e["node"] for e in received if e["kind"] == "node"]
    assert nodes == ["start", "welcome", "main", "pin", "agent"]
    assert received[-1]["kind"] == "dice"
    assert all(e["flow"] == flow_id for e in received)


def test_a_flow_watcher_sees_calls_started_after_it(server, client, flow_id):
    async def scenario() -> list[dict[str, Any]]:
        watcher = asyncio.create_task(
            _collect(live(server.url, flow=flow_id, until_ended=True, idle_timeout=TIMEOUT_S))
        )
        await asyncio.sleep(0.5)  # subscribed before the call starts
        session = await asyncio.to_thread(client.simulate, flow_id, ["1"])
        async with asyncio.timeout(TIMEOUT_S):
            events = await watcher
        assert {e["callid"] for e in events} == {session["callid"]}
        return events

    events = asyncio.run(scenario())
    assert events[0]["seq"] == 1 and events[-1]["kind"] == "dice"
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))


def test_limit_and_idle_timeout_end_the_stream(server, client, flow_id):
    session = client.simulate(flow_id, press=["1"])  # over: its stored events are replayed

    async def scenario() -> tuple[int, int]:
        first_three = await _collect(live(server.url, call=session["callid"], limit=3))
        quiet = await _collect(live(server.url, flow=flow_id, idle_timeout=0.3))
        return len(first_three), len(quiet)

    assert asyncio.run(scenario()) == (3, 0)


def test_refusals_raise_designer_errors(server):
    async def drain(**kw: Any) -> None:
        await _collect(live(**kw))

    with pytest.raises(NotFound, match="no-such-call"):
        asyncio.run(drain(url=server.url, call="no-such-call"))
    with pytest.raises(NotFound, match="no-such-flow"):
        asyncio.run(drain(url=server.url, flow="no-such-flow"))
    with pytest.raises(BadRequest, match="exactly one"):
        asyncio.run(drain(url=server.url, call="a", flow="b"))
    with pytest.raises(ServerUnreachable, match=r"127\.0\.0\.1:1"):
        asyncio.run(drain(url="http://127.0.0.1:1", call="x"))


def test_websocket_urls():
    assert traces_url("https://h.example/base/", flow="f 1") == (
        "wss://h.example/base/ws/traces?flow=f+1"
    )
    assert traces_url("http://127.0.0.1:5000", call="a@b") == (
        "ws://127.0.0.1:5000/ws/traces?call=a%40b"
    )


# --- the widget -----------------------------------------------------------------------------


def outlined(page: str, node: str) -> bool:
    """Whether ``node``'s shape in an SVG drawn by Graphviz has the highlight border."""
    start = page.index(f'id="node&#45;{node}"')
    return "#1565c0" in page[start : page.index("<!--", start)]


def _event(seq: int, kind: str, node: str | None, callid: str = "c1", **data: Any) -> dict:
    return {"callid": callid, "seq": seq, "kind": kind, "node": node, "data": data}


def test_feed_moves_the_active_node_of_each_call():
    watch = LiveFlow("http://unused.invalid", "tiny", document=TINY_FLOW)
    watch.feed(_event(1, "callback", None, event="ice"))
    watch.feed(_event(2, "node", "start", type="start"))
    watch.feed(_event(3, "node", "main", type="menu"))
    watch.feed(_event(1, "node", "start", callid="c2", type="start"))
    assert watch.active == {"c1": "main", "c2": "start"}
    assert watch.highlighted == {"main", "start"}
    watch.feed(_event(4, "input", "main", type="return", value="1", port="1"))
    watch.feed(_event(5, "node", "sales", type="connectPstn"))
    watch.feed(_event(6, "dice", "sales", reason="CALLERHANGUP"))
    assert watch.active == {"c2": "start"}
    assert watch.counts == {"start": 2, "main": 1, "sales": 1}
    assert "input" in describe(watch.events[4]) and "→ 1" in describe(watch.events[4])


def test_the_picture_outlines_the_active_nodes():
    need_dot()
    watch = LiveFlow("http://unused.invalid", "tiny", document=TINY_FLOW)
    watch.feed(_event(1, "node", "main", type="menu"))
    svg = watch.svg()
    assert outlined(svg, "main") and not outlined(svg, "sales")
    assert "Tiny line" in watch.html(svg) and "1 call(s) in progress" in watch.html(svg)


def test_the_widget_lights_up_as_a_real_call_moves(server, client, flow_id):
    need_dot()

    async def scenario() -> tuple[str, str, str]:
        watch = await LiveFlow(server.url, flow_id).start().ready()
        session = await asyncio.to_thread(client.simulate, flow_id)
        await _until(lambda: watch.highlighted == {"main"})
        await watch.redraw()
        at_menu = watch.widget.value
        await asyncio.to_thread(client.press_keys, session["id"], "2")
        await _until(lambda: watch.highlighted == {"pin"})
        await watch.redraw()
        at_pin = watch.widget.value
        await asyncio.to_thread(client.hang_up, session["id"])
        await _until(lambda: not watch.active)
        watch.stop()
        await watch.wait(5)
        assert not watch.running and watch.error is None
        return at_menu, at_pin, watch.widget.value

    at_menu, at_pin, ended = asyncio.run(scenario())
    assert outlined(at_menu, "main") and not outlined(at_menu, "pin")
    assert outlined(at_pin, "pin") and not outlined(at_pin, "main")
    assert not outlined(ended, "pin") and "0 call(s) in progress" in ended


def test_calls_already_in_progress_are_drawn_when_watching_starts(server, client, flow_id):
    need_dot()
    waiting = client.simulate(flow_id)  # at the main menu before anyone watches
    finished = client.simulate(flow_id, press=["1"])

    async def scenario() -> tuple[dict[str, str], set[str]]:
        watch = await LiveFlow(server.url, flow_id).start().ready()
        active = dict(watch.active)
        await asyncio.to_thread(client.press_keys, waiting["id"], "2")
        await _until(lambda: watch.highlighted == {"pin"})
        seen = {e["callid"] for e in watch.events}
        watch.stop()
        await watch.wait(5)
        return active, seen

    active, seen = asyncio.run(scenario())
    assert active == {waiting["callid"]: "main"}
    assert finished["callid"] not in seen  # over before watching began: not drawn


def test_feed_ignores_events_it_already_applied():
    watch = LiveFlow("http://unused.invalid", "tiny", document=TINY_FLOW)
    watch.feed(_event(1, "node", "start", type="start"))
    watch.feed(_event(2, "node", "main", type="menu"))
    watch.feed(_event(2, "node", "main", type="menu"))
    watch.feed(_event(1, "node", "start", type="start"))  # a late copy from the catch-up
    assert watch.active == {"c1": "main"}
    assert watch.counts == {"start": 1, "main": 1}
    assert len(watch.events) == 2


def test_start_needs_a_running_loop():
    watch = LiveFlow("http://unused.invalid", "tiny", document=TINY_FLOW)
    with pytest.raises(BadRequest, match="running asyncio loop"):
        watch.start()
    with pytest.raises(BadRequest, match="flow"):
        LiveFlow("http://unused.invalid", None)


def test_ready_reports_a_server_it_cannot_reach():
    async def scenario() -> None:
        watch = LiveFlow("http://127.0.0.1:1", "tiny", document=TINY_FLOW).start()
        await watch.ready(timeout=10)

    with pytest.raises(ServerUnreachable, match=r"127\.0\.0\.1:1"):
        asyncio.run(scenario())
