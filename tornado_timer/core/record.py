"""A timer as plain data that outlives this process: for the state file and for Redis.

In memory a running timer is anchored on the monotonic clock, which means nothing to another process or
after a restart. A record anchors it on the wall clock instead (`run_started_at`, epoch ms), so that
whoever reads it back can rebuild the same timer on its own monotonic clock.
"""

from __future__ import annotations

import math
from typing import Any

from . import rundown
from .errors import TornadoTimerError
from .model import Mode, Settings, Status, Timer
from .protocol import MAX_DURATION_MS, MAX_INTERVAL_MS, MIN_INTERVAL_MS, is_valid_timer_name
from .rundown import Rundown
from .stage_message import StageMessage

Record = dict[str, Any]
FIELDS = ("name", "mode", "status", "duration_ms", "interval_ms", "initial_ms", "banked_ms", "run_started_at",
          "version", "overtime", "warning_ms", "danger_ms", "adjusted_ms", "message", "rundown")
# Fields added after the first records were saved: a record without them gets these, so old saves still load.
LATER_FIELDS: dict[str, Any] = {"overtime": False, "warning_ms": None, "danger_ms": None, "adjusted_ms": 0.0,
                                "message": StageMessage().to_json(), "rundown": None}


class BadRecord(TornadoTimerError, ValueError):
    """A record that cannot be a timer: never loaded half-way."""


def to_record(timer: Timer, now_ms: float, wall_ms: float) -> Record:
    run_started_at = None if timer.anchor_ms is None else wall_ms - (now_ms - timer.anchor_ms)
    return {
        "name": timer.name,
        "mode": timer.mode.value,
        "status": timer.status.value,
        "duration_ms": timer.duration_ms,
        "interval_ms": timer.interval_ms,
        "initial_ms": timer.initial_ms,
        "banked_ms": timer.banked_ms,
        "run_started_at": run_started_at,
        "version": timer.version,
        "overtime": timer.overtime,
        "warning_ms": timer.warning_ms,
        "danger_ms": timer.danger_ms,
        "adjusted_ms": timer.adjusted_ms,
        "message": timer.message.to_json(),
        "rundown": rundown.to_record(timer.rundown, now_ms, wall_ms) if timer.rundown != Rundown() else None,
    }


def from_record(record: Any, now_ms: float, wall_ms: float) -> Timer:
    """Rebuild a timer on this process's clocks; raise BadRecord if anything in it is wrong."""
    if not isinstance(record, dict) or not set(FIELDS) - set(LATER_FIELDS) <= set(record) <= set(FIELDS):
        raise BadRecord(f"a timer record has the fields {', '.join(FIELDS)}")
    record = {**LATER_FIELDS, **record}
    try:
        mode, status = Mode(record["mode"]), Status(record["status"])
        settings = Settings(mode, duration_ms=record["duration_ms"], overtime=record["overtime"],
                            warning_ms=record["warning_ms"], danger_ms=record["danger_ms"])
        message = StageMessage.from_json(record["message"])
        cues = Rundown() if record["rundown"] is None else rundown.from_record(record["rundown"], now_ms, wall_ms)
    except (ValueError, TypeError) as error:
        raise BadRecord(str(error)) from None
    _check_values(record, mode, status)
    anchor = None if status is not Status.RUNNING else now_ms - (wall_ms - record["run_started_at"])
    return Timer(
        name=record["name"], mode=mode, status=status, duration_ms=record["duration_ms"],
        interval_ms=int(record["interval_ms"]), initial_ms=int(record["initial_ms"]),
        banked_ms=float(record["banked_ms"]), anchor_ms=anchor, version=record["version"],
        overtime=settings.overtime, warning_ms=settings.warning_ms, danger_ms=settings.danger_ms,
        adjusted_ms=float(record["adjusted_ms"]), message=message, rundown=cues,
    )


def _check_values(record: Record, mode: Mode, status: Status) -> None:
    running = status is Status.RUNNING
    _check(is_valid_timer_name(record["name"]) if isinstance(record["name"], str) else False, "name")
    _check(_in_range(record["interval_ms"], MIN_INTERVAL_MS, MAX_INTERVAL_MS), "interval_ms")
    _check(_in_range(record["initial_ms"], 0, MAX_DURATION_MS), "initial_ms")
    _check(_in_range(record["banked_ms"], 0, math.inf), "banked_ms")
    _check(_in_range(record["version"], 0, math.inf) and isinstance(record["version"], int), "version")
    _check((mode is Mode.COUNTDOWN) == _in_range(record["duration_ms"], 1, MAX_DURATION_MS), "duration_ms")
    _check(running == _in_range(record["run_started_at"], 0, math.inf), "run_started_at")
    _check(isinstance(record["overtime"], bool), "overtime")
    for threshold in ("warning_ms", "danger_ms"):
        _check(record[threshold] is None or (_in_range(record[threshold], 1, MAX_DURATION_MS)
               and isinstance(record[threshold], int)), threshold)
    _check(_in_range(record["adjusted_ms"], -math.inf, math.inf), "adjusted_ms")
    if mode is Mode.COUNTDOWN and not record["overtime"]:
        _check(record["banked_ms"] <= record["duration_ms"] + record["adjusted_ms"] + 1e-6, "banked_ms")


def _in_range(value: Any, low: float, high: float) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and (
        low <= value <= high)


def _check(ok: bool, field: str) -> None:
    if not ok:
        raise BadRecord(f"the field {field!r} of a timer record is missing or out of range")


def is_sound(record: Any) -> bool:
    """True if `record` can be rebuilt into a timer (the clock values here are arbitrary)."""
    try:
        from_record(record, 0.0, 0.0)
    except (BadRecord, TypeError, ValueError):
        return False
    return True
