"""The timer model: a pure state machine over a clock that the caller passes in.

Nothing here reads a clock, sleeps or does I/O, so every transition can be tested with plain numbers.
Times are milliseconds on a monotonic clock (`now_ms`); a value is always derived from the moments the
timer started and paused, never counted, so it cannot drift however late anybody asks.

A countdown's end is `duration_ms + adjusted_ms` of elapsed time: adjusting moves the end, not the elapsed time, so
the ticks (at elapsed = k x interval) stay on their grid. With `overtime` it does not finish there but runs on,
its remaining time going negative. Its phase (normal, warning, danger, overtime) follows the remaining time.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Union

from . import cues
from .rundown import Rundown
from .stage_message import MessageUpdate, StageMessage
from .terms import (
    Adjustment,
    Command,
    CueTarget,
    EventKind,
    IllegalTransition,
    Mode,
    Phase,
    RundownUpdate,
    Settings,
    Status,
    TickEvent,
)

__all__ = ["OVERTIME_AFTER_MS", "TRANSITIONS", "Adjustment", "Command", "CueTarget", "EventKind",
           "IllegalTransition", "Mode", "Phase", "RundownUpdate", "Settings", "Status", "TickEvent", "Timer",
           "allowed_commands", "allowed_now"]

# Float arithmetic on anchors may land a hair short of a grid point; a microsecond is "reached".
_ROUNDING_MS = 0.001
# Overtime is remaining < 0: its phase begins (and is announced) one millisecond after zero.
OVERTIME_AFTER_MS = 1.0


Payload = Union[Settings, Adjustment, MessageUpdate, RundownUpdate, CueTarget, None]  # noqa: UP007 (3.10 alias)


@dataclass(frozen=True)
class Timer:
    """One named timer. Immutable: every command returns a new Timer, so a refused one changes nothing."""

    name: str
    mode: Mode = Mode.STOPWATCH
    status: Status = Status.IDLE
    duration_ms: int | None = None
    interval_ms: int = 1000
    initial_ms: int = 0
    banked_ms: float = 0.0  # the elapsed time when the timer last stopped running
    anchor_ms: float | None = None  # the monotonic moment the current run began
    version: int = 0
    overtime: bool = False
    warning_ms: int | None = None
    danger_ms: int | None = None
    adjusted_ms: float = 0.0  # the sum of adjustments since the last start from the beginning, reset or set
    message: StageMessage = field(default_factory=StageMessage)
    rundown: Rundown = field(default_factory=Rundown)

    @classmethod
    def create(cls, name: str, settings: Settings, default_interval_ms: int) -> Timer:
        interval = settings.interval_ms or default_interval_ms
        return replace(cls(name=name, interval_ms=interval)._configure(settings), version=0)

    @property
    def end_ms(self) -> float | None:
        """A countdown's end, as elapsed time: its duration moved by the adjustments."""
        return None if self.duration_ms is None else self.duration_ms + self.adjusted_ms

    def elapsed_ms(self, now_ms: float) -> float:
        if self.anchor_ms is None:
            return self.banked_ms
        elapsed = self.banked_ms + (now_ms - self.anchor_ms)
        end = self.end_ms
        return elapsed if end is None or self.overtime else min(elapsed, end)

    def remaining_ms(self, now_ms: float) -> float | None:
        end = self.end_ms
        return None if end is None else end - self.elapsed_ms(now_ms)

    def phase_at(self, now_ms: float) -> Phase:
        remaining = self.remaining_ms(now_ms)
        if remaining is None:
            return Phase.NORMAL
        if remaining < -_ROUNDING_MS:
            return Phase.OVERTIME
        if self.danger_ms is not None and remaining <= self.danger_ms + _ROUNDING_MS:
            return Phase.DANGER
        if self.warning_ms is not None and remaining <= self.warning_ms + _ROUNDING_MS:
            return Phase.WARNING
        return Phase.NORMAL

    def differs_from(self, other: Timer) -> bool:
        """True if the two are not the same state of a timer, whatever their versions and monotonic clocks."""
        def plain(timer: Timer) -> Timer:
            return replace(timer, anchor_ms=None, version=0, rundown=timer.rundown.without_moments())
        return plain(self) != plain(other)

    def is_due(self, now_ms: float) -> bool:
        """True when a running countdown without overtime has reached zero but is not marked finished yet."""
        remaining = self.remaining_ms(now_ms)
        return (self.status is Status.RUNNING and not self.overtime and remaining is not None
                and remaining <= _ROUNDING_MS)

    def seq_at(self, now_ms: float) -> int:
        """The newest grid point reached: tick k belongs to elapsed = k x interval."""
        return math.floor((self.elapsed_ms(now_ms) + _ROUNDING_MS) / self.interval_ms)

    def settle(self, now_ms: float) -> Timer:
        """Mark a countdown that has reached zero as finished, or with auto-advance start the next cue at that very
        moment (and the one after, if that ended too); anything else is returned as it is."""
        settled = self
        for _ in range(len(self.rundown.cues) + 1):
            if not settled.is_due(now_ms):
                break
            settled = cues.end_of_cue(settled)
        return settled

    def ended(self) -> Timer:
        """This running countdown, stopped at its end: finished."""
        assert self.end_ms is not None
        return self._stop(Status.FINISHED, self.end_ms)

    def apply(self, command: Command, now_ms: float, payload: Payload = None) -> Timer:
        """Carry out `command` at `now_ms`, by the transition table; raise IllegalTransition if not allowed.

        `set` takes Settings, `adjust` an Adjustment, `message` a MessageUpdate, `rundown` a RundownUpdate, `next`,
        `previous` and `cue` a CueTarget; the others nothing.
        """
        effect = TRANSITIONS.get((self.status, command))
        if effect is None:
            raise IllegalTransition(command, self.status)
        if cues.repeats_last_move(self, command, payload, now_ms):
            return self  # the same press again: done already
        reason = cues.why_not(self, command)
        if reason is not None:
            raise IllegalTransition(command, self.status, reason)
        if not isinstance(payload, PAYLOADS.get(command, type(None))):
            raise ValueError(f"{command.value} does not take {type(payload).__name__}")
        return effect(self, now_ms, payload)

    def next_event(self, now_ms: float, after_seq: int = -1) -> TickEvent | None:
        """What comes first after `now_ms` (and after tick `after_seq`): the next grid point, a phase boundary, or
        a countdown's end."""
        if self.status is not Status.RUNNING or self.anchor_ms is None:
            return None
        seq = max(self.seq_at(now_ms), after_seq) + 1
        events = [(float(seq * self.interval_ms), EventKind.TICK), *self._boundaries(self.elapsed_ms(now_ms))]
        at_elapsed, kind = min(events, key=lambda event: (event[0], -_PRECEDENCE[event[1]]))
        return TickEvent(self.anchor_ms + at_elapsed - self.banked_ms, seq, kind)

    def _boundaries(self, elapsed: float) -> list[tuple[float, EventKind]]:
        """A countdown's ends and phase changes still ahead of `elapsed`, as elapsed times."""
        end = self.end_ms
        if end is None:
            return []
        ahead = [(end - t, EventKind.PHASE) for t in (self.warning_ms, self.danger_ms) if t is not None]
        ahead.append((end + OVERTIME_AFTER_MS, EventKind.PHASE) if self.overtime else (end, EventKind.FINISH))
        return [(at, kind) for at, kind in ahead if at > elapsed + _ROUNDING_MS or kind is EventKind.FINISH]

    # The effects the transition table refers to.

    def _run_from_beginning(self, now_ms: float, _: Payload = None) -> Timer:
        return replace(self, adjusted_ms=0.0)._run(self._initial_elapsed(), now_ms)

    def _resume(self, now_ms: float, _: Payload = None) -> Timer:
        return self._run(self.banked_ms, now_ms)

    def _pause(self, now_ms: float, _: Payload = None) -> Timer:
        return self._stop(Status.PAUSED, self.elapsed_ms(now_ms))

    def _reset(self, now_ms: float = 0.0, _: Payload = None) -> Timer:
        return replace(self, adjusted_ms=0.0)._stop(Status.IDLE, self._initial_elapsed())

    def _set(self, now_ms: float, settings: Payload) -> Timer:
        assert isinstance(settings, Settings)
        return self._configure(settings)

    def _adjust(self, now_ms: float, adjustment: Payload) -> Timer:
        assert isinstance(adjustment, Adjustment)
        elapsed = self.elapsed_ms(now_ms)
        if self.mode is Mode.STOPWATCH:
            moved = max(0.0, elapsed + adjustment.delta_ms)  # never below zero
            adjusted = replace(self, adjusted_ms=self.adjusted_ms + moved - elapsed)
            return adjusted._run(moved, now_ms) if self.anchor_ms is not None else adjusted._stop(self.status, moved)
        assert self.duration_ms is not None
        floor = -math.inf if self.overtime else elapsed - self.duration_ms  # without overtime: not below zero left
        adjusted = replace(self, adjusted_ms=max(self.adjusted_ms + adjustment.delta_ms, floor))
        if adjusted.anchor_ms is None:
            return adjusted._stop(self.status, elapsed)
        if adjusted.is_due(now_ms):  # it reached zero while running: it ends (or hands over to the next cue) at once
            return cues.end_of_cue(adjusted)
        return replace(adjusted, version=self.version + 1)

    def _set_message(self, now_ms: float, update: Payload) -> Timer:
        assert isinstance(update, MessageUpdate)
        return replace(self, message=update.applied_to(self.message), version=self.version + 1)

    def _run(self, banked_ms: float, now_ms: float) -> Timer:
        return replace(self, status=Status.RUNNING, banked_ms=banked_ms, anchor_ms=now_ms, version=self.version + 1,
                       rundown=self.rundown.begun(now_ms - banked_ms))

    def _stop(self, status: Status, banked_ms: float) -> Timer:
        return replace(self, status=status, banked_ms=banked_ms, anchor_ms=None, version=self.version + 1)

    def _initial_elapsed(self) -> float:
        return float(self.initial_ms) if self.mode is Mode.STOPWATCH else 0.0

    def _configure(self, settings: Settings) -> Timer:
        configured = replace(
            self,
            mode=settings.mode,
            duration_ms=settings.duration_ms,
            interval_ms=settings.interval_ms or self.interval_ms,
            initial_ms=settings.initial_ms if settings.mode is Mode.STOPWATCH else 0,
            overtime=settings.overtime,
            warning_ms=settings.warning_ms,
            danger_ms=settings.danger_ms,
            rundown=self.rundown.left(),
        )
        return configured._reset()


