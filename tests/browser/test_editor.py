"""The editor as a person uses it: build, connect, fix, undo, lay out, publish."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx
from playwright.sync_api import expect

from tests.browser.canvas import (
    beside,
    connect,
    drag_from_palette,
    edge,
    node,
    open_editor,
    port,
    wait_saved,
)
from tests.browser.conftest import create_flow, example, new_flow, screenshot


def eventually(check: Callable[[], Any], timeout: float = 8.0) -> Any:
    """Poll ``check`` until it returns a truthy value (the editor saves asynchronously)."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.1)


def draft(api: httpx.Client, flow_id: str) -> dict[str, Any]:
    return api.get(f"/api/flows/{flow_id}").json()["document"]


def edges_of(document: dict[str, Any]) -> set[tuple[str, str, str]]:
    return {(e["from"], e.get("port", "next"), e["to"]) for e in document["edges"]}


def test_build_a_flow_by_dragging_and_connecting(page: Any, api: httpx.Client) -> None:
    flow_id = create_flow(api, new_flow("Built by hand"))
    open_editor(page, flow_id)

    drag_from_palette(page, "say", *beside(page, "start", dx=290))
    expect(node(page, "say")).to_be_visible()
    # The inspector opens on the new node with the registry's form.
    expect(page.locator('[data-inspector-node="say"]')).to_be_visible()

    connect(page, "start", "next", "say")
    expect(edge(page, "start", "next")).to_be_visible()

    # The Say step's "next" leads nowhere: a dead end, drawn on the node and its port.
    expect(node(page, "say")).to_have_attribute("data-severity", "error")
    expect(page.locator('[data-node-id="say"] .fnode-port[data-port="next"]')).to_have_class(
        "fnode-port is-open is-required port-error"
    )
    expect(page.get_by_test_id("validity")).to_contain_text("1 error")
    expect(page.get_by_test_id("publish")).to_be_disabled()
    screenshot(page, "editor-dead-end")

    drag_from_palette(page, "hangup", *beside(page, "say", dx=40, dy=170))
    expect(node(page, "hangup")).to_be_visible()
    connect(page, "say", "next", "hangup")
    expect(edge(page, "say", "next")).to_be_visible()

    # The dead end is gone as soon as the port is connected.
    expect(node(page, "say")).not_to_have_attribute("data-severity", "error")
    expect(page.get_by_test_id("validity")).to_contain_text("Valid")
    expect(page.get_by_test_id("publish")).to_be_enabled()

    wait_saved(page)
    saved = eventually(
        lambda: (
            edges_of(draft(api, flow_id)) == {("start", "next", "say"), ("say", "next", "hangup")}
        )
    )
    assert saved, draft(api, flow_id)
    screenshot(page, "editor-built")


def test_connecting_an_occupied_port_replaces_its_edge(page: Any, api: httpx.Client) -> None:
    doc = new_flow("Rewire")
    doc["nodes"] += [
        {"id": "a", "type": "hangup", "position": {"x": 400, "y": 80}},
        {"id": "b", "type": "hangup", "position": {"x": 400, "y": 320}},
    ]
    doc["edges"] = [{"from": "start", "to": "a"}]
    flow_id = create_flow(api, doc)
    open_editor(page, flow_id)
    connect(page, "start", "next", "b")
    expect(page.locator(".react-flow__edge")).to_have_count(1)
    assert eventually(lambda: edges_of(draft(api, flow_id)) == {("start", "next", "b")})


