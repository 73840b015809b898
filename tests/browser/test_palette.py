"""The palette: collapsed to a strip and remembered, filtered by typing, dragged from."""

from __future__ import annotations

from typing import Any

import httpx
from playwright.sync_api import expect

from tests.browser.canvas import beside, drag_from_palette, node, open_editor, wait_saved
from tests.browser.conftest import create_flow, new_flow, screenshot
from tests.browser.test_editor import draft, eventually

PALETTE = '[aria-label="Node palette"]'


def width(page: Any, selector: str) -> float:
    box = page.locator(selector).bounding_box()
    assert box, f"{selector} is not visible"
    return box["width"]


def reload(page: Any) -> None:
    page.reload()
    page.locator(".react-flow__node").first.wait_for()


def node_types(api: httpx.Client, flow_id: str) -> list[str]:
    return sorted(n["type"] for n in draft(api, flow_id)["nodes"])


def test_collapse_the_palette_and_it_stays_collapsed(page: Any, api: httpx.Client) -> None:
    flow_id = create_flow(api, new_flow("Narrow palette"))
    open_editor(page, flow_id)
    palette = page.locator(PALETTE)
    expect(palette).to_have_attribute("data-collapsed", "false")
    wide_palette, canvas_before = width(page, PALETTE), width(page, '[data-testid="canvas"]')

    toggle = page.get_by_test_id("palette-toggle")
    expect(toggle).to_have_attribute("title", "Collapse the palette (Ctrl+B)")
    toggle.click()
    expect(palette).to_have_attribute("data-collapsed", "true")
    expect(page.get_by_label("Filter the palette")).to_have_count(0)
    expect(palette.locator(".palette-label").first).to_be_hidden()
    # Every step is still there, as an icon named by its tooltip.
    say = palette.locator('[data-palette-type="say"]')
    expect(say).to_be_visible()
    expect(say).to_have_accessible_name("Say")
    assert width(page, PALETTE) < 60 < wide_palette
    assert eventually(lambda: width(page, '[data-testid="canvas"]') > canvas_before + 100)
    screenshot(page, "editor-palette-collapsed")

    reload(page)
    expect(palette).to_have_attribute("data-collapsed", "true")
    assert width(page, PALETTE) < 60

    # The strip is a palette still: drag a step from it.
    drag_from_palette(page, "say", *beside(page, "start", dx=300))
    expect(node(page, "say")).to_be_visible()
    wait_saved(page)
    assert eventually(lambda: node_types(api, flow_id) == ["say", "start"]), draft(api, flow_id)

    # The shortcut brings it back, and that is remembered too.
    page.locator(".react-flow__pane").click(position={"x": 40, "y": 40})
    page.keyboard.press("Control+b")
    expect(palette).to_have_attribute("data-collapsed", "false")
    expect(page.get_by_label("Filter the palette")).to_be_visible()
    reload(page)
    expect(palette).to_have_attribute("data-collapsed", "false")
    assert width(page, PALETTE) == wide_palette

    page.keyboard.press("Control+b")
    expect(palette).to_have_attribute("data-collapsed", "true")
    page.keyboard.press("?")
    expect(page.get_by_test_id("shortcuts-dialog")).to_contain_text(
        "Collapse or expand the palette"
    )


def test_filter_the_palette_and_drag_from_it(page: Any, api: httpx.Client) -> None:
    flow_id = create_flow(api, new_flow("Filtered palette"))
    open_editor(page, flow_id)
    palette = page.locator(PALETTE)
    items = palette.locator("[data-palette-type]")
    everything = items.count()
    search = page.get_by_label("Filter the palette")

    search.fill("hang")
    expect(items).to_have_count(1)
    expect(items.first).to_have_attribute("data-palette-type", "hangup")
    expect(palette.locator(".palette-group h3")).to_have_text(["Flow"])

    # Words in any order, matched against names and descriptions.
    search.fill("weekly schedule")
    expect(items).to_have_count(1)
    expect(items.first).to_have_attribute("data-palette-type", "hours")

    search.fill("fax machine")
    empty = page.get_by_test_id("palette-empty")
    expect(empty).to_contain_text("No step matches “fax machine”.")
    expect(items).to_have_count(0)
    screenshot(page, "editor-palette-empty")
    empty.get_by_role("button", name="Show all steps").click()
    expect(search).to_have_value("")
    expect(items).to_have_count(everything)

    search.fill("phone connect")
    expect(items).to_have_count(1)
    screenshot(page, "editor-palette-filtered")
    drag_from_palette(page, "connectPstn", *beside(page, "start", dx=300))
    expect(node(page, "connectPstn")).to_be_visible()
    wait_saved(page)
    assert eventually(lambda: node_types(api, flow_id) == ["connectPstn", "start"]), draft(
        api, flow_id
    )

    # Escape in the filter empties it first.
    search.click()
    page.keyboard.press("Escape")
    expect(search).to_have_value("")
    expect(items).to_have_count(everything)
