"""Keepalive: every timer client is pinged each --ping-interval from one callback; one that does not answer within
--ping-timeout is closed ("ping timed out"), one that answers stays, and no Task is kept per connection."""

from __future__ import annotations

import asyncio
import math
import socket

import pytest
from helpers import JsonClient, Serve, eventually, upgrade_request

from tornado_timer import RunningServer
from tornado_timer.server.keepalive import ROUNDS, Keepalive

pytestmark = pytest.mark.async_timeout(20)


async def silent_client(port: int) -> tuple[socket.socket, bytes]:
    """A bare socket that completes the handshake, then never reads again (nor answers a ping): a dead peer."""
    loop = asyncio.get_running_loop()
    sock = socket.socket()
    sock.setblocking(False)
    await loop.sock_connect(sock, ("127.0.0.1", port))
    await loop.sock_sendall(sock, upgrade_request(port))
    received = b""
    while b"\r\n\r\n" not in received:
        received += await loop.sock_recv(sock, 65536)
    return sock, received


async def read_until(sock: socket.socket, wanted: bytes, timeout: float) -> bytes:
    loop = asyncio.get_running_loop()
    received = b""
    deadline = loop.time() + timeout
    while wanted not in received:
        chunk = await asyncio.wait_for(loop.sock_recv(sock, 65536), max(0.01, deadline - loop.time()))
        assert chunk, f"closed before {wanted!r} came"
        received += chunk
    return received


@pytest.fixture
async def server(serve: Serve) -> RunningServer:
    return await serve(autostart=False, ping_interval=1.0, ping_timeout=1.0)


async def test_a_client_that_answers_pings_stays_and_a_silent_one_is_closed(server: RunningServer) -> None:
    answering = await JsonClient.joined(server.ws_url())  # Tornado's client answers pings by itself
    silent, _ = await silent_client(server.port)
    try:
        await eventually(lambda: server.app.registry.connection_count() == 2, timeout=2)
        after = await read_until(silent, b"ping timed out", timeout=6)  # within interval + timeout, and a margin
        assert b"\x89\x00" in after, "it was pinged first"
        # The close frame went out; the server drops the connection once the close handshake times out (5 s).
        await eventually(lambda: server.app.registry.connection_count() == 1, timeout=9)
        answering.send({"type": "ping", "client_time": 1})
        assert (await answering.next_of("pong"))["client_time"] == 1, "the answering client is still served"
        assert len(server.app.keepalive) == 1
    finally:
        silent.close()
        answering.close()


async def test_no_task_is_kept_per_connection_for_keepalive(server: RunningServer) -> None:
    before = len(asyncio.all_tasks())
    clients = [await JsonClient.joined(server.ws_url()) for _ in range(5)]
    try:
        # Each connection has its handler's Task (Tornado reads its frames in it); no second one for pings.
        assert len(asyncio.all_tasks()) - before <= 2 * 5  # the test's own client Tasks included
        tasks = [task for task in asyncio.all_tasks() if "periodic_ping" in repr(task.get_coro())]
        assert tasks == []
    finally:
        for client in clients:
            client.close()


class CountingClient:
    """A client that counts its pings, answering none (or all, with `keepalive.pong`)."""

    def __init__(self) -> None:
        self.pings = 0
        self.closed_with: str | None = None

    def ping(self, data: str | bytes = b"") -> None:
        self.pings += 1

    def close(self, code: int | None = None, reason: str | None = None) -> None:
        self.closed_with = reason


@pytest.mark.parametrize("count", [3, 200])
async def test_pings_are_spread_over_the_interval_and_each_client_is_pinged_once_per_interval(count: int) -> None:
    keepalive = Keepalive(interval=0.4, timeout=0.4)
    clients = [CountingClient() for _ in range(count)]
    for client in clients:
        keepalive.add(client)  # type: ignore[arg-type]  # a room joining at once
    most_at_once, before = 0, 0
    loop = asyncio.get_running_loop()
    everyone_at = None
    deadline = loop.time() + 10.0
    while loop.time() < deadline and (everyone_at is None or loop.time() < everyone_at + 0.4):
        await asyncio.sleep(0.002)
        total = sum(client.pings for client in clients)
        most_at_once, before = max(most_at_once, total - before), total
        for client in clients:
            keepalive.pong(client)  # type: ignore[arg-type]
        if everyone_at is None and all(client.pings for client in clients):
            everyone_at = loop.time()
    keepalive.stop()
    assert everyone_at is not None, "everyone was pinged"
    assert most_at_once <= 2 * math.ceil(count / ROUNDS), "a round pings a slice, not everyone"
    assert max(client.pings for client in clients) <= 3, "about once per interval, not every round"
    assert not any(client.closed_with for client in clients), "clients that answer stay"


def test_a_client_that_left_is_forgotten_at_once() -> None:
    keepalive = Keepalive(interval=0.0, timeout=1.0)  # off: add() holds nothing
    keepalive.add(CountingClient())  # type: ignore[arg-type]
    assert len(keepalive) == 0


async def test_clients_that_come_and_go_leave_nothing_behind() -> None:
    keepalive = Keepalive(interval=10.0, timeout=5.0)
    staying = CountingClient()
    keepalive.add(staying)  # type: ignore[arg-type]
    for _ in range(1000):
        passing = CountingClient()
        keepalive.add(passing)  # type: ignore[arg-type]
        keepalive.discard(passing)  # type: ignore[arg-type]
    assert len(keepalive) == 1 and len(keepalive._last_pinged) == 1 and not keepalive._unanswered
    keepalive.stop()


async def test_a_client_that_never_answers_is_closed_after_the_timeout() -> None:
    keepalive = Keepalive(interval=0.2, timeout=0.1)
    silent, answering = CountingClient(), CountingClient()
    keepalive.add(silent)  # type: ignore[arg-type]
    keepalive.add(answering)  # type: ignore[arg-type]
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 2.0
    while silent.closed_with is None and loop.time() < deadline:
        await asyncio.sleep(0.01)
        keepalive.pong(answering)  # type: ignore[arg-type]
    keepalive.stop()
    assert silent.closed_with == "ping timed out"
    assert answering.closed_with is None and answering.pings >= 1
