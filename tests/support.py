"""Small helpers shared by the integration tests: a JSON client over Tornado's websocket_connect."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from tornado.httpclient import HTTPRequest
from tornado.websocket import WebSocketClientConnection, websocket_connect

Message = dict[str, Any]


class JsonClient:
    """A test client that reads JSON messages, optionally skipping the ticks in between."""

    def __init__(self, connection: WebSocketClientConnection) -> None:
        self.connection = connection

    @classmethod
    async def connect(cls, url: str, headers: dict[str, str] | None = None) -> JsonClient:
        return cls(await websocket_connect(HTTPRequest(url, headers=headers or {})))

    def send(self, message: Any) -> None:
        text = message if isinstance(message, str) else json.dumps(message)
        self.connection.write_message(text)

    async def next(self, timeout: float = 2.0) -> Message:
        text = await asyncio.wait_for(self.connection.read_message(), timeout)
        assert text is not None, f"connection closed ({self.connection.close_code})"
        assert isinstance(text, str)
        result: Message = json.loads(text)
        return result

    async def next_of(self, *types: str, timeout: float = 2.0) -> Message:
        """The next message of one of `types`, skipping others (ticks, usually)."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            remaining = deadline - asyncio.get_running_loop().time()
            message = await self.next(timeout=max(remaining, 0.001))
            if message["type"] in types:
                return message

    async def command(self, message: Message, timeout: float = 2.0) -> Message:
        """Send a command and return the state or error it caused for this client."""
        self.send(message)
        return await self.next_of("state", "error", timeout=timeout)

    async def silent_for(self, seconds: float, types: tuple[str, ...] = ("state", "error", "pong")) -> bool:
        """True if no message of `types` arrives within `seconds`."""
        try:
            await self.next_of(*types, timeout=seconds)
        except asyncio.TimeoutError:
            return True
        return False

    def close(self) -> None:
        self.connection.close()
