"""The timer model with a fake clock: every transition, legal and illegal, and the tick grid."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tornado_timer.core.model import (
    TRANSITIONS,
    Adjustment,
    Command,
    CueTarget,
    IllegalTransition,
    Mode,
    Payload,
    RundownUpdate,
    Settings,
    Status,
    Timer,
)
from tornado_timer.core.rundown import CueSpec
from tornado_timer.core.stage_message import MessageUpdate

COUNTDOWN_5S = Settings(Mode.COUNTDOWN, duration_ms=5000)
PAYLOAD: dict[Command, Payload] = {Command.SET: COUNTDOWN_5S, Command.ADJUST: Adjustment(1000),
                                   Command.MESSAGE: MessageUpdate(text="wrap up"),
                                   Command.RUNDOWN: RundownUpdate((CueSpec("Keynote", 5000),)),
                                   Command.NEXT: CueTarget(), Command.PREVIOUS: CueTarget(),
                                   Command.CUE: CueTarget(index=0)}


def stopwatch(initial_ms: int = 0, interval_ms: int = 1000) -> Timer:
    return Timer.create("t", Settings(Mode.STOPWATCH, initial_ms=initial_ms, interval_ms=interval_ms), 1000)


def countdown(duration_ms: int = 5000, interval_ms: int = 1000) -> Timer:
    return Timer.create("t", Settings(Mode.COUNTDOWN, duration_ms=duration_ms, interval_ms=interval_ms), 1000)


def in_status(status: Status) -> Timer:
    """A countdown brought into `status` by legal moves."""
    timer = countdown()
    if status is Status.IDLE:
        return timer
    timer = timer.apply(Command.START, 0)
    if status is Status.PAUSED:
        return timer.apply(Command.PAUSE, 1000)
    if status is Status.FINISHED:
        return timer.settle(6000)
    return timer


def test_a_new_timer_is_idle_at_its_initial_value() -> None:
    timer = stopwatch(initial_ms=1500)
    assert (timer.status, timer.elapsed_ms(123456), timer.version) == (Status.IDLE, 1500, 0)
    assert countdown().remaining_ms(99) == 5000


def test_running_values_are_derived_from_the_clock_not_counted() -> None:
    timer = stopwatch(initial_ms=1000).apply(Command.START, now_ms=10_000)
    assert timer.elapsed_ms(10_000) == 1000
    assert timer.elapsed_ms(13_250.5) == 4250.5
    assert timer.elapsed_ms(3_610_000) == 3_601_000


def test_pause_banks_the_elapsed_time_and_resume_goes_on_from_it() -> None:
    timer = stopwatch().apply(Command.START, 0).apply(Command.PAUSE, 3400)
    assert (timer.status, timer.elapsed_ms(99_999)) == (Status.PAUSED, 3400)
    resumed = timer.apply(Command.RESUME, 10_000)
    assert resumed.elapsed_ms(10_600) == 4000


def test_start_while_paused_resumes() -> None:
    paused = stopwatch().apply(Command.START, 0).apply(Command.PAUSE, 2000)
    assert paused.apply(Command.START, 5000).elapsed_ms(5000) == 2000


def test_start_when_finished_runs_from_the_beginning() -> None:
    finished = in_status(Status.FINISHED)
    restarted = finished.apply(Command.START, 10_000)
    assert (restarted.status, restarted.remaining_ms(10_000)) == (Status.RUNNING, 5000)


def test_reset_goes_back_to_idle_at_the_initial_value_keeping_the_settings() -> None:
    timer = stopwatch(initial_ms=700, interval_ms=250).apply(Command.START, 0).apply(Command.RESET, 5000)
    assert (timer.status, timer.elapsed_ms(9000), timer.interval_ms, timer.mode) == (
        Status.IDLE, 700, 250, Mode.STOPWATCH,
    )


def test_set_makes_a_new_idle_timer_and_keeps_the_interval_unless_given() -> None:
    running = stopwatch(interval_ms=250).apply(Command.START, 0)
    changed = running.apply(Command.SET, 100, COUNTDOWN_5S)
    assert (changed.status, changed.mode, changed.duration_ms, changed.interval_ms) == (
        Status.IDLE, Mode.COUNTDOWN, 5000, 250,
    )
    faster = changed.apply(Command.SET, 200, Settings(Mode.STOPWATCH, interval_ms=100, initial_ms=60_000))
    assert (faster.interval_ms, faster.elapsed_ms(0), faster.duration_ms) == (100, 60_000, None)


def test_a_countdown_stops_at_zero_and_settles_as_finished() -> None:
    running = countdown(2500).apply(Command.START, 1000)
    assert running.remaining_ms(3400) == pytest.approx(100)
    assert running.remaining_ms(99_000) == 0
    assert running.settle(3400) is running
    finished = running.settle(3500)
    assert (finished.status, finished.remaining_ms(10**9), finished.version) == (
        Status.FINISHED, 0, running.version + 1,
    )


def test_every_command_changes_the_version_by_one() -> None:
    timer = countdown()
    for command, now in [(Command.START, 0), (Command.PAUSE, 1), (Command.RESUME, 2), (Command.RESET, 3)]:
        changed = timer.apply(command, now)
        assert changed.version == timer.version + 1
        timer = changed


LEGAL = {
    (Status.IDLE, Command.START): Status.RUNNING,
    (Status.FINISHED, Command.START): Status.RUNNING,
    (Status.PAUSED, Command.START): Status.RUNNING,
    (Status.PAUSED, Command.RESUME): Status.RUNNING,
    (Status.RUNNING, Command.PAUSE): Status.PAUSED,
    (Status.RUNNING, Command.ADJUST): Status.RUNNING,
    (Status.PAUSED, Command.ADJUST): Status.PAUSED,
    **{(status, Command.RESET): Status.IDLE for status in Status},
    **{(status, Command.SET): Status.IDLE for status in Status},
    **{(status, Command.MESSAGE): status for status in Status},
    **{(status, Command.RUNDOWN): status for status in Status},
    # Every status allows the rundown's moves; whether there is a cue to move to is the rundown's question
    # (tests/test_rundown_model.py). Here the timer has no rundown, so they are refused for that reason.
    **{(status, move): Status.IDLE for status in Status for move in (Command.NEXT, Command.PREVIOUS, Command.CUE)},
}
MOVES = (Command.NEXT, Command.PREVIOUS, Command.CUE)


@pytest.mark.parametrize("status", list(Status))
@pytest.mark.parametrize("command", list(Command))
def test_the_transition_table(status: Status, command: Command) -> None:
    timer = in_status(status)
    payload = PAYLOAD.get(command)
    if command in MOVES:
        with pytest.raises(IllegalTransition, match=f"cannot {command.value}: the timer has no rundown"):
            timer.apply(command, 1500, payload)
    elif (status, command) in LEGAL:
        assert timer.apply(command, 1500, payload).status is LEGAL[(status, command)]
    else:
        with pytest.raises(IllegalTransition, match=f"cannot {command.value}: the timer is {status.value}"):
            timer.apply(command, 1500, payload)


def test_the_table_has_exactly_the_legal_moves() -> None:
    assert set(TRANSITIONS) == set(LEGAL)


def test_set_needs_settings_and_other_commands_refuse_them() -> None:
    with pytest.raises(ValueError):
        countdown().apply(Command.SET, 0)
    with pytest.raises(ValueError):
        countdown().apply(Command.START, 0, COUNTDOWN_5S)
    with pytest.raises(ValueError):
        Settings(Mode.COUNTDOWN)


def test_ticks_land_on_the_grid_after_pause_and_resume() -> None:
    paused = stopwatch().apply(Command.START, 0).apply(Command.PAUSE, 3400)
    assert paused.next_event(5000) is None
    resumed = paused.apply(Command.RESUME, 10_000)
    event = resumed.next_event(10_000)
    assert event is not None
    assert (event.seq, event.at_ms, event.finishes) == (4, pytest.approx(10_600), False)


def test_an_off_grid_countdown_end_is_its_own_event() -> None:
    running = countdown(2500).apply(Command.START, 0)
    events = []
    now, seq = 0.0, -1
    while (event := running.next_event(now, after_seq=seq)) is not None and len(events) < 10:
        events.append((event.seq, round(event.at_ms), event.finishes))
        now, seq = event.at_ms, event.seq
        if event.finishes:
            break
    assert events == [(1, 1000, False), (2, 2000, False), (3, 2500, True)]


def test_a_late_scheduler_gets_the_next_future_grid_point() -> None:
    running = stopwatch(interval_ms=100).apply(Command.START, 0)
    event = running.next_event(now_ms=1234.0, after_seq=3)
    assert event is not None
    assert (event.seq, event.at_ms) == (13, pytest.approx(1300))
    assert running.seq_at(1234.0) == 12


@given(
    interval_ms=st.integers(10, 3_600_000),
    start_ms=st.floats(0, 1e9),
    hours=st.floats(0, 1000),
)
def test_no_drift_the_kth_tick_is_at_k_intervals(interval_ms: int, start_ms: float, hours: float) -> None:
    running = stopwatch(interval_ms=interval_ms).apply(Command.START, start_ms)
    now = start_ms + hours * 3_600_000
    event = running.next_event(now)
    assert event is not None
    assert event.at_ms - start_ms == pytest.approx(event.seq * interval_ms, abs=1e-3)
    assert event.at_ms > now - 1e-3


@given(st.lists(st.tuples(st.sampled_from(list(Command)), st.floats(0, 100_000)), max_size=30))
def test_any_sequence_of_commands_keeps_the_invariants(moves: list[tuple[Command, float]]) -> None:
    timer, now = countdown(5000), 0.0
    for command, step in moves:
        now += step
        timer = timer.settle(now)
        try:
            changed = timer.apply(command, now, PAYLOAD.get(command))
        except IllegalTransition:
            continue
        assert changed.version == timer.version + 1
        timer = changed
        remaining = timer.remaining_ms(now)
        assert remaining is not None and timer.end_ms is not None and 0 <= remaining <= timer.end_ms
        assert (timer.anchor_ms is not None) == (timer.status is Status.RUNNING)
