"""Nothing overlaps, clips or runs off the page: a laptop screen and long names."""

from __future__ import annotations

from typing import Any

import httpx
from playwright.sync_api import expect

from tests.browser.canvas import open_editor
from tests.browser.conftest import create_flow, example, new_flow, screenshot

LAPTOP = {"width": 1280, "height": 720}
# A name as long as the server allows, without a space to break it at.
LONG_NAME = "B" * 200


def box(locator: Any) -> dict[str, float]:
    found = locator.bounding_box()
    assert found is not None, f"{locator} is not visible"
    return found


def overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    return (
        a["x"] < b["x"] + b["width"]
        and b["x"] < a["x"] + a["width"]
        and a["y"] < b["y"] + b["height"]
        and b["y"] < a["y"] + a["height"]
    )


def inside_window(page: Any, locator: Any) -> bool:
    found, size = box(locator), page.viewport_size
    return found["x"] >= 0 and found["x"] + found["width"] <= size["width"]


def no_sideways_scroll(page: Any) -> bool:
    return page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )


def test_on_a_laptop_the_flow_name_shows_whole(page: Any, api: httpx.Client) -> None:
    page.set_viewport_size(LAPTOP)
    flow_id = create_flow(api, example("support_line"))
    open_editor(page, flow_id)
    name = page.get_by_label("Flow name")
    expect(name).to_have_value("Acme support line")
    assert name.evaluate("e => e.scrollWidth <= e.clientWidth"), "the flow name is cut off"
    for test_id in ("undo", "heat-toggle", "validity", "publish"):
        assert inside_window(page, page.get_by_test_id(test_id)), test_id
    screenshot(page, "layout-laptop-toolbar")


def test_on_a_laptop_the_heat_and_live_bars_leave_the_minimap_free(
    page: Any, api: httpx.Client
) -> None:
    page.set_viewport_size(LAPTOP)
    flow_id = create_flow(api, example("support_line"))
    for script in (["1"], ["hangup"], ["2", "hangup"]):
        assert api.post("/api/sim/calls", json={"flow": flow_id, "script": script}).is_success
    open_editor(page, flow_id)
    page.get_by_test_id("heat-toggle").click()
    expect(page.get_by_test_id("heat-calls")).to_be_visible()
    page.get_by_test_id("live-toggle").click()
    expect(page.get_by_test_id("live-bar")).to_be_visible()

    minimap = box(page.locator(".react-flow__minimap"))
    controls = box(page.locator(".react-flow__controls"))
    for bar in ("heat-bar", "live-bar"):
        found = box(page.get_by_test_id(bar))
        assert not overlap(found, minimap), f"the {bar} covers the minimap"
        assert not overlap(found, controls), f"the {bar} covers the zoom buttons"
    # The bars' own buttons stay clickable: the period switch and the close.
    page.get_by_test_id("heat-bar").get_by_role("radio", name="Last hour").click()
    expect(page.get_by_test_id("heat-bar").get_by_role("radio", name="Last hour")).to_be_checked()
    screenshot(page, "layout-laptop-heat-live")
    page.get_by_test_id("heat-bar").get_by_role("button", name="Hide the heat map").click()
    expect(page.get_by_test_id("heat-bar")).to_have_count(0)


def test_a_long_flow_name_stays_on_the_page(page: Any, api: httpx.Client) -> None:
    page.set_viewport_size(LAPTOP)
    flow_id = create_flow(api, new_flow(LONG_NAME))
    page.goto("/")
    row = page.locator(f'tr[data-flow-id="{flow_id}"]')
    expect(row).to_be_visible()
    assert no_sideways_scroll(page), "the flow list is wider than the window"
    assert inside_window(page, row.get_by_role("button", name="Delete"))
    # Cut short with an ellipsis; the whole name is the link's tooltip.
    expect(row.locator("a.flow-link")).to_have_attribute("title", LONG_NAME)
    screenshot(page, "layout-long-name-list")

    row.get_by_role("button", name="Duplicate").click()
    toast = page.locator(".toast").first
    expect(toast).to_contain_text("Created")
    assert inside_window(page, toast), "the toast runs off the window"
    copy = page.locator("tr", has_text="(copy)")
    expect(copy).to_have_count(1)
    copy_name = copy.locator("a.flow-link").get_attribute("title")
    assert copy_name == LONG_NAME[: 200 - len(" (copy)")] + " (copy)"
    screenshot(page, "layout-long-name-copy")

    copy.get_by_role("button", name="Delete").click()
    dialog = page.get_by_test_id("delete-dialog")
    expect(dialog).to_contain_text("(copy)")
    assert dialog.evaluate("e => e.scrollWidth <= e.clientWidth"), "the name runs out of the dialog"
    screenshot(page, "layout-long-name-delete")
    dialog.get_by_role("button", name="Cancel").click()


def test_call_log_filters_are_readable_on_a_laptop(page: Any, api: httpx.Client) -> None:
    page.set_viewport_size(LAPTOP)
    page.goto("/calls")
    for label in ("Result", "Kind"):
        select = page.get_by_label(label)
        expect(select).to_be_visible()
        # As wide as its longest choice: the chosen one is never cut off.
        clipped = select.evaluate(
            """s => {
                const width = s.getBoundingClientRect().width;
                const kept = s.style.width;
                s.style.width = 'max-content';
                const needed = s.getBoundingClientRect().width;
                s.style.width = kept;
                return needed - width;
            }"""
        )
        assert clipped <= 0.5, f"{label} is {clipped:.0f}px too narrow for its choices"
    screenshot(page, "layout-laptop-call-filters")
