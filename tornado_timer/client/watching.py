"""Watching a client: listeners of every message and of the connection's status, and futures of the next message
that matches. The client calls `_notify` for each message and `_set_status` for each change."""

from __future__ import annotations

import asyncio
import enum
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger("tornado_timer.client")

Message = dict[str, Any]
MessageListener = Callable[[Message], None]
StatusListener = Callable[["ConnectionStatus", str], None]


class ConnectionStatus(str, enum.Enum):
    """Where the client's connection is; listeners get every change."""

    IDLE = "idle"
    CONNECTING = "connecting"
    CONNECTED = "connected"
    RECONNECTING = "reconnecting"
    CLOSED = "closed"


@dataclass
class _Waiter:
    predicate: Callable[[Message], bool]
    future: asyncio.Future[Message] = field(repr=False)


class Watchers:
    """The listeners and waiters of one client (`url` names it in logs)."""

    url: str

    def __init__(self) -> None:
        super().__init__()
        self.status = ConnectionStatus.IDLE
        self.status_detail = ""
        self._waiters: list[_Waiter] = []
        self._listeners: list[MessageListener] = []
        self._status_listeners: list[StatusListener] = []

    def add_listener(self, listener: MessageListener) -> Callable[[], None]:
        """Call `listener(message)` for every message; returns a function that removes it."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def add_status_listener(self, listener: StatusListener) -> Callable[[], None]:
        """Call `listener(status, detail)` on every connection change; returns a function that removes it."""
        self._status_listeners.append(listener)
        return lambda: self._status_listeners.remove(listener) if listener in self._status_listeners else None

    def expect(self, predicate: Callable[[Message], bool]) -> asyncio.Future[Message]:
        """A future of the next message for which `predicate(message)` is true, watching from now on.

        Call it *before* sending what causes the message, so an answer that arrives fast is not missed.
        """
        future: asyncio.Future[Message] = asyncio.get_running_loop().create_future()
        waiter = _Waiter(predicate, future)
        self._waiters.append(waiter)
        future.add_done_callback(lambda _f: self._waiters.remove(waiter) if waiter in self._waiters else None)
        return future

    async def wait_for(self, predicate: Callable[[Message], bool], timeout: float = 5.0) -> Message:
        """The next message for which `predicate(message)` is true (raises `asyncio.TimeoutError`)."""
        return await asyncio.wait_for(self.expect(predicate), timeout)

    async def next_message(self, type: str | None = None, timeout: float = 5.0) -> Message:
        """The next message (of `type`, if given)."""
        return await self.wait_for(lambda m: type is None or m.get("type") == type, timeout)

    def _notify(self, message: Message) -> None:
        for waiter in list(self._waiters):
            if not waiter.future.done() and waiter.predicate(message):
                waiter.future.set_result(message)
        for listener in list(self._listeners):
            try:
                listener(message)
            except Exception:  # a fault barrier: one broken listener must not stop the client
                log.exception("a message listener of %s failed", self.url)

    def _set_status(self, status: ConnectionStatus, detail: str) -> None:
        if status == self.status and detail == self.status_detail:
            return
        self.status, self.status_detail = status, detail
        for listener in list(self._status_listeners):
            try:
                listener(status, detail)
            except Exception:  # a fault barrier, as above
                log.exception("a status listener of %s failed", self.url)
