"""Notebook 7's exercises: a client that stops reading, and a backoff with full jitter."""

from __future__ import annotations

import asyncio
import json
import random
import socket
import statistics
from collections.abc import Callable
from typing import Any

from ...client import Backoff
from ...core import rfc6455
from .. import slow_readers
from ..exercise import Exercise, Report, Wrong, fresh_server
from ..storm import FunctionBackoff, reconnect_storm


async def stop_reading(host: str, port: int, seconds: float) -> bytes:
    """Handshake on a socket with a small receive buffer, read nothing for `seconds`, then read everything."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 2048)  # before connecting: it sets the TCP window
    sock.setblocking(False)
    loop = asyncio.get_running_loop()
    await loop.sock_connect(sock, (host, port))
    await loop.sock_sendall(sock, rfc6455.handshake_request(f"{host}:{port}"))
    await asyncio.sleep(seconds)  # a frozen tab: nothing is read
    data = b""
    while True:
        try:
            chunk = await asyncio.wait_for(loop.sock_recv(sock, 65536), 0.5)
        except asyncio.TimeoutError:
            break  # nothing more for half a second: that was all
        if not chunk:
            break
        data += chunk
    sock.close()
    return data.split(b"\r\n\r\n", 1)[1]  # what came after the handshake's answer


async def check_stop_reading(report: Report, answer: Callable[..., Any]) -> None:
    async with fresh_server(interval=0.01) as server:
        channel = server.app.registry.default
        known = set(channel.subscribers)
        reading = asyncio.ensure_future(report.call(answer, server.host, server.port, 3.0, timeout=12.0))
        while not reading.done() and not set(channel.subscribers) - known:
            await asyncio.sleep(0.005)
        for handler in set(channel.subscribers) - known:  # the server's side of your client: a 1 s bound
            slow_readers.tighten(handler, stall_seconds=1.0, send_buffer_bytes=4096)
        data = await reading
    report.expect(isinstance(data, bytes), f"return the bytes you read (after the handshake), not "
                  f"{type(data).__name__}")
    if data.startswith(b"HTTP/1.1"):
        data = data.split(b"\r\n\r\n", 1)[-1]
    frames = slow_readers.frames_in(data)
    report.expect(bool(frames), "no frame at all in what you read")
    ticks = [json.loads(f.text()) for f in frames if f.opcode == rfc6455.Opcode.TEXT]
    report.note(f"you read {len(data)} bytes: {len(frames)} frames, {len(ticks)} of them messages")
    last = frames[-1]
    if last.opcode != rfc6455.Opcode.CLOSE:
        raise Wrong("the server never closed it: did the socket get a small receive buffer (SO_RCVBUF) before "
                    "connecting? With the usual one it holds minutes of ticks")
    code, reason = rfc6455.parse_close_payload(last.payload)
    report.expect(code == 1008, f"closed with {code}, not 1008", f"closed with 1008: {reason!r}")
    report.ok(f"before that, {len(ticks)} messages: what the kernel's buffers held, not a queue in the server")


def full_jitter(attempt: int, rng: random.Random) -> float:
    """'Full jitter': anywhere between 0 and the exponential delay (0.1 s doubling, at most 2 s)."""
    return rng.uniform(0.0, min(2.0, 0.1 * 2**attempt))


async def check_full_jitter(report: Report, answer: Callable[..., Any]) -> None:
    rng = random.Random(7)
    for attempt in range(8):
        cap = min(2.0, 0.1 * 2**attempt)
        delays = [await report.call(answer, attempt, rng) for _ in range(400)]
        report.expect(all(0.0 <= d <= cap + 1e-9 for d in delays), f"attempt {attempt}: delays must lie in "
                      f"[0, {cap:g}] s; yours ranged {min(delays):.3f}..{max(delays):.3f}")
        report.expect(abs(statistics.mean(delays) - cap / 2) < cap * 0.1, f"attempt {attempt}: the mean delay "
                      f"should be about {cap / 2:.3f} s, yours was {statistics.mean(delays):.3f}")
        report.expect(statistics.pstdev(delays) > cap * 0.2, f"attempt {attempt}: the delays hardly vary")
    report.ok("eight attempts: every delay between 0 and the cap, spread evenly")
    # How clustered the tries look also depends on how busy this machine is: shown, not judged.
    lockstep = await reconnect_storm("no jitter", Backoff(jitter=0.0), clients=60, down_s=0.3)
    yours = await reconnect_storm("yours", FunctionBackoff(function=answer), clients=60, down_s=0.3)
    report.expect(len(yours.back_ms) == yours.clients, f"only {len(yours.back_ms)} of {yours.clients} clients "
                  "came back within 15 s")
    report.note(f"60 clients after a restart: at most {lockstep.peak(attempts=True)} tries in 20 ms without "
                f"jitter, {yours.peak(attempts=True)} with yours; all back within {yours.spread_ms():.0f} ms")
    report.ok("with your delays every client came back")


EXERCISES = (
    Exercise("7.1", "a client that stops reading", "stop_reading", check_stop_reading, stop_reading),
    Exercise("7.2", "reconnect with full jitter", "full_jitter", check_full_jitter, full_jitter),
)
