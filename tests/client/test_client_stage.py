"""The Python client and the widget with the stage features: adjustments, phases, overtime, the message."""

from __future__ import annotations

import pytest
from helpers import IN_CI, Serve, eventually

from tornado_timer.client import TimerClient, TimerError

try:
    from tornado_timer import widget
except ImportError as exc:  # ipywidgets missing: a skip here, a failure under CI=true
    if IN_CI:
        raise
    pytest.skip(f"needs ipywidgets (the notebooks extra): {exc}", allow_module_level=True)


async def test_adjust_phase_overtime_and_the_message_through_the_client(serve: Serve) -> None:
    server = await serve(autostart=False, interval=0.05)
    async with TimerClient(server.ws_url("stage")) as client, TimerClient(server.ws_url("stage")) as other:
        timer = await client.set_countdown(0.5, overtime=True, warning=0.4, danger=0.2)
        assert (timer["overtime"], timer["warning_ms"], timer["danger_ms"]) == (True, 400, 200)
        assert client.phase == "normal"
        await client.start()
        timer = await client.adjust(0.25)
        assert timer["adjusted_ms"] == 250 and 600 < timer["remaining_ms"] <= 750
        assert await eventually(lambda: other.phase == "warning")
        assert await eventually(lambda: other.phase == "danger")
        assert await eventually(lambda: other.phase == "overtime", timeout=5)
        # The overtime phase is announced 1 ms past zero: its state's remaining time may round to 0.
        assert other.timer_status == "running" and (other.remaining_ms or 0) <= 0
        await client.message("wrap up", visible=True)
        assert await eventually(lambda: other.current_message["text"] == "wrap up")
        assert other.current_message == {"text": "wrap up", "visible": True, "blink": False, "blackout": False}
        await client.message(blackout=True)
        assert await eventually(lambda: other.current_message["blackout"])
        assert other.current_message["text"] == "wrap up", "a partial update keeps the rest"
        await client.pause()
        with pytest.raises(TimerError) as refused:
            await client.command({"type": "adjust", "delta_ms": 0})
        assert refused.value.code == "invalid_message"
        await client.reset()
        with pytest.raises(TimerError) as idle:
            await client.adjust(60)
        assert idle.value.code == "invalid_state"


async def test_the_widget_colours_by_phase_shows_the_message_and_adjusts(serve: Serve) -> None:
    server = await serve(autostart=False, interval=0.05)
    controller = await TimerClient(server.ws_url()).connect()
    shown = widget.TimerWidget(server.ws_url())
    try:
        await shown.ready()
        assert all(button.disabled for button in shown.adjust_buttons.values()), "nothing to adjust while idle"
        await controller.set_countdown(60, warning=59.9)
        await controller.start()
        assert await eventually(lambda: not shown.adjust_buttons["+1 min"].disabled)
        shown.adjust_buttons["+1 min"].click()
        assert await eventually(lambda: controller.timer is not None and controller.timer["adjusted_ms"] == 60_000)
        assert await eventually(lambda: shown.time_display.value.startswith("01:"))
        shown.adjust_buttons["-1 min"].click()
        assert await eventually(lambda: (controller.timer or {}).get("adjusted_ms") == 0)
        assert await eventually(lambda: shown.status_label.value.startswith("running · warning"))
        assert shown.time_display.style.text_color == widget.PHASE_COLOURS["warning"]
        await controller.message("<b>wrap up</b>", visible=True, blink=True)
        assert await eventually(lambda: shown.message_label.value == "message: <b>wrap up</b> (blinking)")
        await controller.message(visible=False, blackout=True)
        assert await eventually(lambda: "screens blacked out" in shown.status_label.value)
        assert shown.message_label.value == "message: <b>wrap up</b> (hidden, blinking)"
    finally:
        shown.close()
        await controller.aclose()
        await shown.client.wait_closed()
