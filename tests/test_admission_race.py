"""`--max-connections`, `--max-connections-per-timer` and `--max-timers` hold while the store is slow: a client
is counted from the moment it is admitted, not only once it has joined, so many handshakes at once cannot overshoot
a limit. Refused clients get 503 before the handshake (or 1013 after it, if a timer slot went elsewhere)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from helpers import handshake_status
from tornado.httpclient import HTTPClientError, HTTPRequest
from tornado.netutil import bind_sockets
from tornado.websocket import WebSocketClientConnection, websocket_connect

from tornado_timer import RunningServer, ServerConfig
from tornado_timer.core.record import Record
from tornado_timer.server.app import make_app
from tornado_timer.store import MemoryStore

pytestmark = pytest.mark.async_timeout(20)


class SlowStore(MemoryStore):
    """A store whose reads wait until the test lets them through, as a slow Redis would keep them waiting."""

    def __init__(self) -> None:
        super().__init__(None)
        self.gate = asyncio.Event()
        self.gate.set()
        self.waiting = 0

    async def get(self, name: str) -> Record | None:
        self.waiting += 1
        try:
            await self.gate.wait()
        finally:
            self.waiting -= 1
        return await super().get(name)


@pytest.fixture
def store() -> SlowStore:
    return SlowStore()


async def running(config: ServerConfig, store: SlowStore) -> RunningServer:
    server = RunningServer(make_app(config, store=store), bind_sockets(0, "127.0.0.1"))
    await server.ready()
    return server


@pytest.fixture
async def start(store: SlowStore) -> AsyncIterator[list[RunningServer]]:
    servers: list[RunningServer] = []
    yield servers
    store.gate.set()
    for server in servers:
        server.stop()
        await server.drain()


async def attempt(url: str) -> WebSocketClientConnection | int:
    """An open connection, or the status its handshake was refused with."""
    try:
        return await websocket_connect(HTTPRequest(url))
    except HTTPClientError as error:
        return error.code


async def first_message_or_close(connection: WebSocketClientConnection) -> str | int:
    """The first message's type, or the close code if the server closed instead."""
    text = await asyncio.wait_for(connection.read_message(), 5)
    if text is None:
        assert connection.close_code is not None
        return connection.close_code
    assert isinstance(text, str)
    return text.split('"type":"', 1)[1].split('"', 1)[0]


async def test_many_handshakes_at_once_never_exceed_max_connections(store: SlowStore,
                                                                      start: list[RunningServer]) -> None:
    server = await running(ServerConfig(host="127.0.0.1", port=0, autostart=False, max_connections=5,
                                        state_file=None), store)
    start.append(server)
    store.gate.clear()  # every join of a timer not held yet now waits for the store
    outcomes = await asyncio.gather(*(attempt(server.ws_url("slow")) for _ in range(20)))
    opened = [o for o in outcomes if not isinstance(o, int)]
    assert sorted(o for o in outcomes if isinstance(o, int)) == [503] * 15, outcomes
    assert len(opened) == 5
    assert server.app.registry.connection_count() == 0, "none has joined: the store has not answered"
    assert (await handshake_status(server.ws_url()))[0] == 503, "the admitted ones count while they wait"
    store.gate.set()
    assert [await first_message_or_close(c) for c in opened] == ["state"] * 5
    assert server.app.registry.connection_count() == 5
    for connection in opened:
        connection.close()
    await asyncio.sleep(0.2)
    assert (await handshake_status(server.ws_url()))[0] == 101, "room is given back when clients go"


async def test_many_handshakes_at_once_never_exceed_max_connections_per_timer(store: SlowStore,
                                                                              start: list[RunningServer]) -> None:
    server = await running(ServerConfig(host="127.0.0.1", port=0, autostart=False, max_connections_per_timer=3,
                                        state_file=None), store)
    start.append(server)
    store.gate.clear()
    outcomes = await asyncio.gather(*(attempt(server.ws_url("slow")) for _ in range(10)))
    assert sorted(o for o in outcomes if isinstance(o, int)) == [503] * 7
    store.gate.set()
    opened = [o for o in outcomes if not isinstance(o, int)]
    assert [await first_message_or_close(c) for c in opened] == ["state"] * 3
    assert len(server.app.registry.get("slow").subscribers) == 3  # type: ignore[union-attr]
    for connection in opened:
        connection.close()


async def test_many_new_timers_at_once_never_exceed_max_timers(store: SlowStore,
                                                               start: list[RunningServer]) -> None:
    server = await running(ServerConfig(host="127.0.0.1", port=0, autostart=False, max_timers=3,
                                        state_file=None), store)
    start.append(server)
    assert len(server.app.registry) == 1  # the default timer
    store.gate.clear()
    outcomes = await asyncio.gather(*(attempt(server.ws_url(f"new{k}")) for k in range(10)))
    refused = [o for o in outcomes if isinstance(o, int)]
    assert refused == [503] * 8, outcomes
    assert store.waiting == 2, "two new timers are being loaded"
    store.gate.set()
    opened = [o for o in outcomes if not isinstance(o, int)]
    assert [await first_message_or_close(c) for c in opened] == ["state"] * 2
    assert len(server.app.registry) == 3
    for connection in opened:
        connection.close()


async def test_a_client_of_a_timer_being_loaded_needs_no_new_timer_slot(store: SlowStore,
                                                                        start: list[RunningServer]) -> None:
    server = await running(ServerConfig(host="127.0.0.1", port=0, autostart=False, max_timers=2,
                                        state_file=None), store)
    start.append(server)
    store.gate.clear()
    outcomes = await asyncio.gather(*(attempt(server.ws_url("shared")) for _ in range(4)),
                                    attempt(server.ws_url("other")))
    assert [isinstance(o, int) for o in outcomes] == [False] * 4 + [True]
    store.gate.set()
    opened = [o for o in outcomes if not isinstance(o, int)]
    assert [await first_message_or_close(c) for c in opened] == ["state"] * 4
    for connection in opened:
        connection.close()


async def test_a_handshake_refused_after_admission_gives_its_room_back(store: SlowStore,
                                                                       start: list[RunningServer]) -> None:
    server = await running(ServerConfig(host="127.0.0.1", port=0, autostart=False, max_connections=1,
                                        state_file=None), store)
    start.append(server)
    for _ in range(3):  # admitted, then refused by the origin check: nothing may stay reserved
        assert (await handshake_status(server.ws_url(), {"Origin": "https://evil.example"}))[0] == 403
    assert (await handshake_status(server.ws_url()))[0] == 101


async def test_a_client_gone_while_the_store_answers_gives_its_room_back(store: SlowStore,
                                                                         start: list[RunningServer]) -> None:
    server = await running(ServerConfig(host="127.0.0.1", port=0, autostart=False, max_connections=2,
                                        state_file=None), store)
    start.append(server)
    store.gate.clear()
    connection = await websocket_connect(HTTPRequest(server.ws_url("slow")))
    connection.close()
    await asyncio.sleep(0.2)
    store.gate.set()
    await asyncio.sleep(0.2)
    assert server.app.registry.connection_count() == 0
    others = [await websocket_connect(HTTPRequest(server.ws_url())) for _ in range(2)]  # the room is all free
    for other in others:
        other.close()
