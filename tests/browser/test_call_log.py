"""The call log: filters, paging, one call's timeline, and its path in the editor."""

from __future__ import annotations

import re
from typing import Any

import httpx
from playwright.sync_api import expect

from tests.browser.canvas import edge, node
from tests.browser.conftest import create_flow, example, screenshot


def simulate(api: httpx.Client, flow_id: str, script: list[str]) -> dict[str, Any]:
    response = api.post("/api/sim/calls", json={"flow": flow_id, "script": script})
    assert response.status_code == 201, response.text
    return response.json()


def test_filter_open_a_call_and_show_its_path(page: Any, api: httpx.Client) -> None:
    flow_id = create_flow(api, {**example("support_line"), "name": "Logged line"})
    sales = simulate(api, flow_id, ["1"])
    simulate(api, flow_id, ["3"])
    simulate(api, flow_id, ["hangup"])

    page.goto(f"/calls?flow={flow_id}")
    rows = page.locator("tbody tr[data-callid]")
    expect(rows).to_have_count(3)
    page.get_by_label("Result").select_option("connected")
    expect(rows).to_have_count(1)
    expect(page).to_have_url(re.compile(r"result=connected"))
    page.get_by_label("Result").select_option("")
    expect(rows).to_have_count(3)

    # A date range: today's calls are in, a range in the past has none.
    page.get_by_label("Calls started on or after").fill("2020-01-01")
    page.get_by_label("Calls started on or before").fill("2020-01-31")
    expect(page.locator(".empty")).to_contain_text("No calls match these filters")
    page.get_by_role("button", name="Clear filters").click()
    expect(page.locator("tbody tr[data-callid]").first).to_be_visible()

    page.goto(f"/calls?flow={flow_id}")
    page.locator(f'tr[data-callid="{sales["callid"]}"]').click()
    detail = page.get_by_test_id("call-detail")
    expect(detail.get_by_test_id("call-path")).to_contain_text("start")
    expect(detail.get_by_test_id("call-path")).to_contain_text("sales")
    expect(detail).to_contain_text("keyed 1 → 1")
    expect(detail).to_contain_text("ICE received")
    screenshot(page, "calls-timeline")

    detail.get_by_test_id("open-path").click()
    expect(page).to_have_url(re.compile(rf"/flows/{flow_id}\?call="))
    banner = page.get_by_test_id("call-path-banner")
    expect(banner).to_contain_text("Path of the call from +46708168731")
    expect(banner).to_contain_text("ended at sales")
    expect(node(page, "sales")).to_have_attribute("data-overlay", "last")
    expect(node(page, "billing")).not_to_have_attribute("data-overlay", "visited")
    expect(edge(page, "main", "1")).to_have_class(re.compile(r"\bedge-path\b"))
    screenshot(page, "editor-call-path")
    banner.get_by_test_id("close-call-path").click()
    expect(page.locator("[data-overlay]")).to_have_count(0)
    expect(page).not_to_have_url(re.compile(r"call="))


def test_paging_through_many_calls(page: Any, api: httpx.Client) -> None:
    flow_id = create_flow(api, {**example("support_line"), "name": "Busy line"})
    for _ in range(52):
        simulate(api, flow_id, ["hangup"])
    page.goto(f"/calls?flow={flow_id}")
    rows = page.locator("tbody tr[data-callid]")
    expect(rows).to_have_count(50)
    expect(page.locator(".pager")).to_contain_text("1\u201350 of 52")
    page.get_by_role("button", name="Older").click()
    expect(rows).to_have_count(2)
    expect(page.locator(".pager")).to_contain_text("51\u201352 of 52")
    page.get_by_role("button", name="Newer").click()
    expect(rows).to_have_count(50)
