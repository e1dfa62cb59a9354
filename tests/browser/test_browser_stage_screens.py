"""The message on every screen (shown, blinking, hidden; text shown literally, never run), the blackout (black on
viewer screens, dimmed with a badge on a controller's), the presenter view (?view=stage), and all of it from disk.

Against the real server; the viewer and controller tests use the one with a control token.
"""

from __future__ import annotations

import json
import time
from typing import Any

XSS_TEXT = '<img src=x onerror="window.pwned = 1"> <script>window.pwned = 2</script> & "quotes" </p>'

# What a screen shows of the message and the blackout, read the way the user sees it.
READ_SCREEN = """() => {
    const message = document.getElementById("message");
    const clock = document.getElementById("clock");
    return {
        message: message.checkVisibility() ? message.textContent : null,
        messageChildren: message.children.length,
        blink: document.body.hasAttribute("data-message-blink"),
        clock: clock.checkVisibility({ visibilityProperty: true }),
        clockOpacity: Number(getComputedStyle(clock).opacity),
        blackout: document.body.dataset.blackout ?? null,
        badge: document.getElementById("blackout-badge").checkVisibility(),
        background: getComputedStyle(document.body).backgroundColor,
        header: document.querySelector("header").checkVisibility({ visibilityProperty: true }),
        pwned: window.pwned ?? null,
    };
}"""

BLACK = "rgb(0, 0, 0)"


def screen(tab: Any) -> dict[str, Any]:
    result: dict[str, Any] = tab.page.evaluate(READ_SCREEN)
    return result


def show_message(tab: Any, text: str) -> None:
    """Type a message into the box and press Show message, as a controller does."""
    tab.page.fill("#message-text", text)
    tab.page.click("#message-show")


def wait_message(tab: Any, text: str | None) -> None:
    """Until the screen shows `text` as its message (None: no message shown)."""
    expected = json.dumps(text)
    tab.wait(
        f"""(() => {{ const node = document.getElementById("message");
                     return (node.checkVisibility() ? node.textContent : null) === {expected}; }})()"""
    )


def test_the_message_shows_blinks_and_hides_on_every_screen(
    timer_server: Any, open_page: Any, timer_name: str, page: Any, page_problems: list[str]
) -> None:
    first = open_page(timer_server.page_url(timer=timer_name))
    second = open_page(timer_server.page_url(timer=timer_name), page=page.context.new_page())
    stage = open_page(timer_server.page_url(timer=timer_name, view="stage"), page=page.context.new_page())
    tabs = (first, second, stage)
    for tab in tabs:
        tab.wait_connected()
        assert screen(tab)["message"] is None
    second.page.evaluate(
        """() => { window.announced = [];
                   const node = document.getElementById("announcer");
                   new MutationObserver(() => { if (node.textContent) window.announced.push(node.textContent); })
                       .observe(node, { childList: true, characterData: true, subtree: true }); }"""
    )

    show_message(first, "Wrap up, please")
    for tab in tabs:
        wait_message(tab, "Wrap up, please")
        assert tab.body("message") == "shown"
    assert second.page.input_value("#message-text") == "Wrap up, please"  # the other controller's box follows
    second.wait("window.announced.some((text) => text.includes('Message: Wrap up, please'))")
    assert not first.page.is_disabled("#message-hide")

    second.page.click("#message-blink")  # any controller may change it
    for tab in tabs:
        tab.wait("document.body.hasAttribute('data-message-blink')")
    assert first.page.get_attribute("#message-blink", "aria-pressed") == "true"
    animation = "getComputedStyle(document.getElementById('message')).animationName"
    assert first.page.evaluate(animation) == "message-blink"
    highlight = "getComputedStyle(document.getElementById('message')).backgroundColor"
    stage.page.emulate_media(reduced_motion="reduce")  # no flashing: a steady highlight instead
    assert stage.page.evaluate(animation) == "none"
    assert stage.page.evaluate(highlight) not in ("rgba(0, 0, 0, 0)", BLACK)

    first.page.click("#message-blink")
    first.wait("!document.body.hasAttribute('data-message-blink')")
    first.page.click("#message-hide")
    for tab in tabs:
        wait_message(tab, None)
        assert tab.body("message") == "hidden"
    assert first.page.input_value("#message-text") == "Wrap up, please"  # kept, ready to show again
    assert first.page.is_disabled("#message-hide")
    second.wait("window.announced.some((text) => text.includes('Message hidden.'))")

    first.page.fill("#message-text", "   ")
    first.page.click("#message-show")  # nothing to show: said, not sent
    first.page.locator("#toast").filter(has_text="Type a message first").wait_for(state="visible")
    assert screen(first)["message"] is None
    assert page_problems == []


