"""The fan-out hot path (tornado_timer/server/fanout.py): the exact bytes on the wire, and every fallback.

Each test runs a small Tornado app (the `sink_app` fixture) in its own event loop with raw-socket clients, so it
controls exactly when a client reads: that is how queued data, partial writes, closed sockets and slow readers are
made to happen.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import zlib
from array import array
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any

import pytest
from helpers import ROOT, eventually, missing, native_send_loop, upgrade_request
from tornado import web, websocket
from tornado.httpserver import HTTPServer
from tornado.iostream import SSLIOStream
from tornado.netutil import bind_sockets

from tornado_timer.server import fanout
from tornado_timer.server.fanout import Outbox, broadcast, broadcast_ready, frame_text
from tornado_timer.server.ready_sockets import ReadySockets
from tornado_timer.server.sendloop import SendToAll
from tornado_timer.server.tornado_private import can_write_directly

TEXTS = ["", "a", "x" * 125, "y" * 126, "z" * 127, "é" * 70, "⏱" * 42, "w" * 65535, "v" * 65536, "u" * 70_000,
         '{"type":"tick","timer":"default","seq":42,"elapsed_ms":42000,"remaining_ms":null,"status":"running",'
         '"server_time":1790000042123}']


class CaptureStream:
    """Stands in for an IOStream: records what Tornado's protocol writes."""

    def __init__(self) -> None:
        self.written = b""

    def write(self, data: bytes) -> asyncio.Future[None]:
        self.written += bytes(data)
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        future.set_result(None)
        return future


async def tornado_frame(text: str) -> bytes:
    """What Tornado's own server-side write_message puts on the wire for `text`."""
    protocol = websocket.WebSocketProtocol13(None, False, websocket._WebSocketParams())  # type: ignore[arg-type]
    stream = CaptureStream()
    protocol.stream = stream  # type: ignore[assignment]
    await protocol.write_message(text)
    return stream.written


@pytest.mark.parametrize("text", TEXTS, ids=lambda t: f"{len(t.encode())}B")
async def test_a_frame_is_byte_for_byte_what_tornado_sends(text: str) -> None:
    assert frame_text(text) == await tornado_frame(text)


def test_frames_are_unmasked_final_text_frames_with_the_shortest_length() -> None:
    assert frame_text("hi") == b"\x81\x02hi"
    assert frame_text("a" * 126)[:4] == b"\x81\x7e\x00\x7e"
    assert frame_text("a" * 65536)[:10] == b"\x81\x7f" + struct.pack("!Q", 65536)


# A little app whose handler keeps its outbox, and raw clients that read only when told to.


class Sink(websocket.WebSocketHandler):
    def initialize(self, handlers: list[Sink], fast: bool, compress: bool, limits: dict[str, Any]) -> None:
        self.handlers = handlers
        self.fast = fast
        self.compress = compress
        self.limits = limits

    def get_compression_options(self) -> dict[str, Any] | None:
        return {} if self.compress else None

    def open(self, *args: Any, **kwargs: Any) -> None:
        self.set_nodelay(True)
        self.outbox = Outbox(self, fast=self.fast, **self.limits)
        self.handlers.append(self)

    def on_close(self) -> None:
        self.closed_with = self.close_code


