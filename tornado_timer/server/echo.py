"""`/echo`: a WebSocket that sends back every message as it came (text or binary), for conformance tests and
teaching."""

from __future__ import annotations

import contextlib
from typing import Any

from tornado import websocket

from .admission import Admission
from .guard import GuardedSocket

ECHO_MAX_MESSAGE_BYTES = 16 * 1024 * 1024  # Autobahn's largest cases (9.x) send 16 MiB messages


class EchoSocket(GuardedSocket):
    """Unlike the timer socket it takes large messages, as a general echo server must; it waits for each echo to
    be sent before reading the next message, so a client that sends without reading is held back by TCP instead
    of filling the server's memory. It counts against --max-connections. Like the timer socket, it offers no
    permessage-deflate: the server never compresses (a 90-byte tick gains nothing from it).
    """

    def initialize(self, admission: Admission) -> None:
        self.admission = admission

    async def get(self, *args: Any, **kwargs: Any) -> None:
        refusal = self.admission.connection(self.request.host)
        if refusal is not None:
            return self.refuse(refusal)
        await super().get(*args, **kwargs)

    @property
    def max_message_size(self) -> int:
        return ECHO_MAX_MESSAGE_BYTES

    def open(self, *args: Any, **kwargs: Any) -> None:
        self.admission.echo_connections.add(self)

    async def on_message(self, message: str | bytes) -> None:
        with contextlib.suppress(websocket.WebSocketClosedError):
            await self.write_message(message, binary=isinstance(message, bytes))

    def on_close(self) -> None:
        self.admission.echo_connections.discard(self)