def test_the_message_is_text_never_markup(
    token_server: Any, open_page: Any, timer_name: str, page: Any, page_problems: list[str]
) -> None:
    controller = open_page(token_server.page_url(timer=timer_name, token=token_server.control_token))
    viewer = open_page(token_server.page_url(timer=timer_name), page=page.context.new_page())
    stage = open_page(token_server.page_url(timer=timer_name, view="stage"), page=page.context.new_page())
    requested: list[str] = []
    for tab in (controller, viewer, stage):
        tab.page.on("request", lambda request: requested.append(request.url))
        tab.wait_connected()

    show_message(controller, XSS_TEXT)
    for tab in (controller, viewer, stage):
        wait_message(tab, XSS_TEXT)  # every character as typed
        shown = screen(tab)
        assert shown["messageChildren"] == 0  # no <img>, no <script>: one text node
        assert shown["pwned"] is None
        assert tab.page.evaluate("document.querySelectorAll('img').length") == 0
    # A line break sent by another client (a script, the widget) is kept, and markup in it is text all the same.
    two_lines = "Break: 15 minutes\n<b>Coffee</b> in the hall"
    controller.page.evaluate(f"TornadoTimer.app.send({{ type: 'message', text: {json.dumps(two_lines)} }})")
    for tab in (viewer, stage):
        wait_message(tab, two_lines)
        assert tab.page.evaluate("document.getElementById('message').innerText") == two_lines
        assert screen(tab)["messageChildren"] == 0
    time.sleep(0.3)
    assert not [url for url in requested if url.rstrip("/").endswith("/x")]  # the <img src=x> was never loaded
    assert all(tab.page.evaluate("window.pwned ?? null") is None for tab in (controller, viewer, stage))
    assert page_problems == []


def test_blackout_blacks_out_viewers_while_the_controller_can_still_work(
    token_server: Any, open_page: Any, timer_name: str, page: Any
) -> None:
    controller = open_page(token_server.page_url(timer=timer_name, token=token_server.control_token))
    viewer = open_page(token_server.page_url(timer=timer_name), page=page.context.new_page())
    stage = open_page(token_server.page_url(timer=timer_name, view="stage"), page=page.context.new_page())
    for tab in (controller, viewer, stage):
        tab.wait_connected()
    controller.page.click("#start")
    show_message(controller, "Back in five")
    wait_message(viewer, "Back in five")
    assert viewer.page.evaluate("TornadoTimer.app.role") == "viewer"
    assert viewer.page.is_disabled("#message-blackout")  # a viewer cannot black anything out

    controller.page.click("#message-blackout")
    for tab in (viewer, stage):
        tab.wait("document.body.dataset.blackout === 'screen'")
        shown = screen(tab)
        # A black screen: the digits and the message are gone, and so is everything else.
        assert not shown["clock"] and not shown["header"] and shown["background"] == BLACK
        assert not tab.page.locator("#message").is_visible()
        assert not shown["badge"]
        assert tab.page.text_content("#blackout-note") == "The screen is blacked out."  # for screen readers
    controller.wait("document.body.dataset.blackout === 'controller'")
    shown = screen(controller)
    assert shown["badge"] and shown["clock"] and shown["header"]  # the operator still sees everything
    assert shown["clockOpacity"] < 0.5  # dimmed: what the room sees is not this
    assert "Blacked out" in controller.page.text_content("#blackout-badge")
    assert controller.page.get_attribute("#message-blackout", "aria-pressed") == "true"

    # The controller keeps working: a pause reaches the blacked-out screens, which stay black.
    controller.page.click("#pause")
    for tab in (viewer, stage):
        tab.wait_status("paused")
        assert screen(tab)["blackout"] == "screen"

    controller.page.click("#message-blackout")
    for tab in (viewer, stage, controller):
        tab.wait("document.body.dataset.blackout === undefined")
        shown = screen(tab)
        assert shown["clock"] and shown["clockOpacity"] == 1 and shown["message"] == "Back in five"
        assert not shown["badge"]
    assert screen(viewer)["background"] != BLACK  # (a stage view is black anyway: that is its normal look)


