"""NTP-style offset and round-trip estimation."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tornado_timer.core.clocksync import Sample, best_samples, estimate


def test_symmetric_trip_gives_the_exact_offset() -> None:
    # the server's clock is 500 ahead; 10 out, 2 in the server, 10 back
    s = Sample(t0=1000, t1=1510, t2=1512, t3=1022)
    assert s.rtt == 20 and s.offset == 500 and s.error_bound == 10


def test_pong_sample_has_one_server_time() -> None:
    s = Sample.from_pong(sent=0, server_time=105, received=10)
    assert (s.t1, s.t2, s.rtt, s.offset) == (105, 105, 10, 100)


def test_estimate_keeps_the_fastest_samples() -> None:
    good = [Sample(0, 505, 505, 10), Sample(100, 606, 606, 112), Sample(200, 705, 705, 210)]
    slow = [Sample(300, 900, 900, 500)]  # queued on the way out: offset 500 would be badly off
    est = estimate(good + slow, keep=3)
    assert est.used == tuple(sorted(good, key=lambda s: s.rtt))
    assert est.offset == pytest.approx(500, abs=1) and est.rtt == 10 and est.total == 4
    assert best_samples(good + slow, keep=1) == [good[0]]


def test_estimate_needs_samples() -> None:
    with pytest.raises(ValueError):
        estimate([])
    with pytest.raises(ValueError):
        best_samples([Sample(0, 0, 0, 0)], keep=0)


@given(
    offset=st.floats(-1e6, 1e6),
    out=st.floats(0, 500),
    back=st.floats(0, 500),
    hold=st.floats(0, 50),
    t0=st.floats(0, 1e12),
)
def test_offset_error_is_within_half_the_round_trip(
    offset: float, out: float, back: float, hold: float, t0: float
) -> None:
    t1 = t0 + out + offset
    t2 = t1 + hold
    t3 = t2 - offset + back
    s = Sample(t0, t1, t2, t3)
    assert s.rtt == pytest.approx(out + back, abs=1e-3)
    assert abs(s.offset - offset) <= s.error_bound + 1e-3
