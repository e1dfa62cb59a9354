"""The words of the timer model: its modes, statuses, commands and phases, what a command carries, and the one
error for a move the model does not allow. Kept apart from `model.py` so the rundown's moves (`cues.py`) can use
them too."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from .errors import ErrorCode, ProtocolError
from .rundown import CueSpec


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
    ADJUST = "adjust"
    MESSAGE = "message"
    RUNDOWN = "rundown"
    NEXT = "next"
    PREVIOUS = "previous"
    CUE = "cue"


class Phase(str, Enum):
    """How close a countdown is to its end: for colours on the screens. A stopwatch is always normal."""

    NORMAL = "normal"
    WARNING = "warning"  # remaining <= warning_ms
    DANGER = "danger"  # remaining <= danger_ms
    OVERTIME = "overtime"  # remaining < 0 (a countdown set with overtime)


class IllegalTransition(ProtocolError):
    """A command the timer's status does not allow; the timer is unchanged."""

    def __init__(self, command: Command, status: Status, reason: str | None = None) -> None:
        self.command = command
        self.status = status
        super().__init__(ErrorCode.INVALID_STATE, f"cannot {command.value}: {reason or f'the timer is {status.value}'}")


@dataclass(frozen=True)
class Settings:
    """What a `set` command asks for: a new mode and length, optionally a new interval, and for a countdown
    whether it runs into overtime and its warning and danger thresholds (on the remaining time)."""

    mode: Mode
    duration_ms: int | None = None
    interval_ms: int | None = None
    initial_ms: int = 0
    overtime: bool = False
    warning_ms: int | None = None
    danger_ms: int | None = None

    def __post_init__(self) -> None:
        countdown = self.mode is Mode.COUNTDOWN
        if countdown != (self.duration_ms is not None):
            raise ValueError("a countdown needs a duration and a stopwatch has none")
        if not countdown and (self.overtime or self.warning_ms is not None or self.danger_ms is not None):
            raise ValueError("overtime and thresholds are for countdowns")
        if any(t is not None and t <= 0 for t in (self.warning_ms, self.danger_ms)):
            raise ValueError("thresholds are above zero")
        if self.warning_ms is not None and self.danger_ms is not None and self.danger_ms >= self.warning_ms:
            raise ValueError("danger_ms must be below warning_ms")


@dataclass(frozen=True)
class Adjustment:
    """What an `adjust` command asks for: move the remaining time (a countdown) or the elapsed time (a stopwatch)."""

    delta_ms: int


class EventKind(str, Enum):
    TICK = "tick"
    PHASE = "phase"  # the phase changes: a state goes out
    FINISH = "finish"  # a countdown without overtime reaches zero


@dataclass(frozen=True)
class TickEvent:
    """The next thing a running timer's scheduler must do at `at_ms`: send tick `seq`, announce a new phase, or
    finish. Where two coincide, a finish or a phase change stands in for the tick."""

    at_ms: float
    seq: int
    kind: EventKind = EventKind.TICK

    @property
    def finishes(self) -> bool:
        return self.kind is EventKind.FINISH


@dataclass(frozen=True)
class RundownUpdate:
    """What a `rundown` command asks for: a new list of cues (empty: no rundown), and/or auto-advance.
    `match_titles`: cues without ids take the ids of the old cues they stand for (a list edited as text)."""

    cues: tuple[CueSpec, ...] | None  # None: the cues stay as they are (only auto_advance changes)
    auto_advance: bool | None = None
    match_titles: bool = False


@dataclass(frozen=True)
class CueTarget:
    """Which cue `next`, `previous` or `cue` loads (`cue` names it by `index` or `id`), and whether it starts."""

    index: int | None = None
    id: str | None = None
    start: bool = False
