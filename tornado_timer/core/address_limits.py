"""A rate limit per client address for the HTTP API: one token bucket per address, in a bounded table.

An HTTP client has no connection to hang a limit on (each request may come on a new one), so the limit follows the
address. The table holds at most `max_addresses`: when a new address comes to a full table, the one seen least
recently leaves it (and starts afresh if it comes back), so memory stays bounded whoever sends. Pure: the clock is
passed in.
"""

from __future__ import annotations

import math
from collections import OrderedDict

from .errors import ErrorCode, ProtocolError
from .ratelimit import TokenBucket

MAX_ADDRESSES = 10_000


class RateLimited(ProtocolError):
    """Too many requests from one address; `retry_after` (whole seconds) is when one will pass again."""

    def __init__(self, rate: float, retry_after: int) -> None:
        super().__init__(ErrorCode.RATE_LIMITED, f"more than {rate:g} requests per second from this address; "
                         f"try again in {retry_after} s")
        self.retry_after = retry_after


class AddressLimits:
    """`rate` requests per second per address, in bursts of up to twice that."""

    def __init__(self, rate: float, max_addresses: int = MAX_ADDRESSES) -> None:
        self.rate = rate
        self.max_addresses = max_addresses
        self._buckets: OrderedDict[str, TokenBucket] = OrderedDict()

    def __len__(self) -> int:
        return len(self._buckets)

    def check(self, address: str, now_ms: float) -> None:
        """Let one request from `address` through at `now_ms`, or raise RateLimited."""
        bucket = self._buckets.get(address)
        if bucket is None:
            bucket = self._buckets[address] = TokenBucket(self.rate, 2 * self.rate)
            if len(self._buckets) > self.max_addresses:
                self._buckets.popitem(last=False)  # the least recently seen
        else:
            self._buckets.move_to_end(address)
        if not bucket.allow(now_ms):
            raise RateLimited(self.rate, max(1, math.ceil((1.0 - bucket.tokens) / self.rate)))
