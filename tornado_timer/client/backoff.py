"""Reconnect delays, and the clock the protocol's times are on."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass


def wall_clock_ms() -> float:
    """Epoch milliseconds, the unit of every time in the protocol."""
    return time.time() * 1000.0


@dataclass(frozen=True)
class Backoff:
    """Reconnect delays: `initial * factor**attempt`, capped at `maximum`, spread by +-`jitter` (a fraction).

    Jitter keeps a roomful of clients from reconnecting in lockstep after a server restart.
    """

    initial: float = 0.1
    factor: float = 2.0
    maximum: float = 5.0
    jitter: float = 0.2

    def delay(self, attempt: int, rng: random.Random | None = None) -> float:
        """Seconds to wait before reconnect attempt number `attempt` (0-based)."""
        # The exponent is capped: a client left retrying for hours must not overflow a float (2.0 ** 1030).
        base = min(self.maximum, self.initial * self.factor ** min(max(0, attempt), 64))
        if not self.jitter:
            return base
        spread = (rng or random.Random()).uniform(-self.jitter, self.jitter)
        return max(0.0, base * (1.0 + spread))
