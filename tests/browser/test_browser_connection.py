"""Where the page connects, and how it copes when the server goes away, comes back, or stops answering."""

from __future__ import annotations

import time
from typing import Any


def test_recovers_on_its_own_after_a_server_restart(start_timer_server: Any, open_page: Any) -> None:
    server = start_timer_server("--interval", "0.1")
    tab = open_page(server.page_url())
    tab.wait_connected()
    assert tab.status == "running"

    server.stop()  # SIGTERM: the server closes every socket with 1001
    tab.wait_connection("reconnecting", timeout=3000)
    assert tab.body("stale") is not None  # the digits are marked as possibly out of date
    assert tab.page.is_visible("#stale-note")
    assert all(tab.disabled().values())  # nothing can be sent while disconnected
    assert "(disconnected)" in tab.page.title()  # a background tab says so too
    tab.wait("/^Reconnect/.test(document.getElementById('connection-text').textContent)", timeout=2000)

    # A different server on the same port: the page must show its state, not what it showed before.
    server.start("--interval", "0.1", "--no-autostart", "--mode", "countdown", "--duration", "5")
    tab.wait_connected(timeout=15000)
    tab.wait("document.body.dataset.mode === 'countdown'", timeout=2000)
    assert tab.status == "idle"
    assert tab.clock_text() == "00:05.0"
    assert tab.body("stale") is None
    assert not tab.page.is_visible("#stale-note")
    assert tab.reading()["version"] == server.snapshot()["version"]
    assert tab.disabled()["start"] is False


def test_heartbeat_replaces_a_socket_that_stopped_answering(start_timer_server: Any, open_page: Any) -> None:
    server = start_timer_server("--interval", "0.1")
    fast = {"heartbeatMs": 300, "deadlineMs": 600, "connectTimeoutMs": 1000, "backoffCapMs": 1000}
    tab = open_page(server.page_url(), settings=fast)
    tab.wait_connected()

    server.freeze()  # SIGSTOP: the socket stays open, but nothing comes back, as after a laptop's sleep
    tab.wait_connection("reconnecting", timeout=4000)
    assert tab.body("stale") is not None
    server.thaw()
    tab.wait_connected(timeout=10000)
    assert tab.status == "running"


def test_opened_from_disk_connects_and_ticks(timer_server: Any, open_page: Any, file_url: Any) -> None:
    tab = open_page(file_url(server=timer_server.ws_address))  # Origin: null, accepted by the server
    tab.wait_connected()
    assert tab.page.evaluate("TornadoTimer.app.socketUrl") == timer_server.ws_address + "/ws"
    assert tab.status == "running"
    first = tab.clock_text()
    tab.wait(f"document.getElementById('clock').textContent !== {first!r}", timeout=3000)


def test_from_disk_without_server_targets_localhost_8080(open_page: Any, file_url: Any) -> None:
    tab = open_page(file_url())
    assert tab.page.evaluate("TornadoTimer.app.socketUrl") == "ws://localhost:8080/ws"
    assert tab.page.text_content("#server-url") == "ws://localhost:8080/ws"
    tab = open_page(file_url(timer="standup"))
    assert tab.page.evaluate("TornadoTimer.app.socketUrl") == "ws://localhost:8080/ws/standup"


def test_bad_addresses_give_a_clear_message(open_page: Any, file_url: Any, page_problems: list[str]) -> None:
    cases = {
        "nonsense": "is not a server address",
        "http://127.0.0.1:8080": "must start with ws://",
        "ws://127.0.0.1:8080/ws": "the page adds /ws",
        "ws://127.0.0.1:99999": "is not a server address",
    }
    for value, message in cases.items():
        tab = open_page(file_url(server=value))
        tab.page.locator("#problem").filter(has_text=message).wait_for(state="visible", timeout=3000)
        assert tab.connection == "failed"
        assert tab.page.text_content("#connection-text") == "Not connected"
        assert all(tab.disabled().values())

    tab = open_page(file_url(timer="no spaces please"))
    tab.page.locator("#problem").filter(has_text="is not a timer name").wait_for(state="visible", timeout=3000)
    assert page_problems == []  # a message, not an exception


def test_server_down_gives_a_clear_message(
    open_page: Any, file_url: Any, free_port: int, page_problems: list[str]
) -> None:
    address = f"ws://127.0.0.1:{free_port}"
    tab = open_page(file_url(server=address))
    problem = tab.page.locator("#problem")
    problem.filter(has_text=f"Cannot reach the timer server at {address}/ws").wait_for(state="visible", timeout=5000)
    assert "python -m tornado_timer" in problem.text_content()
    tab.wait("/^Reconnecting in \\d+ s$/.test(document.getElementById('connection-text').textContent)", timeout=3000)
    assert tab.clock_text() == "--:--"
    time.sleep(0.5)
    # Chromium itself logs each refused connection (the socket's, and the page's HTTP probe asking why) as a console
    # error; the page must not throw.
    chromium_logs = ("console error: WebSocket connection to", "console error: Failed to load resource")
    assert [p for p in page_problems if not p.startswith(chromium_logs)] == []


def test_network_back_or_tab_visible_retries_at_once(start_timer_server: Any, open_page: Any, page: Any) -> None:
    server = start_timer_server("--interval", "0.1")
    slow = {"backoffBaseMs": 20000, "backoffCapMs": 20000}  # left alone, the page would wait 10-20 s
    tab = open_page(server.page_url(), settings=slow)
    tab.wait_connected()

    server.stop()
    tab.wait_connection("reconnecting", timeout=3000)
    page.context.set_offline(True)  # the browser says the network is gone
    tab.wait_connection("offline", timeout=3000)
    tab.wait("/^Offline · retrying in \\d+ s$/.test(document.getElementById('connection-text').textContent)")
    server.start()
    page.context.set_offline(False)  # the `online` event: retry now, not in 10-20 s
    tab.wait_connected(timeout=4000)

    server.stop()
    tab.wait_connection("reconnecting", timeout=3000)
    server.start()
    tab.page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")  # back to the (visible) tab
    tab.wait_connected(timeout=4000)


def test_without_the_control_token_the_page_is_view_only(start_timer_server: Any, open_page: Any, page: Any) -> None:
    server = start_timer_server("--interval", "0.1", "--control-token", "s3cret-token")
    viewer = open_page(server.page_url())
    viewer.wait_connected()
    assert viewer.page.text_content("#connection-text") == "Connected · view only"
    assert all(viewer.disabled().values())
    viewer.page.locator("#problem").filter(has_text="View only").wait_for(state="visible", timeout=3000)
    viewer.page.keyboard.press(" ")  # the shortcut presses a disabled button: nothing is sent

    controller = open_page(server.page_url(token="s3cret-token"), page=page.context.new_page())  # the printed link
    controller.wait_connected()
    assert controller.page.evaluate("TornadoTimer.app.role") == "controller"
    assert "s3cret-token" not in controller.page.text_content("footer")  # the token is never shown
    controller.page.click("#pause")
    for tab in (controller, viewer):
        tab.wait_status("paused", timeout=3000)
    assert not controller.page.is_visible("#problem")
