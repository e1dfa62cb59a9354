"""The HTTP side of a connection whose one request, a timer's WebSocket upgrade, skipped Tornado's HTTP/1 server.

It stands in for Tornado's `HTTP1Connection` under that one request (server/http_server.py): the handler either
answers it (a refusal: written, then the connection is closed, as `Connection: close` says) or takes the stream for
the WebSocket (`detach`). There is no second request on such a connection; a browser never sends one after an
upgrade, and after a refusal it opens a new connection anyway.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tornado import httputil
from tornado.concurrent import Future
from tornado.iostream import IOStream, StreamClosedError


class DirectContext:
    """Who is at the other end, as `HTTPServerRequest` reads it (Tornado's own context class is private)."""

    def __init__(self, address: Any) -> None:
        inet = isinstance(address, tuple) and len(address) >= 2  # a Unix socket's address is a string
        self.remote_ip: str = address[0] if inet else "0.0.0.0"
        self.protocol = "http"  # never TLS: a TLS stream is not served directly


class DirectConnection(httputil.HTTPConnection):
    """The one request's connection: answer and close, or hand the stream to the WebSocket."""

    def __init__(self, stream: IOStream, address: Any) -> None:
        self.stream: IOStream | None = stream
        self.context = DirectContext(address)
        self._last_write: Future[None] | None = None
        self._switching = False

    def set_close_callback(self, callback: Callable[[], None] | None) -> None:
        """Nothing to tell: the request is answered or upgraded without waiting, so no handler outlives the client
        here (after the upgrade, Tornado's frame loop notices a closed connection itself)."""

    def detach(self) -> IOStream:
        """The stream, now the WebSocket's."""
        stream, self.stream = self.stream, None
        if stream is None:
            raise StreamClosedError()
        return stream

    def write_headers(self, start_line: httputil.RequestStartLine | httputil.ResponseStartLine,
                      headers: httputil.HTTPHeaders, chunk: bytes | None = None) -> Future[None]:
        assert isinstance(start_line, httputil.ResponseStartLine)
        self._switching = start_line.code == 101  # Tornado's own 101: the WebSocket takes the stream next
        if not self._switching:
            headers["Connection"] = "close"  # this answer ends the connection (and, without a length, the body)
        lines = [f"HTTP/1.1 {start_line.code} {start_line.reason}"]
        lines.extend(f"{name}: {value}" for name, value in headers.get_all())
        for line in lines:
            if "\n" in line or "\r" in line:
                raise ValueError(f"Newline in header: {line!r}")
        return self.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin1") + (chunk or b""))

    def write(self, chunk: bytes) -> Future[None]:
        if self.stream is None or self.stream.closed():
            failed: Future[None] = Future()
            failed.set_exception(StreamClosedError())
            failed.exception()  # retrieved: nobody has to wait for an answer to a client that has gone
            return failed
        self._last_write = self.stream.write(chunk)
        return self._last_write

    def finish(self) -> None:
        """The answer is complete: close the connection once the kernel has taken all of it (not after a 101)."""
        if self._switching:
            return
        stream, self.stream = self.stream, None
        if stream is None:
            return
        if self._last_write is None or self._last_write.done():
            stream.close()
        else:
            self._last_write.add_done_callback(lambda _: stream.close())
