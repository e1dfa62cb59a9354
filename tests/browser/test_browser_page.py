"""The page on its own: it loads cleanly and ticks, its controls and keys, errors shown, the pure helpers."""

from __future__ import annotations

import time
from typing import Any


def test_loads_without_errors_and_ticks(timer_server: Any, open_page: Any, page_problems: list[str]) -> None:
    tab = open_page(timer_server.page_url())  # the default timer, running since the server started
    tab.wait_connected()
    assert tab.status == "running"
    first = tab.clock_text()
    tab.wait(f"document.getElementById('clock').textContent !== {first!r}", timeout=3000)
    before = tab.reading()["elapsed"]
    time.sleep(0.3)
    assert tab.reading()["elapsed"] > before
    assert tab.page.title().startswith(tab.clock_text()[:5])  # the time is in the tab's title
    assert tab.page.text_content("#server-url") == timer_server.ws_address + "/ws"
    tab.wait("TornadoTimer.app.clock.samples >= 3", timeout=3000)  # the clock sync ran; its numbers are shown
    assert tab.page.text_content("#rtt").endswith(" ms")
    assert page_problems == []


def test_buttons_enable_only_what_makes_sense(timer_server: Any, open_page: Any, timer_name: str) -> None:
    tab = open_page(timer_server.page_url(timer=timer_name))
    tab.wait_connected()
    assert tab.status == "idle"
    assert tab.disabled() == {"start": False, "pause": True, "reset": True, "stopwatch": True}

    tab.page.click("#start")
    tab.wait_status("running")
    assert tab.disabled() == {"start": True, "pause": False, "reset": False, "stopwatch": False}
    assert tab.page.text_content("#pause") == "Pause"

    tab.page.click("#pause")
    tab.wait_status("paused")
    assert tab.disabled() == {"start": True, "pause": False, "reset": False, "stopwatch": False}
    assert tab.page.text_content("#pause") == "Resume"

    tab.page.click("#pause")
    tab.wait_status("running")
    tab.page.click("#reset")
    tab.wait_status("idle")
    assert tab.disabled()["reset"] is True


def test_keyboard_shortcuts(timer_server: Any, open_page: Any, timer_name: str) -> None:
    tab = open_page(timer_server.page_url(timer=timer_name))
    tab.wait_connected()
    keyboard = tab.page.keyboard

    keyboard.press(" ")  # nothing focused: Space starts
    tab.wait_status("running")
    keyboard.press(" ")
    tab.wait_status("paused")
    keyboard.press(" ")
    tab.wait_status("running")
    keyboard.press("r")
    tab.wait_status("idle")

    # Typing in an input is typing, not shortcuts.
    version = timer_server.snapshot(timer_name)["version"]
    tab.page.fill("#minutes", "")
    tab.page.focus("#minutes")
    keyboard.type("1 r2")
    tab.page.focus("#seconds")
    keyboard.press(" ")
    keyboard.press("r")
    time.sleep(0.4)  # would be ample time for a command to come back
    assert tab.status == "idle"
    assert timer_server.snapshot(timer_name)["version"] == version

    # Space on a focused button presses that button once (the shortcut does not act a second time), and
    # the focus moves on from a button that becomes disabled to the one a keyboard user wants next.
    tab.page.focus("#start")
    keyboard.press(" ")
    tab.wait_status("running")
    time.sleep(0.3)
    assert timer_server.snapshot(timer_name)["version"] == version + 1
    assert tab.page.evaluate("document.activeElement.id") == "pause"
    keyboard.press("Enter")
    tab.wait_status("paused")


def test_server_errors_are_shown(timer_server: Any, open_page: Any, timer_name: str) -> None:
    tab = open_page(timer_server.page_url(timer=timer_name))
    tab.wait_connected()
    # Longer than the server allows (100 hours): the page lets the server judge, and shows its answer.
    tab.page.fill("#minutes", "7000")
    tab.page.fill("#seconds", "0")
    tab.page.click("#set-countdown button[type=submit]")
    toast = tab.page.locator("#toast")
    toast.filter(has_text="The server said:").wait_for(state="visible", timeout=3000)
    assert tab.status == "idle"

    tab.page.evaluate("TornadoTimer.app.send({type: 'pause'})")  # not allowed while idle
    tab.page.wait_for_function("document.getElementById('toast').textContent.includes('pause')", timeout=3000)

    tab.page.fill("#minutes", "0")
    tab.page.click("#set-countdown button[type=submit]")  # caught on the page, never sent
    toast.filter(has_text="above zero").wait_for(state="visible", timeout=3000)


