"""Tornado's HTTP server, with a shortcut for a connection whose first request is a plain upgrade to a timer.

A screen's WebSocket connection carries one request, the upgrade. Tornado reads every request through an HTTP/1
connection object and its coroutine, a timeout, its router and a handler delegate: a sixth or more of a handshake's
CPU (docs/performance.md, "Where a handshake's time went"). This server waits for a new connection's first bytes.
If they hold a whole request head that is a plain upgrade (`upgrade.plain_upgrade_key`) to one of the app's timer
socket routes, it takes exactly that head off the socket and runs the timer socket on it, over a `DirectConnection`.
Anything else (a page, the API, `/echo`, a head still arriving, a long one, TLS) goes to Tornado untouched: it reads
the same bytes as if nothing had looked.
"""

from __future__ import annotations

import asyncio
import socket
from typing import Any

from tornado import httputil, web
from tornado.httpserver import HTTPServer
from tornado.ioloop import IOLoop
from tornado.iostream import IOStream
from tornado.log import app_log

from . import tornado_private
from .direct_connection import DirectConnection
from .upgrade_request import DirectRoute, read_upgrade_head

MAX_DIRECT_HEAD = 8 * 1024  # a browser's upgrade with its cookies fits; a longer head goes to Tornado's reader


class TimerHTTPServer(HTTPServer):
    """`HTTPServer`, but a plain upgrade to a timer socket as a connection's first request skips Tornado's reader."""

    def initialize(self, *args: Any, **kwargs: Any) -> None:
        super().initialize(*args, **kwargs)
        self.direct_routes: list[DirectRoute] = getattr(self.request_callback, "direct_routes", [])
        self.max_direct_head = min(MAX_DIRECT_HEAD, self.conn_params.max_header_size or MAX_DIRECT_HEAD)
        # Connections waiting for their first bytes, by file descriptor: closed by close_all_connections().
        self._waiting: dict[int, tuple[IOStream, Any, asyncio.TimerHandle]] = {}

    def handle_stream(self, stream: IOStream, address: Any) -> None:
        """Wait for the first bytes (as long as Tornado would wait for a head), unless only Tornado may serve it."""
        if (not self.direct_routes or self.xheaders or self.protocol or type(stream) is not IOStream
                or not tornado_private.DIRECT_UPGRADE):
            return super().handle_stream(stream, address)
        io_loop = IOLoop.current()
        fd = stream.socket.fileno()
        timeout = io_loop.call_later(self.conn_params.header_timeout or 3600, self._give_up, fd)
        self._waiting[fd] = (stream, address, timeout)  # type: ignore[assignment]
        io_loop.add_handler(stream.socket, self._first_bytes, IOLoop.READ)

    def _stop_waiting(self, fd: int) -> tuple[IOStream, Any]:
        stream, address, timeout = self._waiting.pop(fd)
        io_loop = IOLoop.current()
        io_loop.remove_handler(stream.socket)
        io_loop.remove_timeout(timeout)
        return stream, address

    def _give_up(self, fd: int) -> None:
        """Nothing arrived within the header timeout: close, as Tornado's reader does."""
        stream, _ = self._stop_waiting(fd)
        stream.close()

    def _first_bytes(self, sock: socket.socket, events: int) -> None:
        stream, address = self._stop_waiting(sock.fileno())
        try:
            served = self._serve_directly(stream, address)
        except Exception:  # a bug here must cost one connection, not leave it open and unserved
            app_log.error("Uncaught exception serving a first request from %s", address, exc_info=True)
            stream.close()
            return
        if not served:
            super().handle_stream(stream, address)

    def _serve_directly(self, stream: IOStream, address: Any) -> bool:
        """Start the timer socket on the request if it is a plain upgrade to one; False (nothing read) if not."""
        try:
            head = read_upgrade_head(stream.socket.recv(self.max_direct_head, socket.MSG_PEEK), self.direct_routes)
        except OSError:
            return False  # reset, say: Tornado's reader finds out too
        if head is None:
            return False
        start_line, headers, length, (_, handler_class, handler_kwargs), path_kwargs = head
        try:
            request = httputil.HTTPServerRequest(connection=DirectConnection(stream, address), start_line=start_line,
                                                 headers=headers, server_connection=self)
        except httputil.HTTPInputError:
            return False  # a Host Tornado refuses, say: its reader answers 400
        try:
            taken = len(stream.socket.recv(length))  # the bytes just seen, all there unless the client reset
        except OSError:
            taken = -1
        if taken != length:
            stream.close()
            return True
        self._execute(handler_class, handler_kwargs, request, path_kwargs)
        return True

    def _execute(self, handler_class: type[web.RequestHandler], handler_kwargs: dict[str, Any],
                 request: httputil.HTTPServerRequest, path_kwargs: dict[str, bytes | None]) -> None:
        """What Tornado's handler delegate does with a routed request: make the handler, run it in a task."""
        application: web.Application = self.request_callback  # type: ignore[assignment]
        handler = handler_class(application, request, **handler_kwargs)
        transforms = [transform(request) for transform in application.transforms]
        tornado_private.execute(handler, transforms, path_kwargs).add_done_callback(_raise_in_the_loop)

    async def close_all_connections(self) -> None:
        """Also close the connections still waiting for their first bytes."""
        for fd in list(self._waiting):
            self._stop_waiting(fd)[0].close()
        await super().close_all_connections()


def _raise_in_the_loop(task: asyncio.Future[None]) -> None:
    """As Tornado does: an exception that escaped the handler is raised here, where the event loop logs it."""
    if not task.cancelled():
        task.result()
