"""The timer model: a pure state machine over a clock that the caller passes in.

Nothing here reads a clock, sleeps or does I/O, so every transition can be tested with plain numbers.
Times are milliseconds on a monotonic clock (`now_ms`); a value is always derived from the moments the
timer started and paused, never counted, so it cannot drift however late anybody asks.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import Enum

from .errors import ErrorCode, ProtocolError

# Float arithmetic on anchors may land a hair short of a grid point; a microsecond is "reached".
_ROUNDING_MS = 0.001


class Mode(str, Enum):
    STOPWATCH = "stopwatch"
    COUNTDOWN = "countdown"


class Status(str, Enum):
    IDLE = "idle"
    RUNNING = "running"
    PAUSED = "paused"
    FINISHED = "finished"


class Command(str, Enum):
    START = "start"
    PAUSE = "pause"
    RESUME = "resume"
    RESET = "reset"
    SET = "set"


class IllegalTransition(ProtocolError):
    """A command the timer's status does not allow; the timer is unchanged."""

    def __init__(self, command: Command, status: Status) -> None:
        self.command = command
        self.status = status
        super().__init__(ErrorCode.INVALID_STATE, f"cannot {command.value}: the timer is {status.value}")


@dataclass(frozen=True)
class Settings:
    """What a `set` command asks for: a new mode and length, and optionally a new interval."""

    mode: Mode
    duration_ms: int | None = None
    interval_ms: int | None = None
    initial_ms: int = 0

    def __post_init__(self) -> None:
        if (self.mode is Mode.COUNTDOWN) != (self.duration_ms is not None):
            raise ValueError("a countdown needs a duration and a stopwatch has none")


@dataclass(frozen=True)
class TickEvent:
    """The next thing a running timer's scheduler must do: send tick `seq`, or finish, at `at_ms`."""

    at_ms: float
    seq: int
    finishes: bool


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

    @classmethod
    def create(cls, name: str, settings: Settings, default_interval_ms: int) -> Timer:
        interval = settings.interval_ms or default_interval_ms
        return replace(cls(name=name, interval_ms=interval)._configure(settings), version=0)

    def elapsed_ms(self, now_ms: float) -> float:
        if self.anchor_ms is None:
            return self.banked_ms
        elapsed = self.banked_ms + (now_ms - self.anchor_ms)
        if self.duration_ms is not None:
            return min(elapsed, float(self.duration_ms))
        return elapsed

    def remaining_ms(self, now_ms: float) -> float | None:
        if self.duration_ms is None:
            return None
        return self.duration_ms - self.elapsed_ms(now_ms)

    def is_due(self, now_ms: float) -> bool:
        """True when a running countdown has reached zero but has not been marked finished yet."""
        remaining = self.remaining_ms(now_ms)
        return self.status is Status.RUNNING and remaining is not None and remaining <= _ROUNDING_MS

    def seq_at(self, now_ms: float) -> int:
        """The newest grid point reached: tick k belongs to elapsed = k x interval."""
        return math.floor((self.elapsed_ms(now_ms) + _ROUNDING_MS) / self.interval_ms)

    def settle(self, now_ms: float) -> Timer:
        """Mark a countdown that has reached zero as finished; anything else is returned as it is."""
        if not self.is_due(now_ms):
            return self
        assert self.duration_ms is not None
        return self._stop(Status.FINISHED, float(self.duration_ms))

    def apply(self, command: Command, now_ms: float, settings: Settings | None = None) -> Timer:
        """Carry out `command` at `now_ms`, by the transition table; raise IllegalTransition if not allowed."""
        effect = TRANSITIONS.get((self.status, command))
        if effect is None:
            raise IllegalTransition(command, self.status)
        if (command is Command.SET) != (settings is not None):
            raise ValueError("settings go with the set command, and only with it")
        return effect(self, now_ms, settings)

    def next_event(self, now_ms: float, after_seq: int = -1) -> TickEvent | None:
        """The next grid point after `now_ms` and `after_seq` (or the countdown's end, if that comes first)."""
        if self.status is not Status.RUNNING or self.anchor_ms is None:
            return None
        seq = max(self.seq_at(now_ms), after_seq) + 1
        target_ms = float(seq * self.interval_ms)
        finishes = self.duration_ms is not None and target_ms >= self.duration_ms
        if finishes:
            assert self.duration_ms is not None
            target_ms = float(self.duration_ms)
        return TickEvent(self.anchor_ms + target_ms - self.banked_ms, seq, finishes)

    # The effects the transition table refers to.

    def _run_from_beginning(self, now_ms: float, _: Settings | None = None) -> Timer:
        return self._run(self._initial_elapsed(), now_ms)

    def _resume(self, now_ms: float, _: Settings | None = None) -> Timer:
        return self._run(self.banked_ms, now_ms)

    def _pause(self, now_ms: float, _: Settings | None = None) -> Timer:
        return self._stop(Status.PAUSED, self.elapsed_ms(now_ms))

    def _reset(self, now_ms: float = 0.0, _: Settings | None = None) -> Timer:
        return self._stop(Status.IDLE, self._initial_elapsed())

    def _set(self, now_ms: float, settings: Settings | None) -> Timer:
        assert settings is not None
        return self._configure(settings)

    def _run(self, banked_ms: float, now_ms: float) -> Timer:
        return replace(self, status=Status.RUNNING, banked_ms=banked_ms, anchor_ms=now_ms, version=self.version + 1)

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
        )
        return configured._reset()


_Effect = Callable[[Timer, float, Settings | None], Timer]

# (status, command) -> what happens. A pair that is missing is an illegal move.
TRANSITIONS: dict[tuple[Status, Command], _Effect] = {
    (Status.IDLE, Command.START): Timer._run_from_beginning,
    (Status.FINISHED, Command.START): Timer._run_from_beginning,
    (Status.PAUSED, Command.START): Timer._resume,
    (Status.PAUSED, Command.RESUME): Timer._resume,
    (Status.RUNNING, Command.PAUSE): Timer._pause,
    **{(status, Command.RESET): Timer._reset for status in Status},
    **{(status, Command.SET): Timer._set for status in Status},
}


def allowed_commands(status: Status) -> tuple[Command, ...]:
    """The commands `status` allows, in the order of `Command`: read from the table, the one place it is written."""
    return tuple(command for command in Command if (status, command) in TRANSITIONS)
