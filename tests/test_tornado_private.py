"""Tornado's private attributes are read in one adapter, checked at import; without them every connection takes
the public `write_message` path, and that path (the baseline) touches none of them, even when a client is slow."""

from __future__ import annotations

import asyncio
import json
import logging
import os
from typing import Any

import pytest
from tornado import web, websocket
from tornado.httpserver import HTTPServer
from tornado.netutil import bind_sockets

from tornado_timer.server import fanout, tornado_private
from tornado_timer.server.fanout import Outbox


class PublicOnly:
    """Stands in for a stream: forwards its public API, fails any read of a private attribute."""

    def __init__(self, stream: Any) -> None:
        self._wrapped = stream

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AssertionError(f"the baseline path read the stream's private {name!r}")
        return getattr(self._wrapped, name)


class Sink(websocket.WebSocketHandler):
    def initialize(self, handlers: list[Sink]) -> None:
        self.handlers = handlers

    def open(self, *args: Any, **kwargs: Any) -> None:
        self.outbox = Outbox(self, fast=False, max_queued_bytes=100_000_000)
        self.outbox._stream = PublicOnly(self.outbox._stream)  # type: ignore[assignment]
        self.handlers.append(self)


def test_this_tornado_has_what_the_fast_path_reads() -> None:
    assert tornado_private.AVAILABLE


def test_an_attribute_missing_from_a_constructor_is_noticed() -> None:
    class Stream:
        def __init__(self) -> None:
            self._write_buffer = b""

    assert tornado_private._assigned_in_init(Stream, ("_write_buffer",))
    assert not tornado_private._assigned_in_init(Stream, ("_write_buffer", "_total_write_index"))


def test_without_the_internals_no_connection_is_written_directly(monkeypatch: pytest.MonkeyPatch) -> None:
    class Handler:
        ws_connection = None

    monkeypatch.setattr(tornado_private, "AVAILABLE", False)
    assert not tornado_private.can_write_directly(Handler())  # type: ignore[arg-type]


def test_a_missing_internal_is_reported(caplog: pytest.LogCaptureFixture) -> None:
    class RenamedStream:
        def __init__(self) -> None:
            self._buffer = b""

    with caplog.at_level(logging.WARNING, logger="tornado_timer.fanout"):
        assert not tornado_private.internals_present(stream_class=RenamedStream)
    assert len(caplog.records) == 1 and "write_message instead" in caplog.records[0].message


def test_a_stream_that_writes_or_closes_its_socket_another_way_is_reported(caplog: pytest.LogCaptureFixture) -> None:
    class SocketStream:
        def write_to_fd(self, data: bytes) -> int:
            return os.write(self.fd, data)  # type: ignore[attr-defined]  # not through socket.send

        def close_fd(self) -> None:
            self.socket.close()  # type: ignore[attr-defined]

    with caplog.at_level(logging.WARNING, logger="tornado_timer.fanout"):
        assert not tornado_private.internals_present(socket_stream_class=SocketStream)
    assert len(caplog.records) == 1
    assert tornado_private.internals_present()


async def test_the_baseline_path_uses_only_public_attributes_even_for_a_slow_reader() -> None:
    handlers: list[Sink] = []
    sockets = bind_sockets(0, "127.0.0.1")
    server = HTTPServer(web.Application([(r"/ws", Sink, {"handlers": handlers})]))
    server.add_sockets(sockets)
    client = await websocket.websocket_connect(f"ws://127.0.0.1:{sockets[0].getsockname()[1]}/ws")
    try:
        while not handlers:
            await asyncio.sleep(0.005)
        big = "B" * 4_000_000  # more than the kernel takes at once: the stream is backed up
        handlers[0].outbox.send(big)
        ticks = [json.dumps({"type": "tick", "seq": n}) for n in range(3)]
        sent_now = [fanout.broadcast(handlers, tick, droppable=True) for tick in ticks]
        fanout.broadcast(handlers, '{"type":"state"}')
        assert sent_now == [0, 0, 0], "ticks wait while the stream is backed up"
        received = [await asyncio.wait_for(client.read_message(), 10) for _ in range(2)]
        assert received == [big, '{"type":"state"}'], "the state supersedes the held ticks"
        fanout.broadcast(handlers, ticks[0], droppable=True)
        assert await asyncio.wait_for(client.read_message(), 5) == ticks[0]
    finally:
        client.close()
        server.stop()
        await server.close_all_connections()
