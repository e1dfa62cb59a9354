"""One timer and the clients watching it: the scheduler that drives its ticks and the fan-out to them.

There is one scheduled callback per running timer, never one per client. It is re-armed for the
timer's next grid point (elapsed = k x interval) computed from the monotonic clock each time, so a late
callback never pushes the following ones later: nothing accumulates.
"""

from __future__ import annotations

import time
from typing import Protocol

from tornado.ioloop import IOLoop

from ..core import protocol
from ..core.model import Command, Settings, TickEvent, Timer
from . import fanout
from .fanout import Outbox


class Subscriber(Protocol):
    """A connected client, as the channel sees it: an outbox for encoded messages, and a way to close it."""

    outbox: Outbox

    def close(self, code: int | None = None, reason: str | None = None) -> None: ...


class LoopClock:
    """The two clocks the core needs: the event loop's monotonic time, and the wall clock for clients."""

    def now_ms(self) -> float:
        return IOLoop.current().time() * 1000.0

    def wall_ms(self) -> float:
        return time.time() * 1000.0


class TimerChannel:
    """A timer, its subscribers, and the single callback that ticks it while it runs."""

    def __init__(self, timer: Timer, clock: LoopClock | None = None) -> None:
        self.timer = timer
        self.clock = clock or LoopClock()
        self.subscribers: set[Subscriber] = set()
        self._pending: object | None = None
        self._last_seq = -1

    @property
    def name(self) -> str:
        return self.timer.name

    def join(self, subscriber: Subscriber) -> None:
        """Add a client and send it the state first, before any tick."""
        self._settle()
        self.subscribers.add(subscriber)
        subscriber.outbox.send(self.encode_state())

    def leave(self, subscriber: Subscriber) -> None:
        self.subscribers.discard(subscriber)

    def command(self, command: Command, settings: Settings | None = None) -> None:
        """Apply a command (raises IllegalTransition, changing nothing) and tell every client."""
        self._settle()
        self._commit(self.timer.apply(command, self.clock.now_ms(), settings))

    def encode_state(self) -> str:
        return protocol.encode_state(self.timer, self.clock.now_ms(), self.clock.wall_ms())

    def broadcast(self, text: str, droppable: bool = False) -> None:
        """Send the same, already encoded text to every subscriber; ticks are droppable, states are not."""
        fanout.broadcast(list(self.subscribers), text, droppable)

    def stop(self) -> None:
        """Cancel the scheduled callback (on shutdown, or when the timer is forgotten)."""
        if self._pending is not None:
            IOLoop.current().remove_timeout(self._pending)
            self._pending = None

    def _settle(self) -> None:
        settled = self.timer.settle(self.clock.now_ms())
        if settled is not self.timer:
            self._commit(settled)

    def _commit(self, timer: Timer) -> None:
        self.timer = timer
        self._last_seq = -1
        self.broadcast(self.encode_state())
        self._schedule()

    def _schedule(self) -> None:
        self.stop()
        event = self.timer.next_event(self.clock.now_ms(), after_seq=self._last_seq)
        if event is not None:
            self._pending = IOLoop.current().call_at(event.at_ms / 1000.0, self._on_event, event)

    def _on_event(self, event: TickEvent) -> None:
        self._pending = None
        now_ms = self.clock.now_ms()
        if event.finishes:
            self._settle()
            if self._pending is None:
                self._schedule()
            return
        # If the loop was held up past several grid points, send the newest one: seq jumps, time doesn't.
        seq = max(event.seq, self.timer.seq_at(now_ms))
        self._last_seq = seq
        self.broadcast(protocol.encode_tick(self.timer, seq, now_ms, self.clock.wall_ms()), droppable=True)
        self._schedule()
