"""A plain WebSocket upgrade is answered directly (server/upgrade.py); everything else still gets Tornado's answer.

The direct way must be indistinguishable from Tornado's to a client (the same 101 but its optional Date, the same
frames after it, the same access log line, the same cleanup) and must never answer a request it should not.
"""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import types
from collections.abc import Iterator
from typing import Any

import pytest
from helpers import JsonClient, Serve, eventually, handshake_status
from hypothesis import given
from hypothesis import strategies as st
from tornado import httputil, websocket

from tornado_timer import RunningServer
from tornado_timer.core import rfc6455
from tornado_timer.server import tornado_private, upgrade
from tornado_timer.server.timer_socket import TimerSocket

KEY = rfc6455.RFC_EXAMPLE_KEY


@pytest.fixture
def tornado_gets(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The paths of the handshakes that went through Tornado's `WebSocketHandler.get`."""
    paths: list[str] = []
    tornados_get = websocket.WebSocketHandler.get

    async def counted(handler: websocket.WebSocketHandler, *args: Any, **kwargs: Any) -> None:
        paths.append(handler.request.path)
        await tornados_get(handler, *args, **kwargs)

    monkeypatch.setattr(websocket.WebSocketHandler, "get", counted)
    yield paths


async def answer(server: RunningServer, path: str = "/ws", headers: dict[str, str] | None = None,
                 key: str = KEY) -> tuple[rfc6455.HttpResponse, bytes, socket.socket]:
    """Send a handshake on a bare socket: the response head (and body), the bytes after it, the socket (open)."""
    loop = asyncio.get_running_loop()
    sock = socket.create_connection(("127.0.0.1", server.port))
    sock.setblocking(False)
    request = rfc6455.handshake_request(f"127.0.0.1:{server.port}", path, key, extra=headers)
    await loop.sock_sendall(sock, request)
    data = b""
    while (parsed := rfc6455.parse_http_response(data)) is None or len(parsed[0].body) < int(
            parsed[0].header("content-length") or 0):
        chunk = await asyncio.wait_for(loop.sock_recv(sock, 4096), 5)
        assert chunk, f"closed before a whole response: {data!r}"
        data += chunk
    return parsed[0], parsed[1], sock


async def read_frame(sock: socket.socket, data: bytes) -> rfc6455.Frame:
    """The first frame of `data` and what follows on `sock`."""
    loop = asyncio.get_running_loop()
    while (decoded := rfc6455.decode_frame(data)) is None:
        chunk = await asyncio.wait_for(loop.sock_recv(sock, 4096), 5)
        assert chunk, "closed before a whole frame"
        data += chunk
    return decoded[0]


async def test_a_plain_upgrade_gets_tornados_101_but_its_date_and_then_the_state(
        serve: Serve, tornado_gets: list[str]) -> None:
    server = await serve()
    direct, rest, sock = await answer(server, "/ws/room")
    with sock:
        frame = await read_frame(sock, rest)
        assert json.loads(frame.payload)["type"] == "state"
    tornados, _, echo_sock = await answer(server, "/echo")  # the echo socket keeps Tornado's own handshake
    echo_sock.close()
    assert tornado_gets == ["/echo"]
    assert (direct.status, direct.reason) == (tornados.status, tornados.reason) == (101, "Switching Protocols")
    accept = rfc6455.RFC_EXAMPLE_ACCEPT
    assert direct.header("sec-websocket-accept") == tornados.header("sec-websocket-accept") == accept
    assert set(direct.headers) == set(tornados.headers) - {"date"}
    assert {name: direct.headers[name] for name in direct.headers} == {
        name: tornados.headers[name] for name in direct.headers}


@pytest.mark.parametrize(("headers", "status"), [
    ({"Upgrade": "h2c"}, 400),
    ({"Connection": "keep-alive"}, 400),
    ({"Sec-WebSocket-Version": "8"}, 426),
    ({"Origin": "https://elsewhere.example"}, 403),
    ({"Sec-Fetch-Site": "cross-site", "Origin": "https://elsewhere.example"}, 403),
    ({"Sec-WebSocket-Protocol": "chat"}, 101),
])
async def test_anything_but_a_plain_upgrade_gets_tornados_own_answer(
        serve: Serve, tornado_gets: list[str], headers: dict[str, str], status: int) -> None:
    server = await serve()
    request = rfc6455.handshake_request(f"127.0.0.1:{server.port}", "/ws", KEY)
    for name, value in headers.items():  # replace the header if the request has it, else add it
        lines = [line for line in request.decode().split("\r\n") if not line.lower().startswith(name.lower() + ":")]
        request = "\r\n".join([*lines[:2], f"{name}: {value}", *lines[2:]]).encode()
    loop = asyncio.get_running_loop()
    with socket.create_connection(("127.0.0.1", server.port)) as sock:
        sock.setblocking(False)
        await loop.sock_sendall(sock, request)
        head = await asyncio.wait_for(loop.sock_recv(sock, 4096), 5)
    assert head.startswith(f"HTTP/1.1 {status} ".encode()), head
    assert tornado_gets == ["/ws"]


async def test_a_request_without_a_key_gets_tornados_400(serve: Serve, tornado_gets: list[str]) -> None:
    server = await serve()
    response, _, sock = await answer(server, key="")
    sock.close()
    assert (response.status, response.body) == (400, b"Missing/Invalid WebSocket headers")
    assert tornado_gets == ["/ws"]


async def test_firefoxs_connection_header_is_still_plain(serve: Serve, tornado_gets: list[str]) -> None:
    server = await serve()
    request = rfc6455.handshake_request(f"127.0.0.1:{server.port}", "/ws", KEY).replace(
        b"Connection: Upgrade", b"Connection: keep-alive, Upgrade")
    loop = asyncio.get_running_loop()
    with socket.create_connection(("127.0.0.1", server.port)) as sock:
        sock.setblocking(False)
        await loop.sock_sendall(sock, request)
        assert (await asyncio.wait_for(loop.sock_recv(sock, 4096), 5)).startswith(b"HTTP/1.1 101 ")
    assert tornado_gets == []


async def test_commands_ticks_and_closing_work_after_a_direct_upgrade(
        serve: Serve, tornado_gets: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    subprotocols: list[str | None] = []
    opening = TimerSocket.open

    async def open_and_note(self: TimerSocket, *args: Any, **kwargs: Any) -> None:
        subprotocols.append(self.selected_subprotocol)  # as after Tornado's handshake: None, none asked for
        await opening(self, *args, **kwargs)

    monkeypatch.setattr(TimerSocket, "open", open_and_note)
    server = await serve(interval=0.05)
    client = await JsonClient.connect(server.ws_url("direct"))
    await client.next_of("state")
    state = await client.command({"type": "start"})
    assert state["timer"]["status"] == "running"
    assert (await client.next_of("tick"))["timer"] == "direct"
    client.close()
    await eventually(lambda: server.app.registry.connection_count() == 0)
    assert tornado_gets == []
    assert subprotocols == [None]


async def test_the_101_is_in_the_access_log_with_the_token_redacted(
        serve: Serve, caplog: pytest.LogCaptureFixture) -> None:
    server = await serve(control_token="s3cret-token")
    with caplog.at_level(logging.INFO, logger="tornado.access"):
        client = await JsonClient.connect(server.ws_url() + "?token=s3cret-token")
        assert (await client.next_of("state"))["role"] == "controller"
        client.close()
    lines = [record.getMessage() for record in caplog.records if record.name == "tornado.access"]
    assert any(line.startswith("101 GET /ws?token=") for line in lines), lines
    assert "s3cret-token" not in caplog.text


async def test_an_open_that_fails_is_logged_and_the_connection_dropped(
        serve: Serve, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    async def failing_open(self: TimerSocket, *args: Any, **kwargs: Any) -> None:
        raise RuntimeError("open failed on purpose")

    monkeypatch.setattr(TimerSocket, "open", failing_open)
    server = await serve(max_connections=1)
    response, rest, sock = await answer(server)
    assert (response.status, rest) == (101, b"")
    loop = asyncio.get_running_loop()
    with sock:
        assert await asyncio.wait_for(loop.sock_recv(sock, 4096), 5) == b"", "closed without a frame"
    assert "open failed on purpose" in caplog.text
    monkeypatch.undo()
    client = await JsonClient.joined(server.ws_url())  # its room was given back: the one connection allowed
    client.close()


async def test_a_client_gone_before_the_101_leaves_nothing_behind(serve: Serve) -> None:
    server = await serve(max_connections=1)
    loop = asyncio.get_running_loop()
    for _ in range(20):
        sock = socket.create_connection(("127.0.0.1", server.port))
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")  # reset on close
        sock.setblocking(False)
        await loop.sock_sendall(sock, rfc6455.handshake_request(f"127.0.0.1:{server.port}", "/ws"))
        sock.close()
    await eventually(lambda: server.app.registry.connection_count() == 0 and not server.http_server._waiting)

    async def the_one_connection_allowed_is_free() -> bool:  # once the server has seen all twenty go
        return (await handshake_status(server.ws_url()))[0] == 101

    deadline = asyncio.get_running_loop().time() + 5
    while not await the_one_connection_allowed_is_free():
        assert asyncio.get_running_loop().time() < deadline, "a client that went kept its room"
        await asyncio.sleep(0.05)


async def test_without_the_internals_every_handshake_goes_through_tornado(
        serve: Serve, tornado_gets: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tornado_private, "DIRECT_UPGRADE", False)
    server = await serve()
    client = await JsonClient.connect(server.ws_url())
    assert (await client.next_of("state"))["type"] == "state"
    client.close()
    assert tornado_gets == ["/ws"]


def test_this_tornado_has_what_a_direct_upgrade_uses() -> None:
    assert tornado_private.DIRECT_UPGRADE


def test_a_tornado_without_one_of_the_parts_is_noticed(caplog: pytest.LogCaptureFixture) -> None:
    class Protocol:
        def _receive_frame_loop(self) -> None: ...

    def params(ping_interval: Any, ping_timeout: Any, max_message_size: Any, compression_options: Any) -> None: ...

    complete = types.SimpleNamespace(_WebSocketParams=params, WebSocketProtocol13=Protocol,
                                     WebSocketHandler=websocket.WebSocketHandler)
    assert not tornado_private.upgrade_internals_present(complete)  # no _abort
    Protocol._abort = lambda self: None  # type: ignore[attr-defined]
    assert tornado_private.upgrade_internals_present(complete)
    complete._WebSocketParams = lambda ping_interval, max_message_size: None
    assert not tornado_private.upgrade_internals_present(complete)
    assert "every handshake goes through WebSocketHandler.get" in caplog.text


# ---- Which requests are plain: the pure rule ------------------------------------------------------------


def plain(**headers: str) -> httputil.HTTPHeaders:
    base = {"Host": "h", "Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Key": KEY,
            "Sec-WebSocket-Version": "13"}
    return httputil.HTTPHeaders({**base, **headers})


def test_the_rule_for_a_plain_upgrade() -> None:
    assert upgrade.plain_upgrade_key(plain()) == KEY
    assert upgrade.plain_upgrade_key(plain(Upgrade="WebSocket", Connection="keep-alive, upgrade")) == KEY
    for not_plain in ({"Upgrade": "h2c"}, {"Connection": "close"}, {"Sec-WebSocket-Version": "8"},
                      {"Sec-WebSocket-Key": ""}, {"Sec-WebSocket-Key": "clé"}, {"Sec-WebSocket-Protocol": "chat"}):
        assert upgrade.plain_upgrade_key(plain(**not_plain)) is None, not_plain
    without_host = plain()
    del without_host["Host"]
    assert upgrade.plain_upgrade_key(without_host) is None


@given(st.lists(st.sampled_from(["keep-alive", "Upgrade", "upgrade", "close", "x-up", "UPGRADE"]), max_size=4),
       st.sampled_from([",", ", ", " ,"]))
def test_a_connection_header_is_plain_when_one_of_its_tokens_is_upgrade(tokens: list[str], comma: str) -> None:
    key = upgrade.plain_upgrade_key(plain(Connection=comma.join(tokens)))
    assert (key == KEY) == any(token.lower() == "upgrade" for token in tokens)
