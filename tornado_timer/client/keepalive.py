"""Keepalive: notice a connection that died without a close (a laptop lid shut, a Wi-Fi change, a NAT that forgot).

TCP alone says nothing about such a connection for minutes. The rule is the page's heartbeat: once a connection has
been quiet for `interval` seconds, send the protocol's `ping`; if nothing at all arrives within `timeout` seconds of
it, the connection is dead. A timer that ticks keeps its connection busy, so it costs no pings at all.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable

DEFAULT_PING_INTERVAL = 10.0  # seconds of quiet before a ping (the page's heartbeat)
DEFAULT_PING_TIMEOUT = 5.0  # seconds to wait for any message after it (the page's deadline)


def check_keepalive(interval: float | None, timeout: float) -> float | None:
    """The interval to use (None: keepalive off, as 0 also says), or ValueError for values that make no sense."""
    if interval is None or interval == 0:
        return None
    if not (isinstance(interval, (int, float)) and math.isfinite(interval) and interval > 0):
        raise ValueError(f"ping_interval must be None or 0 (off) or a number of seconds above 0, not {interval!r}")
    if not (isinstance(timeout, (int, float)) and math.isfinite(timeout) and timeout > 0):
        raise ValueError(f"ping_timeout must be a number of seconds above 0, not {timeout!r}")
    return float(interval)


class Keepalive:
    """Watches one connection: call `heard()` for every message; `dead` completes when the peer is found silent."""

    def __init__(self, interval: float, timeout: float, ping: Callable[[], None]) -> None:
        self.interval, self.timeout = interval, timeout
        self._ping = ping
        self._loop = asyncio.get_running_loop()
        self._heard_at = self._loop.time()
        self.dead: asyncio.Task[None] = asyncio.ensure_future(self._watch())

    def heard(self) -> None:
        """A message arrived: the connection is alive."""
        self._heard_at = self._loop.time()

    def stop(self) -> None:
        self.dead.cancel()

    async def _watch(self) -> None:
        """Return once a ping went unanswered (nothing at all arrived within the timeout)."""
        while True:
            quiet_for = self._loop.time() - self._heard_at
            if quiet_for < self.interval:
                await asyncio.sleep(self.interval - quiet_for)
                continue
            pinged_at = self._loop.time()
            self._ping()
            await asyncio.sleep(self.timeout)
            if self._heard_at < pinged_at:
                return