def test_undo_and_redo(page: Any, api: httpx.Client) -> None:
    flow_id = create_flow(api, example("support_line"))
    open_editor(page, flow_id)
    count = page.locator("[data-node-id]").count()

    node(page, "goodbye").click()
    page.keyboard.press("Delete")
    expect(node(page, "goodbye")).to_have_count(0)
    expect(page.locator("[data-node-id]")).to_have_count(count - 1)

    page.keyboard.press("Control+z")
    expect(node(page, "goodbye")).to_have_count(1)
    page.keyboard.press("Control+Shift+z")
    expect(node(page, "goodbye")).to_have_count(0)
    page.keyboard.press("Control+z")
    expect(node(page, "goodbye")).to_have_count(1)
    page.keyboard.press("Control+y")
    expect(node(page, "goodbye")).to_have_count(0)

    # The toolbar buttons do the same.
    page.get_by_test_id("undo").click()
    expect(node(page, "goodbye")).to_have_count(1)
    page.get_by_test_id("redo").click()
    expect(node(page, "goodbye")).to_have_count(0)
    page.get_by_test_id("undo").click()
    expect(node(page, "goodbye")).to_have_count(1)

    # Typing a word is one undo step, not one per letter.
    node(page, "welcome").click()
    text = page.locator('[data-inspector-node="welcome"] textarea').first
    text.fill("")
    text.press_sequentially("Hello", delay=20)
    expect(node(page, "welcome")).to_contain_text("Hello")
    page.locator(".react-flow__pane").click(position={"x": 30, "y": 30})
    page.keyboard.press("Control+z")
    expect(node(page, "welcome")).to_contain_text("Thank you for calling")
    wait_saved(page)
    assert eventually(lambda: "goodbye" in {n["id"] for n in draft(api, flow_id)["nodes"]})


def test_auto_layout_places_every_node_apart(page: Any, api: httpx.Client) -> None:
    doc = example("support_line")
    for n in doc["nodes"]:
        n["position"] = {"x": 0, "y": 0}  # a heap in one corner
    flow_id = create_flow(api, doc)
    open_editor(page, flow_id)
    page.get_by_test_id("auto-layout").click()

    def spread() -> bool:
        boxes = [b for b in (n.bounding_box() for n in page.locator("[data-node-id]").all()) if b]
        for i, a in enumerate(boxes):
            for b in boxes[i + 1 :]:
                if (
                    a["x"] < b["x"] + b["width"]
                    and b["x"] < a["x"] + a["width"]
                    and a["y"] < b["y"] + b["height"]
                    and b["y"] < a["y"] + a["height"]
                ):
                    return False
        return len(boxes) == len(doc["nodes"])

    assert eventually(spread), "nodes still overlap after auto-layout"

    def laid_out() -> dict[str, Any] | None:
        nodes = draft(api, flow_id)["nodes"]
        distinct = {(n["position"]["x"], n["position"]["y"]) for n in nodes}
        return {n["id"]: n["position"] for n in nodes} if len(distinct) == len(nodes) else None

    by_id = eventually(laid_out)
    assert by_id, "the laid-out positions were not saved"
    # Left to right: the start is left of the main menu.
    assert by_id["start"]["x"] < by_id["main"]["x"]
    screenshot(page, "editor-auto-layout")

    page.keyboard.press("Control+z")
    expect(node(page, "main")).to_be_visible()


def test_publish_with_a_comment(page: Any, api: httpx.Client) -> None:
    flow_id = create_flow(api, example("support_line"))
    open_editor(page, flow_id)
    publish = page.get_by_test_id("publish")
    expect(publish).to_be_enabled()
    publish.click()
    dialog = page.get_by_test_id("publish-dialog")
    expect(dialog).to_be_visible()
    dialog.locator("textarea").fill("First release")
    screenshot(page, "editor-publish-dialog")
    dialog.get_by_role("button", name="Publish").click()
    expect(page.locator(".toast")).to_contain_text("Published version 1")
    expect(page.get_by_test_id("published-version")).to_have_text("v1 live")
    versions = api.get(f"/api/flows/{flow_id}/versions").json()["items"]
    assert [(v["number"], v["comment"]) for v in versions] == [(1, "First release")]


def test_publish_is_disabled_with_the_reason_while_errors_exist(
    page: Any, api: httpx.Client
) -> None:
    doc = new_flow("Broken")
    doc["nodes"] += [
        {"id": "hello", "type": "say", "data": {"text": "Hi"}, "position": {"x": 360, "y": 200}},
        {"id": "orphan", "type": "hangup", "position": {"x": 360, "y": 360}},
    ]
    doc["edges"] = [{"from": "start", "to": "hello"}]
    flow_id = create_flow(api, doc)
    open_editor(page, flow_id)
    expect(page.get_by_test_id("publish")).to_be_disabled()
    blocker = page.locator(".publish-wrap")
    expect(blocker).to_have_attribute("title", "Fix 2 errors before publishing.")
    # An unreachable node is greyed, not painted red.
    expect(node(page, "orphan")).to_have_attribute("data-unreachable", "true")
    expect(node(page, "orphan")).not_to_have_attribute("data-severity", "error")

    page.get_by_role("tab", name="Problems").click()
    problem = page.locator('[data-problem-code="dead-end"]')
    expect(problem).to_contain_text("hello")
    problem.click()
    expect(node(page, "hello")).to_have_class("fnode cat-prompts is-error is-selected")
    screenshot(page, "editor-problems")