def test_pure_helpers(timer_server: Any, open_page: Any, timer_name: str) -> None:
    tab = open_page(timer_server.page_url(timer=timer_name))
    results = tab.page.evaluate(
        """() => {
        const { format, clock, address, connection } = TornadoTimer;
        const f = format.formatClock;
        const sync = new clock.ClockSync({ keep: 8, best: 3 });
        // RTTs 10, 2, 50, 4, 3 ms; the three shortest have offsets 100, 101, 99 -> median 100.
        [[0, 110, 10], [0, 101, 2], [0, 300, 50], [0, 103, 4], [0, 100.5, 3]]
            .forEach(([t0, serverTime, t3]) => sync.addSample(t0, serverTime, t3));
        const ticks = new clock.Monotonic();
        return {
            clocks: [
                f(0), f(999), f(1000), f(61000), f(3599999), f(2500, { roundUp: true }),
                f(1, { roundUp: true }), f(0, { roundUp: true }), f(3000, { roundUp: true }),
                f(2950, { tenths: true, roundUp: true }), f(59999, { tenths: true }),
                f(3723000, { hours: true }), f(360000000, { hours: true }), f(-5),
            ],
            options: format.clockOptions({ mode: "countdown", duration_ms: 5400000, interval_ms: 100 }),
            measure: clock.measure(1000, 1500, 1010),
            sync: { offset: sync.offset, rtt: sync.rtt },
            elapsed: [
                clock.elapsedAt({ status: "running", mode: "countdown", started_at: 1000, duration_ms: 500 }, 2000),
                clock.elapsedAt({ status: "running", mode: "stopwatch", started_at: 1000 }, 1250),
                clock.elapsedAt({ status: "paused", mode: "stopwatch", started_at: 1000, elapsed_ms: 7 }, 9999),
            ],
            monotonic: [ticks.next(5), ticks.next(4.9), ticks.next(6)],
            backoff: [0, 1, 2, 10, 50].map((attempt) => [0, 0.999].map(
                (r) => connection.backoffDelay(attempt, { baseMs: 500, capMs: 15000, random: () => r }))),
            addresses: [
                "http://example.org:8080/", "https://example.org/?timer=talk-1",
                "file:///home/me/static/index.html", "file:///x/index.html?server=wss://t.example:9000&timer=a",
                "http://h/?server=ws://127.0.0.1:1234/", "http://h/?server=nonsense", "http://h/?server=http://h:1",
                "http://h/?server=ws://h:1/ws", "https://h/?server=ws://h:1", "http://h/?timer=no spaces",
                "http://h/?server=ws://h:99999", "http://h:1/?timer=t&token=a b&c",
            ].map((href) => address.socketAddress(href)),
            prefixed: [
                "https://hub.example/user/ann/proxy/8080/", "http://127.0.0.1:8888/proxy/41234/?timer=talk",
                "https://example.org/timer/", "https://example.org/timer/index.html?timer=a",
                "https://example.org/timer", "file:///x/index.html?server=wss://example.org/timer/&timer=a",
                "http://h/?server=ws://h:1/proxy/9/", "http://h/?server=ws://h:1/timer/ws",
                "http://h/?server=ws://h:1/x?y=1",
            ].map((href) => address.socketAddress(href)),
            prefixedShares: [
                "https://hub.example/user/ann/proxy/8080/?timer=t&token=k",
                "file:///x/index.html?server=wss://example.org/timer/&timer=a",
                "https://example.org/timer/?server=wss://other.example/t/",
            ].map((href) => address.shareLinks(href)),
            shares: [
                "http://h:1/?timer=t&token=a b&c", "http://h:1/",
                "file:///x/index.html?server=wss://t.example:9000&timer=a&token=k",
                "file:///home/me/static/index.html",
                "https://example.org/timers/?server=wss://other.example&token=k#top", "http://h/?server=nonsense",
            ].map((href) => address.shareLinks(href)),
        };
    }"""
    )
    assert results["clocks"] == [
        "00:00", "00:00", "00:01", "01:01", "59:59", "00:03", "00:01", "00:00", "00:03", "00:03.0", "00:59.9",
        "01:02:03", "100:00:00", "00:00",
    ]  # fmt: skip
    assert results["options"] == {"tenths": True, "hours": True, "roundUp": True}
    assert results["measure"] == {"offset": 495, "rtt": 10}
    assert results["sync"]["rtt"] == 2
    assert abs(results["sync"]["offset"] - 100) < 1e-9
    assert results["elapsed"] == [500, 250, 7]
    assert results["monotonic"] == [5, 5, 6]
    for delays, ceiling in zip(results["backoff"], [500, 1000, 2000, 15000, 15000], strict=True):
        assert ceiling / 2 <= delays[0] <= delays[1] <= ceiling  # jittered between half and all of it, capped
    urls = [a.get("url") for a in results["addresses"]]
    assert urls[:5] == [
        "ws://example.org:8080/ws", "wss://example.org/ws/talk-1", "ws://localhost:8080/ws",
        "wss://t.example:9000/ws/a", "ws://127.0.0.1:1234/ws",
    ]  # fmt: skip
    with_token = results["addresses"][-1]
    assert with_token["url"] == "ws://h:1/ws/t?token=a%20b"  # passed on, encoded; "&c" is another parameter
    assert with_token["shownUrl"] == "ws://h:1/ws/t"
    assert results["shares"] == [
        {"view": "http://h:1/?timer=t", "control": "http://h:1/?timer=t&token=a%20b", "loopback": False},
        {"view": "http://h:1/", "control": None, "loopback": False},
        # From disk: the server's own page, which another device can open.
        {"view": "https://t.example:9000/?timer=a", "control": "https://t.example:9000/?timer=a&token=k",
         "loopback": False},
        {"view": "http://localhost:8080/", "control": None, "loopback": True},
        {"view": "https://example.org/timers/?server=wss://other.example",
         "control": "https://example.org/timers/?server=wss://other.example&token=k", "loopback": False},
        None,
    ]  # fmt: skip
    # Under a proxy's path (Jupyter's /proxy/PORT/, a reverse proxy's /timer/) the socket is under it too.
    assert [a.get("url") for a in results["prefixed"][:7]] == [
        "wss://hub.example/user/ann/proxy/8080/ws", "ws://127.0.0.1:8888/proxy/41234/ws/talk",
        "wss://example.org/timer/ws", "wss://example.org/timer/ws/a",
        "wss://example.org/ws",  # no trailing slash: not a folder (the proxies redirect to the slash)
        "wss://example.org/timer/ws/a", "ws://h:1/proxy/9/ws",
    ]  # fmt: skip
    assert results["prefixed"][0]["server"] == "wss://hub.example/user/ann/proxy/8080"
    assert "the page adds /ws" in results["prefixed"][7]["error"]
    assert "the page adds /ws" in results["prefixed"][8]["error"]
    assert results["prefixedShares"] == [
        {"view": "https://hub.example/user/ann/proxy/8080/?timer=t",
         "control": "https://hub.example/user/ann/proxy/8080/?timer=t&token=k", "loopback": False},
        {"view": "https://example.org/timer/?timer=a", "control": None, "loopback": False},
        {"view": "https://example.org/timer/?server=wss://other.example/t", "control": None, "loopback": False},
    ]  # fmt: skip
    errors = [a.get("error", "") for a in results["addresses"][5:-1]]
    assert "is not a server address" in errors[0]
    assert "must start with ws://" in errors[1]
    assert "the page adds /ws" in errors[2]
    assert "only connect to wss://" in errors[3]
    assert "is not a timer name" in errors[4]
    assert "is not a server address" in errors[5]


