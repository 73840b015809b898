"""Shortcut hints written for the user's platform, and the mouse doing what the help says."""

from __future__ import annotations

import re
from typing import Any

import httpx
from playwright.sync_api import expect

from tests.browser.canvas import node, open_editor
from tests.browser.conftest import create_flow, example, new_flow, screenshot

# What a Mac's browser reports; the editor reads it once, when the bundle loads.
ON_A_MAC = "Object.defineProperty(Navigator.prototype, 'platform', { get: () => 'MacIntel' });"
TOOLBAR_HINTS = {
    "undo": "Undo (⌘Z)",
    "redo": "Redo (⌘⇧Z)",
    "add-note": "Add a sticky note (N)",
    "fit": "Zoom to fit (⇧1)",
    "find": "Find steps (⌘F)",
    "shortcuts": "Keyboard shortcuts (?)",
}


VIEWPORT_STYLE = re.compile(r"translate\(([-\d.e]+)px, ([-\d.e]+)px\) scale\(([-\d.e]+)\)")


def viewport_style(page: Any) -> str:
    return page.locator(".react-flow__viewport").get_attribute("style") or ""


def transform(style: str) -> tuple[float, float, float]:
    """The canvas viewport's (x, y, zoom) from its style."""
    match = VIEWPORT_STYLE.search(style)
    assert match, style
    x, y, zoom = (float(g) for g in match.groups())
    return x, y, zoom


def after_wheel(page: Any, dy: float, modifier: str | None = None) -> tuple[float, float, float]:
    """Turn the wheel over the canvas and wait for the viewport to move."""
    before = viewport_style(page)
    if modifier:
        page.keyboard.down(modifier)
    page.mouse.wheel(0, dy)
    if modifier:
        page.keyboard.up(modifier)
    expect(page.locator(".react-flow__viewport")).not_to_have_attribute("style", before)
    return transform(viewport_style(page))


def test_a_mac_user_sees_command_key_hints(page: Any, api: httpx.Client) -> None:
    page.add_init_script(ON_A_MAC)
    flow_id = create_flow(api, example("support_line"))
    open_editor(page, flow_id)
    for test_id, title in TOOLBAR_HINTS.items():
        expect(page.get_by_test_id(test_id)).to_have_attribute("title", title)
    expect(page.get_by_test_id("palette-toggle")).to_have_attribute(
        "title", "Collapse the palette (⌘B)"
    )
    node(page, "welcome").click()
    expect(
        page.locator('[data-inspector-node="welcome"]').get_by_title("Duplicate (⌘D)")
    ).to_be_visible()
    titles = page.locator(".toolbar [title]").evaluate_all("els => els.map(e => e.title)")
    assert not [t for t in titles if "Ctrl" in t], titles

    page.locator(".react-flow__pane").click(position={"x": 40, "y": 40})
    page.keyboard.press("?")
    dialog = page.get_by_test_id("shortcuts-dialog")
    expect(dialog).to_contain_text("⌘Z")
    expect(dialog).to_contain_text("⌘+Scroll")
    expect(dialog).not_to_contain_text("Ctrl")
    screenshot(page, "hints-mac-shortcuts")


def test_elsewhere_the_hints_say_ctrl(page: Any, api: httpx.Client) -> None:
    flow_id = create_flow(api, new_flow("Hints"))
    open_editor(page, flow_id)
    expect(page.get_by_test_id("undo")).to_have_attribute("title", "Undo (Ctrl+Z)")
    expect(page.get_by_test_id("find")).to_have_attribute("title", "Find steps (Ctrl+F)")
    expect(page.get_by_test_id("fit")).to_have_attribute("title", "Zoom to fit (Shift+1)")


def test_scrolling_pans_and_ctrl_scrolling_zooms(page: Any, api: httpx.Client) -> None:
    """As the shortcuts help says: Scroll pans the canvas, Ctrl+Scroll zooms."""
    flow_id = create_flow(api, example("support_line"))
    open_editor(page, flow_id)
    pane = page.locator('[data-testid="canvas"] .react-flow__pane').bounding_box()
    assert pane
    page.mouse.move(pane["x"] + pane["width"] / 2, pane["y"] + pane["height"] / 2)

    _, y, zoom = transform(viewport_style(page))
    _, moved_y, same_zoom = after_wheel(page, 120)
    assert same_zoom == zoom, "a plain scroll zoomed instead of panning"
    assert moved_y < y, "scrolling down moves the canvas up"

    assert after_wheel(page, -240, modifier="Control")[2] > zoom, "Ctrl+scroll up zooms in"
