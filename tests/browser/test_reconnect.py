"""Re-pointing a connection by dragging either of its ends, as a person does."""

from __future__ import annotations

import re
from typing import Any

import httpx
from playwright.sync_api import expect

from tests.browser.canvas import (
    drag_edge_end_to,
    edge,
    edge_end,
    node,
    open_editor,
    repoint_source,
    repoint_target,
    wait_saved,
)
from tests.browser.conftest import create_flow, screenshot
from tests.browser.test_editor import draft, edges_of, eventually

ORIGINAL = [
    ("start", "next", "hours"),
    ("hours", "open", "welcome"),
    ("hours", "closed", "other"),
    ("welcome", "next", "bye"),
    ("other", "next", "bye2"),
]
OPEN_HOURS = {"timezone": "Europe/Stockholm", "schedule": {"mon": ["09:00-17:00"]}}


def two_lanes() -> dict[str, Any]:
    """A valid flow of two lanes: open -> welcome -> bye, closed -> other -> bye2."""
    at = {
        "start": (0, 110),
        "hours": (280, 110),
        "welcome": (560, 0),
        "other": (560, 230),
        "bye": (840, 0),
        "bye2": (840, 230),
    }
    types = {"start": "start", "hours": "hours", "bye": "hangup", "bye2": "hangup"}
    data = {"hours": OPEN_HOURS, "welcome": {"text": "Hi."}, "other": {"text": "Closed."}}
    nodes = []
    for node_id, (x, y) in at.items():
        item: dict[str, Any] = {"id": node_id, "type": types.get(node_id, "say")}
        if node_id in data:
            item["data"] = data[node_id]
        item["position"] = {"x": x, "y": y}
        nodes.append(item)
    edges = [
        {"from": a, "to": b} if port == "next" else {"from": a, "port": port, "to": b}
        for a, port, b in ORIGINAL
    ]
    return {
        "format": "callflow/1",
        "name": "Two lanes",
        "locale": "en-US",
        "nodes": nodes,
        "edges": edges,
    }


def edge_list(document: dict[str, Any]) -> list[tuple[str, str, str]]:
    """The edges in order, duplicates kept (a set would hide a doubled port)."""
    return [(e["from"], e.get("port", "next"), e["to"]) for e in document["edges"]]


def test_drag_the_arrow_end_onto_another_step(page: Any, api: httpx.Client) -> None:
    flow_id = create_flow(api, two_lanes())
    open_editor(page, flow_id)
    wait_saved(page)

    repoint_target(page, "welcome", "next", "bye2")
    line = edge(page, "welcome", "next")
    expect(line).to_have_attribute("aria-label", re.compile(r"to bye2$"))
    # The moved connection is selected, its grips shown.
    expect(line).to_have_class(re.compile(r"\bselected\b"))
    screenshot(page, "editor-reconnected")
    wait_saved(page)
    moved = [*ORIGINAL[:3], ("welcome", "next", "bye2"), ORIGINAL[4]]
    assert eventually(lambda: edge_list(draft(api, flow_id)) == moved), draft(api, flow_id)

    # One Ctrl+Z puts it back, and that is saved too.
    page.keyboard.press("Control+z")
    expect(line).to_have_attribute("aria-label", re.compile(r"to bye$"))
    wait_saved(page)
    assert eventually(lambda: edge_list(draft(api, flow_id)) == ORIGINAL), draft(api, flow_id)