class RawClient:
    """A WebSocket client on a bare non-blocking socket: it reads only when a test says so."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buffer = b""

    @classmethod
    async def connect(cls, port: int, receive_buffer: int | None = None, deflate: bool = False) -> RawClient:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if receive_buffer is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
        sock.setblocking(False)
        loop = asyncio.get_running_loop()
        await loop.sock_connect(sock, ("127.0.0.1", port))
        await loop.sock_sendall(sock, upgrade_request(port, "permessage-deflate" if deflate else None))
        client = cls(sock)
        while b"\r\n\r\n" not in client.buffer:
            client.buffer += await asyncio.wait_for(loop.sock_recv(sock, 65536), 5)
        head, client.buffer = client.buffer.split(b"\r\n\r\n", 1)
        assert b" 101 " in head.split(b"\r\n")[0], head
        client.headers = head.decode()
        return client

    headers = ""

    async def read_bytes(self, count: int, timeout: float = 5.0) -> bytes:
        loop = asyncio.get_running_loop()
        while len(self.buffer) < count:
            chunk = await asyncio.wait_for(loop.sock_recv(self.sock, 1 << 20), timeout)
            if not chunk:
                raise EOFError(f"closed after {len(self.buffer)} of {count} bytes")
            self.buffer += chunk
        data, self.buffer = self.buffer[:count], self.buffer[count:]
        return data

    async def read_frame(self, timeout: float = 5.0) -> tuple[int, bytes]:
        """(first byte: FIN, RSV and opcode; payload), checking the frame is unmasked."""
        head = await self.read_bytes(2, timeout)
        assert not head[1] & 0x80, "a server must not mask"
        length = head[1] & 0x7F
        if length == 126:
            length = struct.unpack("!H", await self.read_bytes(2, timeout))[0]
        elif length == 127:
            length = struct.unpack("!Q", await self.read_bytes(8, timeout))[0]
        return head[0], await self.read_bytes(length, timeout)

    async def read_text(self, timeout: float = 5.0) -> str:
        first, payload = await self.read_frame(timeout)
        while first & 0x0F != 0x1:  # skip control frames (pings)
            first, payload = await self.read_frame(timeout)
        if first & 0x40:  # RSV1: permessage-deflate
            payload = zlib.decompressobj(-zlib.MAX_WBITS).decompress(payload + b"\x00\x00\xff\xff")
        return payload.decode()

    async def frames_until_close(self) -> list[tuple[int, bytes]]:
        """Every frame up to and including the close frame."""
        received = [await self.read_frame(timeout=10)]
        while received[-1][0] != 0x88:
            received.append(await self.read_frame())
        return received

    async def read_all_for(self, seconds: float) -> bytes:
        """Everything that arrives within `seconds` (draining whatever the server queued)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        data, self.buffer = self.buffer, b""
        while (left := deadline - loop.time()) > 0:
            try:
                chunk = await asyncio.wait_for(loop.sock_recv(self.sock, 1 << 20), left)
            except asyncio.TimeoutError:
                break
            if not chunk:
                break
            data += chunk
        return data

    def close(self) -> None:
        self.sock.close()

    def reset(self) -> None:
        """Vanish: close with a TCP reset, not a WebSocket close."""
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.sock.close()


SinkApp = Callable[..., Awaitable[tuple[int, list[Sink]]]]


class Fan:
    """A broadcast on one of the two send paths: the pure-Python loop, or the C send loop (`send_to_all`) over
    the clients' entries in a ReadySockets array, as a timer's channel keeps them (each joins it when first sent to)."""

    def __init__(self, send_to_all: SendToAll | None, ready: ReadySockets | None = None) -> None:
        self.send_to_all = send_to_all
        self.ready = ReadySockets() if ready is None else ready

    def sending_with(self, send_to_all: SendToAll) -> Fan:
        """The same clients, sent to with another send loop."""
        return Fan(send_to_all, self.ready)

    def __call__(self, handlers: list[Sink], text: str, droppable: bool = False) -> int:
        if self.send_to_all is None:
            return broadcast(handlers, text, droppable)
        for handler in handlers:
            if handler.outbox.position_in(self.ready) < 0:
                self.ready.add(handler.outbox)
        return broadcast_ready(self.ready, text, droppable, self.send_to_all)


@pytest.fixture(params=["python", "native"])
def fan(request: pytest.FixtureRequest) -> Fan:
    """Every test of the wire, the fallbacks and slow or vanished readers runs on both send paths."""
    return Fan(None if request.param == "python" else native_send_loop())


