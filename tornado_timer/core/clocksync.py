"""Clock offset and round-trip time from ping/pong samples, the way NTP does it.

A sample is four timestamps: t0 the client sends, t1 the server receives, t2 the server answers, t3 the
client receives. t0 and t3 are on the client's clock, t1 and t2 on the server's. Then

    round trip  delta = (t3 - t0) - (t2 - t1)
    offset      theta = ((t1 - t0) + (t2 - t3)) / 2      (server clock minus client clock)

The offset is exact when the two legs of the trip take equally long, and wrong by at most delta / 2
otherwise, so the samples with the smallest round trip are the most trustworthy: keep those. Pure code, no
clock is read here. The protocol's `pong` carries one server time, so t1 == t2 (the server's handling time
counts as network time).
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

__all__ = ["Estimate", "Sample", "best_samples", "estimate"]


@dataclass(frozen=True)
class Sample:
    """One exchange: t0 and t3 on the client's clock, t1 and t2 on the server's, all in the same unit."""

    t0: float
    t1: float
    t2: float
    t3: float

    @classmethod
    def from_pong(cls, sent: float, server_time: float, received: float) -> Sample:
        """A sample from a protocol pong, whose one `server_time` stands for both t1 and t2."""
        return cls(sent, server_time, server_time, received)

    @property
    def rtt(self) -> float:
        """Time on the wire both ways: the whole trip less the time the server held the message."""
        return (self.t3 - self.t0) - (self.t2 - self.t1)

    @property
    def offset(self) -> float:
        """How far the server's clock is ahead of the client's (negative: behind)."""
        return ((self.t1 - self.t0) + (self.t2 - self.t3)) / 2

    @property
    def error_bound(self) -> float:
        """The offset is right to within this much, however asymmetric the path."""
        return self.rtt / 2


@dataclass(frozen=True)
class Estimate:
    """The offset and round trip made from the best samples, with the samples used."""

    offset: float
    rtt: float
    error_bound: float
    used: tuple[Sample, ...]
    total: int


def best_samples(samples: Iterable[Sample], keep: int = 3) -> list[Sample]:
    """The `keep` samples with the lowest round trip, lowest first (least queued, so most symmetric)."""
    if keep < 1:
        raise ValueError("keep at least one sample")
    return sorted(samples, key=lambda s: s.rtt)[:keep]


def estimate(samples: Sequence[Sample], keep: int = 3) -> Estimate:
    """Offset and round trip from the `keep` lowest-round-trip samples.

    The offset is the median of their offsets (one odd sample cannot pull it), the round trip their lowest.
    """
    if not samples:
        raise ValueError("no samples to estimate from")
    best = best_samples(samples, keep)
    offset = statistics.median(s.offset for s in best)
    rtt = best[0].rtt
    return Estimate(offset=offset, rtt=rtt, error_bound=rtt / 2, used=tuple(best), total=len(samples))
