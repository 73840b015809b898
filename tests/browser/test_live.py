"""Watching a published flow: live calls on the canvas, and the heat map."""

from __future__ import annotations

import re
from typing import Any

import httpx
from playwright.sync_api import expect

from tests.browser.canvas import node, open_editor
from tests.browser.conftest import create_flow, example, screenshot


def published(api: httpx.Client, number: str) -> str:
    """The support line, published and bound to ``number``, as a real line would be."""
    flow_id = create_flow(api, example("support_line"))
    assert api.post(f"/api/flows/{flow_id}/versions", json={"comment": "live"}).status_code == 201
    bound = api.put(f"/api/numbers/{number}", json={"flow": flow_id})
    assert bound.status_code in (200, 201), bound.text
    return flow_id


def call(api: httpx.Client, number: str, script: list[str] | None = None) -> dict[str, Any]:
    """Ring ``number`` through the simulator, routed like a real call."""
    body: dict[str, Any] = {"number": number}
    if script is not None:
        body["script"] = script
    response = api.post("/api/sim/calls", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def test_live_view_lights_the_nodes_where_calls_are(page: Any, api: httpx.Client) -> None:
    number = "+46812340001"
    flow_id = published(api, number)
    open_editor(page, flow_id)
    page.get_by_test_id("live-toggle").click()
    bar = page.get_by_test_id("live-bar")
    expect(bar).to_have_attribute("data-live-status", "open")
    expect(bar.get_by_test_id("live-count")).to_have_text("No call in progress")

    first = call(api, number)
    main = node(page, "main")
    expect(main).to_have_attribute("data-overlay", "live")
    expect(main.locator(".fnode-badge")).to_have_text("1")
    second = call(api, number)
    expect(main.locator(".fnode-badge")).to_have_text("2")
    expect(bar.get_by_test_id("live-count")).to_have_text("2 calls in progress")
    expect(page.get_by_test_id("live-toggle")).to_contain_text("2")

    assert api.post(f"/api/sim/calls/{first['id']}/dtmf", json={"digits": "1"}).status_code == 200
    sales = node(page, "sales")
    expect(sales).to_have_attribute("data-overlay", "live")
    expect(sales.locator(".fnode-badge")).to_have_text("1")
    expect(main.locator(".fnode-badge")).to_have_text("1")
    page.get_by_test_id("fit").click()
    page.wait_for_timeout(400)
    screenshot(page, "live-view")

    # Calls that end leave the canvas.
    for session in (first, second):
        ended = api.post(f"/api/sim/calls/{session['id']}/hangup", json={})
        assert ended.status_code == 200, ended.text
    expect(page.locator('[data-overlay="live"]')).to_have_count(0)
    expect(bar.get_by_test_id("live-count")).to_have_text("No call in progress")

    page.get_by_test_id("live-toggle").click()
    expect(bar).to_have_count(0)


def test_live_view_shows_calls_already_in_progress(page: Any, api: httpx.Client) -> None:
    number = "+46812340002"
    flow_id = published(api, number)
    session = call(api, number)
    open_editor(page, flow_id)
    page.get_by_test_id("live-toggle").click()
    expect(node(page, "main")).to_have_attribute("data-overlay", "live")
    api.post(f"/api/sim/calls/{session['id']}/hangup", json={})
    expect(node(page, "main")).not_to_have_attribute("data-overlay", "live")


def test_heat_map_counts_calls_and_drop_off_per_node(page: Any, api: httpx.Client) -> None:
    number = "+46812340003"
    flow_id = published(api, number)
    for script in (["1"], ["1"], ["1"], ["2", "1"], ["hangup"], ["hangup"], ["3"]):
        finished = call(api, number, script)
        assert finished["state"] == "ended", finished
    open_editor(page, flow_id)
    page.get_by_test_id("heat-toggle").click()
    bar = page.get_by_test_id("heat-bar")
    expect(bar.get_by_test_id("heat-calls")).to_have_text("7 calls")

    start, main, sales = node(page, "start"), node(page, "main"), node(page, "sales")
    expect(start).to_have_attribute("data-overlay", "heat-4")
    expect(start.locator(".fnode-badge")).to_have_text("7")
    # Two callers hung up at the main menu: 2 of the 7 that reached it.
    expect(main.locator(".fnode-badge")).to_have_text("7 · ↓29%")
    expect(sales.locator(".fnode-badge")).to_have_text("3")
    expect(sales).to_have_attribute("data-overlay", re.compile(r"^heat-[0-4]$"))
    expect(bar).to_contain_text("drop-off: main 29%")
    assert node(page, "support_mobile").get_attribute("data-overlay") is None  # nobody went there

    bar.locator('[data-period="hour"]').click()
    expect(bar.locator('[data-period="hour"]')).to_have_attribute("aria-checked", "true")
    expect(bar.get_by_test_id("heat-calls")).to_have_text("7 calls")
    page.get_by_test_id("fit").click()
    page.wait_for_timeout(400)
    screenshot(page, "heat-map")
    page.get_by_test_id("heat-toggle").click()
    expect(page.locator('[data-overlay^="heat-"]')).to_have_count(0)
