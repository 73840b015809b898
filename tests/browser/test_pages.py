"""The flow list and the call log pages."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

from tests.browser.canvas import node
from tests.browser.conftest import create_flow, example, screenshot


def test_flow_list_create_duplicate_delete(page: Any, api: httpx.Client) -> None:
    flow_id = create_flow(api, example("pin_entry"))
    page.goto("/")
    row = page.locator(f'tr[data-flow-id="{flow_id}"]')
    expect(row).to_contain_text("PIN check")
    expect(row).to_contain_text("draft only")
    expect(row.locator("td.num")).to_have_text(str(len(example("pin_entry")["nodes"])))
    screenshot(page, "flows-list")

    row.get_by_role("button", name="Duplicate").click()
    copy = page.locator("tr", has_text="PIN check (copy)")
    expect(copy).to_have_count(1)
    copy_id = copy.get_attribute("data-flow-id")

    copy.get_by_role("button", name="Delete").click()
    dialog = page.get_by_test_id("delete-dialog")
    expect(dialog).to_contain_text("PIN check (copy)")
    screenshot(page, "flows-delete-confirm")
    dialog.get_by_role("button", name="Cancel").click()
    expect(page.locator(f'tr[data-flow-id="{copy_id}"]')).to_have_count(1)
    copy.get_by_role("button", name="Delete").click()
    page.get_by_test_id("delete-dialog").get_by_role("button", name="Delete flow").click()
    expect(page.locator(f'tr[data-flow-id="{copy_id}"]')).to_have_count(0)
    assert api.get(f"/api/flows/{copy_id}").status_code == 404

    page.get_by_role("button", name="New flow").click()
    create = page.get_by_test_id("create-dialog")
    create.get_by_label("Name").fill("Holiday line")
    create.get_by_role("button", name="Create and open").click()
    page.wait_for_url("**/flows/*")
    expect(node(page, "start")).to_be_visible()
    expect(page.get_by_label("Flow name")).to_have_value("Holiday line")


def test_import_reports_what_is_wrong(page: Any, api: httpx.Client, tmp_path: Path) -> None:
    page.goto("/")
    not_json = tmp_path / "broken.json"
    not_json.write_text("{nope")
    page.get_by_test_id("import-file").set_input_files(str(not_json))
    expect(page.locator(".notice-error")).to_contain_text("broken.json is not valid JSON")

    bad = tmp_path / "bad-ids.json"
    doc = example("support_line")
    doc["nodes"][1]["id"] = "has space"
    bad.write_text(json.dumps(doc))
    page.get_by_test_id("import-file").set_input_files(str(bad))
    notice = page.locator(".notice-error")
    expect(notice).to_contain_text("Could not import bad-ids.json")
    expect(notice).to_contain_text("nodes[1].id")
    screenshot(page, "flows-import-error")

    good = tmp_path / "conference.json"
    good.write_text(json.dumps(example("conference_bridge")))
    page.get_by_test_id("import-file").set_input_files(str(good))
    expect(page.locator(".toast")).to_contain_text("Imported")
    expect(page.locator("tr", has_text="Conference bridge").first).to_be_visible()


def test_unknown_flow_page(page: Any) -> None:
    response = page.goto("/flows/no-such-flow")
    assert response is not None and response.status == 404
    expect(page.get_by_role("alert")).to_contain_text("This flow does not exist")


@pytest.fixture
def empty_server() -> Iterator[str]:
    """A second server with no flows at all (in-memory storage)."""
    from designer.web import create_app

    server = make_server("127.0.0.1", 0, create_app({"DATABASE_URL": "memory://"}), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


def test_empty_flow_list_invites_to_create(page: Any, empty_server: str) -> None:
    page.goto(empty_server + "/")
    empty = page.locator(".empty")
    expect(empty).to_contain_text("No call flows yet")
    expect(empty.get_by_role("button", name="New flow")).to_be_visible()
    expect(empty.get_by_role("button", name="Import JSON")).to_be_visible()
    screenshot(page, "flows-empty")


def test_call_log_lists_simulated_calls(page: Any, api: httpx.Client) -> None:
    flow_id = create_flow(api, example("support_line"))
    started = api.post("/api/sim/calls", json={"flow": flow_id, "script": ["1"]})
    assert started.status_code == 201, started.text
    callid = started.json()["callid"]

    page.goto("/calls")
    row = page.locator(f'tr[data-callid="{callid}"]')
    expect(row).to_contain_text("Acme support line")
    expect(row).to_contain_text("simulated")
    row.click()
    expect(page.locator(".events li").first).to_be_visible()
    screenshot(page, "calls")

    page.get_by_label("Kind").select_option("false")
    expect(page.locator(f'tr[data-callid="{callid}"]')).to_have_count(0)
    expect(page.locator(".empty")).to_contain_text("No calls match these filters")