def test_the_stage_view_shows_digits_phase_and_message_only(
    token_server: Any, open_page: Any, timer_name: str, page: Any, page_problems: list[str]
) -> None:
    controller = open_page(token_server.page_url(timer=timer_name, token=token_server.control_token))
    controller.wait_connected()
    controller.open_share()
    stage_link = controller.page.text_content("#share-stage-url")
    assert stage_link == token_server.page_url(timer=timer_name) + "&view=stage"  # view-only: no token in it
    controller.page.keyboard.press("Escape")

    stage = open_page(stage_link, page=page.context.new_page())
    stage.wait_connected()
    layout = stage.page.evaluate(
        """() => {
            const seen = (selector) => [...document.querySelectorAll(selector)].some((node) => node.checkVisibility());
            return { chrome: ["header", "footer", "#share-toggle", ".controls", ".setters", "#message-form",
                              "#problem", "#degraded"].filter(seen),
                     cursor: [document.body, document.getElementById("clock"), document.querySelector("main")]
                         .map((node) => getComputedStyle(node).cursor),
                     clock: document.getElementById("clock").checkVisibility(),
                     focusable: [...document.querySelectorAll("button, input, summary, a[href]")]
                         .filter((node) => node.checkVisibility()).length };
        }"""
    )
    # No controls, no bar, no footer, not even the viewer's "view only" note: a projector shows the time.
    assert layout == {"chrome": [], "cursor": ["none", "none", "none"], "clock": True, "focusable": 0}

    # A countdown in its warning phase at once (2:00 left, warning at 3:00), with a message.
    controller.page.evaluate(
        """TornadoTimer.app.send({ type: "set", mode: "countdown", duration_ms: 120000, interval_ms: 1000,
                                   warning_ms: 180000, danger_ms: 30000 })"""
    )
    controller.wait("document.body.dataset.mode === 'countdown'")
    controller.page.click("#start")
    show_message(controller, "Questions after the talk")
    stage.wait_status("running")
    wait_message(stage, "Questions after the talk")
    assert stage.body("phase") == "warning"
    assert stage.page.text_content("#phase-text") == "Warning"
    assert stage.page.is_visible("#phase")
    assert stage.page.evaluate("getComputedStyle(document.body).backgroundColor") != BLACK  # the warning's tint

    # Keys do nothing on a stage view: it has no controls.
    version = token_server.snapshot(timer_name)["version"]
    for key in (" ", "r", "-", "+"):
        stage.page.keyboard.press(key)
    time.sleep(0.4)
    assert token_server.snapshot(timer_name)["version"] == version
    assert stage.status == "running"
    assert page_problems == []


def test_the_stage_view_reconnects_and_marks_a_stale_time(start_timer_server: Any, open_page: Any) -> None:
    server = start_timer_server("--interval", "0.1")
    stage = open_page(server.page_url(view="stage"), settings={"backoffBaseMs": 100, "backoffCapMs": 300})
    stage.wait_connected()
    assert stage.status == "running"
    server.stop()
    stage.wait_connection("reconnecting", timeout=10000)
    assert stage.body("stale") is not None
    assert stage.page.is_visible("#stale-note")  # said on the stage too, though its bar is gone
    assert float(stage.page.evaluate("getComputedStyle(document.getElementById('clock')).opacity")) < 0.5
    server.start("--interval", "0.1")
    stage.wait_connected(timeout=10000)
    assert stage.body("stale") is None and not stage.page.is_visible("#stale-note")


def test_everything_works_from_disk(
    timer_server: Any, open_page: Any, file_url: Any, timer_name: str, page: Any, page_problems: list[str]
) -> None:
    tab = open_page(file_url(server=timer_server.ws_address, timer=timer_name))  # Origin: null
    tab.wait_connected()
    stage = open_page(
        file_url(server=timer_server.ws_address, timer=timer_name, view="stage"), page=page.context.new_page()
    )
    stage.wait_connected()

    tab.page.fill("#minutes", "0")
    tab.page.fill("#seconds", "1")
    tab.page.click("#countdown-options summary")
    tab.page.check("#overtime")
    tab.page.click("#set-countdown button[type=submit]")
    tab.wait("TornadoTimer.app.timer.overtime === true")
    tab.page.click("#start")
    stage.wait("/^\\+00:0\\d\\.\\d$/.test(document.getElementById('clock').textContent)", timeout=10000)
    assert stage.body("phase") == "overtime" and stage.page.text_content("#phase-text") == "Overtime"

    tab.page.evaluate("document.activeElement.blur()")
    tab.page.keyboard.press("+")
    tab.wait("TornadoTimer.app.timer.adjusted_ms === 60000")
    stage.wait("document.body.dataset.phase === 'normal'")  # a minute more: out of overtime again

    show_message(tab, "From disk")
    wait_message(stage, "From disk")
    tab.page.click("#sound")  # localStorage from a file:// page: works, or fails quietly
    assert tab.body("sound") == "on"
    tab.open_share()
    assert (
        tab.page.text_content("#share-stage-url") == f"http://127.0.0.1:{timer_server.port}/?timer={timer_name}"
        "&view=stage"
    )  # a page from disk shares the server's own page
    assert page_problems == []
