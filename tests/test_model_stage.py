"""The stage features of the model with a fake clock: adjustments, overtime, phases and the message."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tornado_timer.core.model import (
    OVERTIME_AFTER_MS,
    Adjustment,
    Command,
    EventKind,
    Mode,
    Phase,
    Settings,
    Status,
    Timer,
)
from tornado_timer.core.stage_message import MessageUpdate, StageMessage


def countdown(duration_ms: int = 60_000, interval_ms: int = 1000, overtime: bool = False,
              warning_ms: int | None = None, danger_ms: int | None = None) -> Timer:
    settings = Settings(Mode.COUNTDOWN, duration_ms=duration_ms, interval_ms=interval_ms, overtime=overtime,
                        warning_ms=warning_ms, danger_ms=danger_ms)
    return Timer.create("t", settings, 1000)


def adjust(timer: Timer, delta_ms: int, now_ms: float) -> Timer:
    return timer.apply(Command.ADJUST, now_ms, Adjustment(delta_ms))


def events(timer: Timer, start_ms: float, count: int) -> list[tuple[float, int, EventKind]]:
    """The scheduler's next `count` events, each taken at its own moment, as a timer's channel does."""
    found, now, seq = [], start_ms, -1
    while len(found) < count and (event := timer.next_event(now, after_seq=seq)) is not None:
        found.append((event.at_ms, event.seq, event.kind))
        now = event.at_ms
        if event.kind is EventKind.FINISH:
            timer = timer.settle(now)
        elif event.kind is EventKind.TICK:
            seq = event.seq
    return found


@given(st.integers(1_000, 3_600_000), st.integers(-3_600_000, 3_600_000).filter(bool), st.floats(0, 0.999),
       st.booleans())
def test_an_adjustment_moves_the_remaining_time_by_exactly_its_delta(duration: int, delta: int, share: float,
                                                                    paused: bool) -> None:
    timer = countdown(duration, overtime=True).apply(Command.START, 0.0)
    now = share * duration
    if paused:
        timer = timer.apply(Command.PAUSE, now)
    before = timer.remaining_ms(now)
    adjusted = adjust(timer, delta, now)
    assert before is not None and adjusted.remaining_ms(now) == pytest.approx(before + delta)
    assert adjusted.elapsed_ms(now) == timer.elapsed_ms(now), "the elapsed time (and the tick grid) stays"
    assert adjusted.adjusted_ms == delta and adjusted.status is timer.status
    later = now + 1234.5
    if not paused:
        assert adjusted.remaining_ms(later) == pytest.approx(before + delta - 1234.5)


def test_without_overtime_an_adjustment_to_zero_or_below_ends_a_running_countdown_at_once() -> None:
    timer = countdown(60_000).apply(Command.START, 0.0)
    ended = adjust(timer, -59_000, 10_000)
    assert (ended.status, ended.remaining_ms(10_000), ended.version) == (Status.FINISHED, 0, timer.version + 1)
    paused = adjust(timer.apply(Command.PAUSE, 10_000), -120_000, 20_000)
    assert (paused.status, paused.remaining_ms(20_000)) == (Status.PAUSED, 0), "paused: it stops at zero"
    assert adjust(paused, 30_000, 21_000).remaining_ms(21_000) == 30_000


def test_a_stopwatchs_elapsed_time_moves_by_the_delta_and_never_below_zero() -> None:
    timer = Timer.create("s", Settings(Mode.STOPWATCH), 1000).apply(Command.START, 0.0)
    later = adjust(timer, 90_000, 5_000)
    assert later.elapsed_ms(5_000) == 95_000 and later.elapsed_ms(6_000) == 96_000
    floored = adjust(later, -3_600_000, 6_000)
    assert floored.elapsed_ms(6_000) == 0 and floored.adjusted_ms == 90_000 - 96_000
    assert floored.phase_at(6_000) is Phase.NORMAL


def test_adjusted_ms_is_the_sum_since_the_last_start_reset_or_set() -> None:
    timer = adjust(adjust(countdown().apply(Command.START, 0.0), 60_000, 1_000), -15_000, 2_000)
    assert timer.adjusted_ms == 45_000
    paused = timer.apply(Command.PAUSE, 3_000)
    assert paused.apply(Command.START, 4_000).adjusted_ms == 45_000, "resuming keeps it"
    assert paused.apply(Command.RESET, 5_000).adjusted_ms == 0
    finished = timer.settle(200_000)
    assert finished.apply(Command.START, 200_001).adjusted_ms == 0, "a start from the beginning clears it"


@given(st.integers(2, 3_600), st.integers(1, 1_000), st.data())
def test_phases_change_exactly_at_the_thresholds(duration_s: int, interval_ms: int, data: st.DataObject) -> None:
    duration = duration_s * 1000
    warning = data.draw(st.integers(2, duration))
    danger = data.draw(st.integers(1, warning - 1))
    timer = countdown(duration, interval_ms=max(10, interval_ms), overtime=True, warning_ms=warning,
                      danger_ms=danger).apply(Command.START, 0.0)
    assert timer.phase_at(duration - warning - 1) is Phase.NORMAL
    assert timer.phase_at(duration - warning) is Phase.WARNING
    assert timer.phase_at(duration - danger - 1) is Phase.WARNING
    assert timer.phase_at(duration - danger) is Phase.DANGER
    assert timer.phase_at(duration) is Phase.DANGER
    assert timer.phase_at(duration + 1) is Phase.OVERTIME


def test_each_phase_change_is_its_own_event_between_ticks() -> None:
    timer = countdown(10_000, interval_ms=1000, overtime=True, warning_ms=3_500, danger_ms=1_200)
    found = events(timer.apply(Command.START, 0.0), 0.0, 14)
    phases = [(at, kind) for at, _, kind in found if kind is EventKind.PHASE]
    assert phases == [(6_500, EventKind.PHASE), (8_800, EventKind.PHASE), (10_000 + OVERTIME_AFTER_MS,
                                                                            EventKind.PHASE)]
    ticks = [(at, seq) for at, seq, kind in found if kind is EventKind.TICK]
    assert all(at == seq * 1000 for at, seq in ticks), "the ticks stay on the grid"
    assert [seq for _, seq in ticks] == list(range(1, 12))


@given(st.integers(10, 5_000), st.integers(1, 60_000), st.floats(0, 600_000))
def test_overtime_ticks_stay_on_the_grid_past_zero(interval_ms: int, duration_ms: int, late_ms: float) -> None:
    timer = countdown(duration_ms, interval_ms=interval_ms, overtime=True).apply(Command.START, 1_000.0)
    now = 1_000.0 + duration_ms + late_ms
    assert timer.settle(now) is timer and timer.status is Status.RUNNING
    event = timer.next_event(now)
    if event is not None and event.kind is EventKind.PHASE:  # just at zero: the overtime phase begins first
        assert late_ms < OVERTIME_AFTER_MS and event.at_ms == 1_000.0 + duration_ms + OVERTIME_AFTER_MS
        event = timer.next_event(event.at_ms)
    assert event is not None and event.kind is EventKind.TICK
    assert event.at_ms - 1_000.0 == pytest.approx(event.seq * interval_ms, abs=1e-6)
    remaining = timer.remaining_ms(event.at_ms)
    assert remaining is not None and remaining == pytest.approx(duration_ms - event.seq * interval_ms)
    if abs(late_ms - 0.001) > 1e-6:  # the microsecond that counts as "reached" is the model's rounding, not a rule
        assert timer.phase_at(now) is (Phase.OVERTIME if late_ms > 0.001 else Phase.NORMAL)


def test_without_overtime_the_end_is_a_finish_and_nothing_follows() -> None:
    found = events(countdown(2_500, interval_ms=1000).apply(Command.START, 0.0), 0.0, 10)
    assert found == [(1000, 1, EventKind.TICK), (2000, 2, EventKind.TICK), (2500, 3, EventKind.FINISH)]


def test_pause_resume_and_reset_work_as_usual_in_overtime() -> None:
    timer = countdown(1_000, overtime=True).apply(Command.START, 0.0)
    paused = timer.apply(Command.PAUSE, 5_000)
    assert (paused.remaining_ms(99_999), paused.phase_at(99_999)) == (-4_000, Phase.OVERTIME)
    resumed = paused.apply(Command.RESUME, 10_000)
    assert resumed.remaining_ms(11_000) == -5_000
    reset = resumed.apply(Command.RESET, 12_000)
    assert (reset.status, reset.remaining_ms(13_000), reset.phase_at(13_000)) == (Status.IDLE, 1_000, Phase.NORMAL)


def test_thresholds_and_overtime_are_for_countdowns_and_danger_comes_after_warning() -> None:
    for bad in ({"overtime": True}, {"warning_ms": 5}):
        with pytest.raises(ValueError):
            Settings(Mode.STOPWATCH, **bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        Settings(Mode.COUNTDOWN, duration_ms=10, warning_ms=5, danger_ms=5)


def test_a_message_is_a_partial_update_kept_through_reset_and_set() -> None:
    timer = countdown().apply(Command.MESSAGE, 0.0, MessageUpdate(text="wrap up", visible=True))
    timer = timer.apply(Command.MESSAGE, 1.0, MessageUpdate(blink=True))
    assert timer.message == StageMessage(text="wrap up", visible=True, blink=True, blackout=False)
    kept = timer.apply(Command.RESET, 2.0).apply(Command.SET, 3.0, Settings(Mode.STOPWATCH))
    assert kept.message == timer.message and kept.version == timer.version + 2
    with pytest.raises(ValueError):
        MessageUpdate()
