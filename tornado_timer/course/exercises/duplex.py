"""Notebook 3's exercises: the four timestamps of an asymmetric path and the offset NTP makes of them, and an offset
estimate from your own pings."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from ...client import TimerClient, wall_clock_ms
from ...core import clocksync
from ..exercise import Exercise, Report, fresh_server


def timestamps(t0: float, offset: float, to_server: float, back: float) -> tuple[float, float, float, float]:
    """The four timestamps of one ping: sent at t0 (our clock), `to_server` ms on the way there, answered at once
    on a clock `offset` ms ahead of ours, `back` ms on the way back."""
    t1 = t0 + to_server + offset  # the server's clock when the ping arrives
    t2 = t1  # it answers at once
    t3 = t0 + to_server + back  # our clock when the pong arrives
    return t0, t1, t2, t3


async def check_timestamps(report: Report, answer: Callable[..., Any]) -> None:
    rng = random.Random(1305)
    cases = [(1000.0, 100.0, 10.0, 30.0), (0.0, -250.0, 5.0, 5.0)]
    cases += [(rng.uniform(0, 1e6), rng.uniform(-500, 500), rng.uniform(0, 80), rng.uniform(0, 80)) for _ in range(8)]
    for t0, offset, to_server, back in cases:
        got = await report.call(answer, t0, offset, to_server, back)
        expected = timestamps(t0, offset, to_server, back)
        report.expect(len(got) == 4 and all(abs(g - e) < 1e-6 for g, e in zip(got, expected, strict=True)),
                      f"timestamps({t0:g}, {offset:g}, {to_server:g}, {back:g}) should be {expected}, not {got}")
    sample = clocksync.Sample(*timestamps(1000.0, 100.0, 10.0, 30.0))
    report.ok("the four timestamps, for ten paths")
    report.note(f"the 10 ms / 30 ms path: NTP says offset {sample.offset:g} ms (the truth is 100), round trip "
                f"{sample.rtt:g} ms: off by (10 - 30) / 2 = -10 ms, within the bound rtt / 2 = {sample.error_bound:g}")


async def offset_of(client: TimerClient, pings: int) -> float:
    """Ping `pings` times and return the offset of the sample with the lowest round trip."""
    samples = [await client.ping() for _ in range(pings)]
    best = min(samples, key=lambda sample: sample.rtt)
    return best.offset


async def check_offset(report: Report, answer: Callable[..., Any]) -> None:
    skew = random.Random().choice([-180.0, 140.0, 333.0])
    async with fresh_server(interval=1.0) as server:
        client = await TimerClient(server.ws_url(), clock=lambda: wall_clock_ms() - skew).connect()
        try:
            found = await report.call(answer, client, 10)
            pinged = sum(1 for received in client.history if received.message.get("type") == "pong")
        finally:
            await client.aclose()
    report.expect(isinstance(found, (int, float)), f"return the offset as a number of ms, not {found!r}")
    report.expect(pinged >= 5, f"it sent {pinged} pings; use the client's pings to measure")
    report.expect(abs(found - skew) <= 15.0, f"the client's clock is {skew:g} ms behind the server's; your "
                  f"estimate was {found:+.1f} ms", f"a clock {skew:g} ms behind, estimated {found:+.1f} ms "
                  f"from {pinged} pings")


EXERCISES = (
    Exercise("3.1", "the timestamps and the offset of an asymmetric path", "timestamps", check_timestamps,
             timestamps),
    Exercise("3.2", "the offset from your own pings", "offset_of", check_offset, offset_of),
)
