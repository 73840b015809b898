"""Editing comforts: clipboard, multi-select, search, notes, shortcuts, conflicts."""

from __future__ import annotations

import re
from typing import Any

import httpx
from playwright.sync_api import expect

from tests.browser.canvas import node, open_editor, wait_saved
from tests.browser.conftest import create_flow, example, new_flow, screenshot
from tests.browser.test_editor import draft, eventually


def test_copy_paste_and_duplicate_give_fresh_ids(page: Any, api: httpx.Client) -> None:
    flow_id = create_flow(api, example("support_line"))
    open_editor(page, flow_id)
    before = page.locator("[data-node-id]").count()

    node(page, "goodbye").click()
    page.keyboard.press("Control+c")
    page.keyboard.press("Control+v")
    expect(node(page, "goodbye_2")).to_be_visible()
    page.keyboard.press("Control+d")
    expect(node(page, "goodbye_3")).to_be_visible()
    expect(page.locator("[data-node-id]")).to_have_count(before + 2)
    ids = eventually(
        lambda: {n["id"] for n in draft(api, flow_id)["nodes"]} >= {"goodbye_2", "goodbye_3"}
    )
    assert ids


def test_shift_click_and_box_select_then_delete(page: Any, api: httpx.Client) -> None:
    flow_id = create_flow(api, example("support_line"))
    open_editor(page, flow_id)
    node(page, "sales").click()
    node(page, "support_internet").click(modifiers=["Shift"])
    expect(page.locator(".fnode.is-selected")).to_have_count(2)
    page.keyboard.press("Delete")
    expect(node(page, "sales")).to_have_count(0)
    expect(node(page, "support_internet")).to_have_count(0)
    page.keyboard.press("Control+z")
    expect(node(page, "sales")).to_have_count(1)

    # Shift+drag a box around two cards.
    a = node(page, "to_sales").bounding_box()
    b = node(page, "sales").bounding_box()
    assert a and b
    page.get_by_test_id("fit").click()
    page.wait_for_timeout(400)  # the zoom animates
    a = node(page, "to_sales").bounding_box()
    b = node(page, "sales").bounding_box()
    assert a and b
    page.locator(".react-flow__pane").click(position={"x": 30, "y": 30})  # clear the selection
    page.keyboard.down("Shift")
    page.mouse.move(min(a["x"], b["x"]) - 12, min(a["y"], b["y"]) - 12)
    page.mouse.down()
    page.mouse.move(max(a["x"] + a["width"], b["x"] + b["width"]) + 12, a["y"] + 40, steps=5)
    page.mouse.move(
        max(a["x"] + a["width"], b["x"] + b["width"]) + 12,
        max(a["y"] + a["height"], b["y"] + b["height"]) + 12,
        steps=5,
    )
    page.mouse.up()
    page.keyboard.up("Shift")
    expect(page.locator('[data-node-id="to_sales"].is-selected')).to_have_count(1)
    expect(page.locator('[data-node-id="sales"].is-selected')).to_have_count(1)


def test_find_nodes_by_text(page: Any, api: httpx.Client) -> None:
    flow_id = create_flow(api, example("support_line"))
    open_editor(page, flow_id)
    page.locator(".react-flow__pane").click(position={"x": 40, "y": 40})
    page.keyboard.press("Control+f")
    search = page.get_by_role("searchbox").or_(page.locator(".searchbar-input"))
    expect(search.first).to_be_focused()
    search.first.fill("billing")
    expect(page.locator(".searchbar-count")).not_to_have_text("no match")
    page.keyboard.press("Enter")
    selected = page.locator(".fnode.is-selected")
    expect(selected).to_have_count(1)
    expect(selected).to_contain_text("billing")
    expect(page.locator(".fnode.is-dim").first).to_be_visible()
    screenshot(page, "editor-search")
    page.keyboard.press("Escape")
    expect(page.locator(".searchbar")).to_have_count(0)
    expect(page.locator(".fnode.is-dim")).to_have_count(0)


def test_sticky_notes_are_stored_in_the_document(page: Any, api: httpx.Client) -> None:
    flow_id = create_flow(api, new_flow("Notes"))
    open_editor(page, flow_id)
    page.get_by_test_id("add-note").click()
    text = page.locator("[data-note-id] textarea")
    expect(text).to_be_focused()
    text.press_sequentially("Ask legal about recording", delay=10)
    wait_saved(page)
    assert eventually(
        lambda: (
            [n.get("text") for n in draft(api, flow_id).get("notes", [])]
            == ["Ask legal about recording"]
        )
    )


