"""The test panel: call the draft from the keypad, follow it on the canvas."""

from __future__ import annotations

import re
from typing import Any

import httpx
from playwright.sync_api import expect

from tests.browser.canvas import edge, node, open_editor, wait_saved
from tests.browser.conftest import create_flow, example, screenshot
from tests.browser.test_editor import draft, eventually

ON_PATH = re.compile(r"\bedge-path\b")

# Record what the page plays and says: the tones' frequencies and the prompts.
LISTEN = """
window.__tones = [];
window.__spoken = [];
const Ctx = window.AudioContext;
if (Ctx) {
  const create = Ctx.prototype.createOscillator;
  Ctx.prototype.createOscillator = function () {
    const osc = create.call(this);
    const start = osc.start.bind(osc);
    osc.start = (when) => { window.__tones.push(osc.frequency.value); return start(when); };
    return osc;
  };
}
if (window.speechSynthesis) {
  window.speechSynthesis.speak = (u) => window.__spoken.push(u.text);
}
"""


def test_keypad_call_lights_the_path_and_shows_the_outcome(page: Any, api: httpx.Client) -> None:
    page.add_init_script(LISTEN)
    flow_id = create_flow(api, example("support_line"))
    open_editor(page, flow_id)
    page.get_by_role("tab", name="Test").click()
    panel = page.get_by_test_id("test-panel")
    screenshot(page, "test-call-start")
    page.get_by_test_id("test-start").click()

    expect(page.get_by_test_id("call-state")).to_have_text("Waiting for your keys")
    expect(page.get_by_test_id("test-prompt")).to_contain_text("For sales, press 1")
    expect(panel.get_by_test_id("transcript")).to_contain_text("Thank you for calling Acme Telecom")
    # The engine's trace, streamed over the websocket, lights the menu up.
    expect(node(page, "main")).to_have_attribute("data-overlay", "active")
    expect(node(page, "welcome")).to_have_attribute("data-overlay", "visited")
    expect(edge(page, "welcome", "next")).to_have_class(ON_PATH)
    if page.evaluate("Boolean(window.speechSynthesis)"):
        spoken = page.evaluate("window.__spoken")
        assert any("For sales, press 1" in text for text in spoken), spoken

    # Digits typed while the keypad has focus press its keys.
    expect(page.get_by_test_id("keypad")).to_be_focused()
    page.keyboard.press("1")
    expect(node(page, "sales")).to_have_attribute("data-overlay", "active")
    expect(node(page, "main")).to_have_attribute("data-overlay", "visited")
    expect(edge(page, "main", "1")).to_have_class(ON_PATH)
    expect(page.get_by_test_id("test-outcome")).to_have_text("Ringing +46700000001 (sales)…")
    tones = page.evaluate("window.__tones")
    assert sorted(tones[:2]) == [697, 1209], tones  # the DTMF pair of "1"

    page.get_by_test_id("callee-answer").click()
    expect(page.get_by_test_id("call-state")).to_have_text("Connected")
    expect(page.get_by_test_id("test-outcome")).to_have_text("Connected to +46700000001 (sales)")
    screenshot(page, "test-call-connected")

    page.get_by_test_id("test-hangup").click()
    expect(page.get_by_test_id("call-state")).to_have_text("Call ended")
    expect(page.get_by_test_id("test-outcome")).to_contain_text(
        "Connected to +46700000001 (sales), "
    )
    expect(panel.get_by_test_id("transcript")).to_contain_text("call ended: CALLERHANGUP")
    # Once ended, the path stays drawn but nothing is active.
    expect(node(page, "sales")).to_have_attribute("data-overlay", "last")

    calls = api.get(f"/api/calls?flow={flow_id}&simulated=true").json()["items"]
    assert [c["result"] for c in calls] == ["connected"]


def test_test_call_saves_pending_edits_and_handles_silence(page: Any, api: httpx.Client) -> None:
    flow_id = create_flow(api, example("support_line"))
    open_editor(page, flow_id)
    node(page, "welcome").click()
    page.locator('[data-inspector-node="welcome"] textarea').first.fill("Edited welcome.")
    # No wait for the autosave: calling saves first.
    page.get_by_role("tab", name="Test").click()
    page.get_by_test_id("test-start").click()
    expect(page.get_by_test_id("transcript")).to_contain_text("Edited welcome.")
    wait_saved(page)
    assert eventually(
        lambda: any(
            n.get("data", {}).get("text") == "Edited welcome." for n in draft(api, flow_id)["nodes"]
        )
    )

    # Silence three times: the menu gives up and the flow says goodbye.
    for _ in range(3):
        page.get_by_test_id("test-silence").click()
        page.wait_for_timeout(150)
    expect(page.get_by_test_id("call-state")).to_have_text("Call ended")
    expect(page.get_by_test_id("test-outcome")).to_have_text(
        re.compile(r"^The flow hung up at hangup, \d+ s$")
    )
    expect(node(page, "goodbye")).to_have_attribute("data-overlay", "visited")
    expect(edge(page, "main", "timeout")).to_have_class(ON_PATH)
    screenshot(page, "test-call-ended")
    page.get_by_test_id("test-again").click()
    expect(page.get_by_test_id("test-start")).to_be_visible()
    expect(page.locator("[data-overlay]")).to_have_count(0)
