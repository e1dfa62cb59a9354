"""What a client knows of its timer, read from its protocol session."""

from __future__ import annotations

import collections
from collections.abc import Callable
from typing import Any

from ..core.client_session import ClientSession, Received, Sent


class TimerView:
    """Read-only views of `session`: the latest snapshot, the rundown, and what came and went."""

    session: ClientSession
    clock: Callable[[], float]

    @property
    def timer(self) -> dict[str, Any] | None:
        """The latest snapshot (the `timer` of a `state`, kept current by ticks), or None before the first."""
        snapshot = self.session.snapshot
        return None if snapshot is None else snapshot.to_json()

    @property
    def allowed(self) -> frozenset[str]:
        """The commands the timer's status allows, as the server said in its latest state."""
        return self.session.allowed

    @property
    def role(self) -> str | None:
        """`controller` or `viewer`, from the first state of the connection (None before it)."""
        return self.session.role

    @property
    def last_tick(self) -> dict[str, Any] | None:
        tick = self.session.last_tick
        return None if tick is None else tick.to_json()

    @property
    def history(self) -> collections.deque[Received]:
        """The last messages received, oldest first."""
        return self.session.history

    @property
    def sent(self) -> collections.deque[Sent]:
        """The last frames sent (commands, pings, raw frames), oldest first."""
        return self.session.sent

    @property
    def errors(self) -> list[dict[str, Any]]:
        """Errors that answered no command of ours (for example to a raw `send`), oldest first."""
        return [error.to_json() for error in self.session.errors]

    @property
    def elapsed_ms(self) -> float | None:
        """The elapsed time of the latest state or tick (None before the first state)."""
        snapshot = self.session.snapshot
        return None if snapshot is None else float(snapshot.elapsed_ms)

    @property
    def remaining_ms(self) -> float | None:
        """A countdown's remaining time from the latest state or tick (None for a stopwatch)."""
        snapshot = self.session.snapshot
        return None if snapshot is None or snapshot.remaining_ms is None else float(snapshot.remaining_ms)

    @property
    def phase(self) -> str | None:
        """A countdown's phase (`normal`, `warning`, `danger`, `overtime`), None before the first state."""
        snapshot = self.session.snapshot
        return None if snapshot is None else snapshot.phase

    @property
    def current_message(self) -> dict[str, Any]:
        """The timer's message: `text`, and whether it is `visible`, blinks, blacks out the screens."""
        return self.session.message.to_json()

    @property
    def timer_status(self) -> str | None:
        """The timer's status (`idle`, `running`, `paused`, `finished`), None before the first state."""
        snapshot = self.session.snapshot
        return None if snapshot is None else snapshot.status

    @property
    def cues(self) -> list[dict[str, Any]]:
        """The rundown's cues in order (`id`, `title`, `duration_ms`, `note`); [] without a rundown."""
        rundown = self.session.rundown
        return [] if rundown is None else [cue.to_json() for cue in rundown.cues]

    @property
    def auto_advance(self) -> bool | None:
        """Whether a cue starts by itself the moment the one before ends; None until the server has sent a rundown."""
        rundown = self.session.rundown
        return None if rundown is None else rundown.auto_advance

    @property
    def current_cue(self) -> dict[str, Any] | None:
        """The cue on (`index`, `id`, `title`, `note`), None when none is."""
        cue = self.session.cue
        return None if cue is None else cue.to_json()

    @property
    def next_cue(self) -> dict[str, Any] | None:
        """The cue after the one on (`index`, `id`, `title`); None when none is on or the last one is."""
        cue = self.session.next_cue
        return None if cue is None else cue.to_json()

    @property
    def planned_ms(self) -> int:
        """The rundown's planned length: the sum of its cues' durations (0 without a rundown)."""
        return self.session.schedule.planned_ms

    @property
    def schedule_offset_ms(self) -> int | None:
        """How much later (+) or earlier (-) than planned the rundown will end, as of now: the server's latest
        figure carried forward by the protocol's rule. None until a cue has run."""
        return self.session.schedule_offset_ms(self.clock())
