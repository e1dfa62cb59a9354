"""Tornado's HTTP server, with a shortcut for a connection whose first request is a plain upgrade to a timer.

A screen's WebSocket connection carries one request, the upgrade. Tornado reads every request through an HTTP/1
connection object and its coroutine, a timeout, its router and a handler delegate: about a sixth of a handshake's
CPU (docs/performance.md, "Where a handshake's time goes"). This server waits for a new connection's first bytes.
If they hold a whole request head that is a plain upgrade (`upgrade.plain_upgrade_key`) to one of the app's timer
socket routes, it takes exactly that head off the socket and runs the timer socket on it, over a `DirectConnection`.
Anything else (a page, the API, `/echo`, a head still arriving, a long one, TLS) goes to Tornado untouched: it reads
the same bytes as if nothing had looked.
"""

from __future__ import annotations

import re
import socket
from asyncio import Future
from typing import Any

from tornado import httputil, web
from tornado.escape import url_unescape
from tornado.httpserver import HTTPServer
from tornado.ioloop import IOLoop
from tornado.iostream import IOStream
from tornado.log import app_log

from . import tornado_private
from .direct_connection import DirectConnection
from .upgrade import plain_upgrade_key

MAX_DIRECT_HEAD = 8 * 1024  # a browser's upgrade with its cookies fits; a longer head goes to Tornado's reader

# (the path pattern, the handler class, its initialize() arguments): the timer socket routes of the app
DirectRoute = tuple[re.Pattern[str], type[web.RequestHandler], dict[str, Any]]


def read_upgrade_head(data: bytes) -> tuple[httputil.RequestStartLine, httputil.HTTPHeaders, int] | None:
    """The start line, headers and length of the plain upgrade `data` begins with; None for anything else."""
    end = data.find(b"\r\n\r\n")
    if end < 0 or not data.startswith(b"GET "):
        return None
    first, _, rest = data[:end].decode("latin1").partition("\r\n")
    try:
        start_line = httputil.parse_request_start_line(first)
        headers = httputil.HTTPHeaders.parse(rest)
    except httputil.HTTPInputError:
        return None  # Tornado's reader answers it with its 400
    if (start_line.version != "HTTP/1.1" or "Content-Length" in headers or "Transfer-Encoding" in headers
            or plain_upgrade_key(headers) is None):
        return None
    return start_line, headers, end + 4


def route(routes: list[DirectRoute], path: str) -> tuple[DirectRoute, dict[str, bytes | None]] | None:
    """The route `path` takes and its arguments, unquoted as Tornado's router does; None if no timer route."""
    for direct in routes:
        match = direct[0].fullmatch(path)
        if match is not None:
            return direct, {name: None if value is None else url_unescape(value, encoding=None, plus=False)
                            for name, value in match.groupdict().items()}
    return None


class TimerHTTPServer(HTTPServer):
    """`HTTPServer`, but a plain upgrade to a timer socket as a connection's first request skips Tornado's reader."""

    def initialize(self, *args: Any, **kwargs: Any) -> None:
        super().initialize(*args, **kwargs)
        self.direct_routes: list[DirectRoute] = getattr(self.request_callback, "direct_routes", [])
        self._waiting: dict[int, tuple[IOStream, Any, object]] = {}  # fd -> (stream, address, header timeout)

    def handle_stream(self, stream: IOStream, address: Any) -> None:
        if (not self.direct_routes or self.xheaders or type(stream) is not IOStream
                or not tornado_private.DIRECT_UPGRADE):
            return super().handle_stream(stream, address)
        io_loop = IOLoop.current()
        fd = stream.socket.fileno()
        timeout = io_loop.call_later(self.conn_params.header_timeout or 3600, self._give_up, fd)
        self._waiting[fd] = (stream, address, timeout)
        io_loop.add_handler(fd, self._first_bytes, IOLoop.READ)

    def _stop_waiting(self, fd: int) -> tuple[IOStream, Any]:
        stream, address, timeout = self._waiting.pop(fd)
        io_loop = IOLoop.current()
        io_loop.remove_handler(fd)
        io_loop.remove_timeout(timeout)
        return stream, address

    def _give_up(self, fd: int) -> None:
        """Nothing arrived within the header timeout: close, as Tornado's reader does."""
        stream, _ = self._stop_waiting(fd)
        stream.close()

    def _first_bytes(self, fd: int, events: int) -> None:
        stream, address = self._stop_waiting(fd)
        if not self._serve_directly(stream, address):
            super().handle_stream(stream, address)

    def _serve_directly(self, stream: IOStream, address: Any) -> bool:
        """Start the timer socket on the request if it is a plain upgrade to one; False (nothing read) if not."""
        try:
            head = read_upgrade_head(stream.socket.recv(MAX_DIRECT_HEAD, socket.MSG_PEEK))
        except OSError:
            return False  # reset, say: Tornado's reader finds out too
        if head is None:
            return False
        start_line, headers, length = head
        routed = route(self.direct_routes, start_line.path.partition("?")[0])
        if routed is None:
            return False
        (_, handler_class, handler_kwargs), path_kwargs = routed
        connection = DirectConnection(stream, address)
        try:
            request = httputil.HTTPServerRequest(connection=connection, start_line=start_line, headers=headers,
                                                 server_connection=self)
        except httputil.HTTPInputError:
            return False  # a Host Tornado refuses, say: its reader answers 400
        try:
            taken = len(stream.socket.recv(length))  # the bytes just seen, all there unless the client reset
        except OSError:
            taken = -1
        if taken != length:
            stream.close()
            return True
        self._execute(handler_class, handler_kwargs, request, path_kwargs, stream)
        return True

    def _execute(self, handler_class: type[web.RequestHandler], handler_kwargs: dict[str, Any],
                 request: httputil.HTTPServerRequest, path_kwargs: dict[str, bytes | None], stream: IOStream) -> None:
        """What Tornado's handler delegate does with a routed request: make the handler, run it in a task."""
        application: web.Application = self.request_callback  # type: ignore[assignment]
        try:
            handler = handler_class(application, request, **handler_kwargs)
        except Exception:
            app_log.error("Uncaught exception making %s", handler_class.__name__, exc_info=True)
            stream.close()
            return
        transforms = [transform(request) for transform in application.transforms]
        task = tornado_private.execute(handler, transforms, path_kwargs)
        task.add_done_callback(_raise_in_the_loop)

    async def close_all_connections(self) -> None:
        """Also close the connections still waiting for their first bytes."""
        for fd in list(self._waiting):
            self._stop_waiting(fd)[0].close()
        await super().close_all_connections()


def _raise_in_the_loop(task: Future[None]) -> None:
    """As Tornado does: an exception that escaped the handler is raised here, where the event loop logs it."""
    if not task.cancelled():
        task.result()
