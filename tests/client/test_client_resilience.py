"""The client against servers that misbehave, over real sockets: one that accepts and closes at once (full, store
down) is retried ever more slowly, and a connection that goes silent is found by the keepalive and replaced."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import math
import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from helpers import ROOT, Serve, eventually
from tornado.httpserver import HTTPServer
from tornado.netutil import bind_sockets
from tornado.web import Application
from tornado.websocket import WebSocketHandler

from tornado_timer.client import Backoff, ConnectionStatus, TimerClient

Policy = Callable[[int], "tuple[str | None, int]"]  # connection number (from 1) -> (text to send first, close code)


@dataclass
class Doorman:
    """A WebSocket server on a free loopback port that accepts every handshake, then does what `policy` says for
    connection n: send a text (or nothing), then close with a code. It notes when each connection opened."""

    policy: Policy
    opened: list[float] = field(default_factory=list)
    server: HTTPServer | None = None
    port: int = 0

    def start(self) -> None:
        doorman = self

        class Handler(WebSocketHandler):
            def open(self, *args: Any, **kwargs: Any) -> None:
                doorman.opened.append(asyncio.get_running_loop().time())
                text, code = doorman.policy(len(doorman.opened))
                if text is not None:
                    self.write_message(text)
                self.close(code, "closing at once")

        sockets = bind_sockets(0, "127.0.0.1")
        self.port = sockets[0].getsockname()[1]
        self.server = HTTPServer(Application([(r"/ws", Handler)]))
        self.server.add_sockets(sockets)

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws"

    def gaps(self) -> list[float]:
        return [b - a for a, b in itertools.pairwise(self.opened)]


@pytest.fixture
async def doormen() -> AsyncIterator[Callable[[Policy], Doorman]]:
    started: list[Doorman] = []

    def start(policy: Policy) -> Doorman:
        doorman = Doorman(policy)
        doorman.start()
        started.append(doorman)
        return doorman

    yield start
    for doorman in started:
        assert doorman.server is not None
        doorman.server.stop()


async def retry_for(client: TimerClient, seconds: float) -> None:
    """Let `client` keep connecting (`connect(retry=True)`) for `seconds`, then close it."""
    connecting = asyncio.ensure_future(client.connect(retry=True))
    await asyncio.sleep(seconds)
    client.close()
    with contextlib.suppress(ConnectionError):
        await asyncio.wait_for(connecting, 5)
    await client.wait_closed()


@pytest.mark.parametrize("code", [1013, 1011], ids=["full-1013", "store-down-1011"])
async def test_a_server_that_accepts_and_closes_is_retried_ever_more_slowly(
    doormen: Callable[[Policy], Doorman], code: int
) -> None:
    doorman = doormen(lambda n: (None, code))
    client = TimerClient(doorman.url, backoff=Backoff(initial=0.05, factor=2.0, maximum=1.0, jitter=0.0))
    await retry_for(client, 2.5)
    # Waits of 0.05, 0.1, 0.2, 0.4, 0.8, 1.0 s: 6 or 7 tries in 2.5 s (fewer on a busy machine). Starting again
    # from 0.05 s after every accepted handshake, as before, gives 25 or more.
    tries, gaps = len(doorman.opened), doorman.gaps()
    assert 4 <= tries <= 9, f"{tries} tries in 2.5 s, gaps {gaps}"
    assert gaps[-1] >= 0.4 and gaps[-1] > 2 * min(gaps), f"the waits grew: {gaps}"
    assert client.close_code == code


async def test_a_connection_that_brought_the_state_starts_the_backoff_again(
    serve: Serve, doormen: Callable[[Policy], Doorman]
) -> None:
    server = await serve(autostart=False)
    async with TimerClient(server.ws_url()) as real:
        state = real.history[0].raw  # a state as the server sends it
    # Connections 1-3 and 5-6 close at once (1013); connection 4 brings the state first, then closes (1011).
    doorman = doormen(lambda n: (state, 1011) if n == 4 else (None, 1013))
    client = TimerClient(doorman.url, backoff=Backoff(initial=0.05, factor=4.0, maximum=10.0, jitter=0.0))
    seen: list[ConnectionStatus] = []
    client.add_status_listener(lambda status, _detail: seen.append(status))
    connecting = asyncio.ensure_future(client.connect(retry=True))
    try:
        assert await eventually(lambda: len(doorman.opened) >= 6, timeout=10)
    finally:
        client.close()
        with contextlib.suppress(ConnectionError):
            await asyncio.wait_for(connecting, 5)
        await client.wait_closed()
    gaps = doorman.gaps()
    # Waits 0.05, 0.2, 0.8 s, then (the state came) 0.05 and 0.2 again; without the reset the fourth is 3.2 s.
    assert gaps[2] >= 0.7, f"the waits grew before the state: {gaps}"
    assert gaps[3] < 0.7 and gaps[3] < gaps[2], f"and started again after it: {gaps}"
    assert ConnectionStatus.CONNECTED in seen and client.timer is not None


class Cable:
    """A TCP relay on a free loopback port; `go_silent()` makes every connection through it forward nothing more,
    either way, and close nothing (a laptop lid, a Wi-Fi change); connections made after it work."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.silent: set[int] = set()  # ids of connections that forward nothing any more
        self.connections = 0
        self.writers: list[asyncio.StreamWriter] = []
        self.server: asyncio.Server | None = None

    async def start(self) -> int:
        self.server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        port: int = self.server.sockets[0].getsockname()[1]
        return port

    def go_silent(self) -> None:
        self.silent |= set(range(1, self.connections + 1))

    def close(self) -> None:
        if self.server is not None:
            self.server.close()
        for writer in self.writers:
            writer.close()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        number = self.connections
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        self.writers += [writer, up_writer]
        await asyncio.gather(self._pump(number, reader, up_writer), self._pump(number, up_reader, writer))

    async def _pump(self, number: int, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError):
            while chunk := await reader.read(65536):
                if number not in self.silent:
                    writer.write(chunk)
        if number not in self.silent:
            writer.close()


