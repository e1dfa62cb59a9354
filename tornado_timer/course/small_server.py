"""The timer server in miniature, on the `websockets` library's asyncio API (notebook 9), to read next to our
Tornado handler: one shared stopwatch, its ticks on a grid sent to everyone with `broadcast`, pause and resume.

No limits, no roles, no store, no HTTP: the smallest server that still does the two things the original demo got
wrong, ticks that don't drift and one timer for every client. Needs `websockets` 14 or later.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import time
from dataclasses import dataclass

from websockets.asyncio.server import Server, ServerConnection, broadcast, serve
from websockets.exceptions import ConnectionClosed


@dataclass
class Stopwatch:
    """Elapsed time from the monotonic clock: `started` is when elapsed was zero, while it runs."""

    interval: float
    started: float | None = None
    banked: float = 0.0

    def elapsed(self) -> float:
        return self.banked if self.started is None else time.monotonic() - self.started

    def apply(self, command: str) -> bool:
        """Pause or resume; False for anything else (or nothing to do)."""
        if command == "pause" and self.started is not None:
            self.banked, self.started = self.elapsed(), None
        elif command == "resume" and self.started is None:
            self.started = time.monotonic() - self.banked
        else:
            return False
        return True

    def message(self, kind: str) -> str:
        status = "paused" if self.started is None else "running"
        return json.dumps({"type": kind, "status": status, "elapsed_ms": round(self.elapsed() * 1000)})


@dataclass
class SmallServer:
    """A listening small server: its `url`, and `close()` to stop it and its ticks."""

    server: Server
    ticking: asyncio.Task[None]

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.server.sockets[0].getsockname()[1]}/"

    async def close(self) -> None:
        self.ticking.cancel()
        self.server.close()
        await self.server.wait_closed()


async def serve_stopwatch(port: int = 0, interval: float = 1.0) -> SmallServer:
    """Serve one running stopwatch on loopback."""
    watch = Stopwatch(interval, started=time.monotonic())

    async def handler(connection: ServerConnection) -> None:
        await connection.send(watch.message("state"))  # the state first, then ticks
        with contextlib.suppress(ConnectionClosed):
            async for text in connection:  # until the client goes
                command = json.loads(text).get("type") if isinstance(text, str) else None
                if watch.apply(str(command)):
                    broadcast(server.connections, watch.message("state"))

    async def tick_on_the_grid() -> None:
        while True:
            next_k = math.floor(watch.elapsed() / interval) + 1  # aimed at a grid point, never "now + interval"
            await asyncio.sleep(next_k * interval - watch.elapsed())
            if watch.started is not None:
                broadcast(server.connections, watch.message("tick"))  # one message, sent to all

    server: Server = await serve(handler, "127.0.0.1", port, origins=[None])  # scripts only: no browser pages
    return SmallServer(server, asyncio.ensure_future(tick_on_the_grid()))