@pytest.fixture
async def sink_app() -> AsyncIterator[SinkApp]:
    """`port, handlers = await sink_app(fast=..., compress=..., **limits)`: a fresh app of Sink handlers on a free
    port in this test's event loop, stopped at the end. `handler=` takes another Sink class."""
    servers: list[HTTPServer] = []

    async def start(fast: bool = True, compress: bool = False, handler: type[Sink] | None = None,
                    **limits: Any) -> tuple[int, list[Sink]]:
        limits.setdefault("max_queued_bytes", 100_000_000)  # room for the 4 MB message that backs a stream up
        handlers: list[Sink] = []
        app = web.Application([(r"/ws", handler or Sink, {"handlers": handlers, "fast": fast, "compress": compress,
                                                           "limits": limits})])
        sockets = bind_sockets(0, "127.0.0.1")
        server = HTTPServer(app)
        server.add_sockets(sockets)
        servers.append(server)
        return sockets[0].getsockname()[1], handlers

    yield start
    for server in servers:
        server.stop()
        await server.close_all_connections()


def fill_until_backed_up(handler: Sink) -> int:
    """Send one big message the client won't read yet, so the server's stream holds queued bytes."""
    big = "B" * 4_000_000
    handler.outbox.send(big)
    assert handler.ws_connection is not None
    stream = handler.ws_connection.stream
    assert stream.writing(), "the stream should hold what the kernel could not take"
    assert stream._total_write_index != stream._total_write_done_index  # what Outbox.deliver checks instead
    return len(big)


# The bytes on the wire.


@pytest.mark.parametrize("fast", [True, False], ids=["fast", "write_message"])
async def test_the_wire_carries_exactly_tornados_frames(fan: Fan, fast: bool, sink_app: SinkApp) -> None:
    expected = b"".join([await tornado_frame(text) for text in TEXTS])
    port, handlers = await sink_app(fast=fast)
    clients = [await RawClient.connect(port) for _ in range(3)]
    assert await eventually(lambda: len(handlers) == 3)
    assert all(h.outbox.fast is fast for h in handlers)
    for index, text in enumerate(TEXTS):
        fan(handlers, text, droppable=index % 2 == 1)
    for client in clients:
        assert await client.read_bytes(len(expected)) == expected
        client.close()


async def test_a_message_to_one_client_goes_to_that_client_only(fan: Fan, sink_app: SinkApp) -> None:
    port, handlers = await sink_app()
    first, second = await RawClient.connect(port), await RawClient.connect(port)
    assert await eventually(lambda: len(handlers) == 2)
    assert handlers[0].outbox.send('{"type":"pong"}')
    fan(handlers, "tick")
    assert await first.read_text() == '{"type":"pong"}'
    assert await first.read_text() == "tick"
    assert await second.read_text() == "tick"



class SpyingFan(Fan):
    """The C send loop, with the entries it was given on each call recorded."""

    def __init__(self) -> None:
        self.calls: list[list[int]] = []
        native = native_send_loop()

        def spy(frame: bytes, fds: Sequence[int]) -> list[tuple[int, int | None]]:
            self.calls.append(list(fds))
            return native(frame, fds)

        super().__init__(spy)

    def fds(self, handlers: list[Sink]) -> list[int]:
        return [h.ws_connection.stream.socket.fileno() for h in handlers]  # type: ignore[union-attr]


async def masked_ping(client: RawClient, payload: bytes) -> None:
    mask = os.urandom(4)
    masked = bytes(byte ^ mask[i % 4] for i, byte in enumerate(payload))
    await asyncio.get_running_loop().sock_sendall(client.sock, bytes((0x89, 0x80 | len(payload))) + mask + masked)


async def test_the_c_send_loop_gets_every_client_in_one_call(sink_app: SinkApp) -> None:
    fan = SpyingFan()
    port, handlers = await sink_app()
    clients = [await RawClient.connect(port) for _ in range(4)]
    assert await eventually(lambda: len(handlers) == 4)
    fds = fan.fds(handlers)
    assert fan(handlers, "first", True) == 4
    handlers[3].close(1000, "bye")  # its close frame is a write: its entry is taken down at once
    assert fan(handlers, "tick", True) == 3  # closing: left to Python, which sends it nothing
    assert fan.calls == [fds, [*fds[:3], -1]]
    for client in clients[:3]:
        assert [await client.read_text(), await client.read_text()] == ["first", "tick"]


