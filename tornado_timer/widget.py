"""An ipywidgets client of a timer: the controls are wired to a `TimerClient`, nothing more.

The client runs in the kernel's event loop (Tornado's IOLoop), so the display keeps updating while the kernel
is idle: each message from the server sets a widget trait, which Jupyter sends to the page. Button clicks go
the other way: page -> kernel -> WebSocket -> server, and the server's answering `state` updates every client
of the timer, this widget included. Needs the `notebooks` extra (ipywidgets).
"""

from __future__ import annotations

import asyncio
import html
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import ipywidgets as widgets  # type: ignore[import-untyped]  # ships no type information

from tornado_timer.client import ConnectionStatus, Message, TimerClient, TimerError
from tornado_timer.core.commands import Control
from tornado_timer.core.display import clock_text
from tornado_timer.core.model import Command
from tornado_timer.widget_rundown import RundownPanel

__all__ = ["TimerWidget"]

log = logging.getLogger(__name__)
BUTTONS = (Command.START, Command.PAUSE, Command.RESUME, Command.RESET)
ADJUSTMENTS = {"-1 min": -60.0, "+1 min": 60.0}
PHASE_COLOURS = {"warning": "#b26a00", "danger": "#c62828", "overtime": "#c62828"}  # amber, red, red
SCHEDULE_REFRESH_SECONDS = 0.5  # the schedule offset moves between messages (a paused cue makes the day later)