_Effect = Callable[[Timer, float, Payload], Timer]
_PRECEDENCE = {EventKind.TICK: 0, EventKind.PHASE: 1, EventKind.FINISH: 2}  # which stands in for which
PAYLOADS: dict[Command, type] = {Command.SET: Settings, Command.ADJUST: Adjustment, Command.MESSAGE: MessageUpdate,
                                 Command.RUNDOWN: RundownUpdate, Command.NEXT: CueTarget,
                                 Command.PREVIOUS: CueTarget, Command.CUE: CueTarget}

# (status, command) -> what happens. A pair that is missing is an illegal move.
TRANSITIONS: dict[tuple[Status, Command], _Effect] = {
    (Status.IDLE, Command.START): Timer._run_from_beginning,
    (Status.FINISHED, Command.START): Timer._run_from_beginning,
    (Status.PAUSED, Command.START): Timer._resume,
    (Status.PAUSED, Command.RESUME): Timer._resume,
    (Status.RUNNING, Command.PAUSE): Timer._pause,
    (Status.RUNNING, Command.ADJUST): Timer._adjust,
    (Status.PAUSED, Command.ADJUST): Timer._adjust,
    **{(status, Command.RESET): Timer._reset for status in Status},
    **{(status, Command.SET): Timer._set for status in Status},
    **{(status, Command.MESSAGE): Timer._set_message for status in Status},
    **{(status, Command.RUNDOWN): cues.set_rundown for status in Status},
    **{(status, Command.NEXT): cues.load_next for status in Status},
    **{(status, Command.PREVIOUS): cues.load_previous for status in Status},
    **{(status, Command.CUE): cues.load_named for status in Status},
}


def allowed_commands(status: Status) -> tuple[Command, ...]:
    """The commands `status` allows, in the order of `Command`: read from the table, the one place it is written."""
    return tuple(command for command in Command if (status, command) in TRANSITIONS)


def allowed_now(timer: Timer) -> tuple[Command, ...]:
    """What `timer` allows now: its status's commands, less the rundown moves it has no cue for (`cues.why_not`)."""
    return tuple(command for command in allowed_commands(timer.status) if cues.why_not(timer, command) is None)
