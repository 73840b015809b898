"""The editor in Chromium with login required: sign in, edit, save -- under the real CSP.

Any Content-Security-Policy violation (reported by the browser as a
``securitypolicyviolation`` event and a console error) fails the test, so
the policy in ``designer.web.headers`` is proven to be one the editor works
under.  Saving proves the CSRF hook: the editor's API client sends the
page's token, and the server refuses session writes without it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from werkzeug.serving import make_server

from designer import accounts
from designer.storage.migrate import upgrade
from tests.browser.canvas import SAVED, beside, drag_from_palette, open_editor
from tests.browser.conftest import BUNDLE, chromium, screenshot
from tests.conftest import need_service
from tests.security.conftest import MINIMAL_FLOW, PASSWORD

pytestmark = pytest.mark.browser

WATCH_CSP = """
window.__csp = [];
document.addEventListener('securitypolicyviolation',
  (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The app with login required on a free loopback port, an editor and a flow."""
    need_service(BUNDLE.is_file(), "the editor bundle (run `make editor`)")
    from designer.web import create_app
    from designer.web.access import access_state

    url = f"sqlite:///{tmp_path_factory.mktemp('secure-browser') / 'designer.db'}"
    upgrade(url)
    app = create_app({"DATABASE_URL": url, "AUTH": "required", "SECRET_KEY": "b" * 64})
    now = datetime.now(UTC)
    store = access_state(app).store
    for role in ("viewer", "editor"):
        accounts.create_user(store, f"{role}-user", role, PASSWORD, now)
    flow = app.extensions["designer"].repo.create_flow(MINIMAL_FLOW, now)
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield {"base": f"http://127.0.0.1:{httpd.server_port}", "flow": flow.id, "app": app}
    finally:
        httpd.shutdown()
        thread.join(timeout=10)
        httpd.server_close()
        app.extensions["designer"].repo.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as instance:
        yield instance


@pytest.fixture
def page(browser: Any, server: dict[str, Any]) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1440, "height": 900}, base_url=server["base"])
    context.set_default_timeout(10_000)
    context.add_init_script(WATCH_CSP)
    tab = context.new_page()
    tab.console_errors = []
    tab.on("console", lambda m: m.type == "error" and tab.console_errors.append(m.text))
    tab.page_errors = []
    tab.on("pageerror", lambda exc: tab.page_errors.append(str(exc)))
    try:
        yield tab
    finally:
        context.close()


def sign_in(page: Any, name: str) -> None:
    page.fill("#username", name)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")


def no_violations(page: Any) -> None:
    assert page.evaluate("window.__csp") == []
    csp = [m for m in page.console_errors if "Content Security Policy" in m]
    assert not csp, csp
    assert not page.page_errors, page.page_errors


def test_sign_in_edit_and_save_under_the_policy(page: Any, server: dict[str, Any]) -> None:
    flow = server["flow"]
    page.goto(f"/flows/{flow}")
    assert page.url.endswith(f"/login?next=/flows/{flow}")
    screenshot(page, "security-login")
    sign_in(page, "Editor-User")
    page.wait_for_url(f"**/flows/{flow}")
    open_editor(page, flow)
    no_violations(page)

    before = page.evaluate("document.querySelector('meta[name=csrf-token]').content")
    assert before
    drag_from_palette(page, "say", *beside(page, "start", dy=160))
    page.wait_for_selector(SAVED)
    screenshot(page, "security-editor-saved")
    no_violations(page)

    # The save went through the session (no token in this test's hands): the draft moved on.
    app = server["app"]
    record = app.extensions["designer"].repo.get_flow(flow)
    assert record.revision > 1 and len(record.document["nodes"]) == 3
    for path in ("/", "/calls"):
        page.goto(path)
        page.wait_for_load_state("networkidle")
        no_violations(page)


def test_without_the_page_token_the_same_session_cannot_write(
    page: Any, server: dict[str, Any]
) -> None:
    page.goto("/login")
    sign_in(page, "editor-user")
    page.wait_for_url("**/")
    status = page.evaluate(
        """async (id) => (await fetch(`/api/flows/${id}`, {method: 'DELETE'})).status""",
        server["flow"],
    )
    assert status == 403
    assert httpx.get(f"{server['base']}/api/flows/{server['flow']}").status_code == 401


def test_a_wrong_password_stays_on_the_form(page: Any) -> None:
    page.goto("/login")
    page.fill("#username", "viewer-user")
    page.fill("#password", "not the password")
    page.click("button[type=submit]")
    assert page.locator("[role=alert]").inner_text() == "Wrong user name or password."
    screenshot(page, "security-login-error")
    no_violations(page)