class TimerWidget(widgets.VBox):  # type: ignore[misc]  # VBox is untyped (Any)
    """A live timer: big time display, countdown progress bar, status, start/pause/resume/reset, duration box,
    and with a rundown NOW/NEXT, previous/next and the schedule offset (`rundown_panel`).

    `TimerWidget(url)` connects in the background (retrying until the server is there); create it in a
    notebook cell, where the kernel's event loop is running. `.close()` closes the connection (code 1000)
    and the widget. The parts are attributes (`time_display`, `progress`, `status_label`, `buttons`,
    `rundown_panel.now_label`, ...) so tests and notebooks can read and click them.
    """

    def __init__(
        self,
        url: str | None = None,
        *,
        client: TimerClient | None = None,
        title: str | None = None,
        **client_options: Any,
    ) -> None:
        if client is None:
            if url is None:
                raise TypeError("TimerWidget needs a url or a client")
            client = TimerClient(url, **client_options)
        try:
            self._loop = asyncio.get_running_loop()
        except RuntimeError as exc:
            raise RuntimeError("create a TimerWidget where an event loop runs (a notebook cell)") from exc
        self.client = client
        self._connection_text = "not connected"
        super().__init__(self._build(title or client.url))
        self._wire()
        self._unsubscribe = [client.add_listener(self._on_message), client.add_status_listener(self._on_status)]
        self._connecting: asyncio.Future[Any] | None = None
        self._refreshing = asyncio.ensure_future(self._keep_schedule_current())
        if client.timer is not None:
            self._render()
        if client.status in (ConnectionStatus.IDLE, ConnectionStatus.CLOSED):
            self._connecting = asyncio.ensure_future(client.connect(retry=True))
            self._connecting.add_done_callback(_note_failure)
        self._on_status(client.status, client.status_detail)

    def _build(self, title: str) -> list[widgets.Widget]:
        """Make the parts (attributes, for tests and notebooks) and return the rows to show."""
        self.title = widgets.HTML(f"<b>{html.escape(title)}</b>")
        self.time_display = widgets.Label(
            "--:--",
            style={"font_size": "48px", "font_weight": "bold", "font_family": "monospace"},
            layout=widgets.Layout(height="64px", overflow="visible"),
        )
        self.progress = widgets.FloatProgress(
            value=0.0, min=0.0, max=1.0, description="left", layout=widgets.Layout(visibility="hidden", width="420px")
        )
        self.status_label = widgets.Label("connecting")
        self.message_label = widgets.Label("", style={"font_size": "20px"})  # text only: never read as HTML
        self.error_label = widgets.Label("", style={"text_color": "#b00020"})
        self.buttons: dict[str, widgets.Button] = {
            command.value: widgets.Button(description=command.value, disabled=True,
                                          tooltip=f"send {command.value!r} to the server")
            for command in BUTTONS
        }
        self.adjust_buttons: dict[str, widgets.Button] = {
            label: widgets.Button(description=label, disabled=True, tooltip=f"{label} on the timer")
            for label in ADJUSTMENTS
        }
        self.duration = widgets.BoundedFloatText(
            value=60.0, min=0.01, max=360000.0, step=1.0, description="seconds", layout=widgets.Layout(width="200px")
        )
        self.set_countdown_button = widgets.Button(description="set countdown", disabled=True)
        self.set_stopwatch_button = widgets.Button(description="set stopwatch", disabled=True)
        self.rundown_panel = RundownPanel(self.client, self._run)
        return [
            self.title,
            self.time_display,
            self.progress,
            self.status_label,
            self.message_label,
            self.rundown_panel,
            widgets.HBox([*self.buttons.values(), *self.adjust_buttons.values()]),
            widgets.HBox([self.duration, self.set_countdown_button, self.set_stopwatch_button]),
            self.error_label,
        ]

    def _wire(self) -> None:
        """Each control calls the client, nothing more."""
        for name, button in self.buttons.items():
            button.on_click(self._command_handler(name))
        for label, button in self.adjust_buttons.items():
            button.on_click(lambda _b, seconds=ADJUSTMENTS[label]: self._run(lambda: self.client.adjust(seconds)))
        self.set_countdown_button.on_click(
            lambda _b: self._run(lambda: self.client.set_countdown(float(self.duration.value)))
        )
        self.set_stopwatch_button.on_click(lambda _b: self._run(lambda: self.client.set_stopwatch()))

    async def ready(self, timeout: float = 10.0) -> None:
        """Wait until connected and showing the timer's state."""
        await self.client.wait_connected(timeout)

    def _command_handler(self, name: str) -> Callable[[widgets.Button], None]:
        def handler(_button: widgets.Button) -> None:
            self._run(lambda: self.client.command(Control(Command(name))))

        return handler

    def _run(self, make: Callable[[], Awaitable[Message]]) -> None:
        """Run a command on the client's loop (clicks may arrive on another thread); show its error."""

        async def attempt() -> None:
            try:
                await make()
            except TimerError as exc:
                self.error_label.value = f"{exc.code}: {exc.message}"
                return
            except ConnectionError as exc:
                self.error_label.value = f"not sent: {exc}"
                return
            self.error_label.value = ""

        self._loop.call_soon_threadsafe(lambda: asyncio.ensure_future(attempt()))

    def _on_message(self, message: Message) -> None:
        if message.get("type") in ("state", "tick", "message", "rundown"):
            self._render()

    async def _keep_schedule_current(self) -> None:
        while True:
            await asyncio.sleep(SCHEDULE_REFRESH_SECONDS)
            self.rundown_panel.render_offset()

    def _on_status(self, status: ConnectionStatus, detail: str) -> None:
        text = {
            ConnectionStatus.IDLE: "not connected",
            ConnectionStatus.CONNECTING: f"connecting: {detail}",
            ConnectionStatus.CONNECTED: "connected",
            ConnectionStatus.RECONNECTING: f"connection lost, reconnecting: {detail}",
            ConnectionStatus.CLOSED: f"disconnected ({detail})",
        }[status]
        self._connection_text = text
        self._render()

    def _render(self) -> None:
        """Show the client's latest state: greyed out while not connected, coloured by the countdown's phase."""
        timer = self.client.timer
        connected = self.client.status == ConnectionStatus.CONNECTED
        if timer is not None:
            self.time_display.value = clock_text(timer)
        phase = self.client.phase or "normal"
        self.time_display.style.text_color = PHASE_COLOURS.get(phase) if connected else "#999999"
        self._render_progress(timer)
        self.status_label.value = " | ".join(p for p in (self._status_text(timer, connected, phase),
                                                         self._connection_text) if p)
        self.message_label.value = self._message_text()
        allowed = self.client.allowed if connected else frozenset()
        for name, button in self.buttons.items():
            button.disabled = name not in allowed
        for button in self.adjust_buttons.values():
            button.disabled = "adjust" not in allowed
        self.set_countdown_button.disabled = not connected
        self.set_stopwatch_button.disabled = not connected
        self.rundown_panel.render(connected)

    def _render_progress(self, timer: Message | None) -> None:
        if timer is None or timer.get("mode") != "countdown":
            self.progress.layout.visibility = "hidden"
            return
        end = float(timer["duration_ms"] + timer.get("adjusted_ms", 0)) or 1.0
        self.progress.value = max(0.0, min(1.0, float(timer.get("remaining_ms") or 0) / end))
        self.progress.layout.visibility = "visible"

    def _status_text(self, timer: Message | None, connected: bool, phase: str) -> str:
        shown = str(timer.get("status")) if timer else "unknown"
        if phase != "normal":
            shown += f" · {phase}"
        if self.client.current_message["blackout"]:
            shown += " · screens blacked out"
        return shown + (" (last known)" if timer and not connected else "")

    def _message_text(self) -> str:
        message = self.client.current_message
        if not message["text"]:
            return ""
        how = [word for word, on in (("hidden", not message["visible"]), ("blinking", message["blink"])) if on]
        return f"message: {message['text']}" + (f" ({', '.join(how)})" if how else "")

    def close(self) -> None:
        """Disconnect cleanly (close code 1000, no reconnecting) and close the widget and its parts."""
        if "_unsubscribe" not in self.__dict__:  # construction failed (ipywidgets' __del__ still calls close)
            super().close()
            return
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe = []
        self._refreshing.cancel()
        self.client.close()
        self._on_status(ConnectionStatus.CLOSED, "closed by .close()")
        for child in self._parts():
            child.close()
        super().close()

    def _parts(self) -> list[widgets.Widget]:
        """Every widget inside, boxes included, so closing leaves no open comm behind."""
        found: list[widgets.Widget] = []
        stack: list[widgets.Widget] = list(self.children)
        while stack:
            item = stack.pop()
            found.append(item)
            if isinstance(item, widgets.Box):
                stack.extend(item.children)
        return found


def _note_failure(future: asyncio.Future[Any]) -> None:
    """A background connect that ended in an error (the widget was closed first): log it, don't warn."""
    if not future.cancelled() and future.exception() is not None:
        log.debug("background connect ended: %s", future.exception())
