"""Notebook 6's exercises: a view of your own on a client, and a button that adds ten seconds."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable
from typing import Any

import ipywidgets as widgets  # type: ignore[import-untyped]  # ships no type information

from ...client import TimerClient
from ..exercise import Exercise, Report, Wrong, fresh_server


def remaining_label(client: TimerClient) -> Any:
    """A Label showing the seconds left, rounded up ("27 s"), updated on every message from the server."""
    label = widgets.Label()

    def show(message: dict[str, Any]) -> None:
        remaining = client.remaining_ms
        label.value = "" if remaining is None else f"{math.ceil(remaining / 1000)} s"

    client.add_listener(show)
    show({})
    return label


def plus_ten_button(client: TimerClient) -> Any:
    """A button that adds ten seconds to the client's timer."""
    button = widgets.Button(description="+10 s")
    running: set[asyncio.Future[Any]] = set()  # keep a reference: the loop alone does not

    def clicked(_: Any) -> None:
        command = asyncio.ensure_future(client.adjust(10))  # a click handler is plain code: start it, don't wait
        running.add(command)
        command.add_done_callback(running.discard)

    button.on_click(clicked)
    return button


async def check_remaining_label(report: Report, answer: Callable[..., Any]) -> None:
    async with fresh_server(interval=0.1, autostart=False) as server:
        client = await TimerClient(server.ws_url("exercise")).connect()
        try:
            await client.set_countdown(3)
            label = await report.call(answer, client)
            report.expect(isinstance(label, widgets.Label), f"return an ipywidgets Label, not {type(label).__name__}")
            report.expect(label.value == "3 s", f"a 3 s countdown not started yet should show '3 s', not "
                          f"{label.value!r}", "'3 s' before the start")
            await client.start()
            shown = set()
            for _ in range(12):
                await asyncio.sleep(0.1)
                shown.add(label.value)
            report.expect({"3 s", "2 s"} <= shown, f"while it ran 1.2 s the label showed {sorted(shown)}: "
                          "expected '3 s' then '2 s'", f"it counted down by itself: {sorted(shown, reverse=True)}")
        finally:
            await client.aclose()


async def check_plus_ten(report: Report, answer: Callable[..., Any]) -> None:
    async with fresh_server(interval=0.5, autostart=False) as server:
        client = await TimerClient(server.ws_url("exercise")).connect()
        watcher = await TimerClient(server.ws_url("exercise")).connect()
        try:
            await client.set_countdown(60)
            await client.start()
            button = await report.call(answer, client)
            report.expect(isinstance(button, widgets.Button), f"return an ipywidgets Button, not "
                          f"{type(button).__name__}")
            adjusted = watcher.expect(lambda m: m["type"] == "state" and m["timer"]["adjusted_ms"] != 0)
            button.click()
            try:
                state = await asyncio.wait_for(adjusted, 3)
            except asyncio.TimeoutError:
                raise Wrong("a click changed nothing on the server within 3 s") from None
            report.expect(state["timer"]["adjusted_ms"] == 10_000, f"the click adjusted the timer by "
                          f"{state['timer']['adjusted_ms']} ms, not 10000", "a click added 10 s, seen by another "
                          "client of the timer")
        finally:
            await client.aclose()
            await watcher.aclose()


EXERCISES = (
    Exercise("6.1", "a view of your own", "remaining_label", check_remaining_label, remaining_label),
    Exercise("6.2", "a button that adds ten seconds", "plus_ten_button", check_plus_ten, plus_ten_button),
)
