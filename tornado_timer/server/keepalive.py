"""Keepalive pings for every timer client from one scheduled callback, instead of a Task per connection.

Tornado's own keepalive (`websocket_ping_interval`) starts an asyncio Task per connection that sleeps between
pings: about 1.1 KB per connection held for its whole life, and a Task created on every handshake. Here one
callback runs `ROUNDS` times per `interval`. Each round closes the clients pinged more than `timeout` ago that have
not answered with a pong, as Tornado does ("ping timed out"), and pings those whose last ping (or joining) is at
least `interval` old, at most a `ROUNDS`th of the clients at a time: every client is pinged about once per
interval, and a room that joined at once is pinged a slice at a time (10,000 pings in one callback would hold up a
tick). Detection takes at most interval + timeout + two rounds, as with Tornado's.
"""

from __future__ import annotations

import contextlib
import math
from typing import Any, Protocol

from tornado import websocket
from tornado.ioloop import IOLoop
from tornado.iostream import StreamClosedError

ROUNDS = 20  # rounds per interval: each pings at most about a twentieth of the clients


class Pingable(Protocol):
    """A client as the keepalive sees it (a WebSocketHandler)."""

    def ping(self, data: str | bytes = b"") -> None: ...

    def close(self, code: int | None = None, reason: str | None = None) -> None: ...


class Keepalive:
    """Pings every client it holds about once each `interval` seconds, a slice at a time; `interval` 0: off."""

    def __init__(self, interval: float, timeout: float) -> None:
        self.interval = interval
        self.timeout = min(timeout, interval) if interval else timeout
        self._last_pinged: dict[Pingable, float] = {}  # every client: last pinged (or joined), in that order
        self._unanswered: dict[Pingable, float] = {}  # pinged at, and not answered yet: oldest first
        self._pending: Any = None  # the next round, while any client is held

    def __len__(self) -> int:
        return len(self._last_pinged)

    def add(self, client: Pingable) -> None:
        """Hold `client`: its first ping comes one interval from now."""
        if not self.interval or client in self._last_pinged:
            return
        self._last_pinged[client] = IOLoop.current().time()
        if self._pending is None:
            self._pending = IOLoop.current().call_later(self.interval / ROUNDS, self._round)

    def discard(self, client: Pingable) -> None:
        self._last_pinged.pop(client, None)
        self._unanswered.pop(client, None)

    def pong(self, client: Pingable) -> None:
        """`client` answered a ping."""
        self._unanswered.pop(client, None)

    def stop(self) -> None:
        """Forget every client and cancel the callback (the server is stopping)."""
        self._last_pinged.clear()
        self._unanswered.clear()
        if self._pending is not None:
            IOLoop.current().remove_timeout(self._pending)
            self._pending = None

    def _round(self) -> None:
        if not self._last_pinged:
            self._pending = None  # nobody to keep alive: the next client restarts it
            return
        now = IOLoop.current().time()
        self._close_silent(now)
        self._ping_due(now, math.ceil(len(self._last_pinged) / ROUNDS))
        self._pending = IOLoop.current().call_later(self.interval / ROUNDS, self._round)

    def _close_silent(self, now: float) -> None:
        """Close the clients pinged more than `timeout` ago that have not answered (oldest first: stop at the
        first that still has time)."""
        while self._unanswered:
            client, pinged_at = next(iter(self._unanswered.items()))
            if now - pinged_at < self.timeout:
                return
            self.discard(client)
            client.close(1000, "ping timed out")

    def _ping_due(self, now: float, most: int) -> None:
        """Ping up to `most` clients whose last ping is at least an interval old (oldest first); each goes to the
        back of the line."""
        for _ in range(most):
            if not self._last_pinged:
                return
            client, last = next(iter(self._last_pinged.items()))
            if now - last < self.interval:
                return
            del self._last_pinged[client]
            self._last_pinged[client] = now
            self._unanswered.setdefault(client, now)  # an older unanswered ping keeps its time
            with contextlib.suppress(websocket.WebSocketClosedError, StreamClosedError):
                client.ping()
