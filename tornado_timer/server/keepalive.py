"""Keepalive pings for every timer client from one scheduled callback, instead of a Task per connection.

Tornado's own keepalive (`websocket_ping_interval`) starts an asyncio Task per connection that sleeps between
pings: about 1.1 KB per connection held for its whole life, and a Task created on every handshake. Here one
callback runs `ROUNDS` times per `interval`; each round pings the next slice of clients in turn (so every client is
pinged once per interval, and 10,000 clients cost the loop 500 pings at a time, never 10,000 at once, which would
hold up a tick) and closes those pinged more than `timeout` ago that have not answered with a pong, as Tornado does
("ping timed out"). Detection takes at most interval + timeout + one round, as with Tornado's.
"""

from __future__ import annotations

import contextlib
import math
from collections import deque
from typing import Any, Protocol

from tornado import websocket
from tornado.ioloop import IOLoop
from tornado.iostream import StreamClosedError

ROUNDS = 20  # rounds per interval: each pings about a twentieth of the clients


class Pingable(Protocol):
    """A client as the keepalive sees it (a WebSocketHandler)."""

    def ping(self, data: str | bytes = b"") -> None: ...

    def close(self, code: int | None = None, reason: str | None = None) -> None: ...


class Keepalive:
    """Pings every client it holds once each `interval` seconds, a slice at a time; `interval` 0 turns it off."""

    def __init__(self, interval: float, timeout: float) -> None:
        self.interval = interval
        self.timeout = min(timeout, interval) if interval else timeout
        self._clients: set[Pingable] = set()
        self._turns: deque[Pingable] = deque()  # the order of pinging; entries of clients gone are skipped
        self._unanswered: dict[Pingable, float] = {}  # pinged at (loop time) and not answered yet, oldest first
        self._pending: Any = None  # the next round, while any client is held

    def __len__(self) -> int:
        return len(self._clients)

    def add(self, client: Pingable) -> None:
        """Hold `client`: its first ping comes about one interval from now."""
        if not self.interval or client in self._clients:
            return
        self._clients.add(client)
        self._turns.append(client)
        if self._pending is None:
            self._pending = IOLoop.current().call_later(self.interval / ROUNDS, self._round)

    def discard(self, client: Pingable) -> None:
        self._clients.discard(client)
        self._unanswered.pop(client, None)

    def pong(self, client: Pingable) -> None:
        """`client` answered a ping."""
        self._unanswered.pop(client, None)

    def stop(self) -> None:
        """Forget every client and cancel the callback (the server is stopping)."""
        self._clients.clear()
        self._turns.clear()
        self._unanswered.clear()
        if self._pending is not None:
            IOLoop.current().remove_timeout(self._pending)
            self._pending = None

    def _round(self) -> None:
        if not self._clients:
            self._turns.clear()
            self._pending = None  # nobody to keep alive: the next client restarts it
            return
        now = IOLoop.current().time()
        self._close_silent(now)
        self._ping_next(math.ceil(len(self._clients) / ROUNDS), now)
        self._pending = IOLoop.current().call_later(self.interval / ROUNDS, self._round)

    def _close_silent(self, now: float) -> None:
        """Close the clients pinged more than `timeout` ago that have not answered (oldest first: stop at the
        first that still has time)."""
        while self._unanswered:
            client, pinged_at = next(iter(self._unanswered.items()))
            if now - pinged_at < self.timeout:
                return
            del self._unanswered[client]
            self._clients.discard(client)
            client.close(1000, "ping timed out")

    def _ping_next(self, count: int, now: float) -> None:
        """Ping the next `count` clients in turn (each goes to the back of the line)."""
        while count > 0 and self._turns:
            client = self._turns.popleft()
            if client not in self._clients:
                continue  # gone: dropped from the line now
            self._turns.append(client)
            count -= 1
            if client in self._unanswered:
                continue  # still has time to answer its last ping
            self._unanswered[client] = now
            with contextlib.suppress(websocket.WebSocketClosedError, StreamClosedError):
                client.ping()