def pings(client: TimerClient) -> int:
    return sum(1 for sent in client.sent if isinstance(sent.raw, str) and json.loads(sent.raw)["type"] == "ping")


@pytest.mark.async_timeout(45)
async def test_a_connection_gone_silent_is_found_by_the_keepalive_and_replaced(serve: Serve) -> None:
    server = await serve(autostart=False)  # an idle timer: nothing is sent unless asked
    cable = Cable(server.port)
    port = await cable.start()
    interval, timeout = 0.4, 0.4
    client = TimerClient(f"ws://127.0.0.1:{port}/ws", ping_interval=interval, ping_timeout=timeout,
                         backoff=Backoff(initial=0.05, maximum=0.2))
    lost_at: list[float] = []
    loop = asyncio.get_running_loop()
    client.add_status_listener(lambda status, _d: lost_at.append(loop.time())
                               if status is ConnectionStatus.RECONNECTING and not lost_at else None)
    try:
        await client.connect()
        await asyncio.sleep(4 * interval)
        assert client.connected and client.connections == 1, "answered pings keep a quiet connection"
        assert pings(client) >= 2 and client.session.samples, "the keepalive pinged, and the pongs came"
        cable.go_silent()
        silent_at = loop.time()
        assert await eventually(lambda: lost_at, timeout=10), "the silent connection was noticed"
        # Quiet for `interval`, then a ping, then `timeout` without an answer; a busy machine's loop adds a little.
        noticed_after = lost_at[0] - silent_at
        assert noticed_after <= interval + timeout + 1.0, f"noticed {noticed_after:.2f} s after going silent"
        assert "no answer to a ping" in (client.close_reason or "") and client.close_code is None
        await client.wait_connected(timeout=10)
        assert client.connections == 2 and client.timer_status == "idle", "a new connection replaced it"
    finally:
        await client.aclose()
        cable.close()


async def test_a_busy_connection_costs_no_pings_and_keepalive_can_be_turned_off(serve: Serve) -> None:
    server = await serve(interval=0.05)  # ticks 20 times a second
    async with TimerClient(server.ws_url(), ping_interval=0.3, ping_timeout=0.3) as busy:
        await asyncio.sleep(1.0)
        assert pings(busy) == 0 and busy.connected, "ticks keep the connection busy: no ping needed"
    idle_server = await serve(autostart=False)
    for off in (None, 0):
        async with TimerClient(idle_server.ws_url(), ping_interval=off) as quiet:
            assert quiet.ping_interval is None
            await asyncio.sleep(0.5)
            assert pings(quiet) == 0 and quiet.connected


def test_keepalive_is_on_by_default_with_the_pages_heartbeat_and_checks_its_values() -> None:
    page = (ROOT / "static" / "connection.js").read_text()
    heartbeat, deadline = re.search(r"heartbeatMs: (\d+)", page), re.search(r"deadlineMs: (\d+)", page)
    assert heartbeat and deadline, "the page's heartbeat settings"
    heartbeat_ms, deadline_ms = int(heartbeat.group(1)), int(deadline.group(1))
    client = TimerClient("ws://127.0.0.1:9/ws")
    assert (client.ping_interval, client.ping_timeout) == (heartbeat_ms / 1000, deadline_ms / 1000) == (10.0, 5.0)
    for bad in ({"ping_interval": -1}, {"ping_interval": math.nan}, {"ping_interval": math.inf},
                {"ping_timeout": 0}, {"ping_timeout": -2.0}):
        with pytest.raises(ValueError, match="ping_"):
            TimerClient("ws://127.0.0.1:9/ws", **bad)  # type: ignore[arg-type]
