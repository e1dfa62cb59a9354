"""A client that connects and never reads, while 100 others keep receiving ticks on time.

The real server runs as a separate process, ticking every 10 ms. The launcher shortens the slow-reader bound to
one second and the kernel's send buffer to 4 KiB (fanout.MAX_STALL_SECONDS and SEND_BUFFER_BYTES), so that the
never-reading client is found out within seconds, not minutes. The 100 well-behaved clients are the benchmark's
load generator (benchmarks/fanout/loadgen.py): all of them must get every tick the server sends, soon (if the
machine is so busy that the server skips a grid point, it skips it for everyone). The slow one is a bare socket
with a tiny receive buffer that reads nothing until the end, when it drains what the server left for it: a
bounded number of bytes, ending in a close frame with code 1008.

What the server did is read from its own counters (/metrics): how many ticks it sent in the window and how late
after their grid points, on its own clock. So a busy machine, which makes any process late now and then, does not
fail the test; a server held up by the client that won't read (for its one-second bound) does.
"""

from __future__ import annotations

import asyncio
import os
import socket
import struct
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from helpers import ROOT, ServerProcess, http_at, http_get, native_send_loop, running_ahead, upgrade_request

sys.path.insert(0, str(ROOT / "benchmarks" / "fanout"))

from loadgen import Recorder, connect_many

LAUNCH = """
import sys
from tornado_timer.server import fanout
fanout.MAX_STALL_SECONDS = 1.0
fanout.SEND_BUFFER_BYTES = 4096
from tornado_timer.cli import main
sys.exit(main(sys.argv[1:]))
"""
INTERVAL_MS = 10


@dataclass(frozen=True)
class Ticking:
    """The server's own count of the ticks it sent (all grid points, to whoever was listening), and how many of
    them went out within 0.1 s and 0.5 s of their grid points (tornado_timer_tick_lateness_seconds)."""

    sent: float
    within_100ms: float
    within_500ms: float

    def __sub__(self, before: Ticking) -> Ticking:
        return Ticking(self.sent - before.sent, self.within_100ms - before.within_100ms,
                       self.within_500ms - before.within_500ms)


async def ticking(server: ServerProcess) -> Ticking:
    text = (await http_get(http_at(server, "/metrics"), raise_error=True)).body.decode()
    values = {line.rsplit(" ", 1)[0]: float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
              if line.startswith("tornado_timer_tick_lateness_seconds_")}
    name = "tornado_timer_tick_lateness_seconds"
    return Ticking(values[f"{name}_count"], values[f'{name}_bucket{{le="0.1"}}'], values[f'{name}_bucket{{le="0.5"}}'])


def rss_bytes(pid: int) -> int:
    return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")


async def never_reading_client(port: int) -> socket.socket:
    """Handshake, then read nothing: a frozen tab, a stuck proxy."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 2048)
    sock.setblocking(False)
    loop = asyncio.get_running_loop()
    await loop.sock_connect(sock, ("127.0.0.1", port))
    await loop.sock_sendall(sock, upgrade_request(port))
    return sock


async def drain(sock: socket.socket, seconds: float) -> bytes:
    loop = asyncio.get_running_loop()
    data = b""
    deadline = loop.time() + seconds
    while (left := deadline - loop.time()) > 0:
        try:
            chunk = await asyncio.wait_for(loop.sock_recv(sock, 1 << 16), left)
        except (asyncio.TimeoutError, ConnectionError):
            break
        if not chunk:
            break
        data += chunk
        if b"\r\n\r\n" in data and last_frame_is_close(data.split(b"\r\n\r\n", 1)[1]):
            break
    return data


def frames(data: bytes) -> list[tuple[int, bytes]]:
    found = []
    while len(data) >= 2:
        length, head = data[1] & 0x7F, 2
        if length == 126:
            if len(data) < 4:
                break
            length, head = struct.unpack("!H", data[2:4])[0], 4
        if len(data) < head + length:
            break
        found.append((data[0] & 0x0F, data[head: head + length]))
        data = data[head + length:]
    return found


def last_frame_is_close(data: bytes) -> bool:
    found = frames(data)
    return bool(found) and found[-1][0] == 0x8


async def measure(server: ServerProcess) -> tuple[list[Any], socket.socket, Ticking, Recorder, int]:
    """100 clients and the one that never reads; then 3 s of ticks, as the clients and the server saw them, and
    how much the server's memory grew meanwhile."""
    recorder = Recorder()
    clients, _, failed = await connect_many(recorder, "127.0.0.1", server.port, 100)
    assert not failed
    slow = await never_reading_client(server.port)
    await asyncio.sleep(0.5)
    rss_before = rss_bytes(server.process.pid)
    before = await ticking(server)
    start_ms = time.time() * 1000.0
    recorder.reset(start_ms, start_ms + 3000)
    await asyncio.sleep(3.0)
    window = await ticking(server) - before
    await asyncio.sleep(0.5)  # late ticks still count, late
    return clients, slow, window, recorder, rss_bytes(server.process.pid) - rss_before


