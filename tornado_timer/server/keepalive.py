"""Keepalive pings for every timer client from one scheduled callback, instead of a Task per connection.

Tornado's own keepalive (`websocket_ping_interval`) starts an asyncio Task per connection that sleeps between
pings: about 1.1 KB per connection held for its whole life, and a Task created on every handshake. Here one
callback pings every client each `interval` seconds and, `timeout` seconds later, closes those that have not
answered with a pong, as Tornado does ("ping timed out"). A client that joined since the last ping is not
checked until it has been pinged. Detection takes at most interval + timeout, as with Tornado's.
"""

from __future__ import annotations

import contextlib
from typing import Any, Protocol

from tornado import websocket
from tornado.ioloop import IOLoop
from tornado.iostream import StreamClosedError


class Pingable(Protocol):
    """A client as the keepalive sees it (a WebSocketHandler)."""

    def ping(self, data: str | bytes = b"") -> None: ...

    def close(self, code: int | None = None, reason: str | None = None) -> None: ...


class Keepalive:
    """Pings every client it holds each `interval` seconds; `interval` 0 turns it off."""

    def __init__(self, interval: float, timeout: float) -> None:
        self.interval = interval
        self.timeout = min(timeout, interval) if interval else timeout
        self._answered: dict[Pingable, bool] = {}  # each client: has it answered the last ping (or joined since)?
        self._pending: Any = None  # the next scheduled callback, while any client is held

    def __len__(self) -> int:
        return len(self._answered)

    def add(self, client: Pingable) -> None:
        if not self.interval:
            return
        self._answered[client] = True
        if self._pending is None:
            self._pending = IOLoop.current().call_later(self.interval, self._ping_all)

    def discard(self, client: Pingable) -> None:
        self._answered.pop(client, None)

    def pong(self, client: Pingable) -> None:
        """`client` answered a ping."""
        if client in self._answered:
            self._answered[client] = True

    def stop(self) -> None:
        """Forget every client and cancel the callback (the server is stopping)."""
        self._answered.clear()
        if self._pending is not None:
            IOLoop.current().remove_timeout(self._pending)
            self._pending = None

    def _ping_all(self) -> None:
        if not self._answered:
            self._pending = None  # nobody to keep alive: the next client restarts it
            return
        for client in list(self._answered):
            self._answered[client] = False
            with contextlib.suppress(websocket.WebSocketClosedError, StreamClosedError):
                client.ping()
        self._pending = IOLoop.current().call_later(self.timeout, self._check)

    def _check(self) -> None:
        for client, answered in list(self._answered.items()):
            if not answered:
                del self._answered[client]
                client.close(1000, "ping timed out")
        self._pending = IOLoop.current().call_later(max(0.0, self.interval - self.timeout), self._ping_all)