async def test_tornados_own_pong_takes_the_entry_down_until_python_has_sent_to_it(sink_app: SinkApp) -> None:
    fan = SpyingFan()
    port, handlers = await sink_app()
    client = await RawClient.connect(port)
    assert await eventually(lambda: len(handlers) == 1)
    fan(handlers, "before")
    await masked_ping(client, b"are you there")
    assert await eventually(lambda: fan.ready.fds[0] == -1)  # Tornado wrote its pong to the stream
    fan(handlers, "tick-1")  # the Python way: the stream is asked, then the entry is set again
    fan(handlers, "tick-2")
    fd = fan.fds(handlers)[0]
    assert fan.calls == [[fd], [-1], [fd]]
    assert await client.read_text() == "before"
    assert await client.read_frame() == (0x8A, b"are you there")
    assert [await client.read_text(), await client.read_text()] == ["tick-1", "tick-2"]


async def test_a_closed_socket_has_no_entry_before_its_client_is_told_gone(sink_app: SinkApp) -> None:
    """Between Tornado closing a socket and `on_close`, the kernel may give its number to a new connection."""
    port, handlers = await sink_app()
    await RawClient.connect(port)
    assert await eventually(lambda: len(handlers) == 1)
    ready = ReadySockets()
    ready.add(handlers[0].outbox)
    assert ready.fds[0] == handlers[0].ws_connection.stream.socket.fileno()  # type: ignore[union-attr]
    handlers[0].ws_connection.stream.close()  # type: ignore[union-attr]  # as a reset or a protocol error does
    assert ready.fds[0] == -1


async def test_a_tick_sent_straight_away_supersedes_one_still_held_back(sink_app: SinkApp) -> None:
    """The queue drained and a newer tick went out before the drain's callback ran: the older one must not follow.
    (The Python way only: the C loop never has an entry for a client with a tick held back, whose stream was
    backed up; the first send after that is the Python way's, which clears it.)"""
    port, handlers = await sink_app()
    client = await RawClient.connect(port)
    assert await eventually(lambda: len(handlers) == 1)
    outbox = handlers[0].outbox
    outbox._held = (frame_text("older"), "older")  # as if held while the stream was backed up
    broadcast(handlers, "newer", droppable=True)
    drained: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    drained.set_result(None)
    outbox._on_drained(drained)  # the drain's callback, running late
    broadcast(handlers, "newest", droppable=True)
    assert [await client.read_text(), await client.read_text()] == ["newer", "newest"]


async def test_a_slow_clients_entry_comes_back_once_its_queue_has_drained(sink_app: SinkApp) -> None:
    fan = SpyingFan()
    port, handlers = await sink_app()
    client = await RawClient.connect(port, receive_buffer=4096)
    assert await eventually(lambda: len(handlers) == 1)
    fan(handlers, "first")
    size = fill_until_backed_up(handlers[0])
    fan(handlers, "held", droppable=True)
    assert fan.ready.fds == array("i", [-1])
    assert (await client.read_frame(timeout=10))[1] == b"first"
    assert len((await client.read_frame(timeout=10))[1]) == size
    assert await client.read_text() == "held"
    stream = handlers[0].ws_connection.stream  # type: ignore[union-attr]
    assert await eventually(lambda: not stream.writing())
    fan(handlers, "after")
    assert fan.ready.fds == array("i", fan.fds(handlers))
    assert await client.read_text() == "after"


# The fallbacks.


async def test_frames_queue_behind_bytes_the_stream_still_holds_and_never_interleave(
        fan: Fan, sink_app: SinkApp) -> None:
    port, handlers = await sink_app()
    client = await RawClient.connect(port, receive_buffer=4096)
    assert await eventually(lambda: len(handlers) == 1)
    handler = handlers[0]
    size = fill_until_backed_up(handler)
    handler.ping(b"keepalive")  # Tornado's own control frame, queued by Tornado behind the big message
    fan(handlers, "state-1")  # not droppable: queued behind both, in order
    first, payload = await client.read_frame(timeout=10)
    assert (first, len(payload)) == (0x81, size)
    assert await client.read_frame() == (0x89, b"keepalive")
    assert await client.read_frame() == (0x81, b"state-1")
    stream = handler.ws_connection.stream  # type: ignore[union-attr]
    assert await eventually(lambda: not stream.writing())
    assert stream._total_write_index == stream._total_write_done_index
    fan(handlers, "after")  # the queue drained: straight to the socket again
    assert await client.read_frame() == (0x81, b"after")



