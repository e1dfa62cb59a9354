"""Run the app on a socket inside the current event loop, and stop it cleanly (close code 1001)."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from typing import Any

from tornado.netutil import bind_sockets

from ..core.errors import TornadoTimerError
from ..core.protocol import MAX_RUNDOWN_BYTES
from .app import TimerApplication, make_app
from .config import ServerConfig
from .http_server import TimerHTTPServer

MAX_BODY_BYTES = MAX_RUNDOWN_BYTES + 64 * 1024  # a rundown of 200 cues; each handler holds its own bodies smaller
MAX_BUFFER_BYTES = 17 * 1024 * 1024  # one /echo message (16 MiB) and its framing
# Connections the kernel completes before we accept them. Tornado's default, 128, overflows when a room of
# screens reconnects at once after a restart: the kernel then drops their SYNs and each retries only after 1 s,
# then 3 s (docs/performance.md, "A room comes back"). Linux caps it at net.core.somaxconn (4096 by default).
LISTEN_BACKLOG = 4096


class ListenError(TornadoTimerError):
    """The address could not be bound (in use, not ours, not permitted)."""


class RunningServerAddress:
    """Where a server listens, as URLs for people and clients."""

    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port

    @property
    def http_url(self) -> str:
        return f"http://{_url_host(self.host)}:{self.port}/"

    def ws_url(self, name: str = "default") -> str:
        path = "/ws" if name == "default" else f"/ws/{name}"
        return f"ws://{_url_host(self.host)}:{self.port}{path}"


class RunningServer(RunningServerAddress):
    """A listening server: its address, its app, and a clean stop. Made by `start_server`."""

    def __init__(self, app: TimerApplication, sockets: list[socket.socket]) -> None:
        super().__init__(app.config.host, sockets[0].getsockname()[1])
        self.app = app
        # No route takes a request body; WebSocket messages have their own limits (4 KiB, 16 MiB on /echo).
        self.http_server = TimerHTTPServer(app, xheaders=False, max_body_size=MAX_BODY_BYTES,
                                           max_buffer_size=MAX_BUFFER_BYTES)
        self.http_server.add_sockets(sockets)

    async def ready(self) -> None:
        """Wait until the saved timers are restored and the default timer exists (started if autostart)."""
        await self.app.registry.ready()

    def stop(self) -> None:
        """Stop listening, stop every timer and close every client's socket with code 1001."""
        self.http_server.stop()
        self.app.keepalive.stop()
        self.app.registry.shut_down()

    async def drain(self, timeout: float = 0.5) -> None:
        """Wait (bounded) for closing sockets to finish their close handshake, then save and close the store."""
        deadline = asyncio.get_running_loop().time() + timeout
        while self.app.registry.connection_count() and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.02)
        await self.app.registry.close()
        left = max(0.05, deadline - asyncio.get_running_loop().time())
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self.http_server.close_all_connections(), left)


def listen(config: ServerConfig) -> list[socket.socket]:
    """Bind the listening sockets (port 0 picks a free port), or say clearly why not."""
    try:
        return bind_sockets(config.port, config.host, backlog=LISTEN_BACKLOG)
    except OSError as error:
        raise ListenError(f"cannot listen on {config.host}:{config.port}: {error.strerror or error}") from None


def start_server(config: ServerConfig | None = None, sockets: list[socket.socket] | None = None,
                 **overrides: Any) -> RunningServer:
    """Serve in the running event loop (a notebook cell, a test, the CLI); port 0 picks a free port.

    `sockets` are already listening ones (one of several processes on a port); by default we bind our own.
    """
    config = config or ServerConfig(**{"host": "127.0.0.1", "port": 0, **overrides})
    app = make_app(config)
    server = RunningServer(app, sockets if sockets is not None else listen(config))
    app.registry.ready()  # restore saved timers and autostart now, not when the first client comes
    return server


def _url_host(host: str) -> str:
    """The host for URLs people open: for a server on every address, this machine's name (others can reach
    it, as they can't `localhost`)."""
    if host in ("", "0.0.0.0", "::"):
        return socket.gethostname() or "localhost"
    return f"[{host}]" if ":" in host else host
