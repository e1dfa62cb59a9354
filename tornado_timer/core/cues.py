"""The rundown's moves on a timer: replacing the list, loading a cue (`next`, `previous`, `cue`), the hand-over from
one cue to the next when auto-advance is on, and how far the day is off its plan.

Loading a cue makes the timer a countdown of the cue's duration (its overtime and thresholds stay), idle unless
started. With auto-advance, a cue that reaches zero (without overtime) hands over at that very instant: the next
cue's start is the previous cue's end, not the moment anybody noticed, so a chain of cues has no gap and no drift.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from .errors import ErrorCode, ProtocolError
from .terms import Command, CueTarget, Mode, RundownUpdate, Status

if TYPE_CHECKING:
    from .model import Payload, Timer

RUNDOWN_MOVES = (Command.NEXT, Command.PREVIOUS, Command.CUE)


def why_not(timer: Timer, command: Command) -> str | None:
    """Why the rundown has no cue for `command` now (None: it has, or `command` is not a rundown move)."""
    rundown = timer.rundown
    if command not in RUNDOWN_MOVES:
        return None
    if not rundown.cues:
        return "the timer has no rundown"
    if command is Command.NEXT and rundown.next_index is None:
        return "the last cue is on: there is no next one"
    if command is Command.PREVIOUS and rundown.current is None:
        return "no cue is on"
    if command is Command.PREVIOUS and rundown.current == 0:
        return "the first cue is on: there is none before it"
    return None


def set_rundown(timer: Timer, now_ms: float, update: Payload) -> Timer:
    assert isinstance(update, RundownUpdate)
    rundown = timer.rundown.replaced(update.cues, update.auto_advance, update.match_titles)
    return replace(timer, rundown=rundown, version=timer.version + 1)


def repeats_last_move(timer: Timer, command: Command, target: Payload, now_ms: float) -> bool:
    """True for a `next`, `previous` or `cue` that is the same press as the move just made (two operators pressed
    it at once, on two processes, or somebody double-clicked): it is answered but moves nothing more."""
    if command not in RUNDOWN_MOVES or not isinstance(target, CueTarget):
        return False
    if command is not Command.CUE:
        return timer.rundown.repeats_last_move(command.value, None, now_ms)
    index = target.index if target.id is None else timer.rundown.index_of(target.id)
    return index is not None and timer.rundown.repeats_last_move(command.value, index, now_ms)


def load_next(timer: Timer, now_ms: float, target: Payload) -> Timer:
    assert isinstance(target, CueTarget) and timer.rundown.next_index is not None
    return load(timer, timer.rundown.next_index, now_ms, target.start, Command.NEXT)


def load_previous(timer: Timer, now_ms: float, target: Payload) -> Timer:
    assert isinstance(target, CueTarget) and timer.rundown.current is not None
    return load(timer, timer.rundown.current - 1, now_ms, target.start, Command.PREVIOUS)


def load_named(timer: Timer, now_ms: float, target: Payload) -> Timer:
    """The cue a `cue` command names, by index or by id."""
    assert isinstance(target, CueTarget)
    count = len(timer.rundown.cues)
    if target.id is not None:
        index = timer.rundown.index_of(target.id)
        if index is None:
            raise ProtocolError(ErrorCode.NOT_FOUND, f"the rundown has no cue with the id {target.id!r}")
    else:
        index = target.index if target.index is not None else -1
        if not 0 <= index < count:
            raise ProtocolError(ErrorCode.NOT_FOUND, f"the rundown has cues 0 to {count - 1}, not {index}")
    return load(timer, index, now_ms, target.start, Command.CUE)


def load(timer: Timer, index: int, now_ms: float, start: bool, command: Command) -> Timer:
    """Cue `index` on the timer: a countdown of its duration, reset, and running from `now_ms` if `start`."""
    cue = timer.rundown.cues[index]
    loaded = replace(timer, mode=Mode.COUNTDOWN, duration_ms=cue.duration_ms, initial_ms=0,
                     rundown=timer.rundown.loaded(index, command.value, now_ms))
    loaded = loaded.apply(Command.RESET, now_ms)
    return loaded.apply(Command.START, now_ms) if start else loaded


def end_of_cue(timer: Timer) -> Timer:
    """A running countdown has reached its end: it finishes, or with auto-advance the next cue runs from that end."""
    assert timer.anchor_ms is not None and timer.end_ms is not None
    ended_at = timer.anchor_ms + timer.end_ms - timer.banked_ms  # the monotonic instant it reached zero
    rundown = timer.rundown
    following = rundown.next_index if rundown.auto_advance and rundown.current is not None else None
    if following is None:
        last = rundown.current is not None and rundown.next_index is None
        return replace(timer.ended(), rundown=rundown.ended(ended_at) if last else rundown)
    cue = rundown.cues[following]
    handed_over = replace(timer, duration_ms=cue.duration_ms, adjusted_ms=0.0,
                          rundown=rundown.loaded(following, Command.NEXT.value, ended_at),
                          status=Status.RUNNING, banked_ms=0.0, anchor_ms=ended_at, version=timer.version + 1)
    return handed_over


def offset_ms(timer: Timer, now_ms: float) -> float | None:
    """How much later (+) or earlier (-) than planned the last cue will end, if everything left runs as planned:
    counting adjustments, overtime and pauses. None before any cue has run (there is no schedule yet)."""
    rundown = timer.rundown
    if rundown.plan_end_ms is None or rundown.current is None:
        return None
    if rundown.ended_ms is not None and timer.status is Status.FINISHED:  # the last cue ended: frozen
        return rundown.ended_ms - rundown.plan_end_ms
    remaining = max(timer.remaining_ms(now_ms) or 0.0, 0.0)
    return now_ms + remaining + rundown.planned_from(rundown.current + 1) - rundown.plan_end_ms