def test_controls_are_labelled_and_reachable_by_keyboard(timer_server: Any, open_page: Any, timer_name: str) -> None:
    tab = open_page(timer_server.page_url(timer=timer_name))
    tab.wait_connected()
    page = tab.page
    # Found by role and accessible name, as assistive technology finds them.
    for name in ("Start", "Pause", "Reset", "Set countdown", "Switch to stopwatch", "Share", "Rundown"):
        assert page.get_by_role("button", name=name, exact=True).count() == 1, name
    for label in ("Minutes", "Seconds"):
        assert page.get_by_label(label, exact=True).count() == 1, label
    assert page.get_attribute("#announcer", "aria-live") == "polite"
    assert page.get_attribute("#clock", "role") == "timer"  # read on demand, never announced every tick

    # Tab reaches every enabled control; a timer can be set and started with the keyboard alone.
    order = []
    for _ in range(7):
        page.keyboard.press("Tab")
        order.append(page.evaluate("document.activeElement.id || document.activeElement.textContent"))
    assert order[:6] == ["rundown-toggle", "share-toggle", "start", "minutes", "seconds", "Set countdown"]
    page.focus("#minutes")
    page.keyboard.press("Control+A")
    page.keyboard.type("0")
    page.keyboard.press("Tab")
    page.keyboard.press("Control+A")
    page.keyboard.type("2")
    page.keyboard.press("Enter")  # submits the form
    tab.wait("document.body.dataset.mode === 'countdown'")
    assert tab.clock_text() == "00:02.0"
