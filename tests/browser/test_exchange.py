"""Getting flows in and out of the editor: exports, importing a file, Connect to Sinch."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import expect

from tests.browser.canvas import node, open_editor, wait_saved
from tests.browser.conftest import create_flow, example, new_flow, screenshot
from tests.browser.test_editor import draft, eventually


def download(page: Any, item: str) -> tuple[str, bytes]:
    page.get_by_test_id("export").click()
    with page.expect_download() as info:
        page.get_by_test_id(item).click()
    got = info.value
    return got.suggested_filename, Path(got.path()).read_bytes()


def test_export_buttons_download_the_current_draft(page: Any, api: httpx.Client) -> None:
    flow_id = create_flow(api, example("support_line"))
    open_editor(page, flow_id)
    node(page, "welcome").click()
    page.locator('[data-inspector-node="welcome"] textarea').first.fill("Exported welcome.")
    page.get_by_test_id("export").click()
    expect(page.get_by_role("menu")).to_be_visible()
    screenshot(page, "export-menu")
    page.keyboard.press("Escape")

    # An export right after an edit carries the edit: the draft is saved first.
    name, body = download(page, "export-json")
    assert name == "acme-support-line.json"
    document = json.loads(body)
    assert document["format"] == "callflow/1"
    welcome = next(n for n in document["nodes"] if n["id"] == "welcome")
    assert welcome["data"]["text"] == "Exported welcome."

    name, body = download(page, "export-svaml")
    assert name.endswith(".json") and "svaml" in name
    svaml = json.loads(body)
    assert svaml["start"]["action"]["name"] == "runMenu"
    assert svaml["start"]["instructions"][0]["text"] == "Exported welcome."

    name, body = download(page, "export-svg")
    assert name.endswith(".svg")
    assert body.lstrip().startswith(b"<?xml") or b"<svg" in body[:400]


def test_svaml_export_of_a_broken_flow_says_why(page: Any, api: httpx.Client) -> None:
    doc = new_flow("Broken export")
    doc["nodes"].append({"id": "hi", "type": "say", "data": {"text": "Hi"}})
    doc["edges"] = [{"from": "start", "to": "hi"}]
    flow_id = create_flow(api, doc)
    open_editor(page, flow_id)
    page.get_by_test_id("export").click()
    page.get_by_test_id("export-svaml").click()
    expect(page.locator(".toast-error")).to_contain_text("Could not export SVAML: fix the flow")


def test_import_replaces_the_draft_and_undo_brings_it_back(
    page: Any, api: httpx.Client, tmp_path: Path
) -> None:
    flow_id = create_flow(api, example("support_line"))
    open_editor(page, flow_id)
    incoming = example("pin_entry")
    file = tmp_path / "pin.json"
    file.write_text(json.dumps(incoming))
    page.get_by_test_id("import-file").set_input_files(str(file))
    expect(page.locator(".toast")).to_contain_text("Imported pin.json as the draft")
    expect(node(page, "ask_pin")).to_be_visible()
    expect(node(page, "billing")).to_have_count(0)
    expect(page.locator("[data-node-id]")).to_have_count(len(incoming["nodes"]))
    wait_saved(page)
    assert eventually(lambda: draft(api, flow_id)["name"] == incoming["name"])

    page.locator(".react-flow__pane").click(position={"x": 30, "y": 30})
    page.keyboard.press("Control+z")
    expect(node(page, "billing")).to_be_visible()
    wait_saved(page)
    assert eventually(lambda: draft(api, flow_id)["name"] == "Acme support line")

    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"format": "callflow/1", "nodes": [{"id": "x"}]}))
    page.get_by_test_id("import-file").set_input_files(str(bad))
    dialog = page.get_by_test_id("import-error")
    expect(dialog).to_contain_text("Could not import bad.json")
    expect(dialog).to_contain_text("nodes[0]")
    screenshot(page, "import-error")
    dialog.get_by_role("button", name="OK").click()
    expect(node(page, "billing")).to_be_visible()  # nothing changed

    garbage = tmp_path / "garbage.json"
    garbage.write_text("{not json")
    page.get_by_test_id("import-file").set_input_files(str(garbage))
    expect(page.get_by_test_id("import-error")).to_contain_text("garbage.json is not valid JSON")


def test_connect_dialog_gives_the_callback_url_and_binds_a_number(
    page: Any, api: httpx.Client, live_server: str
) -> None:
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    flow_id = create_flow(api, example("support_line"))
    open_editor(page, flow_id)
    page.get_by_test_id("connect").click()
    dialog = page.get_by_test_id("connect-dialog")
    expect(dialog.get_by_test_id("callback-url")).to_have_value(f"{live_server}/voice/callback")
    expect(dialog).to_contain_text("Voice & Video → Apps")
    expect(dialog).to_contain_text("Publish the flow first")
    dialog.get_by_role("button", name="Close").click()

    assert api.post(f"/api/flows/{flow_id}/versions", json={"comment": "go"}).status_code == 201
    page.reload()
    page.locator("[data-node-id]").first.wait_for()
    page.get_by_test_id("connect").click()
    dialog = page.get_by_test_id("connect-dialog")
    form = dialog.get_by_test_id("bind-form")
    form.get_by_label("Phone number to bind").fill("0701234")
    form.get_by_role("button", name="Bind number").click()
    expect(dialog).to_contain_text("is not an E.164 number")
    form.get_by_label("Phone number to bind").fill("+46 70 123 45 67")
    form.get_by_role("button", name="Bind number").click()
    expect(dialog.locator('[data-number="+46701234567"]')).to_contain_text("latest version")
    binding = api.get("/api/numbers/%2B46701234567").json()
    assert (binding["flow"], binding["version"]) == (flow_id, None)
    screenshot(page, "connect-dialog")

    dialog.get_by_test_id("copy-callback-url").click()
    expect(dialog.get_by_test_id("copy-callback-url")).to_contain_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == f"{live_server}/voice/callback"
    dialog.locator('[data-number="+46701234567"]').get_by_role("button", name="Unbind").click()
    expect(dialog.locator('[data-number="+46701234567"]')).to_have_count(0)
    assert api.get("/api/numbers/%2B46701234567").status_code == 404


def test_the_editor_page_hands_the_public_url_to_the_connect_dialog(tmp_path: Path) -> None:
    """DESIGNER_PUBLIC_URL reaches the page (escaped) for the callback URL; no browser needed."""
    from designer.web import create_app

    (tmp_path / "editor.js").write_text("")
    (tmp_path / "editor.css").write_text("")
    public = 'https://ivr.example.com/x"><script>'
    app = create_app(
        {"DATABASE_URL": "memory://", "PUBLIC_URL": public, "AUTH": "off", "EDITOR_DIST": tmp_path}
    )
    client = app.test_client()
    flow_id = client.post("/api/flows", json=example("support_line")).get_json()["id"]
    page = client.get(f"/flows/{flow_id}").get_data(as_text=True)
    assert 'data-public-url="https://ivr.example.com/x&#34;&gt;&lt;script&gt;"' in page
    unset = create_app({"DATABASE_URL": "memory://", "AUTH": "off", "EDITOR_DIST": tmp_path})
    client = unset.test_client()
    flow_id = client.post("/api/flows", json=example("support_line")).get_json()["id"]
    assert 'data-public-url=""' in client.get(f"/flows/{flow_id}").get_data(as_text=True)
