"""Notebook 4's exercises: write the grid scheduler, and say where the next tick lands after a resume."""

from __future__ import annotations

import asyncio
import itertools
import math
import random
import statistics
import time
from collections.abc import Callable
from typing import Any

from ...core.model import Command, Timer
from ..exercise import Exercise, Report

INTERVAL_S = 0.05
STALL_S = 3.5 * INTERVAL_S  # half an interval off the grid: a scheduler that starts again from the stall shows it
TOLERANCE_MS = 12.0
EARLY_MS = 2.0  # how early a call may come and still count as on its grid point


async def on_grid(callback: Callable[[], None], interval: float, duration: float) -> int:
    """Call `callback` at start + k x interval (k = 1, 2, ...) until `duration` has passed; skip missed grid
    points instead of catching up. Returns how many calls were made."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    calls, k = 0, 1
    while k * interval <= duration + 1e-9:
        await asyncio.sleep(max(0.0, start + k * interval - loop.time()))
        callback()
        calls += 1
        k = math.floor((loop.time() - start) / interval) + 1  # the next grid point still ahead
    return calls


async def check_on_grid(report: Report, answer: Callable[..., Any]) -> None:
    loop = asyncio.get_running_loop()
    calls: list[float] = []

    def callback() -> None:
        calls.append(loop.time())
        if len(calls) == 4:
            time.sleep(STALL_S)  # a slow callback holds up the whole loop

    start = loop.time()
    made = await report.call(answer, callback, INTERVAL_S, 1.0, timeout=5.0)
    offsets = [(at - start) * 1000.0 for at in calls]
    interval_ms = INTERVAL_S * 1000.0
    report.expect(made == len(calls), f"it returned {made} but called back {len(calls)} times")
    report.expect(10 <= len(calls) <= 21, f"{len(calls)} calls in 1 s at {interval_ms:g} ms: expected about 17 "
                  "(20 grid points, 3 lost to the stall)")
    gaps = [b - a for a, b in itertools.pairwise(offsets)]
    report.expect(min(gaps) >= interval_ms / 2, f"two calls {min(gaps):.0f} ms apart: missed grid points must be "
                  "skipped, not made up in a burst", "no burst after the stall: the missed calls were skipped")
    stall_end = offsets[3] + STALL_S * 1000.0
    after = [ms for ms in offsets if ms > stall_end][1:]  # the first may be the late one, as PeriodicCallback's
    # How late each call is after the grid point before it. Not the distance to the nearest grid point: a scheduler
    # aimed at the previous call runs half an interval off after the stall, then drifts later with every sleep's
    # overshoot, and on a busy machine that drift can carry it near the next grid point (an event loop may also
    # fire a hair early, hence the allowance).
    late = [(ms + EARLY_MS) % interval_ms - EARLY_MS for ms in after]
    report.expect(len(after) >= 5, "too few calls after the stall to judge")
    report.expect(statistics.median(late) <= TOLERANCE_MS, "after the stall the calls are "
                  f"{statistics.median(late):.0f} ms past the grid: each one must be aimed at start + k x "
                  "interval, not at the previous call + interval",
                  f"after the {STALL_S * 1000:.0f} ms stall the calls are back on the grid (median "
                  f"{statistics.median(late):.1f} ms past it)")
    last = [abs(ms - round(ms / interval_ms) * interval_ms) for ms in offsets[-3:]]
    report.expect(max(last) <= 2 * TOLERANCE_MS, f"the last calls are {max(last):.0f} ms off the grid: lateness "
                  "accumulates", "nothing accumulates: the last calls are on the grid too")


def next_tick(banked_ms: float, resumed_at_ms: float, interval_ms: int) -> tuple[float, int]:
    """A timer paused at elapsed `banked_ms` resumes at `resumed_at_ms`: when is its next tick, and which seq?"""
    seq = math.floor(banked_ms / interval_ms) + 1  # the next grid point of elapsed time
    return resumed_at_ms + (seq * interval_ms - banked_ms), seq


async def check_next_tick(report: Report, answer: Callable[..., Any]) -> None:
    rng = random.Random(4)
    cases = [(3400, 10_000.0, 1000), (3000, 10_000.0, 1000), (0, 5.0, 100), (999, 0.0, 1000)]
    cases += [(rng.randrange(0, 100_000), rng.uniform(0, 1e6), rng.choice([10, 100, 250, 1000, 60_000]))
              for _ in range(30)]
    for banked, resumed_at, interval in cases:
        expected = _model_next_tick(banked, resumed_at, interval)
        got = await report.call(answer, banked, resumed_at, interval)
        report.expect(isinstance(got, tuple) and len(got) == 2, f"return (at_ms, seq), not {got!r}")
        report.expect(abs(got[0] - expected[0]) < 1e-6 and got[1] == expected[1],
                      f"paused at {banked} ms (interval {interval} ms), resumed at {resumed_at:.3f}: the model says "
                      f"{expected}, yours {got}")
    report.ok(f"{len(cases)} pauses and resumes, the same answers as the server's model (core/model.py)")


def _model_next_tick(banked_ms: int, resumed_at_ms: float, interval_ms: int) -> tuple[float, int]:
    """Ask the real model: a stopwatch started at 0, paused at `banked_ms`, resumed at `resumed_at_ms`."""
    timer = Timer(name="exercise", interval_ms=interval_ms)
    timer = timer.apply(Command.START, -float(banked_ms) - 1.0).apply(Command.PAUSE, -1.0)
    timer = timer.apply(Command.RESUME, resumed_at_ms)
    event = timer.next_event(resumed_at_ms)
    assert event is not None
    return event.at_ms, event.seq


EXERCISES = (
    Exercise("4.1", "write the grid scheduler", "on_grid", check_on_grid, on_grid),
    Exercise("4.2", "where the next tick lands after a resume", "next_tick", check_next_tick, next_tick),
)
