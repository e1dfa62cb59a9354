"""A token bucket: how many messages a connection may send, with a burst. Pure: the clock is passed in."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True)
class TokenBucket:
    """`rate` messages per second on average, up to `burst` at once."""

    rate: float
    burst: float
    tokens: float = -1.0
    updated_ms: float = 0.0

    def allow(self, now_ms: float) -> bool:
        """Take one token if there is one: True means the message may go on."""
        if self.tokens < 0:
            self.tokens, self.updated_ms = self.burst, now_ms
        elapsed_s = max(0.0, now_ms - self.updated_ms) / 1000.0
        self.tokens = min(self.burst, self.tokens + elapsed_s * self.rate)
        self.updated_ms = now_ms
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False
