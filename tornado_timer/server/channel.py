"""One timer and the clients watching it: the scheduler that drives its ticks and the fan-out to them.

There is one scheduled callback per running timer, never one per client. It is re-armed for the
timer's next grid point (elapsed = k x interval) computed from the monotonic clock each time, so a late
callback never pushes the following ones later: nothing accumulates.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from typing import Protocol

from tornado.ioloop import IOLoop

from ..core.cue_messages import RundownMessage
from ..core.messages import MessageChanged, encode, encode_state, encode_tick
from ..core.model import EventKind, TickEvent, Timer
from . import fanout
from .fanout import Outbox
from .metrics import Metrics
from .ready_sockets import ReadySockets
from .sendloop import SendToAll

# How long the state encoded for one joiner may serve the next ones (with no other state sent in between): as if
# it had spent that long on the wire. When a room reconnects at once, the state is encoded once per role per 20 ms
# instead of once per client (it was a tenth of a handshake's cost).
JOIN_STATE_MAX_AGE_MS = 20.0


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

    def __init__(self, timer: Timer, clock: LoopClock, metrics: Metrics,
                 on_finished: Callable[[TimerChannel, int], None], send_to_all: SendToAll | None = None) -> None:
        self.timer = timer
        self.clock = clock
        self.metrics = metrics
        self.on_finished = on_finished
        self.send_to_all = send_to_all
        self.subscribers: dict[Subscriber, Outbox] = {}  # each with the outbox it joined with
        self.sockets = ReadySockets() if send_to_all is not None else None  # theirs, for the C send loop
        self._pending: object | None = None
        self._last_seq = -1
        self._join_states: dict[str, tuple[Timer, float, str]] = {}  # by role: (of which timer, when, the text)

    @property
    def name(self) -> str:
        return self.timer.name

    def join(self, subscriber: Subscriber, role: str) -> None:
        """Add a client and send it the state first, before any tick (with its role, for it alone), then the
        rundown if the timer has one, or auto-advance on (a state with no `cue` and `planned_ms` 0 says it has none)."""
        outbox = subscriber.outbox
        self.metrics.messages_out.inc()
        outbox.send(self.joining_state(role))
        if self.timer.rundown.cues or self.timer.rundown.auto_advance:
            self.metrics.messages_out.inc()
            outbox.send(self.encode_rundown())
        if self.sockets is not None:
            self.sockets.add(outbox)  # after its own messages: its socket is ready for the next tick
        self.subscribers[subscriber] = outbox

    def leave(self, subscriber: Subscriber) -> None:
        outbox = self.subscribers.pop(subscriber, None)
        if outbox is not None and self.sockets is not None:
            self.sockets.discard(outbox)

    def adopt(self, timer: Timer) -> None:
        """Make `timer` the current state: tell every client, and re-arm the tick callback.

        A change of the message alone goes out as a `message`, anything else as a `state`; a change of the rundown
        (its cues, its setting, the cue on) is followed by a `rundown`.
        """
        before = self.timer
        message_only = timer.message != before.message and not replace(
            timer, message=before.message).differs_from(before)
        self.timer = timer
        if message_only:
            self.broadcast(encode(MessageChanged.of(timer, self.clock.wall_ms())))
            return
        self._last_seq = -1
        self.broadcast(self.encode_state())
        if timer.rundown.without_moments() != before.rundown.without_moments():
            self.broadcast(self.encode_rundown())
        self.schedule()

    def encode_state(self, role: str | None = None) -> str:
        return encode_state(self.timer, self.clock.now_ms(), self.clock.wall_ms(), role)

    def joining_state(self, role: str) -> str:
        """The state for a client joining with `role`: the one encoded for an earlier joiner if it is of this same
        timer, at most JOIN_STATE_MAX_AGE_MS old, and no state has gone out since (a new phase, say)."""
        now_ms = self.clock.now_ms()
        cached = self._join_states.get(role)
        if cached is not None and cached[0] is self.timer and 0.0 <= now_ms - cached[1] <= JOIN_STATE_MAX_AGE_MS:
            return cached[2]
        text = encode_state(self.timer, now_ms, self.clock.wall_ms(), role)
        self._join_states[role] = (self.timer, now_ms, text)
        return text

    def encode_rundown(self) -> str:
        return encode(RundownMessage.of(self.timer, self.clock.now_ms(), self.clock.wall_ms()))

    def broadcast(self, text: str, droppable: bool = False) -> None:
        """Send the same, already encoded text to every subscriber; ticks are droppable, states are not."""
        if not droppable:
            self._join_states.clear()  # a joiner from now on must not get a state older than this message
        if self.sockets is not None and self.send_to_all is not None:
            reached = len(self.sockets)
            sent = fanout.broadcast_ready(self.sockets, text, droppable, self.send_to_all)
        else:
            subscribers = list(self.subscribers)  # a copy: a client may leave while we send
            reached = len(subscribers)
            sent = fanout.broadcast(subscribers, text, droppable)
        self.metrics.messages_out.inc(sent)
        if droppable:
            self.metrics.dropped_ticks.inc(reached - sent)

    def schedule(self) -> None:
        """Arm the one callback for the next grid point or the countdown's end; none unless running."""
        self.stop()
        event = self.timer.next_event(self.clock.now_ms(), after_seq=self._last_seq)
        if event is not None:
            self._pending = IOLoop.current().call_at(event.at_ms / 1000.0, self._on_event, event)

    def stop(self) -> None:
        """Cancel the scheduled callback (on shutdown, or when the timer is forgotten)."""
        if self._pending is not None:
            IOLoop.current().remove_timeout(self._pending)
            self._pending = None

    def _on_event(self, event: TickEvent) -> None:
        self._pending = None
        now_ms = self.clock.now_ms()
        self.metrics.tick_lateness.observe(max(0.0, now_ms - event.at_ms) / 1000.0)
        if event.kind is EventKind.FINISH:
            return self._finish(now_ms)
        if event.kind is EventKind.PHASE:
            self.broadcast(self.encode_state())  # the same timer in a new phase, announced the moment it begins
            return self.schedule()
        # If the loop was held up past several grid points, send the newest one: seq jumps, time doesn't.
        seq = max(event.seq, self.timer.seq_at(now_ms))
        self._last_seq = seq
        self.broadcast(encode_tick(self.timer, seq, now_ms, self.clock.wall_ms()), droppable=True)
        self.schedule()

    def _finish(self, now_ms: float) -> None:
        """The countdown's end: it finishes, or the rundown's next cue takes over from that very moment."""
        running = self.timer
        settled = running.settle(now_ms)
        if settled is running:
            return self.schedule()  # a hair early: the end is still ahead
        self.adopt(settled)
        self.on_finished(self, running.version)
