"""The rundown in the model, with plain numbers: loading cues, auto-advance chains, the schedule's offset, limits."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tornado_timer.core.cues import offset_ms
from tornado_timer.core.errors import ErrorCode, ProtocolError
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
    allowed_now,
)
from tornado_timer.core.record import from_record, to_record
from tornado_timer.core.rundown import MAX_CUES, CueSpec, Rundown, RundownError

MIN = 60_000


def with_rundown(durations: list[int], auto_advance: bool = False, **settings: object) -> Timer:
    timer = Timer.create("show", Settings(Mode.STOPWATCH), 1000)
    if settings:
        timer = timer.apply(Command.SET, 0, Settings(Mode.COUNTDOWN, duration_ms=1000, **settings))  # type: ignore[arg-type]
    cues = tuple(CueSpec(f"cue {n}", d, note=f"note {n}") for n, d in enumerate(durations))
    return timer.apply(Command.RUNDOWN, 0, RundownUpdate(cues, auto_advance))


def move(timer: Timer, command: Command, now: float, **target: object) -> Timer:
    return timer.apply(command, now, CueTarget(**target))  # type: ignore[arg-type]


def test_a_rundown_gets_stable_ids_and_a_cue_sent_back_keeps_its_id() -> None:
    timer = with_rundown([5 * MIN, 20 * MIN, 10 * MIN])
    assert [cue.id for cue in timer.rundown.cues] == ["c1", "c2", "c3"]
    kept = (CueSpec("Welcome", 5 * MIN, id="c1"), CueSpec("New", MIN), CueSpec("Keynote", 20 * MIN, id="c2"))
    edited = timer.apply(Command.RUNDOWN, 0, RundownUpdate(kept))
    assert [cue.id for cue in edited.rundown.cues] == ["c1", "c4", "c2"]  # never an id used before
    assert edited.rundown.planned_ms == 26 * MIN


def test_loading_makes_an_idle_countdown_of_the_cue_keeping_the_timers_thresholds() -> None:
    timer = with_rundown([5 * MIN, 20 * MIN], overtime=True, warning_ms=30_000, danger_ms=10_000)
    loaded = move(timer, Command.NEXT, 1000)
    assert (loaded.mode, loaded.status, loaded.duration_ms, loaded.rundown.current) == (
        Mode.COUNTDOWN, Status.IDLE, 5 * MIN, 0)
    assert (loaded.overtime, loaded.warning_ms, loaded.danger_ms) == (True, 30_000, 10_000)
    started = move(loaded, Command.NEXT, 2000, start=True)
    assert (started.status, started.duration_ms, started.remaining_ms(2000)) == (Status.RUNNING, 20 * MIN, 20 * MIN)
    back = move(started, Command.PREVIOUS, 3000)
    assert (back.rundown.current, back.status) == (0, Status.IDLE)
    by_id = move(back, Command.CUE, 4000, id="c2", start=True)
    assert (by_id.rundown.current, by_id.status) == (1, Status.RUNNING)
    assert move(by_id, Command.CUE, 5000, index=0).rundown.current == 0


def test_moves_without_a_cue_for_them_are_refused_and_change_nothing() -> None:
    bare = Timer.create("t", Settings(Mode.STOPWATCH), 1000)
    for command in (Command.NEXT, Command.PREVIOUS, Command.CUE):
        with pytest.raises(IllegalTransition, match="no rundown"):
            move(bare, command, 0, index=0) if command is Command.CUE else move(bare, command, 0)
    timer = with_rundown([MIN, MIN])
    with pytest.raises(IllegalTransition, match="no cue is on"):
        move(timer, Command.PREVIOUS, 0)
    last = move(timer, Command.CUE, 0, index=1)
    with pytest.raises(IllegalTransition, match="the last cue is on") as refused:
        move(last, Command.NEXT, 0)
    assert refused.value.code is ErrorCode.INVALID_STATE
    with pytest.raises(IllegalTransition, match="the first cue is on"):
        move(move(timer, Command.NEXT, 0), Command.PREVIOUS, 0)
    for target in ({"index": 2}, {"id": "c9"}):
        with pytest.raises(ProtocolError) as missing:
            move(timer, Command.CUE, 0, **target)
        assert missing.value.code is ErrorCode.NOT_FOUND


def test_allowed_lists_only_the_moves_with_a_cue() -> None:
    timer = with_rundown([MIN, MIN])
    assert {Command.NEXT, Command.CUE} <= set(allowed_now(timer)) and Command.PREVIOUS not in allowed_now(timer)
    last = move(timer, Command.CUE, 0, index=1)
    assert Command.PREVIOUS in allowed_now(last) and Command.NEXT not in allowed_now(last)
    assert not {Command.NEXT, Command.PREVIOUS, Command.CUE} & set(allowed_now(Timer("bare")))


def test_ten_one_second_cues_chain_without_a_gap_on_the_grid() -> None:
    timer = move(with_rundown([1000] * 10, auto_advance=True), Command.NEXT, 5000, start=True)
    events = []
    now = 5000.0
    while timer.status is Status.RUNNING:
        event = timer.next_event(now)
        assert event is not None
        now = event.at_ms + 3.7  # every callback a little late: the chain must not drift with it
        if event.finishes:
            events.append(event.at_ms)
            timer = timer.settle(now)
    assert events == [5000.0 + 1000 * k for k in range(1, 11)]
    assert timer.status is Status.FINISHED and timer.rundown.current == 9
    assert offset_ms(timer, 99_999) == 0  # ended exactly on plan, frozen


def test_a_server_that_looked_away_catches_up_through_several_cues_at_once() -> None:
    timer = move(with_rundown([1000, 2000, 3000], auto_advance=True), Command.NEXT, 0, start=True)
    caught_up = timer.settle(3500)  # cue 0 ended at 1000, cue 1 at 3000; cue 2 runs since 3000
    assert (caught_up.status, caught_up.rundown.current, caught_up.remaining_ms(3500)) == (
        Status.RUNNING, 2, 2500)
    assert caught_up.version == timer.version + 2  # one version per hand-over


def test_overtime_holds_a_cue_past_zero_instead_of_advancing() -> None:
    timer = move(with_rundown([1000, 1000], auto_advance=True, overtime=True), Command.NEXT, 0, start=True)
    assert timer.settle(5000) is timer and timer.remaining_ms(5000) == -4000
    assert offset_ms(timer, 5000) == 4000  # four seconds of overtime: the day ends four seconds late


def test_without_auto_advance_a_cue_finishes_and_the_day_keeps_slipping() -> None:
    timer = move(with_rundown([1000, 1000]), Command.NEXT, 0, start=True)
    finished = timer.settle(1000)
    assert (finished.status, finished.rundown.current) == (Status.FINISHED, 0)
    assert offset_ms(finished, 1000) == 0 and offset_ms(finished, 4000) == 3000


def test_the_worked_example_of_the_reference() -> None:
    """docs/protocol.md, *The schedule*: welcome 5, keynote 20, Q&A 10 minutes."""
    timer = with_rundown([5 * MIN, 20 * MIN, 10 * MIN], auto_advance=True)
    assert offset_ms(timer, 0) is None and timer.rundown.planned_ms == 35 * MIN
    timer = move(timer, Command.NEXT, 0, start=True)  # 9:00 welcome starts: the plan ends at 9:35
    assert offset_ms(timer, 2 * MIN) == 0
    timer = timer.apply(Command.PAUSE, 2 * MIN).apply(Command.RESUME, 3 * MIN)  # a minute's pause
    assert offset_ms(timer, 3 * MIN) == MIN
    timer = timer.settle(6 * MIN)  # welcome ends 9:06, keynote starts at once
    timer = timer.apply(Command.ADJUST, 10 * MIN, payload=Adjustment(2 * MIN))  # the speaker gets two more minutes
    assert offset_ms(timer, 10 * MIN) == 3 * MIN
    timer = move(timer, Command.NEXT, 20 * MIN, start=True)  # keynote cut short at 9:20, Q&A starts
    assert offset_ms(timer, 20 * MIN) == -5 * MIN  # cut 8 minutes short of its 9:28 end: now 5 minutes ahead
    timer = timer.settle(30 * MIN)
    assert timer.status is Status.FINISHED and offset_ms(timer, 45 * MIN) == -5 * MIN  # ended 9:30, plan 9:35


@given(st.lists(st.integers(1000, 10 * MIN), min_size=1, max_size=8), st.data())
def test_the_offset_is_projected_end_minus_planned_end(durations: list[int], data: st.DataObject) -> None:
    """Whatever the operator does, the offset is when the last cue would end, less when the plan said."""
    timer = move(with_rundown(durations), Command.NEXT, 0, start=True)
    now = 0.0
    for _ in range(data.draw(st.integers(0, 12))):
        now += data.draw(st.integers(0, 5 * MIN))
        timer = timer.settle(now)
        allowed = [c for c in allowed_now(timer) if c in (Command.PAUSE, Command.RESUME, Command.START,
                                                            Command.NEXT, Command.PREVIOUS, Command.RESET)]
        if allowed:
            command = data.draw(st.sampled_from(allowed))
            timer = move(timer, command, now) if command in (Command.NEXT, Command.PREVIOUS) else timer.apply(
                command, now)
    timer = timer.settle(now)
    offset, rundown = offset_ms(timer, now), timer.rundown
    if rundown.plan_end_ms is None:
        assert offset is None
        return
    assert rundown.current is not None and offset is not None
    left = max(timer.remaining_ms(now) or 0, 0) + sum(durations[rundown.current + 1:])
    over = rundown.ended_ms is not None and timer.status is Status.FINISHED
    projected = rundown.ended_ms if over else now + left
    assert offset == pytest.approx(projected - rundown.plan_end_ms)
    remaining = timer.remaining_ms(now)
    if timer.status is Status.RUNNING and remaining is not None and remaining > 10:
        assert offset_ms(timer, now + 10) == pytest.approx(offset)  # a cue running to plan keeps the offset


def test_editing_keeps_the_cue_on_and_the_offset_and_losing_it_ends_the_schedule() -> None:
    timer = move(with_rundown([MIN, MIN, MIN]), Command.CUE, 0, index=1, start=True)
    assert offset_ms(timer, 0) == 0
    cues = timer.rundown.cues
    added = (*(CueSpec(c.title, c.duration_ms, id=c.id) for c in cues), CueSpec("Encore", 5 * MIN))
    edited = timer.apply(Command.RUNDOWN, 1000, RundownUpdate(added))
    assert edited.rundown.current == 1 and offset_ms(edited, 1000) == offset_ms(timer, 1000) == 0
    longer = (CueSpec("cue 1", 2 * MIN, id="c2"), *added[2:])  # the cue on runs as loaded: its new length waits
    assert offset_ms(edited.apply(Command.RUNDOWN, 1000, RundownUpdate((added[0], *longer))), 1000) == 0
    setting = edited.apply(Command.RUNDOWN, 1500, RundownUpdate(None, auto_advance=True))
    assert setting.rundown.auto_advance and setting.rundown.cues == edited.rundown.cues
    gone = edited.apply(Command.RUNDOWN, 2000, RundownUpdate((CueSpec("Other", MIN),)))
    assert gone.rundown.current is None and offset_ms(gone, 2000) is None
    assert gone.status is Status.RUNNING  # the countdown itself goes on: only the rundown changed
    assert edited.apply(Command.SET, 3000, Settings(Mode.STOPWATCH)).rundown.current is None


def test_text_edits_keep_ids_by_title_or_by_place() -> None:
    timer = move(with_rundown([MIN, MIN]), Command.CUE, 0, index=1)
    inserted = (CueSpec("Opening", MIN), CueSpec("cue 0", MIN), CueSpec("cue 1", 2 * MIN))
    edited = timer.apply(Command.RUNDOWN, 0, RundownUpdate(inserted, match_titles=True))
    assert [c.id for c in edited.rundown.cues] == ["c3", "c1", "c2"] and edited.rundown.current == 2
    renamed = (CueSpec("Opening", MIN), CueSpec("cue 0", MIN), CueSpec("Keynote", 2 * MIN))
    again = edited.apply(Command.RUNDOWN, 0, RundownUpdate(renamed, match_titles=True))
    assert [c.id for c in again.rundown.cues] == ["c3", "c1", "c2"] and again.rundown.current == 2


def test_limits() -> None:
    for bad in (dict(title="", duration_ms=MIN), dict(title="x" * 121, duration_ms=MIN),
                dict(title="t", duration_ms=999), dict(title="t", duration_ms=24 * 60 * MIN + 1),
                dict(title="t", duration_ms=MIN, note="n" * 501), dict(title="t", duration_ms=MIN, id="a b")):
        with pytest.raises(RundownError):
            CueSpec(**bad)  # type: ignore[arg-type]
    with pytest.raises(RundownError, match="at most 200"):
        Rundown().replaced(tuple(CueSpec("t", MIN) for _ in range(MAX_CUES + 1)), None)
    with pytest.raises(RundownError, match="same id"):
        Rundown().replaced((CueSpec("a", MIN, id="x"), CueSpec("b", MIN, id="x")), None)


def test_a_record_round_trips_the_rundown_across_clocks() -> None:
    timer = move(with_rundown([MIN, 2 * MIN], auto_advance=True), Command.NEXT, 1000, start=True)
    record = to_record(timer, now_ms=1500, wall_ms=1_700_000_000_000)
    elsewhere = from_record(record, now_ms=90_000, wall_ms=1_700_000_000_500)  # another process, 500 ms later
    assert elsewhere.rundown.cues == timer.rundown.cues and elsewhere.rundown.current == 0
    assert offset_ms(elsewhere, 90_000) == pytest.approx(offset_ms(timer, 2000))
    assert not elsewhere.differs_from(timer)
    old = {key: value for key, value in record.items() if key != "rundown"}
    assert from_record(old, 0, 0).rundown == Rundown()  # a record saved before rundowns


def test_the_same_move_within_a_second_is_the_same_press() -> None:
    timer = with_rundown([MIN, MIN, MIN])
    once = move(timer, Command.NEXT, 1000)
    assert move(once, Command.NEXT, 1999) is once  # a second operator, or a double click: nothing more
    assert move(once, Command.NEXT, 2000).rundown.current == 1  # a second later it is a press of its own
    clicked = move(once, Command.CUE, 1500, index=2)
    assert move(clicked, Command.CUE, 1600, id="c3") is clicked  # the same cue clicked twice
    assert move(clicked, Command.CUE, 1600, index=0).rundown.current == 0
    assert move(move(once, Command.NEXT, 2000), Command.PREVIOUS, 2100).rundown.current == 0
    handed_over = move(with_rundown([1000, MIN], auto_advance=True), Command.NEXT, 0, start=True).settle(1000)
    assert move(handed_over, Command.NEXT, 1400) is handed_over  # pressed as it ended: the hand-over was the press
