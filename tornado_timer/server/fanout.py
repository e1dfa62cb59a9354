"""Sending to clients: one outbox per connection, and the broadcast of one message to many.

This is the hot path of the server: a running timer sends the same tick to every client of it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from typing import Any, Protocol

from tornado import websocket


class HasOutbox(Protocol):
    outbox: Outbox


class Outbox:
    """Everything the server sends to one client goes through its outbox."""

    def __init__(self, handler: websocket.WebSocketHandler, fast: bool = True) -> None:
        self.handler = handler
        self.fast = fast  # False: Tornado's plain write_message for everything (the benchmark's baseline)

    def send(self, text: str, droppable: bool = False) -> None:
        """Queue `text`; a client that has gone is skipped, not an error. Ticks are `droppable`."""
        connection = self.handler.ws_connection
        if connection is None or connection.is_closing():
            return
        with contextlib.suppress(websocket.WebSocketClosedError):
            self.handler.write_message(text).add_done_callback(_retrieve)


def broadcast(subscribers: Iterable[HasOutbox], text: str, droppable: bool = False) -> None:
    """Send the same, already encoded text to every subscriber."""
    for subscriber in subscribers:
        subscriber.outbox.send(text, droppable)


def _retrieve(future: Any) -> None:
    """Mark a failed write's error as seen: a client closing mid-write is normal, not worth a traceback."""
    if not future.cancelled():
        future.exception()
