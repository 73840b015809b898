"""Browser tests: a real server, Debian's Chromium driven by Playwright.

The server is the real application on a free port with a temporary SQLite
database migrated by the storage helpers; the browser is /usr/bin/chromium
(never a Playwright-downloaded one).  Tests skip when Chromium or the built
editor bundle is missing, except with CI=true where they must run.

Every page fixture fails its test on an uncaught JavaScript error, on any
``alert``/``confirm`` dialog (the escaping tests rely on the latter) and on
any Content-Security-Policy violation: the editor must work under the page
policy of ``designer.web.headers``.
Screenshots go to ``test-artifacts/screenshots/`` (git-ignored).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from werkzeug.serving import make_server

from tests.conftest import EXAMPLES, ROOT, need_service

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]
BUNDLE = ROOT / "static" / "dist" / "editor.js"
SHOTS = ROOT / "test-artifacts" / "screenshots"
VIEWPORT = {"width": 1440, "height": 900}

# Collects what the page policy blocked (the event fires before the console message).
WATCH_CSP = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation',
  (e) => window.__cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'}`));
"""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The application on 127.0.0.1:<free port>, with its own migrated SQLite file."""
    need_service(BUNDLE.is_file(), "the editor bundle (run `make editor`)")
    from designer.storage.migrate import upgrade
    from designer.web import create_app

    url = f"sqlite:///{tmp_path_factory.mktemp('browser-db') / 'designer.db'}"
    upgrade(url)
    app = create_app({"DATABASE_URL": url})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="browser-test-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@pytest.fixture(scope="session")
def api(live_server: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live_server, timeout=10) as client:
        yield client


@contextmanager
def chromium() -> Iterator[Any]:
    """Debian's Chromium under Playwright (never a downloaded browser); skipped without it."""
    need_service(CHROMIUM.exists(), f"Chromium at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield instance
        finally:
            instance.close()


@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    # Package scope, not session: Playwright's sync API keeps an asyncio loop
    # running in the main thread while it is open, which would break every
    # later test that runs its own loop (notebooks, other browser suites).
    with chromium() as instance:
        yield instance


@contextmanager
def watched_tab(browser: Any, base_url: str) -> Iterator[Any]:
    """A fresh browser context and tab on ``base_url``; on leaving, fails on JS errors,
    dialogs and Content-Security-Policy violations seen meanwhile."""
    context = browser.new_context(viewport=VIEWPORT, base_url=base_url)
    context.set_default_timeout(10_000)
    context.add_init_script(WATCH_CSP)
    tab = context.new_page()
    errors: list[str] = []
    dialogs: list[str] = []
    blocked: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    tab.on("console", lambda m: _note_csp(m, blocked))

    def on_dialog(dialog: Any) -> None:
        dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    tab.on("dialog", on_dialog)
    tab.js_errors = errors
    tab.dialogs = dialogs
    try:
        yield tab
        blocked.extend(csp_violations(tab))
    finally:
        context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"
    assert not dialogs, f"unexpected dialogs (script ran?): {dialogs}"
    assert not blocked, f"Content-Security-Policy violations: {blocked}"


@pytest.fixture
def page(browser: Any, live_server: str) -> Iterator[Any]:
    """A fresh browser tab; fails the test on JS errors, dialogs and CSP violations."""
    with watched_tab(browser, live_server) as tab:
        yield tab


def _note_csp(message: Any, blocked: list[str]) -> None:
    if message.type == "error" and "Content Security Policy" in message.text:
        blocked.append(message.text)


def csp_violations(page: Any) -> list[str]:
    """What the page policy blocked on the page now open (empty when nothing was)."""
    if page.is_closed():
        return []
    from playwright.sync_api import Error as PlaywrightError

    try:
        return list(page.evaluate("window.__cspViolations || []"))
    except PlaywrightError:  # the page is navigating: its console messages are kept anyway
        return []


def screenshot(page: Any, name: str) -> Path:
    """Save a full-window screenshot under test-artifacts/screenshots/NAME.png."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), animations="disabled")
    return path


def create_flow(api: httpx.Client, document: dict[str, Any]) -> str:
    """Store a flow through the API and return its id."""
    response = api.post("/api/flows", json=document)
    assert response.status_code == 201, response.text
    return response.json()["id"]


def example(name: str) -> dict[str, Any]:
    return json.loads((EXAMPLES / f"{name}.json").read_text())


def new_flow(name: str) -> dict[str, Any]:
    return {
        "format": "callflow/1",
        "name": name,
        "locale": "en-US",
        "nodes": [{"id": "start", "type": "start", "position": {"x": 60, "y": 200}}],
        "edges": [],
    }