PATHS = {  # each way a broadcast can go: the C send loop, frames sent from Python, Tornado's write_message
    "c-send-loop": ["--fast-fanout", "--native-send"],
    "python-send": ["--fast-fanout", "--no-native-send"],
    "no-fast-fanout": ["--no-fast-fanout"],
}


@pytest.mark.parametrize("path", list(PATHS))
async def test_a_client_that_never_reads_delays_no_one_stays_bounded_and_is_closed(
    path: str, start_server_process: Callable[..., ServerProcess],
) -> None:
    if path == "c-send-loop":
        native_send_loop()  # built, or (under CI) a failure: this path must be tested
    server = start_server_process(
        "--interval", str(INTERVAL_MS / 1000), "--no-state", "--log-level", "error", *PATHS[path],
        entry=("-c", LAUNCH), env={"PYTHONPATH": str(ROOT)}, ahead=True,
    )
    metrics = (await http_get(http_at(server, "/metrics"), raise_error=True)).body.decode()
    assert f"tornado_timer_native_send {1.0 if path == 'c-send-loop' else 0.0}" in metrics, "the path under test"
    with running_ahead():  # the load generator must keep up, or the 100 become slow readers themselves
        clients, slow, window, recorder, rss_growth = await measure(server)
    print(f"server: {window.sent:.0f} ticks in 3 s, {window.within_100ms:.0f} within 0.1 s of their grid points; "
          f"clients: {len(recorder.seqs)} of grid points {recorder.seq_low}..{recorder.seq_high}")

    # The server kept to its grid, on its own clock: no tick held up by the client that won't read (for its 1 s
    # bound). A busy machine makes the server late now and then, and it skips the grid points it missed.
    assert window.sent >= 0.5 * 300, f"the server sent {window.sent:.0f} ticks in 3 s of 10 ms grid points"
    assert window.within_500ms == window.sent and window.within_100ms >= 0.99 * window.sent, window
    # Every tick the server sent in the window reached all 100, and soon.
    sent = len(recorder.seqs)
    assert sent >= 0.9 * window.sent, f"the clients got {sent} of the {window.sent:.0f} ticks the server sent"
    received = [client.in_window for client in clients]
    assert received == [sent] * len(clients), f"{sent} ticks sent; received: {received}"
    delays = sorted(recorder.delays)
    p50, p99 = delays[len(delays) // 2], delays[int(len(delays) * 0.99)]
    assert p50 < 20 and p99 < 250, f"delay p50 {p50:.1f} ms, p99 {p99:.1f} ms"  # a blocked loop takes a second
    assert rss_growth < 2_000_000, "the server's memory must not grow for a client that won't read"

    # It was closed: reading now, it finds a bounded backlog ending in a close frame with 1008.
    data = await drain(slow, 10.0)
    head, body = data.split(b"\r\n\r\n", 1)
    assert b" 101 " in head
    received_frames = frames(body)
    assert received_frames[-1][0] == 0x8, "ends in a close frame"
    code = struct.unpack("!H", received_frames[-1][1][:2])[0]
    assert code == 1008, received_frames[-1]
    assert b"not reading" in received_frames[-1][1]
    assert len(body) < 1_000_000, "what was left for it is bounded by the kernel's buffers, not growing"
    for client in clients:
        assert not client.closed
        client.close()
    slow.close()
