"""What a first-time user runs into: bad input in forms and files, exports, the call
log from the keyboard, and the API reference behind the top bar's "API"."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import expect

from tests.browser.canvas import node, open_editor, wait_saved
from tests.browser.conftest import create_flow, example, new_flow, screenshot
from tests.browser.test_editor import draft, eventually


def menu_data(api: httpx.Client, flow_id: str) -> dict[str, Any]:
    return next(n for n in draft(api, flow_id)["nodes"] if n["id"] == "main").get("data", {})


def test_a_number_field_refuses_what_is_not_a_number(page: Any, api: httpx.Client) -> None:
    flow_id = create_flow(api, example("support_line"))
    open_editor(page, flow_id)
    node(page, "main").click()
    timeout = page.get_by_label("Silence timeout (ms)")
    expect(timeout).to_have_value("6000")

    # "6000e" is no number: the browser reports it as empty, which cleared the
    # stored timeout without a word.  The field says so and the value stays.
    timeout.press("End")
    timeout.press_sequentially("e")
    message = page.get_by_test_id("number-unreadable")
    expect(message).to_contain_text("Not a number: type digits only (6000 is kept until you do).")
    expect(timeout).to_have_attribute("aria-invalid", "true")
    screenshot(page, "first-use-number-field")
    page.locator(".react-flow__pane").click(position={"x": 30, "y": 30})
    wait_saved(page)
    assert menu_data(api, flow_id).get("timeoutMills") == 6000

    node(page, "main").click()
    page.get_by_label("Silence timeout (ms)").fill("4500")
    expect(page.get_by_test_id("number-unreadable")).to_have_count(0)
    assert eventually(lambda: menu_data(api, flow_id).get("timeoutMills") == 4500)


def test_the_flow_tab_export_says_why_it_cannot(page: Any, api: httpx.Client) -> None:
    flow_id = create_flow(api, new_flow("Not finished"))  # start leads nowhere: an error
    open_editor(page, flow_id)
    page.get_by_role("tab", name="Flow").click()
    page.get_by_test_id("flow-export-svaml").click()
    toast = page.locator(".toast")
    expect(toast).to_contain_text("Could not export SVAML: fix the flow's errors first")
    expect(toast).not_to_contain_text("error(s)")  # the server's wording, with the flow's id
    screenshot(page, "first-use-export-refused")

    # What can be exported is, with the changes not saved yet.
    page.get_by_label("Description").fill("Exported right away")
    with page.expect_download() as download:
        page.get_by_test_id("flow-export-json").click()
    exported = json.loads(Path(download.value.path()).read_text())
    assert exported["description"] == "Exported right away"


def test_importing_json_that_is_not_a_flow_says_so(
    page: Any, api: httpx.Client, tmp_path: Path
) -> None:
    page.goto("/")
    listing = tmp_path / "numbers.json"
    listing.write_text("[1, 2, 3]")
    page.get_by_test_id("import-file").set_input_files(str(listing))
    notice = page.locator(".notice-error")
    expect(notice).to_contain_text("numbers.json is not a flow document: it holds an array")
    expect(notice).not_to_contain_text("list")

    settings = tmp_path / "settings.json"
    settings.write_text('{"hello": "world"}')
    page.get_by_test_id("import-file").set_input_files(str(settings))
    expect(notice).to_contain_text('settings.json is not a flow document: it has no "format" field')
    expect(notice).not_to_contain_text("None")
    screenshot(page, "first-use-import-not-a-flow")


def test_the_call_log_from_the_keyboard_in_plain_words(page: Any, api: httpx.Client) -> None:
    flow_id = create_flow(api, {**example("support_line"), "name": "Keyboard line"})
    started = api.post("/api/sim/calls", json={"flow": flow_id, "script": ["hangup"]})
    assert started.status_code == 201, started.text
    callid = started.json()["callid"]

    page.goto(f"/calls?flow={flow_id}")
    row = page.locator(f'tr[data-callid="{callid}"]')
    expect(row).to_contain_text("Caller hung up")
    expect(page.get_by_label("Result").locator("option[value=noanswer]")).to_have_text("No answer")

    toggle = row.locator(".row-toggle")
    expect(toggle).to_have_accessible_name("Show the events of the call from +46708168731")
    toggle.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("call-detail")).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    screenshot(page, "first-use-call-log-keyboard")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("call-detail")).to_have_count(0)

    page.get_by_label("Result").select_option("busy")
    empty = page.locator(".empty")
    expect(empty).to_contain_text("No calls match these filters")
    expect(empty).to_contain_text("clear the filters")
    expect(empty).not_to_contain_text("Calls appear here when")


def test_the_api_link_opens_a_readable_reference(page: Any) -> None:
    page.goto("/")
    nav_link = page.get_by_role("navigation", name="Main").get_by_role("link", name="API")
    nav_link.click()
    expect(page).to_have_url(re.compile(r"/api-docs$"))
    expect(page.get_by_role("heading", name="REST API")).to_be_visible()
    expect(nav_link).to_have_attribute("aria-current", "page")
    publish = page.locator('.api-op[data-op="POST /api/flows/{flow_id}/versions"]')
    expect(publish).to_contain_text("Publish the draft as a new version")
    publish.locator("summary").click()
    expect(publish).to_contain_text("comment")
    expect(publish).to_contain_text("422")
    screenshot(page, "first-use-api-reference")

    page.get_by_label("Filter endpoints").fill("simulated call")
    expect(page.locator(".api-op").first).to_contain_text("/api/sim/calls")
    expect(publish).to_have_count(0)
    expect(page.get_by_role("link", name="OpenAPI JSON")).to_have_attribute(
        "href", "/api/openapi.json"
    )
