"""Human durations for the HTTP API (core/durations.py): the forms people type, and what is not a duration."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tornado_timer.core.durations import MAX_CHARS, format_duration, parse_duration, seconds_to_ms

GOOD = [
    ("90", 90_000), ("-30", -30_000), ("+15", 15_000), ("0", 0), ("1.5", 1500), ("0.001", 1), ("0.0005", 1),
    ("5m", 300_000), ("-1m", -60_000), ("1h", 3_600_000), ("1h30m", 5_400_000), ("1h30m15s", 5_415_000),
    ("90s", 90_000), ("500ms", 500), ("2m500ms", 120_500), ("1.5h", 5_400_000), ("0.5m", 30_000),
    ("1:30", 90_000), ("-0:30", -30_000), ("0:05", 5000), ("90:00", 5_400_000), ("1:02:03", 3_723_000),
    ("0:00:01.5", 1500), ("10:59.25", 659_250), (" 5M ", 300_000), ("1H30M", 5_400_000),
]
BAD = [
    "", " ", "-", "+", "--5", "+-5", "abc", "5 m", "5min", "m", "h1", "1m1h", "1s1m", "5m5m", "1h-30m",
    "1:3", "1:60", "1:75", "1:60:00", "1:00:60", ":30", "1:", "1::30", "1:30:", "1e3", "nan", "inf", "0x10",
    "1,5", "5m 30s", "1.", ".5", "1..5", "٣", "1" * (MAX_CHARS + 1), "5d",
]


@pytest.mark.parametrize(("text", "ms"), GOOD)
def test_the_forms_people_type(text: str, ms: int) -> None:
    assert parse_duration(text) == ms


@pytest.mark.parametrize("text", BAD)
def test_what_is_not_a_duration_is_refused_with_examples(text: str) -> None:
    with pytest.raises(ValueError, match="duration"):
        parse_duration(text)


def test_a_json_number_is_seconds() -> None:
    assert (seconds_to_ms(90), seconds_to_ms(-0.5), seconds_to_ms(0.1)) == (90_000, -500, 100)
    for bad in (float("nan"), float("inf"), True, "5"):
        with pytest.raises(ValueError):
            seconds_to_ms(bad)  # type: ignore[arg-type]


@given(st.integers(min_value=-(10**12), max_value=10**12))
def test_every_whole_millisecond_round_trips_through_its_human_form(ms: int) -> None:
    text = format_duration(ms)
    assert len(text) <= MAX_CHARS
    assert parse_duration(text) == ms


@given(st.integers(0, 99), st.integers(0, 59), st.integers(0, 59), st.booleans())
def test_clock_and_unit_forms_agree(hours: int, minutes: int, seconds: int, negative: bool) -> None:
    sign = "-" if negative else ""
    expected = (-1 if negative else 1) * ((hours * 60 + minutes) * 60 + seconds) * 1000
    assert parse_duration(f"{sign}{hours}:{minutes:02}:{seconds:02}") == expected
    assert parse_duration(f"{sign}{hours}h{minutes}m{seconds}s") == expected
    assert parse_duration(f"{sign}{hours * 60 + minutes}:{seconds:02}") == expected
    assert parse_duration(f"{sign}{(hours * 60 + minutes) * 60 + seconds}") == expected


@given(st.text(max_size=40))
def test_any_text_is_a_duration_or_a_value_error(text: str) -> None:
    try:
        result = parse_duration(text)
    except ValueError:
        return
    assert isinstance(result, int)
