"""The ipywidgets client without a browser: its traits follow the server, its buttons reach it."""

from __future__ import annotations

import pytest
from helpers import IN_CI, Serve, eventually

from tornado_timer.client import Backoff, ConnectionStatus, TimerClient

try:
    from tornado_timer import widget
except ImportError as exc:  # ipywidgets missing: a skip here, a failure under CI=true
    if IN_CI:
        raise
    pytest.skip(f"needs ipywidgets (the notebooks extra): {exc}", allow_module_level=True)


def test_format_clock() -> None:
    assert widget.format_clock(None) == "--:--.-"
    assert widget.format_clock(0) == "00:00.0"
    assert widget.format_clock(61_999) == "01:01.9"
    assert widget.format_clock(3_600_000 + 5_000) == "1:00:05.0"
    assert widget.format_clock(-20) == "00:00.0"


def test_allowed_commands_follow_the_transition_table() -> None:
    assert widget.allowed_commands("running") == {"pause", "reset"}
    assert widget.allowed_commands("paused") == {"start", "resume", "reset"}
    assert widget.allowed_commands(None) == frozenset()


def test_needs_a_running_loop_and_a_url() -> None:
    with pytest.raises(RuntimeError):
        widget.TimerWidget("ws://127.0.0.1:1/ws")
    with pytest.raises(TypeError):
        widget.TimerWidget()


async def test_widget_follows_the_server_and_its_buttons_reach_it(serve: Serve) -> None:
    server = await serve(interval=0.05)
    w = widget.TimerWidget(server.ws_url(), title="default timer")
    other = widget.TimerWidget(server.ws_url())
    try:
        await w.ready()
        await other.ready()
        first = w.time_display.value
        assert await eventually(lambda: w.time_display.value != first), "the display ticks"
        assert w.status_label.value == "running | connected"
        assert not w.buttons["pause"].disabled and w.buttons["resume"].disabled
        w.buttons["pause"].click()
        assert await eventually(lambda: other.client.timer_status == "paused"), "a click reaches the server"
        assert await eventually(lambda: other.status_label.value.startswith("paused"))
        assert other.time_display.value == w.time_display.value, "both widgets show the same time"
        assert w.buttons["pause"].disabled and not w.buttons["resume"].disabled
        w.buttons["pause"].click()  # disabled in a real page; a programmatic click gets the server's error
        assert await eventually(lambda: w.error_label.value.startswith("invalid_state"))
        other.duration.value = 2.0
        other.set_countdown_button.click()
        assert await eventually(lambda: w.time_display.value == "00:02.0")
        assert w.progress.layout.visibility == "visible" and w.progress.value == 1.0
        w.buttons["start"].click()
        assert await eventually(lambda: 0 < w.progress.value < 1.0)
        assert w.error_label.value == "", "a successful command clears the error"
        other.set_stopwatch_button.click()
        assert await eventually(lambda: w.progress.layout.visibility == "hidden")
    finally:
        w.close()
        other.close()
        await w.client.wait_closed()
        await other.client.wait_closed()
    assert w.client.close_code == 1000 and w.client.status is ConnectionStatus.CLOSED
    assert "disconnected" in w.status_label.value


async def test_connection_loss_is_shown_and_recovered(serve: Serve) -> None:
    server = await serve(interval=0.05)
    port = server.port
    client = TimerClient(server.ws_url(), backoff=Backoff(initial=0.05, maximum=0.3))
    w = widget.TimerWidget(client=client)
    try:
        await w.ready()
        server.stop()
        assert await eventually(lambda: "connection lost" in w.status_label.value)
        assert w.status_label.value.startswith("running (last known) | connection lost")
        assert all(b.disabled for b in w.buttons.values()) and w.time_display.style.text_color == "#999999"
        await serve(port=port, interval=0.05)  # a new server on the same port
        assert await eventually(lambda: w.status_label.value == "running | connected", timeout=10)
        assert not w.buttons["pause"].disabled and w.time_display.style.text_color is None
    finally:
        w.close()
        await client.wait_closed()


async def test_widget_on_a_connected_client_renders_at_once(serve: Serve) -> None:
    server = await serve(autostart=False)
    client = await TimerClient(server.ws_url()).connect()
    w = widget.TimerWidget(client=client)
    assert w.status_label.value == "idle | connected" and w.time_display.value == "00:00.0"
    assert not w.buttons["start"].disabled
    w.close()
    await client.wait_closed()

