"""The original demo's design, kept to measure against (benchmarks/drift.py, notebook 4). Don't copy it.

The original gave every connection its own loop that sent a tick and then slept for the interval.
The time spent sending, and the loop's own lateness in waking up, are added to every period, so the
k-th tick lands later and later behind k x interval. Each connection also had its own private timer.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from tornado import web, websocket
from tornado.httpserver import HTTPServer
from tornado.netutil import bind_sockets


class NaiveTickSocket(websocket.WebSocketHandler):
    """One private counting loop per connection: send, then sleep(interval)."""

    def initialize(self, interval: float, connections: set[NaiveTickSocket]) -> None:
        self.interval = interval
        self.connections = connections
        self.loop_task: asyncio.Task[None] | None = None

    def open(self, *args: Any, **kwargs: Any) -> None:
        self.connections.add(self)
        self.loop_task = asyncio.ensure_future(self.tick_forever())

    async def tick_forever(self) -> None:
        started = time.monotonic()
        seq = 0
        while self.ws_connection is not None and not self.ws_connection.is_closing():
            elapsed_ms = round((time.monotonic() - started) * 1000)
            tick = {"type": "tick", "seq": seq, "elapsed_ms": elapsed_ms, "server_time": round(time.time() * 1000)}
            try:
                await self.write_message(json.dumps(tick))
            except websocket.WebSocketClosedError:
                return
            seq += 1
            await asyncio.sleep(self.interval)  # the flaw: the period is interval + the time spent above

    def on_close(self) -> None:
        self.connections.discard(self)
        if self.loop_task is not None:
            self.loop_task.cancel()


class NaiveServer:
    """A listening naive server: `.port`, `.ws_url()`, `.stop()`, like `tornado_timer.start_server`."""

    def __init__(self, host: str, port: int, interval: float) -> None:
        self.host = host
        self.connections: set[NaiveTickSocket] = set()
        app = web.Application([(r"/ws", NaiveTickSocket, {"interval": interval, "connections": self.connections})])
        sockets = bind_sockets(port, host)
        self.port: int = sockets[0].getsockname()[1]
        self.http_server = HTTPServer(app)
        self.http_server.add_sockets(sockets)

    def ws_url(self, name: str = "default") -> str:
        return f"ws://{self.host}:{self.port}/ws"

    def stop(self) -> None:
        """Stop listening and close every connection (which ends its loop)."""
        self.http_server.stop()
        for connection in list(self.connections):
            connection.close(1001, "the server is shutting down")


def start_naive_server(host: str = "127.0.0.1", port: int = 0, interval: float = 0.1) -> NaiveServer:
    """Serve the original design in the running event loop; port 0 picks a free port."""
    return NaiveServer(host, port, interval)