class PartialSocket:
    """A socket whose send() takes only the first `limit` bytes (or none: EAGAIN), as a full kernel buffer does."""

    def __init__(self, real: socket.socket, limit: int) -> None:
        self.real = real
        self.limit = limit
        self.calls = 0

    def send(self, data: bytes) -> int:
        self.calls += 1
        if self.limit == 0:
            raise BlockingIOError(11, "Resource temporarily unavailable")
        return self.real.send(bytes(data)[: self.limit])


def taking_only(limit: int, send_to_all: SendToAll) -> SendToAll:
    """The C send loop on sockets whose kernel buffers take only the first `limit` bytes (none: EAGAIN)."""

    def send(frame: bytes, fds: Sequence[int]) -> list[tuple[int, int | None]]:
        if limit:
            send_to_all(frame[:limit], fds)
        return [(position, limit if fd >= 0 else None) for position, fd in enumerate(fds)]

    return send


@pytest.mark.parametrize("limit", [0, 1, 2, 50], ids=["EAGAIN", "1 byte", "2 bytes", "50 bytes"])
async def test_what_a_partial_send_leaves_goes_to_the_stream(fan: Fan, limit: int, sink_app: SinkApp) -> None:
    port, handlers = await sink_app()
    client = await RawClient.connect(port)
    assert await eventually(lambda: len(handlers) == 1)
    outbox = handlers[0].outbox
    partial = PartialSocket(outbox._socket, limit)
    if fan.send_to_all is None:
        outbox._socket = partial  # type: ignore[assignment]
    else:
        fan = fan.sending_with(taking_only(limit, fan.send_to_all))
    text = '{"type":"tick","seq":1}' * 4
    assert fan(handlers, text, droppable=True) == 1
    if fan.send_to_all is None:
        assert partial.calls == 1  # the rest was handed to the stream, which wrote it itself
    fan(handlers, "next", droppable=False)
    assert await client.read_text() == text
    assert await client.read_text() == "next"


async def test_a_vanished_client_is_skipped_without_an_error_and_closed(fan: Fan, sink_app: SinkApp) -> None:
    port, handlers = await sink_app()
    gone, staying = await RawClient.connect(port), await RawClient.connect(port)
    assert await eventually(lambda: len(handlers) == 2)
    gone.reset()
    await asyncio.sleep(0.05)
    for _ in range(3):  # the first send may still succeed; then a reset or broken pipe, then nothing
        fan(handlers, "tick", droppable=True)
        await asyncio.sleep(0.02)
    assert await eventually(lambda: hasattr(handlers[0], "closed_with"))
    assert not handlers[0].outbox.deliver(frame_text("late"), "late", False)
    for _ in range(3):
        assert await staying.read_text() == "tick"



async def test_nothing_follows_the_close_frame(fan: Fan, sink_app: SinkApp) -> None:
    port, handlers = await sink_app()
    client = await RawClient.connect(port)
    assert await eventually(lambda: len(handlers) == 1)
    handlers[0].close(1000, "bye")
    assert fan(handlers, "tick", droppable=True) == 0
    assert fan(handlers, "state") == 0
    assert await client.read_frame() == (0x88, struct.pack("!H", 1000) + b"bye")
    assert await client.read_all_for(0.2) == b""