def test_shortcuts_help_dialog(page: Any, api: httpx.Client) -> None:
    flow_id = create_flow(api, new_flow("Help"))
    open_editor(page, flow_id)
    page.locator(".react-flow__pane").click(position={"x": 40, "y": 40})
    page.keyboard.press("?")
    dialog = page.get_by_test_id("shortcuts-dialog")
    expect(dialog).to_be_visible()
    for label in ("Undo", "Redo", "Duplicate selection", "Find steps", "Zoom to fit"):
        expect(dialog).to_contain_text(label)
    screenshot(page, "editor-shortcuts")
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)


def test_a_conflicting_save_asks_before_overwriting(page: Any, api: httpx.Client) -> None:
    flow_id = create_flow(api, example("support_line"))
    open_editor(page, flow_id)

    # Someone else saves a change behind the editor's back.
    theirs = draft(api, flow_id)
    theirs["name"] = "Renamed elsewhere"
    assert api.put(f"/api/flows/{flow_id}", json=theirs).status_code == 200

    # Our edit now gets a 409: nothing is overwritten, the user is asked.
    node(page, "goodbye").click()
    page.keyboard.press("Delete")
    dialog = page.get_by_test_id("conflict-dialog")
    expect(dialog).to_be_visible()
    expect(page.locator('[data-save-state="conflict"]')).to_be_visible()
    assert draft(api, flow_id)["name"] == "Renamed elsewhere"
    screenshot(page, "editor-conflict")

    dialog.get_by_role("button", name="Keep editing").click()
    expect(dialog).to_have_count(0)
    page.locator('[data-save-state="conflict"]').click()
    expect(dialog).to_be_visible()

    dialog.get_by_role("button", name="Reload theirs").click()
    expect(page.get_by_label("Flow name")).to_have_value("Renamed elsewhere")
    expect(node(page, "goodbye")).to_be_visible()
    expect(page.locator('[data-save-state="saved"]')).to_be_visible()

    # Another change elsewhere; then undo brings our version back and saving it
    # conflicts again; this time "overwrite with mine".
    theirs = draft(api, flow_id)
    theirs["description"] = "changed again elsewhere"
    assert api.put(f"/api/flows/{flow_id}", json=theirs).status_code == 200
    page.keyboard.press("Control+z")
    expect(node(page, "goodbye")).to_have_count(0)
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Overwrite with mine").click()
    wait_saved(page)
    mine = eventually(
        lambda: (
            (d := draft(api, flow_id))["name"] == "Acme support line"
            and "goodbye" not in {n["id"] for n in d["nodes"]}
        )
    )
    assert mine, draft(api, flow_id)


def test_dropping_a_connection_on_empty_canvas_offers_the_next_step(
    page: Any, api: httpx.Client
) -> None:
    flow_id = create_flow(api, new_flow("Quick add"))
    open_editor(page, flow_id)
    handle = page.locator('[data-node-id="start"] .react-flow__handle[data-handleid="next"]')
    box = handle.bounding_box()
    assert box
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 150, y + 20, steps=8)
    page.mouse.move(x + 260, y + 40, steps=8)
    page.mouse.up()
    picker = page.get_by_role("dialog", name="Add the step after")
    expect(picker).to_be_visible()
    picker.get_by_placeholder("Type to filter").fill("hang")
    screenshot(page, "editor-quick-add")
    page.keyboard.press("Enter")
    expect(node(page, "hangup")).to_be_visible()
    expect(page.locator('[data-testid="rf__edge-start:next"]')).to_be_visible()
    expect(page.get_by_test_id("validity")).to_contain_text("Valid")


def test_select_a_connection_and_delete_it(page: Any, api: httpx.Client) -> None:
    flow_id = create_flow(api, example("support_line"))
    open_editor(page, flow_id)
    line = page.locator('[data-testid="rf__edge-welcome:next"]')
    line.locator(".react-flow__edge-interaction").click(force=True)
    expect(line).to_have_class(re.compile(r"\bselected\b"))
    page.keyboard.press("Delete")
    expect(line).to_have_count(0)
    expect(node(page, "welcome")).to_have_attribute("data-severity", "error")
    assert eventually(lambda: not any(e["from"] == "welcome" for e in draft(api, flow_id)["edges"]))
