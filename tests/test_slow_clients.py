"""A client that connects and never reads, while 100 others keep receiving ticks on time.

The real server runs as a separate process, ticking every 10 ms. The launcher shortens the slow-reader bound to
one second and the kernel's send buffer to 4 KiB (fanout.MAX_STALL_SECONDS and SEND_BUFFER_BYTES), so that the
never-reading client is found out within seconds, not minutes. The 100 well-behaved clients are the benchmark's
load generator (benchmarks/fanout/loadgen.py): all of them must get every tick the server sends, soon (if the
machine is so busy that the server skips a grid point, it skips it for everyone). The slow one is a bare socket
with a tiny receive buffer that reads nothing until the end, when it drains what the server left for it: a
bounded number of bytes, ending in a close frame with code 1008.
"""

from __future__ import annotations

import asyncio
import os
import socket
import struct
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import ROOT, ServerProcess, upgrade_request

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


@pytest.mark.parametrize("fast", [True, False], ids=["fast-fanout", "no-fast-fanout"])
async def test_a_client_that_never_reads_delays_no_one_stays_bounded_and_is_closed(
    fast: bool, start_server_process: Callable[..., ServerProcess],
) -> None:
    server = start_server_process(
        "--interval", str(INTERVAL_MS / 1000), "--no-state", "--log-level", "error",
        "--fast-fanout" if fast else "--no-fast-fanout",
        entry=("-c", LAUNCH), env={"PYTHONPATH": str(ROOT)}, ahead=True,
    )
    process, port = server.process, server.port

    recorder = Recorder()
    clients, _, failed = await connect_many(recorder, "127.0.0.1", port, 100)
    assert not failed
    slow = await never_reading_client(port)
    await asyncio.sleep(0.5)
    rss_before = rss_bytes(process.pid)
    start_ms = time.time() * 1000.0 + 20
    recorder.reset(start_ms, start_ms + 3000)
    await asyncio.sleep(3.0 + 0.5)  # the window, then late ticks still count, late
    rss_after = rss_bytes(process.pid)

    # Every tick the server sent in the window reached all 100, and soon.
    sent = len(recorder.seqs)
    grid_points = recorder.seq_high - recorder.seq_low + 1
    assert sent >= 0.75 * grid_points >= 0.75 * 280, f"the server sent {sent} of {grid_points} ticks"
    received = [client.in_window for client in clients]
    assert received == [sent] * len(clients), f"{sent} ticks sent; received: {received}"
    delays = sorted(recorder.delays)
    p50, p99 = delays[len(delays) // 2], delays[int(len(delays) * 0.99)]
    assert p99 < 100, f"delay p50 {p50:.1f} ms, p99 {p99:.1f} ms"  # ten intervals: a blocked loop takes seconds
    assert rss_after - rss_before < 2_000_000, "the server's memory must not grow for a client that won't read"

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
