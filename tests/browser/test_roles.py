"""The editor when login is required: signing in and out, and what each role is offered.

A server of its own with ``DESIGNER_AUTH=required`` (a SQLite file migrated
for it) and one user per role made with the ``designer user create`` command,
as an operator would.  A viewer gets a read-only canvas, an editor edits but
cannot publish, roll back or bind numbers, a publisher can.  The server
refuses all of that anyway (``tests/security``); these tests are about the
pages not offering it, saying why, and sending a signed-out user to /login.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask
from playwright.sync_api import expect
from werkzeug.serving import make_server

from designer.cli import main
from designer.storage.migrate import upgrade
from tests.browser.canvas import SAVED, beside, drag_from_palette, node, open_editor, port
from tests.browser.conftest import BUNDLE, example, screenshot, watched_tab
from tests.conftest import need_service

PASSWORD = "a long enough password"
ROLES = ("viewer", "editor", "publisher")
VIEWER_MAY_NOT_EDIT = (
    "Changing flows needs the editor role; you are signed in as viewer-user (viewer)."
)


@dataclass
class Secured:
    base: str
    app: Flask

    @property
    def repo(self) -> Any:
        return self.app.extensions["designer"].repo

    def flow(self, name: str, *, published: bool = False) -> str:
        """A copy of the support line stored as ``name``; published once when asked."""
        now = datetime.now(UTC)
        record = self.repo.create_flow({**example("support_line"), "name": name}, now)
        if published:
            self.repo.publish(record.id, "first", "tests", now)
        return record.id


@pytest.fixture(scope="module")
def secured(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Secured]:
    """The app with login required on a loopback port, with a user per role."""
    need_service(BUNDLE.is_file(), "the editor bundle (run `make editor`)")
    from designer.web import create_app

    url = f"sqlite:///{tmp_path_factory.mktemp('roles-db') / 'designer.db'}"
    upgrade(url)
    runner = CliRunner()
    for role in ROLES:
        made = runner.invoke(
            main,
            ["user", "create", f"{role}-user", "--role", role, "--password-stdin", "--url", url],
            input=f"{PASSWORD}\n",
        )
        assert made.exit_code == 0, made.output
    app = create_app({"DATABASE_URL": url, "AUTH": "required", "SECRET_KEY": "r" * 64})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="roles-test-server", daemon=True)
    thread.start()
    try:
        yield Secured(base=f"http://127.0.0.1:{server.server_port}", app=app)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        app.extensions["designer"].repo.close()


@pytest.fixture
def tab(browser: Any, secured: Secured) -> Iterator[Any]:
    with watched_tab(browser, secured.base) as page:
        yield page


def fill_sign_in(page: Any, role: str) -> None:
    page.fill("#username", f"{role}-user")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")


def sign_in(page: Any, role: str, path: str) -> None:
    """Open ``path`` signed out: the sign-in form, then back at ``path``."""
    page.goto(path)
    page.wait_for_url(f"**/login?next={path}")
    fill_sign_in(page, role)
    page.wait_for_url(f"**{path}")


def expect_account(page: Any, role: str) -> None:
    account = page.get_by_test_id("account")
    expect(account.get_by_test_id("account-name")).to_have_text(f"{role}-user")
    expect(account.get_by_test_id("account-role")).to_have_text(role)
    expect(account.get_by_test_id("sign-out")).to_be_visible()


def test_a_viewer_sees_a_read_only_canvas(tab: Any, secured: Secured) -> None:
    flow_id = secured.flow("Viewer's view")
    sign_in(tab, "viewer", f"/flows/{flow_id}")
    open_editor(tab, flow_id)
    expect_account(tab, "viewer")

    badge = tab.get_by_test_id("read-only")
    expect(badge).to_be_visible()
    expect(badge).to_have_attribute("title", VIEWER_MAY_NOT_EDIT)
    expect(tab.locator(SAVED)).to_have_count(0)  # no save state: nothing is ever saved
    say = tab.locator('[data-palette-type="say"]')
    expect(say).to_be_disabled()
    expect(say).to_have_attribute("title", VIEWER_MAY_NOT_EDIT)
    for tool in ("undo", "add-note", "auto-layout", "import"):
        expect(tab.get_by_test_id(tool)).to_be_disabled()
    expect(tab.get_by_test_id("publish")).to_be_disabled()
    expect(tab.locator("#publish-blocker")).to_contain_text("needs the publisher role")
    expect(tab.get_by_label("Flow name")).to_have_attribute("readonly", "")

    # Steps cannot be moved or connected: React Flow was told so.
    welcome = node(tab, "welcome")
    card = tab.locator('.react-flow__node[data-id="welcome"]')
    expect(card).not_to_have_class("draggable")
    expect(port(tab, "welcome", "next")).not_to_have_class("connectable")
    placed = card.evaluate("el => el.style.transform")  # the step's place on the canvas
    box = welcome.bounding_box()
    assert box
    tab.mouse.move(box["x"] + 40, box["y"] + 12)
    tab.mouse.down()
    tab.mouse.move(box["x"] + 140, box["y"] + 112, steps=8)
    tab.mouse.up()
    # Dragging a step that cannot move pans the canvas instead; the step stays put.
    assert card.evaluate("el => el.style.transform") == placed, "a viewer moved a step"

    # The step's properties can be read in full, not changed.
    welcome.click()
    inspector = tab.locator('[data-inspector-node="welcome"]')
    expect(inspector.get_by_test_id("lock-notice")).to_contain_text("needs the editor role")
    expect(inspector.locator("textarea").first).to_be_disabled()
    expect(inspector.locator("textarea").first).to_have_value(
        example("support_line")["nodes"][1]["data"]["text"]
    )
    expect(inspector.get_by_role("button", name="Delete step")).to_have_count(0)
    tab.keyboard.press("Delete")
    expect(welcome).to_have_count(1)

    # Watching calls live is a viewer's right; test calls are not.
    tab.get_by_test_id("live-toggle").click()
    expect(tab.get_by_test_id("live-bar")).to_have_attribute("data-live-status", "open")
    tab.get_by_role("tab", name="Test").click()
    expect(tab.get_by_test_id("test-start")).to_be_disabled()
    expect(tab.get_by_test_id("test-locked")).to_contain_text("needs the editor role")
    tab.get_by_role("tab", name="Properties").click()
    screenshot(tab, "roles-viewer-editor")

    tab.get_by_test_id("connect").click()
    dialog = tab.get_by_test_id("connect-dialog")
    expect(dialog.get_by_test_id("bind-locked")).to_contain_text("needs the publisher role")
    expect(dialog.get_by_test_id("bind-form")).to_have_count(0)
    tab.keyboard.press("Escape")

    tab.goto("/")
    row = tab.locator(f'tr[data-flow-id="{flow_id}"]')
    expect(row).to_be_visible()
    expect(tab.get_by_role("button", name="New flow")).to_be_disabled()
    expect(tab.get_by_role("button", name="Import JSON")).to_be_disabled()
    expect(row.get_by_role("button", name="Delete")).to_have_count(0)
    expect(row.get_by_role("link", name="Export")).to_be_visible()
    screenshot(tab, "roles-viewer-flows")
    # Everything above happened without one save.
    assert secured.repo.get_flow(flow_id).revision == 1


def test_an_editor_edits_but_cannot_publish(tab: Any, secured: Secured) -> None:
    flow_id = secured.flow("Editor's change", published=True)
    sign_in(tab, "editor", f"/flows/{flow_id}")
    open_editor(tab, flow_id)
    expect_account(tab, "editor")
    expect(tab.get_by_test_id("read-only")).to_have_count(0)

    drag_from_palette(tab, "say", *beside(tab, "start", dy=170))
    expect(node(tab, "say")).to_be_visible()
    tab.wait_for_selector(SAVED)
    assert secured.repo.get_flow(flow_id).revision == 2  # saved through the session

    publish = tab.get_by_test_id("publish")
    expect(publish).to_be_disabled()
    expect(tab.locator("#publish-blocker")).to_have_text(
        "Publishing needs the publisher role; you are signed in as editor-user (editor)."
    )
    tab.get_by_role("tab", name="Versions").click()
    rollback = tab.get_by_test_id("rollback-1")
    expect(rollback).to_be_disabled()
    expect(rollback).to_have_attribute(
        "title", "Rolling back needs the publisher role; you are signed in as editor-user (editor)."
    )
    tab.get_by_test_id("connect").click()
    expect(tab.get_by_test_id("bind-locked")).to_contain_text("needs the publisher role")
    screenshot(tab, "roles-editor-connect")
    tab.keyboard.press("Escape")
    screenshot(tab, "roles-editor")


def test_a_publisher_publishes_and_binds(tab: Any, secured: Secured) -> None:
    flow_id = secured.flow("Publisher's release")
    sign_in(tab, "publisher", f"/flows/{flow_id}")
    open_editor(tab, flow_id)
    expect_account(tab, "publisher")

    publish = tab.get_by_test_id("publish")
    expect(publish).to_be_enabled()
    publish.click()
    dialog = tab.get_by_test_id("publish-dialog")
    dialog.get_by_label("What changed?").fill("Release by the publisher")
    dialog.get_by_role("button", name="Publish").click()
    expect(tab.get_by_test_id("published-version")).to_have_text("v1 live")
    versions = secured.repo.list_versions(flow_id)
    assert [(v.number, v.published_by) for v in versions] == [(1, "publisher-user")]

    tab.get_by_role("tab", name="Versions").click()
    expect(tab.get_by_test_id("rollback-1")).to_be_enabled()
    tab.get_by_test_id("connect").click()
    expect(tab.get_by_test_id("bind-form")).to_be_visible()
    expect(tab.get_by_test_id("bind-locked")).to_have_count(0)
    screenshot(tab, "roles-publisher")


def test_an_ended_session_sends_the_editor_to_sign_in(tab: Any, secured: Secured) -> None:
    flow_id = secured.flow("Session ends")
    path = f"/flows/{flow_id}"
    sign_in(tab, "editor", path)
    open_editor(tab, flow_id)
    tab.context.clear_cookies()  # the session is over (expired, or signed out elsewhere)
    # Nothing unsaved: the first 401 takes the page to sign in, and back here afterwards.
    tab.get_by_test_id("heat-toggle").click()
    tab.wait_for_url(f"**/login?next={path}")
    fill_sign_in(tab, "editor")
    tab.wait_for_url(f"**{path}")
    open_editor(tab, flow_id)


def test_signed_out_with_unsaved_changes_the_page_stays(tab: Any, secured: Secured) -> None:
    flow_id = secured.flow("Keep my change")
    path = f"/flows/{flow_id}"
    sign_in(tab, "editor", path)
    open_editor(tab, flow_id)
    tab.context.clear_cookies()
    drag_from_palette(tab, "say", *beside(tab, "start", dy=170))
    # The save gets 401; leaving now would lose the new step, so the page stays and says so.
    banner = tab.get_by_test_id("signed-out")
    expect(banner).to_contain_text("You are signed out")
    expect(tab.locator('[data-save-state="error"]')).to_be_visible()
    assert tab.url.endswith(path)
    expect(node(tab, "say")).to_be_visible()
    screenshot(tab, "roles-signed-out")

    with tab.expect_popup() as opened:
        banner.get_by_test_id("sign-in-again").click()
    other = opened.value
    other.wait_for_url(f"**/login?next={path}")
    fill_sign_in(other, "editor")
    other.wait_for_url(f"**{path}")
    other.close()

    tab.get_by_test_id("retry-save").click()
    tab.wait_for_selector(SAVED)
    expect(banner).to_have_count(0)
    saved = secured.repo.get_flow(flow_id).document
    assert "say" in {n["id"] for n in saved["nodes"]}


def test_signing_out(tab: Any, secured: Secured) -> None:
    sign_in(tab, "viewer", "/calls")
    expect_account(tab, "viewer")
    tab.get_by_test_id("sign-out").click()
    tab.wait_for_url("**/login")
    tab.goto("/")
    tab.wait_for_url("**/login?next=/")
    expect(tab.get_by_test_id("account")).to_have_count(0)