async def test_a_compressed_connection_takes_tornados_path_beside_plain_ones(fan: Fan, sink_app: SinkApp) -> None:
    port, handlers = await sink_app(compress=True)
    deflated = await RawClient.connect(port, deflate=True)
    plain = await RawClient.connect(port)
    assert await eventually(lambda: len(handlers) == 2)
    assert "permessage-deflate" in deflated.headers
    assert [h.outbox.fast for h in handlers] == [False, True]
    text = '{"type":"tick","seq":7}'
    fan(handlers, text, droppable=True)
    first, _ = await deflated.read_frame()
    assert first & 0x40, "the compressed client got a compressed frame"
    assert await plain.read_frame() == (0x81, text.encode())

    # and the text the compressed client got is the same (on a fresh app)
    port, handlers = await sink_app(compress=True)
    client = await RawClient.connect(port, deflate=True)
    assert await eventually(lambda: len(handlers) == 1)
    fan(handlers, "hello")
    assert await client.read_text() == "hello"


async def test_tls_and_compression_are_never_written_directly() -> None:
    protocol = websocket.WebSocketProtocol13(None, False, websocket._WebSocketParams())  # type: ignore[arg-type]
    handler: Any = type("Handler", (), {"ws_connection": protocol})()
    protocol.stream = SSLIOStream(socket.socket())
    assert not can_write_directly(handler)
    protocol.stream.close()


# Slow and dead readers.


async def test_while_backed_up_only_the_newest_tick_waits_and_goes_out_on_drain(fan: Fan, sink_app: SinkApp) -> None:
    port, handlers = await sink_app()
    client = await RawClient.connect(port, receive_buffer=4096)
    assert await eventually(lambda: len(handlers) == 1)
    size = fill_until_backed_up(handlers[0])
    for seq in range(1, 6):
        assert fan(handlers, f"tick-{seq}", droppable=True) == 0  # held back, not queued
    _, payload = await client.read_frame(timeout=10)
    assert len(payload) == size
    assert await client.read_frame() == (0x81, b"tick-5")  # tick-1..4 were replaced, never queued
    assert await client.read_all_for(0.2) == b""



async def test_a_state_is_never_dropped_and_supersedes_a_held_tick(fan: Fan, sink_app: SinkApp) -> None:
    port, handlers = await sink_app()
    client = await RawClient.connect(port, receive_buffer=4096)
    assert await eventually(lambda: len(handlers) == 1)
    fill_until_backed_up(handlers[0])
    fan(handlers, "tick-1", droppable=True)
    assert fan(handlers, "state-1") == 1
    fan(handlers, "tick-2", droppable=True)
    assert fan(handlers, "state-2") == 1
    await client.read_frame(timeout=10)
    texts = [await client.read_text() for _ in range(2)]
    assert texts == ["state-1", "state-2"]  # no tick from before a state arrives after it
    assert await client.read_all_for(0.2) == b""



async def test_a_client_past_the_byte_bound_is_closed_with_1008(fan: Fan, sink_app: SinkApp) -> None:
    port, handlers = await sink_app()
    client = await RawClient.connect(port, receive_buffer=4096)
    assert await eventually(lambda: len(handlers) == 1)
    fill_until_backed_up(handlers[0])
    stream = handlers[0].ws_connection.stream  # type: ignore[union-attr]
    bound = len(stream._write_buffer) + 5_000
    handlers[0].outbox._max_queued = bound
    sent = sum(fan(handlers, "S" * 1000) for _ in range(20))
    # A message goes behind a queue within the bound (so one large rundown always fits); the first to find the
    # queue past it closes the client: five 1 KB frames fit behind a 5,000-byte margin, the sixth does not.
    assert sent == 5, "queued up to the bound and no further"
    assert len(stream._write_buffer) <= bound + 1_100  # + the last frame let in and the close frame
    assert handlers[0].ws_connection is None  # closing
    received = await client.frames_until_close()
    assert [first for first, _ in received[1:]] == [0x81] * 5 + [0x88]
    code, reason = struct.unpack("!H", received[-1][1][:2])[0], received[-1][1][2:]
    assert code == fanout.SLOW_CLOSE_CODE == 1008
    assert b"bytes queued" in reason