def test_menu_options_grow_and_shrink_ports(page: Any, api: httpx.Client) -> None:
    flow_id = create_flow(api, example("support_line"))
    open_editor(page, flow_id)
    node(page, "main").click()
    inspector = page.locator('[data-inspector-node="main"]')
    expect(port(page, "main", "2")).to_have_count(1)
    assert edge(page, "main", "2").count() == 1

    inspector.locator('.key[data-key="5"]').click()
    expect(port(page, "main", "5")).to_have_count(1)
    # A new required port that leads nowhere is a dead end.
    expect(page.locator('[data-node-id="main"] .fnode-port[data-port="5"]')).to_have_class(
        "fnode-port is-open is-required port-error"
    )

    inspector.locator('.key[data-key="2"]').click()
    expect(port(page, "main", "2")).to_have_count(0)
    expect(edge(page, "main", "2")).to_have_count(0)
    assert eventually(lambda: ("main", "2") not in {e[:2] for e in edges_of(draft(api, flow_id))})


def test_html_in_node_text_is_shown_as_text(page: Any, api: httpx.Client) -> None:
    payload = "<script>window.__pwned = 1; alert('pwned')</script><img src=x onerror=alert(2)>"
    doc = new_flow("<b>Bold</b> <script>alert('name')</script>")
    doc["nodes"] += [
        {"id": "evil", "type": "say", "label": "<i>label</i>", "data": {"text": payload}},
        {"id": "bye", "type": "hangup"},
    ]
    doc["edges"] = [{"from": "start", "to": "evil"}, {"from": "evil", "to": "bye"}]
    note = {"id": "n1", "text": "<img src=x onerror=alert(3)>", "position": {"x": 0, "y": 0}}
    doc["notes"] = [note]
    flow_id = create_flow(api, doc)

    page.goto("/")
    expect(page.locator(f'[data-flow-id="{flow_id}"]')).to_contain_text(
        "<script>alert('name')</script>"
    )

    open_editor(page, flow_id)
    card = node(page, "evil")
    expect(card).to_contain_text("<script>window.__pwned = 1;")
    expect(card).to_contain_text("<i>label</i>")
    assert card.locator("script, img, i").count() == 0
    node(page, "evil").click()
    text = page.locator('[data-inspector-node="evil"] textarea').first
    expect(text).to_have_value(payload)
    text.fill(payload + "<svg onload=alert(4)>")
    expect(card).to_contain_text("<svg onload=alert(4)>")
    page.wait_for_timeout(300)
    assert page.evaluate("window.__pwned") is None
    assert page.locator("body img[src='x'], body svg[onload]").count() == 0
    assert "<script>" in page.title()
    screenshot(page, "editor-escaping")
    # The page fixture fails the test if any alert() ran.


def test_property_form_shows_registry_limits_inline(page: Any, api: httpx.Client) -> None:
    flow_id = create_flow(api, example("support_line"))
    open_editor(page, flow_id)
    limit = api.get("/api/nodes").json()["limits"]["sayMaxChars"]
    node(page, "welcome").click()
    inspector = page.locator('[data-inspector-node="welcome"]')
    text = inspector.get_by_label("Text")
    text.fill("x" * (limit + 1))
    counter = inspector.locator(".counter.is-over")
    expect(counter).to_have_text(f"{limit + 1}/{limit}")
    expect(inspector.locator(".field-error").first).to_have_text(
        f"At most {limit} characters (now {limit + 1})."
    )
    # The server agrees: an invalid-parameter finding on the node blocks publishing.
    expect(node(page, "welcome")).to_have_attribute("data-severity", "error")
    expect(page.get_by_test_id("publish")).to_be_disabled()
    screenshot(page, "editor-inline-limit")
    text.fill("Welcome!")
    expect(inspector.locator(".field-error")).to_have_count(0)
    expect(node(page, "welcome")).not_to_have_attribute("data-severity", "error")
