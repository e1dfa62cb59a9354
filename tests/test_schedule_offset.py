"""The schedule's offset as a client carries it forward between messages, and as the widget writes it.

The rule (`core/schedule_offset.py`) is checked against the server's own formula (`cues.offset_ms`): whatever a
rundown went through, the offset a client extrapolates from a state is the one the server would send at that
moment, as long as nothing happened in between that the server announces with a new state.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tornado_timer.core.cues import offset_ms
from tornado_timer.core.display import schedule_text
from tornado_timer.core.errors import ProtocolError
from tornado_timer.core.messages import State
from tornado_timer.core.model import (
    Adjustment,
    Command,
    CueTarget,
    IllegalTransition,
    Mode,
    RundownUpdate,
    Settings,
    Status,
    Timer,
)
from tornado_timer.core.rundown import CueSpec
from tornado_timer.core.schedule_offset import offset_grows, offset_now


@pytest.mark.parametrize(("status", "phase", "last_cue_on", "grows"), [
    ("running", "normal", False, False),
    ("running", "warning", True, False),
    ("running", "overtime", False, True),
    ("running", "overtime", True, True),
    ("idle", "normal", False, True),
    ("idle", "normal", True, True),
    ("paused", "danger", True, True),
    ("finished", "normal", False, True),
    ("finished", "normal", True, False),
])
def test_when_the_offset_grows(status: str, phase: str, last_cue_on: bool, grows: bool) -> None:
    assert offset_grows(status, phase, last_cue_on) is grows


def test_the_offset_now() -> None:
    assert offset_now(None, 5000, status="paused", phase="normal", last_cue_on=False) is None
    assert offset_now(-1500, 2000.4, status="paused", phase="normal", last_cue_on=False) == 500
    assert offset_now(-1500, 2000.4, status="running", phase="normal", last_cue_on=False) == -1500
    assert offset_now(300, -50, status="idle", phase="normal", last_cue_on=False) == 300, "never backwards"


MOVES = ("wait", "start", "pause", "resume", "reset", "next", "previous", "cue", "adjust")


def moved(timer: Timer, move: str, now: float, data: st.DataObject) -> Timer:
    """`timer` after `move` at `now`, as the server would carry it out (a refused move changes nothing)."""
    start = data.draw(st.booleans())
    steps = {
        "next": lambda: timer.apply(Command.NEXT, now, CueTarget(start=start)),
        "previous": lambda: timer.apply(Command.PREVIOUS, now, CueTarget(start=start)),
        "cue": lambda: timer.apply(Command.CUE, now, CueTarget(data.draw(st.integers(0, 4)), start=start)),
        "adjust": lambda: timer.apply(Command.ADJUST, now, Adjustment(data.draw(st.integers(-30_000, 30_000)))),
    }
    try:
        after = steps[move]() if move in steps else timer if move == "wait" else timer.apply(Command(move), now)
    except (IllegalTransition, ProtocolError):  # not allowed now, or a cue index past the end
        return timer
    if move == "adjust" and after.status is Status.FINISHED:
        return timer  # a cue ended by an adjustment: see test_a_cue_ended_by_an_adjustment_ends_the_rundown
    return after


@settings(deadline=None)  # many model steps per example, on a busy machine
@given(st.lists(st.integers(1000, 60_000), min_size=1, max_size=5), st.booleans(), st.booleans(), st.data())
def test_the_client_rule_agrees_with_the_servers_formula(durations: list[int], overtime: bool, auto: bool,
                                                        data: st.DataObject) -> None:
    timer = Timer.create("t", Settings(Mode.COUNTDOWN, duration_ms=1000, overtime=overtime), 1000)
    cues = tuple(CueSpec(f"cue {n}", duration) for n, duration in enumerate(durations))
    now = 1000.0
    timer = timer.apply(Command.RUNDOWN, now, RundownUpdate(cues, auto))
    timer = timer.apply(Command.CUE, now, CueTarget(data.draw(st.integers(0, len(durations) - 1)), start=True))
    for move in data.draw(st.lists(st.sampled_from(MOVES), max_size=8)):
        now += data.draw(st.integers(0, 90_000))
        timer = timer.settle(now)
        if timer.rundown.ended_ms is not None:
            break  # the rundown is over
        timer = moved(timer, move, now, data)
    now += data.draw(st.integers(0, 90_000))
    timer = timer.settle(now)
    state = State.of(timer, now, 0.0)
    remaining = timer.remaining_ms(now) or 0.0
    counting_down = state.timer.status == "running" and state.timer.phase != "overtime"
    if counting_down and remaining <= 0:
        return  # the millisecond between zero and overtime: the server announces overtime a moment later
    later = now + data.draw(st.floats(0, remaining if counting_down else 600_000))
    expected = offset_ms(timer, later)
    carried = offset_now(state.schedule.offset_ms, later - now, status=state.timer.status, phase=state.timer.phase,
                         last_cue_on=state.cue is not None and state.next_cue is None)
    assert (carried is None) == (expected is None)
    assert carried is None or expected is None or abs(carried - expected) <= 1, (carried, expected)


def one_cue_run_to_its_end() -> Timer:
    """A rundown of one 1-second cue that started at 1000 and ended at 2000: the rundown is over."""
    timer = Timer.create("t", Settings(Mode.COUNTDOWN, duration_ms=1000), 1000)
    timer = timer.apply(Command.RUNDOWN, 1000.0, RundownUpdate((CueSpec("only", 1000),)))
    timer = timer.apply(Command.CUE, 1000.0, CueTarget(0, start=True)).settle(2000.0)
    assert timer.status is Status.FINISHED and offset_ms(timer, 9000.0) == 0
    return timer


def carried_forward(timer: Timer, at: float, later: float) -> int | None:
    """The offset a client that got the state of `at` works out at `later`."""
    state = State.of(timer, at, 0.0)
    return offset_now(state.schedule.offset_ms, later - at, status=state.timer.status, phase=state.timer.phase,
                      last_cue_on=state.cue is not None and state.next_cue is None)


def test_a_cue_ended_by_an_adjustment_ends_the_rundown() -> None:
    timer = Timer.create("t", Settings(Mode.COUNTDOWN, duration_ms=1000), 1000)
    timer = timer.apply(Command.RUNDOWN, 1000.0, RundownUpdate((CueSpec("only", 5000),)))
    timer = timer.apply(Command.CUE, 1000.0, CueTarget(0, start=True))
    timer = timer.apply(Command.ADJUST, 2000.0, Adjustment(-4000))
    assert timer.status is Status.FINISHED
    assert offset_ms(timer, 9000.0) == carried_forward(timer, 2000.0, 9000.0) == -4000  # ended at 2000, planned 6000


def test_a_reset_after_the_rundown_ended() -> None:
    timer = one_cue_run_to_its_end().apply(Command.RESET, 3000.0)
    assert offset_ms(timer, 9000.0) == carried_forward(timer, 3000.0, 9000.0)


@pytest.mark.parametrize(("offset", "text"), [
    (None, ""),
    (0, "on schedule"),
    (999, "on schedule"),
    (-999.9, "on schedule"),
    (1000, "+0:01 behind"),
    (-1000, "0:01 ahead"),
    (45_999, "+0:45 behind"),
    (200_000, "+3:20 behind"),
    (-65_000, "1:05 ahead"),
    (600_000, "+10:00 behind"),
    (3_599_999, "+59:59 behind"),
    (3_600_000, "+1:00:00 behind"),
    (-3_723_000, "1:02:03 ahead"),
    (-45_000_000, "12:30:00 ahead"),
])
def test_the_offset_as_the_widget_writes_it(offset: float | None, text: str) -> None:
    assert schedule_text(offset) == text
