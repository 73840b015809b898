"""Versions in the editor: publish, the history, a diff drawn on the canvas, roll back."""

from __future__ import annotations

from typing import Any

import httpx
from playwright.sync_api import expect

from tests.browser.canvas import beside, drag_from_palette, node, open_editor, wait_saved
from tests.browser.conftest import create_flow, example, screenshot
from tests.browser.test_editor import draft, eventually


def publish(page: Any, comment: str) -> None:
    page.get_by_test_id("publish").click()
    dialog = page.get_by_test_id("publish-dialog")
    dialog.locator("textarea").fill(comment)
    dialog.get_by_role("button", name="Publish").click()
    expect(dialog).to_have_count(0)


def test_publish_diff_and_roll_back(page: Any, api: httpx.Client) -> None:
    flow_id = create_flow(api, example("support_line"))
    open_editor(page, flow_id)

    publish(page, "First release")
    expect(page.get_by_test_id("published-version")).to_have_text("v1 live")
    page.get_by_role("tab", name="Versions").click()
    v1 = page.locator('.version[data-version="1"]')
    expect(v1).to_contain_text("First release")
    expect(v1).to_contain_text("by editor")
    expect(v1).to_contain_text("live")

    # Change the draft: new welcome text, billing removed, a new step added.
    page.get_by_role("tab", name="Properties").click()
    node(page, "welcome").click()
    page.locator('[data-inspector-node="welcome"] textarea').first.fill("Welcome to the new Acme.")
    node(page, "billing").click()
    page.keyboard.press("Delete")
    expect(node(page, "billing")).to_have_count(0)
    drag_from_palette(page, "play", *beside(page, "invalid_choice", dx=0, dy=190))
    expect(node(page, "play")).to_be_visible()
    wait_saved(page)

    page.get_by_role("tab", name="Versions").click()
    page.get_by_test_id("compare-1").click()
    expect(page.get_by_test_id("diff-summary")).to_have_text(
        "1 step added, 1 removed, 1 changed; 2 connections changed"
    )
    expect(node(page, "welcome")).to_have_attribute("data-overlay", "changed")
    expect(node(page, "play")).to_have_attribute("data-overlay", "added")
    ghost = page.locator('[data-ghost-id="billing"]')
    expect(ghost).to_be_visible()
    expect(ghost).to_have_attribute("data-overlay", "removed")
    assert page.locator('[data-node-id="billing"]').count() == 0  # a ghost is not a node
    change = page.locator('[data-diff-node="welcome"] [data-param="text"]')
    expect(change.locator(".old-value")).to_contain_text("Thank you for calling Acme Telecom")
    expect(change.locator(".new-value")).to_have_text("“Welcome to the new Acme.”")
    expect(page.get_by_test_id("compare-banner")).to_contain_text("Changes since version 1")
    # The colours follow further edits of the draft.
    page.get_by_role("tab", name="Properties").click()
    node(page, "goodbye").click()
    page.locator('[data-inspector-node="goodbye"] textarea').first.fill("Bye now.")
    expect(node(page, "goodbye")).to_have_attribute("data-overlay", "changed", timeout=8000)
    page.get_by_role("tab", name="Versions").click()
    page.get_by_test_id("fit").click()
    page.wait_for_timeout(400)
    screenshot(page, "versions-diff")

    page.get_by_test_id("rollback-1").click()
    dialog = page.get_by_test_id("rollback-dialog")
    expect(dialog).to_contain_text("The draft becomes a copy of version 1")
    screenshot(page, "versions-rollback-confirm")
    dialog.get_by_test_id("rollback-confirm").click()
    expect(dialog).to_have_count(0)
    expect(node(page, "billing")).to_be_visible()
    expect(node(page, "play")).to_have_count(0)
    expect(node(page, "welcome")).to_contain_text("Thank you for calling Acme Telecom")
    expect(page.get_by_test_id("compare-banner")).to_have_count(0)
    wait_saved(page)
    assert eventually(lambda: "billing" in {n["id"] for n in draft(api, flow_id)["nodes"]})
    version = api.get(f"/api/flows/{flow_id}/versions/1").json()["document"]
    assert api.get(f"/api/flows/{flow_id}/diff?from=1&to=draft").json()["nodes"] == {
        "added": [],
        "removed": [],
        "changed": [],
    }, version

    # Rolling back is one undo step away.
    page.locator(".react-flow__pane").click(position={"x": 40, "y": 40})
    page.keyboard.press("Control+z")
    expect(node(page, "play")).to_be_visible()
    expect(node(page, "billing")).to_have_count(0)
    wait_saved(page)
    assert eventually(lambda: "play" in {n["id"] for n in draft(api, flow_id)["nodes"]})


def test_compare_two_versions_shows_the_newer_read_only(page: Any, api: httpx.Client) -> None:
    doc = example("support_line")
    flow_id = create_flow(api, doc)
    assert api.post(f"/api/flows/{flow_id}/versions", json={"comment": "one"}).status_code == 201
    current = api.get(f"/api/flows/{flow_id}")
    changed = current.json()["document"]
    for n in changed["nodes"]:
        if n["id"] == "sales":
            n["data"]["number"] = "+46700000099"
    saved = api.put(
        f"/api/flows/{flow_id}", json=changed, headers={"If-Match": current.headers["etag"]}
    )
    assert saved.status_code == 200, saved.text
    assert api.post(f"/api/flows/{flow_id}/versions", json={"comment": "two"}).status_code == 201

    open_editor(page, flow_id)
    page.get_by_role("tab", name="Versions").click()
    expect(page.locator(".version")).to_have_count(2)
    expect(page.locator(".version").first).to_contain_text("two")  # newest first
    bar = page.locator(".compare-bar")
    bar.get_by_label("Older side").select_option("1")
    bar.get_by_label("Newer side").select_option("2")
    page.get_by_test_id("compare").click()
    banner = page.get_by_test_id("compare-banner")
    expect(banner).to_contain_text("Viewing version 2 (read-only)")
    expect(node(page, "sales")).to_have_attribute("data-overlay", "changed")
    expect(page.locator('[data-diff-node="sales"] .new-value')).to_have_text("“+46700000099”")
    page.get_by_test_id("fit").click()
    page.wait_for_timeout(400)
    screenshot(page, "versions-compare-read-only")
    # Read-only: no palette, no undo, nothing dragged.
    expect(page.locator('[data-palette-type="say"]')).to_be_disabled()
    expect(page.get_by_test_id("publish")).to_be_disabled()

    def offset() -> tuple[float, float]:
        a, b = node(page, "sales").bounding_box(), node(page, "main").bounding_box()
        assert a and b
        return a["x"] - b["x"], a["y"] - b["y"]

    before = offset()
    box = node(page, "sales").bounding_box()
    assert box
    page.mouse.move(box["x"] + 40, box["y"] + 20)
    page.mouse.down()
    page.mouse.move(box["x"] + 240, box["y"] + 220, steps=6)
    page.mouse.up()
    after = offset()
    assert abs(after[0] - before[0]) < 2 and abs(after[1] - before[1]) < 2, "a step moved"
    banner.get_by_role("button", name="Back to the draft").click()
    expect(banner).to_have_count(0)
    expect(page.locator('[data-palette-type="say"]')).to_be_enabled()