async def test_a_client_that_stays_stalled_is_closed(fan: Fan, sink_app: SinkApp) -> None:
    port, handlers = await sink_app(max_stall_seconds=0.2)
    client = await RawClient.connect(port, receive_buffer=4096)
    assert await eventually(lambda: len(handlers) == 1)
    fill_until_backed_up(handlers[0])
    fan(handlers, "tick", droppable=True)
    await asyncio.sleep(0.3)
    fan(handlers, "tick", droppable=True)  # still stalled past the bound: closed
    assert handlers[0].ws_connection is None
    received = await client.frames_until_close()
    assert [first for first, _ in received] == [0x81, 0x88]  # the big message, then the close: no tick
    assert struct.unpack("!H", received[-1][1][:2])[0] == 1008
    assert b"not reading" in received[-1][1]



async def test_the_kernel_send_buffer_is_capped(sink_app: SinkApp) -> None:
    port, handlers = await sink_app(send_buffer_bytes=8192)
    await RawClient.connect(port)
    assert await eventually(lambda: len(handlers) == 1)
    sock = handlers[0].ws_connection.stream.socket  # type: ignore[union-attr]
    assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF) <= 2 * 8192  # Linux doubles what is asked



def test_the_fanout_benchmark_runs_end_to_end(tmp_path: Any) -> None:
    """A smoke run of benchmarks/fanout/run.py at tiny N, so the benchmark cannot rot unnoticed."""
    pytest.importorskip("websockets")
    out = tmp_path / "results.json"
    completed = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "fanout" / "run.py"), "--clients", "20", "--hz", "10",
         "--seconds", "1", "--grace", "0.3", "--new-connections", "20", "--commands", "2", "--json", str(out)],
        capture_output=True, text=True, timeout=60, cwd=ROOT,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    results = {r["server"]: r for r in json.loads(out.read_text())}
    assert set(results) == {"ours", "baseline", "peer"}
    for result in results.values():
        assert result["clients"] == 20
        assert result["delivered"] >= 20 * 5  # about ten ticks each in a one-second window
        assert result["control_lost"] == 0
    assert "| ours | 20 | 10 |" in completed.stdout
    assert "CPU/tick ours/peer" in completed.stdout


def test_the_c_generator_the_floor_and_the_node_peer_run_end_to_end(tmp_path: Any) -> None:
    """The benchmark's other parts: loadgen.c holding the crowd, the pure-Python path, floor.c and Node's ws."""
    if not (ROOT / "node_modules" / "ws").is_dir() or not shutil.which("node"):
        missing("Node.js and `npm ci` (node_modules/ws) for the benchmark's Node.js peer")
    if not shutil.which("gcc"):
        missing("gcc, for the benchmark's C load generator and floor")
    out = tmp_path / "results.json"
    completed = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "fanout" / "run.py"), "--clients", "20", "--hz", "10",
         "--seconds", "1", "--grace", "0.3", "--new-connections", "20", "--commands", "2", "--json", str(out),
         "--generator", "c", "--servers", "ours", "ours-python", "floor", "node"],
        capture_output=True, text=True, timeout=90, cwd=ROOT,
        env={**os.environ, "FANOUT_FLOOR_DIR": str(tmp_path), "FANOUT_LOADGEN_DIR": str(tmp_path)},
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    results = {r["server"]: r for r in json.loads(out.read_text())}
    assert set(results) == {"ours", "ours-python", "floor", "node"}
    for result in results.values():
        assert result["clients"] == 20
        assert result["delivered"] >= 20 * 5
        assert result["control_lost"] == 0
    assert "CPU/tick ours/floor" in completed.stdout


@pytest.mark.async_timeout(10)
async def test_an_outbox_for_a_client_already_gone_is_inert(fan: Fan, sink_app: SinkApp) -> None:
    class Early(Sink):
        def open(self, *args: Any, **kwargs: Any) -> None:
            self.ws_connection.stream.close()  # type: ignore[union-attr]  # the peer reset during the handshake
            self.outbox = Outbox(self)
            self.handlers.append(self)

    port, handlers = await sink_app(handler=Early)
    client = await RawClient.connect(port)
    assert await eventually(lambda: len(handlers) == 1)
    assert not handlers[0].outbox.fast
    assert fan(handlers, "tick", droppable=True) == 0
    assert not handlers[0].outbox.send("state")
    client.close()
