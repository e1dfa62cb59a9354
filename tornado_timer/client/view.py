"""What a client knows of its timer, read from its protocol session."""

from __future__ import annotations

import collections
from typing import Any

from ..core.client_session import ClientSession, Received, Sent


class TimerView:
    """Read-only views of `session`: the latest snapshot and what came and went."""

    session: ClientSession

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