def test_drag_the_tail_onto_an_occupied_port(page: Any, api: httpx.Client) -> None:
    flow_id = create_flow(api, two_lanes())
    open_editor(page, flow_id)
    wait_saved(page)
    expect(page.get_by_test_id("validity")).to_have_attribute("data-errors", "0")

    # Mid-drag: the connection follows the pointer from bye's input, the ports light up.
    repoint_source(page, "welcome", "next", "other", "next", release=False)
    expect(page.locator(".canvas.is-connecting-port")).to_have_count(1)
    screenshot(page, "editor-reconnect-dragging")
    page.mouse.up()

    # other:next had an edge to bye2: it is replaced, never doubled.
    expect(edge(page, "other", "next")).to_have_attribute("aria-label", re.compile(r"to bye$"))
    expect(page.locator(".react-flow__edge")).to_have_count(len(ORIGINAL) - 1)
    # welcome's port now leads nowhere (a dead end) and nothing leads to bye2.
    expect(node(page, "welcome")).to_have_attribute("data-severity", "error")
    expect(page.locator('[data-node-id="welcome"] .fnode-port[data-port="next"]')).to_have_class(
        re.compile(r"\bport-error\b")
    )
    expect(node(page, "bye2")).to_have_attribute("data-unreachable", "true")
    expect(page.get_by_test_id("validity")).to_have_attribute("data-errors", "2")
    expect(page.get_by_test_id("publish")).to_be_disabled()
    wait_saved(page)
    rewired = [*ORIGINAL[:3], ("other", "next", "bye")]
    assert eventually(lambda: edge_list(draft(api, flow_id)) == rewired), draft(api, flow_id)

    page.keyboard.press("Control+z")
    expect(edge(page, "welcome", "next")).to_have_count(1)
    expect(edge(page, "other", "next")).to_have_attribute("aria-label", re.compile(r"to bye2$"))
    expect(node(page, "welcome")).not_to_have_attribute("data-severity", "error")
    expect(page.get_by_test_id("validity")).to_have_attribute("data-errors", "0")
    wait_saved(page)
    assert eventually(lambda: edge_list(draft(api, flow_id)) == ORIGINAL), draft(api, flow_id)


def test_dropping_an_end_on_empty_canvas_keeps_the_connection(page: Any, api: httpx.Client) -> None:
    flow_id = create_flow(api, two_lanes())
    open_editor(page, flow_id)
    wait_saved(page)
    pane = page.locator('[data-testid="canvas"] .react-flow').bounding_box()
    assert pane
    empty = (pane["x"] + pane["width"] * 0.45, pane["y"] + pane["height"] - 120)
    assert page.evaluate(
        "([x, y]) => document.elementFromPoint(x, y).classList.contains('react-flow__pane')",
        list(empty),
    ), "the drop point must be empty canvas"

    for end in ("target", "source"):
        drag_edge_end_to(page, "welcome", "next", end, *empty)
        expect(edge(page, "welcome", "next")).to_have_attribute(
            "aria-label", re.compile(r"from welcome to bye$")
        )
        # Unlike a new connection dropped there, no step picker opens.
        expect(page.get_by_role("dialog", name="Add the step after")).to_have_count(0)

    expect(page.get_by_test_id("undo")).to_be_disabled()
    assert edges_of(draft(api, flow_id)) == set(ORIGINAL)


def test_the_help_says_how_and_a_read_only_canvas_has_no_grips(
    page: Any, api: httpx.Client
) -> None:
    flow_id = create_flow(api, two_lanes())
    for comment in ("one", "two"):
        assert (
            api.post(f"/api/flows/{flow_id}/versions", json={"comment": comment}).status_code == 201
        )
    open_editor(page, flow_id)
    expect(edge_end(page, "welcome", "next", "target")).to_have_count(1)
    expect(edge_end(page, "welcome", "next", "source")).to_have_count(1)

    page.locator(".react-flow__pane").click(position={"x": 40, "y": 40})
    page.keyboard.press("?")
    dialog = page.get_by_test_id("shortcuts-dialog")
    expect(dialog).to_contain_text("Re-point a connection")
    expect(dialog).to_contain_text("Drop on empty canvas")
    screenshot(page, "editor-shortcuts-reconnect")
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)

    # A published version shown for comparison cannot be re-pointed.
    page.get_by_role("tab", name="Versions").click()
    bar = page.locator(".compare-bar")
    bar.get_by_label("Older side").select_option("1")
    bar.get_by_label("Newer side").select_option("2")
    page.get_by_test_id("compare").click()
    expect(page.get_by_test_id("compare-banner")).to_contain_text("read-only")
    expect(edge(page, "welcome", "next")).to_have_count(1)
    expect(page.locator(".react-flow__edgeupdater")).to_have_count(0)
