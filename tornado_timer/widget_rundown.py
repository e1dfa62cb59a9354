"""The widget's rundown panel: NOW and NEXT (with the presenter's note for the cue on), previous and next buttons,
and how far the day is off its plan ("+3:20 behind").

A part of `TimerWidget` (widget.py): it shows what its `TimerClient` knows of the rundown and sends the client's
commands; its buttons are enabled by the server's `allowed` list. Hidden while the timer has no rundown.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import ipywidgets as widgets  # type: ignore[import-untyped]  # ships no type information

from tornado_timer.client import TimerClient
from tornado_timer.core.display import schedule_text

Run = Callable[[Callable[[], Awaitable[Any]]], None]  # runs a client command on the client's loop, showing errors
NONE = "—"


class RundownPanel(widgets.VBox):  # type: ignore[misc]  # VBox is untyped (Any)
    """NOW, its note, NEXT, previous/next and the schedule offset, for `client`'s timer; `run` sends a command."""

    def __init__(self, client: TimerClient, run: Run) -> None:
        self.client = client
        self.now_label = widgets.Label("", style={"font_size": "22px", "font_weight": "bold"})
        self.note_label = widgets.Label("", style={"font_style": "italic"})  # text only: never read as HTML
        self.next_label = widgets.Label("", style={"font_size": "16px"})
        self.offset_label = widgets.Label("")
        self.buttons: dict[str, widgets.Button] = {
            "previous": widgets.Button(description="previous", disabled=True, tooltip="load the cue before"),
            "next": widgets.Button(description="next", disabled=True, tooltip="load the next cue"),
        }
        self.buttons["previous"].on_click(lambda _b: run(lambda: client.previous()))
        self.buttons["next"].on_click(lambda _b: run(lambda: client.next()))
        row = widgets.HBox([*self.buttons.values(), self.offset_label])
        super().__init__([self.now_label, self.note_label, self.next_label, row],
                         layout=widgets.Layout(display="none"))

    def render(self, connected: bool) -> None:
        """Show the client's view of the rundown; the buttons only while connected and allowed."""
        cues = self.client.cues
        self.layout.display = None if cues else "none"
        now, following = self.client.current_cue, self.client.next_cue
        if now is None and cues:
            following = cues[0]  # with no cue on, `next` loads the first
        self.now_label.value = f"NOW  {now['title'] if now else NONE}"
        self.note_label.value = (now or {}).get("note") or ""
        self.next_label.value = f"NEXT  {following['title'] if following else NONE}"
        allowed = self.client.allowed if connected else frozenset()
        for name, button in self.buttons.items():
            button.disabled = name not in allowed
        self.render_offset()

    def render_offset(self) -> None:
        """The schedule offset as of now (it moves between messages while a cue is not running as planned)."""
        self.offset_label.value = schedule_text(self.client.schedule_offset_ms)
