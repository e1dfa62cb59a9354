"""Roles and sharing (viewers, controllers, the Share panel, a wrong token) and a degraded server."""

from __future__ import annotations

import json
import time
from typing import Any

# Records every text about the server the aria-live region is given, in window.announced.
RECORD_ANNOUNCEMENTS = """() => {
    window.announced = [];
    const node = document.getElementById("announcer");
    // Things said within one moment are said together ("Reconnected. Server back to normal: ..." when a busy
    // browser runs the first timer late): record each sentence about the server wherever it stands.
    const said = new RegExp(["Server degraded: commands are paused\\\\. The timer keeps running\\\\.",
                             "Server back to normal: commands work again\\\\."].join("|"), "g");
    new MutationObserver(() => { for (const text of node.textContent.match(said) || []) window.announced.push(text); })
        .observe(node, { childList: true, characterData: true, subtree: true });
}"""

# Chromium's clipboard is absent outside secure contexts (a page from http://192.168.x.y); so it is here.
NO_CLIPBOARD = "Object.defineProperty(Navigator.prototype, 'clipboard', { get: () => undefined });"


def test_viewer_controls_disabled_and_only_the_view_only_link(
    token_server: Any, open_page: Any, timer_name: str, page: Any, page_problems: list[str]
) -> None:
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=token_server.http_url[:-1])
    tab = open_page(token_server.page_url(timer=timer_name))
    tab.wait_connected()
    assert tab.page.evaluate("TornadoTimer.app.role") == "viewer"
    assert all(tab.disabled().values())
    assert tab.page.is_disabled("#set-countdown button[type=submit]")

    toggle = tab.page.get_by_role("button", name="Share", exact=True)
    assert toggle.get_attribute("aria-expanded") == "false"
    tab.open_share()  # with the keyboard
    assert toggle.get_attribute("aria-expanded") == "true"
    share = tab.share()
    assert share["view"] == token_server.page_url(timer=timer_name)  # the page's own address, without a token
    assert share["viewLabel"] == "View-only link"
    assert share["control"] is None and not share["warning"]
    assert share["loopback"] is not None  # 127.0.0.1: only this computer can open it, and the panel says so

    assert tab.page.get_by_role("button", name="Copy view-only link").count() == 1
    tab.page.keyboard.press("Tab")  # the panel follows its button in the tab order
    assert tab.page.evaluate("document.activeElement.dataset.copy") == "share-view-url"
    tab.page.keyboard.press("Enter")  # "Copy view-only link", by keyboard
    tab.page.locator("#share-copy-status").filter(has_text="Link copied.").wait_for()
    assert tab.page.evaluate("navigator.clipboard.readText()") == share["view"]
    tab.wait("document.getElementById('announcer').textContent === 'Link copied.'")  # for screen readers too

    tab.page.keyboard.press("Escape")  # closes the panel, and the focus goes back to its button
    assert not tab.page.is_visible("#share-panel")
    assert tab.page.evaluate("document.activeElement.id") == "share-toggle"
    assert toggle.get_attribute("aria-expanded") == "false"

    tab.page.evaluate("TornadoTimer.app.send({type: 'pause'})")  # what a viewer's command gets: in words
    tab.page.locator("#toast").filter(has_text="View only: this page may not control the timer").wait_for()
    assert page_problems == []


def test_controller_shares_both_links_and_the_control_link_controls(
    token_server: Any, open_page: Any, timer_name: str, page: Any
) -> None:
    token = token_server.control_token
    page.add_init_script(NO_CLIPBOARD)
    controller = open_page(token_server.page_url(timer=timer_name, token=token))
    controller.wait_connected()
    assert controller.page.evaluate("TornadoTimer.app.role") == "controller"
    controller.page.click("#start")
    controller.wait_status("running")

    controller.open_share()
    share = controller.share()
    assert share["view"] == token_server.page_url(timer=timer_name)
    assert share["control"] == token_server.page_url(timer=timer_name, token=token)
    assert share["viewLabel"] == "View-only link"
    assert share["warning"]  # "Anyone with the control link can control this timer..."
    # The control link is the only place the token appears: not in the footer, the title or any attribute.
    html = controller.page.evaluate("document.documentElement.outerHTML")
    assert html.count(token) == 1
    assert token not in controller.page.title()

    # Without a clipboard (an http page on a LAN address), Copy selects the link for Ctrl+C.
    controller.page.get_by_role("button", name="Copy control link").click()
    controller.page.locator("#share-copy-status").filter(has_text="press Ctrl+C").wait_for()
    assert controller.page.evaluate("String(window.getSelection())") == share["control"]

    # The control link, opened in another tab, controls the timer; the view-only link only watches.
    other = open_page(share["control"], page=page.context.new_page())
    other.wait_connected()
    assert other.page.evaluate("TornadoTimer.app.role") == "controller"
    other.page.click("#pause")
    for tab in (other, controller):
        tab.wait_status("paused", timeout=3000)
    assert token_server.snapshot(timer_name)["status"] == "paused"
    watcher = open_page(share["view"], page=page.context.new_page())
    watcher.wait_connected()
    assert watcher.page.evaluate("TornadoTimer.app.role") == "viewer"
    assert watcher.status == "paused"


