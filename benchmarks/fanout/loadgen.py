"""A lean WebSocket load generator: many clients as raw asyncio protocols, recording every tick they receive.

Each client does the RFC 6455 handshake itself and parses frames by hand (no library, no Task per connection),
so one process holds 10,000 clients and spends a few microseconds per message: it must never be what limits a
measurement (the benchmark prints its CPU). Ticks are not parsed as JSON: `seq` and `server_time` are read
straight out of the bytes; states (rare) are.

Used by benchmarks/fanout/run.py and by tests/test_slow_clients.py.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import socket
import time
from array import array
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

TICK_PREFIX = b'{"type":"tick"'


def _int_after(payload: bytes, key: bytes) -> int:
    """The integer that follows `key` (like b'"seq":') in compact JSON; -1 if absent."""
    start = payload.find(key)
    if start < 0:
        return -1
    start += len(key)
    end = start
    while end < len(payload) and payload[end] in b"-0123456789":
        end += 1
    return int(payload[start:end]) if end > start else -1


def masked_frame(opcode: int, payload: bytes) -> bytes:
    """A client's frame: clients must mask (RFC 6455 5.3)."""
    mask = os.urandom(4)
    length = len(payload)
    if length < 126:
        header = bytes((0x80 | opcode, 0x80 | length))
    else:
        header = bytes((0x80 | opcode, 0x80 | 126)) + length.to_bytes(2, "big")
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return header + mask + masked


@dataclass
class Recorder:
    """What all clients received inside the measuring window [start_ms, end_ms] (server wall-clock times)."""

    start_ms: float = float("inf")
    end_ms: float = float("-inf")
    delays: array[float] = field(default_factory=lambda: array("d"))
    seq_low: int = 1 << 62
    seq_high: int = -1
    seqs: set[int] = field(default_factory=set)  # every seq delivered in the window, to any client
    state_times: list[tuple[int, float]] = field(default_factory=list)  # (state version, received at: wall ms)
    record_states: bool = False

    def reset(self, start_ms: float, end_ms: float) -> None:
        self.start_ms, self.end_ms = start_ms, end_ms
        self.delays = array("d")
        self.seq_low, self.seq_high = 1 << 62, -1
        self.seqs = set()


class Client(asyncio.Protocol):
    """One WebSocket connection: handshake, then count ticks and note their delay; answers pings."""

    __slots__ = ("buffer", "close_code", "closed", "handshake", "in_window", "last_state", "recorder", "request",
                 "transport")

    def __init__(self, recorder: Recorder, host: str, port: int, path: str) -> None:
        key = base64.b64encode(os.urandom(16)).decode()
        self.request = (
            f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
        self.recorder = recorder
        self.transport: asyncio.Transport | None = None
        self.handshake: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.buffer = b""
        self.in_window = 0  # ticks received with server_time inside the window
        self.closed = False
        self.close_code: int | None = None
        self.last_state: dict[str, Any] | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # uvloop's transports are not asyncio's classes
        transport.write(self.request)

    def data_received(self, data: bytes) -> None:
        now_ms = time.time() * 1000.0
        if not self.handshake.done():
            data = self.buffer + data
            end = data.find(b"\r\n\r\n")
            if end < 0:
                self.buffer = data
                return
            status = data[: data.find(b"\r\n")]
            if b" 101 " not in status:
                self.handshake.set_exception(ConnectionError(status.decode(errors="replace")))
                self.buffer = b""
                return
            self.handshake.set_result(None)
            data = data[end + 4:]
            self.buffer = b""
        elif self.buffer:
            data = self.buffer + data
            self.buffer = b""
        # The common case: exactly one short unmasked text frame holding a tick.
        if len(data) >= 2 and data[0] == 0x81 and data[1] < 126 and len(data) == data[1] + 2:
            self.on_text(data[2:], now_ms)
            return
        offset = 0
        total = len(data)
        while total - offset >= 2:
            opcode = data[offset] & 0x0F
            length = data[offset + 1] & 0x7F
            head = 2
            if length == 126:
                if total - offset < 4:
                    break
                length = int.from_bytes(data[offset + 2: offset + 4], "big")
                head = 4
            elif length == 127:
                if total - offset < 10:
                    break
                length = int.from_bytes(data[offset + 2: offset + 10], "big")
                head = 10
            if total - offset < head + length:
                break
            payload = data[offset + head: offset + head + length]
            offset += head + length
            if opcode == 1:
                self.on_text(payload, now_ms)
            elif opcode == 9 and self.transport is not None:
                self.transport.write(masked_frame(0xA, payload))
            elif opcode == 8:
                self.close_code = int.from_bytes(payload[:2], "big") if len(payload) >= 2 else 1005
                if self.transport is not None:
                    self.transport.write(masked_frame(0x8, payload[:2]))
        self.buffer = data[offset:]

    def on_text(self, payload: bytes, now_ms: float) -> None:
        recorder = self.recorder
        if payload.startswith(TICK_PREFIX):
            server_time = _int_after(payload, b'"server_time":')
            if recorder.start_ms <= server_time <= recorder.end_ms:
                self.in_window += 1
                recorder.delays.append(now_ms - server_time)
                seq = _int_after(payload, b'"seq":')
                recorder.seqs.add(seq)
                if seq < recorder.seq_low:
                    recorder.seq_low = seq
                if seq > recorder.seq_high:
                    recorder.seq_high = seq
        elif payload.startswith(b'{"type":"state"'):
            state = json.loads(payload)
            self.last_state = state
            if recorder.record_states:
                version = state.get("timer", state).get("version", -1)
                recorder.state_times.append((version, now_ms))

    def send_text(self, text: str) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(masked_frame(0x1, text.encode()))

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if not self.handshake.done():
            self.handshake.set_exception(exc or ConnectionError("closed during the handshake"))

    def close(self) -> None:
        if self.transport is not None:
            self.transport.abort()


async def connect_many(
    recorder: Recorder, host: str, port: int, count: int, path: str = "/ws", in_flight: int = 100,
    timeout: float = 60.0,
) -> tuple[list[Client], float, int]:
    """Open `count` clients, at most `in_flight` handshakes at once (under the servers' listen backlogs).

    Returns the clients that completed the handshake, the seconds it took, and how many failed or timed out.
    """
    loop = asyncio.get_running_loop()
    gate = asyncio.Semaphore(in_flight)
    clients: list[Client] = []

    async def one() -> None:
        async with gate:
            _, client = await loop.create_connection(lambda: Client(recorder, host, port, path), host, port)
            sock = client.transport.get_extra_info("socket") if client.transport else None
            if sock is not None:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            try:
                await client.handshake
            except BaseException:
                client.close()
                raise
            clients.append(client)

    started = time.perf_counter()
    tasks = [asyncio.ensure_future(one()) for _ in range(count)]
    done, pending = await asyncio.wait(tasks, timeout=timeout)
    elapsed = time.perf_counter() - started
    for task in pending:
        task.cancel()
    failed = len(pending) + sum(1 for task in done if task.exception() is not None)
    return clients, elapsed, failed


def loop_factory() -> tuple[Callable[[], asyncio.AbstractEventLoop], str]:
    """uvloop if it is installed (it halves the generator's cost per message), else asyncio's own loop."""
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop, "asyncio"
    return uvloop.new_event_loop, "uvloop"
