"""How a timer's time is written on a display: the one rule, shared by the page and the widget.

`static/format.js` is the same rule in JavaScript, function for function (`formatClock`, `clockOptions`,
`shownValue`, `clockText`); tests/data/display_cases.json is one table of cases both must pass.

- A countdown shows the time left (its duration moved by `adjusted_ms`), rounded *up*: it reads 00:01 until the
  very last moment and 00:00 only at the end, so "00:00" always means "time is up". A stopwatch shows the time run,
  rounded *down*: 00:01 appears once a whole second has passed.
- A countdown in overtime (set with `overtime`, past zero) counts up again with a plus, like a stopwatch:
  "+00:00" for the first second past zero, then "+00:01". Without overtime it stays at 00:00.
- Tenths only when the timer ticks faster than once a second.
- Hours only when the timer's scale needs them (a countdown's length, a stopwatch's time so far), so a 90-minute
  countdown keeps its width when it passes below an hour; without them minutes go past 59 ("75:00").
- A rundown's schedule offset (`schedule_text`) reads "+3:20 behind", "1:05 ahead" or "on schedule": whole seconds
  counted as a stopwatch counts them, minutes without a leading zero.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, TypedDict

MS_PER_TENTH = 100
MS_PER_SECOND = 1000
MS_PER_MINUTE = 60 * MS_PER_SECOND
MS_PER_HOUR = 60 * MS_PER_MINUTE


class ClockOptions(TypedDict):
    tenths: bool
    hours: bool
    round_up: bool


def format_clock(ms: float, tenths: bool = False, hours: bool = False, round_up: bool = False) -> str:
    """`mm:ss`, or `hh:mm:ss` with `hours`, then `.t` with `tenths`; `round_up` for countdowns, whose negative
    values (overtime) are written as the time past zero with a plus."""
    if round_up and ms < 0:
        return "+" + format_clock(-ms, tenths, hours)
    unit = MS_PER_TENTH if tenths else MS_PER_SECOND
    whole_units = math.ceil(max(0.0, ms) / unit) if round_up else math.floor(max(0.0, ms) / unit)
    shown = whole_units * unit  # whole units only, so every field below agrees
    h = shown // MS_PER_HOUR
    m = (shown % MS_PER_HOUR) // MS_PER_MINUTE + (0 if hours else h * 60)
    s = (shown % MS_PER_MINUTE) // MS_PER_SECOND
    text = f"{h:02d}:{m:02d}:{s:02d}" if hours else f"{m:02d}:{s:02d}"
    if tenths:
        text += f".{(shown % MS_PER_SECOND) // MS_PER_TENTH}"
    return text


def clock_options(timer: Mapping[str, Any]) -> ClockOptions:
    """The formatting a timer (a snapshot, as on the wire) needs."""
    countdown = timer["mode"] == "countdown"
    scale = timer["duration_ms"] if countdown else timer["elapsed_ms"]
    return ClockOptions(tenths=timer["interval_ms"] < MS_PER_SECOND, hours=scale >= MS_PER_HOUR, round_up=countdown)


def shown_value(timer: Mapping[str, Any], elapsed_ms: float) -> float:
    """What the display shows at `elapsed_ms`: the time left for a countdown (below zero only in overtime), the time
    run for a stopwatch."""
    if timer["mode"] != "countdown":
        return float(elapsed_ms)
    left = float(timer["duration_ms"] + timer.get("adjusted_ms", 0) - elapsed_ms)
    return left if timer.get("overtime") else max(0.0, left)


def clock_text(timer: Mapping[str, Any], elapsed_ms: float | None = None) -> str:
    """The display's text for `timer` at `elapsed_ms` (by default the snapshot's own `elapsed_ms`)."""
    elapsed = timer["elapsed_ms"] if elapsed_ms is None else elapsed_ms
    return format_clock(shown_value(timer, elapsed), **clock_options(timer))


def schedule_text(offset_ms: float | None) -> str:
    """The schedule's offset as an operator reads it: "+3:20 behind", "1:05 ahead", "on schedule" when less than a
    second off, and "" while there is no schedule (no cue has run yet)."""
    if offset_ms is None:
        return ""
    size = abs(offset_ms)
    if size < MS_PER_SECOND:
        return "on schedule"
    text = format_clock(size, hours=size >= MS_PER_HOUR)
    text = text[1:] if text[0] == "0" and text[1] != ":" else text  # "03:20" -> "3:20", "00:45" -> "0:45"
    return f"+{text} behind" if offset_ms > 0 else f"{text} ahead"