def test_without_a_control_token_the_link_says_it_controls(timer_server: Any, open_page: Any, timer_name: str) -> None:
    tab = open_page(timer_server.page_url(timer=timer_name))  # loopback, no token: everyone controls
    tab.wait_connected()
    tab.open_share()
    share = tab.share()
    assert share["view"] == timer_server.page_url(timer=timer_name)
    assert share["viewLabel"] == "Link to this timer"  # not "view-only": it isn't
    assert "anyone who opens this link can control the timer" in share["viewNote"]
    assert share["control"] is None


def test_a_wrong_token_gives_a_clear_message(
    token_server: Any, open_page: Any, file_url: Any, page_problems: list[str]
) -> None:
    # Served by the server itself: the page can read why it was refused.
    tab = open_page(token_server.page_url(token="WRONG-TOKEN"))
    problem = tab.page.locator("#problem")
    problem.filter(has_text="refused this page's control token").wait_for(timeout=5000)
    assert "remove ?token= from the address to watch" in problem.text_content()
    assert tab.connection != "connected"

    # Opened from disk (another origin): the server answered but the page may not read why; it says what's likely.
    tab = open_page(file_url(server=token_server.ws_address, token="WRONG-TOKEN"))
    problem.filter(has_text="most likely this page's control token is wrong").wait_for(timeout=5000)
    # Chromium logs each refused handshake and the 403 it got on the console; the page itself must not throw.
    assert [p for p in page_problems if not p.startswith("console error:")] == []


def test_degraded_server_pauses_commands_and_says_so(timer_server: Any, open_page: Any, timer_name: str) -> None:
    tab = open_page(timer_server.page_url(timer=timer_name))
    tab.wait_connected()
    tab.page.click("#start")
    tab.wait_status("running")
    # What the page says about starting goes out first (announcements made close together are said as one).
    tab.wait("document.getElementById('announcer').textContent.includes('Running.')")
    tab.page.evaluate(RECORD_ANNOUNCEMENTS)

    # A real server can't easily be made degraded here (that takes Redis going away): the app's seam hands the page
    # the message as if it had come over the socket.
    words = "the timer store (Redis) is unreachable; commands are refused until it is back"
    degraded = json.dumps({"type": "server", "degraded": True, "message": words})
    tab.page.evaluate(f"TornadoTimer.app.handleMessage({degraded})")
    notice = tab.page.locator("#degraded")
    notice.wait_for(state="visible")
    assert "Server degraded: commands are paused." in notice.text_content()
    assert f"The server says: {words}." in notice.text_content()
    assert tab.body("degraded") is not None
    assert all(tab.disabled().values())
    assert tab.page.is_disabled("#set-countdown button[type=submit]")
    version = timer_server.snapshot(timer_name)["version"]
    tab.page.keyboard.press(" ")  # the shortcut presses a disabled button: nothing is sent
    tab.page.evaluate(f"TornadoTimer.app.handleMessage({degraded})")  # said again: not announced again

    # Ticks keep coming and the digits keep moving.
    first = tab.clock_text()
    tab.wait(f"document.getElementById('clock').textContent !== {first!r}", timeout=2000)
    tab.wait("window.announced.length >= 1")
    time.sleep(0.2)
    assert tab.page.evaluate("window.announced") == ["Server degraded: commands are paused. The timer keeps running."]
    assert timer_server.snapshot(timer_name)["version"] == version
    assert tab.status == "running"

    # The errors a degraded or busy server sends, in words.
    for code, expected in [("unavailable", "cannot reach its shared timer store"), ("rate_limited", "Too many")]:
        error = json.dumps({"type": "error", "code": code, "message": "x", "id": None})
        tab.page.evaluate(f"TornadoTimer.app.handleMessage({error})")
        tab.page.locator("#toast").filter(has_text=expected).wait_for()

    recovered = json.dumps({"type": "server", "degraded": False, "message": "the timer store is reachable again"})
    tab.page.evaluate(f"TornadoTimer.app.handleMessage({recovered})")
    notice.wait_for(state="hidden")
    assert tab.body("degraded") is None
    assert tab.disabled() == {"start": True, "pause": False, "reset": False, "stopwatch": False}
    tab.wait("window.announced.length === 2")
    assert tab.page.evaluate("window.announced[1]") == "Server back to normal: commands work again."
    tab.page.click("#pause")  # commands work again
    tab.wait_status("paused", timeout=3000)


def test_a_new_connection_starts_undegraded(start_timer_server: Any, open_page: Any) -> None:
    """A degraded server says so after each connection's first state; one that doesn't is not degraded (any more)."""
    server = start_timer_server("--interval", "0.1")
    tab = open_page(server.page_url(), settings={"backoffBaseMs": 100, "backoffCapMs": 200})
    tab.wait_connected()
    tab.page.evaluate(RECORD_ANNOUNCEMENTS)
    tab.page.evaluate("TornadoTimer.app.handleMessage({type: 'server', degraded: true, message: 'no store'})")
    tab.page.locator("#degraded").wait_for(state="visible")

    server.stop()
    tab.wait_connection("reconnecting", timeout=3000)
    server.start()
    tab.wait_connected(timeout=5000)
    assert not tab.page.is_visible("#degraded")
    assert tab.disabled()["pause"] is False
    tab.wait("window.announced.length === 2", timeout=3000)
    assert tab.page.evaluate("window.announced[1]") == "Server back to normal: commands work again."
