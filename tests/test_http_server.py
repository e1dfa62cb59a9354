"""A connection whose first request is a plain upgrade to a timer skips Tornado's HTTP/1 server
(server/http_server.py); every other connection is Tornado's, byte for byte, and every answer is the same."""

from __future__ import annotations

import asyncio
import json
import re
import socket
from collections.abc import Iterator
from typing import Any

import pytest
from helpers import JsonClient, Serve, eventually
from hypothesis import given
from hypothesis import strategies as st
from tornado import httpserver
from tornado.iostream import IOStream

from tornado_timer import RunningServer
from tornado_timer.core import rfc6455
from tornado_timer.server import http_server, tornado_private
from tornado_timer.server.app import make_app
from tornado_timer.server.http_server import TimerHTTPServer
from tornado_timer.server.upgrade_request import read_upgrade_head, route

KEY = rfc6455.RFC_EXAMPLE_KEY


@pytest.fixture
def through_tornado(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Any]]:
    """The connections Tornado's own HTTP server was given."""
    given_to_tornado: list[Any] = []
    tornados = httpserver.HTTPServer.handle_stream

    def counted(self: httpserver.HTTPServer, stream: IOStream, address: Any) -> None:
        given_to_tornado.append(address)
        tornados(self, stream, address)

    monkeypatch.setattr(httpserver.HTTPServer, "handle_stream", counted)
    yield given_to_tornado


def upgrade(server: RunningServer, path: str = "/ws", **headers: str) -> bytes:
    return rfc6455.handshake_request(f"127.0.0.1:{server.port}", path, KEY, extra=headers or None)


async def exchange(server: RunningServer, *parts: bytes, pause: float = 0.0, to_the_end: bool = False,
                   first_frame: bool = False) -> bytes:
    """Send `parts` (pausing between them), then read a whole answer: the head and its body (and after a 101 the
    first frame, with `first_frame`); with `to_the_end`, until the server closes (then ending in b"<closed>", or
    b"<reset>"); at most 5 s."""
    loop = asyncio.get_running_loop()
    with socket.create_connection(("127.0.0.1", server.port)) as sock:
        sock.setblocking(False)
        for index, part in enumerate(parts):
            if index:
                await asyncio.sleep(pause)
            await loop.sock_sendall(sock, part)
        data = b""
        while to_the_end or not answered(data, first_frame):
            try:
                chunk = await asyncio.wait_for(loop.sock_recv(sock, 65536), 5)
            except ConnectionResetError:
                return data + b"<reset>"
            if not chunk:
                return data + b"<closed>"
            data += chunk
        return data


def answered(data: bytes, first_frame: bool) -> bool:
    """A whole response head and its body (by Content-Length) or, after a 101, the first frame if asked for."""
    parsed = rfc6455.parse_http_response(data)
    if parsed is None:
        return False
    response, rest = parsed
    if response.status == 101:
        return not first_frame or rfc6455.decode_frame(rest) is not None
    return len(response.body) >= int(response.header("content-length") or 0)


def status(data: bytes) -> int:
    match = re.match(rb"HTTP/1\.1 (\d{3}) ", data)
    assert match, data[:200]
    return int(match.group(1))


async def test_a_plain_upgrade_skips_tornados_http_server(serve: Serve, through_tornado: list[Any]) -> None:
    server = await serve(interval=0.05)
    client = await JsonClient.joined(server.ws_url("direct"))
    state = await client.command({"type": "start"})
    assert state["timer"]["status"] == "running"
    assert (await client.next_of("tick"))["timer"] == "direct"
    client.close()
    assert through_tornado == []
    page = await exchange(server, f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n\r\n".encode())
    assert status(page) == 200
    assert len(through_tornado) == 1


async def test_a_name_in_the_path_is_unquoted_as_tornado_does(serve: Serve, through_tornado: list[Any]) -> None:
    server = await serve()
    data = await exchange(server, upgrade(server, "/ws/big%2Droom?x=1"), first_frame=True)
    assert status(data) == 101
    first = rfc6455.decode_frame(data.split(b"\r\n\r\n", 1)[1])  # answered() waited for it
    assert first is not None and json.loads(first[0].payload)["timer"]["name"] == "big-room"
    assert through_tornado == []


@pytest.mark.parametrize(("case", "expected"), [
    ("page", 200), ("echo", 101), ("http/1.0", 101), ("bare line ends", 101), ("head in two parts", 101),
    ("long head", 101), ("post", 405), ("version 8", 426), ("bad host", 400), ("a body", 101),
    ("a bare LF inside", 426),
])
async def test_anything_else_is_tornados_and_gets_its_answer(
        serve: Serve, through_tornado: list[Any], case: str, expected: int) -> None:
    server = await serve()
    plain = upgrade(server)
    host = f"127.0.0.1:{server.port}"
    parts = {
        "page": [f"GET /index.html HTTP/1.1\r\nHost: {host}\r\n\r\n".encode()],
        "echo": [upgrade(server, "/echo")],
        "http/1.0": [plain.replace(b" HTTP/1.1\r\n", b" HTTP/1.0\r\n", 1)],
        "bare line ends": [plain.replace(b"\r\n", b"\n")],
        "head in two parts": [plain[:40], plain[40:]],
        "long head": [upgrade(server, Cookie="c=" + "x" * 9000)],
        "post": [plain.replace(b"GET ", b"POST ", 1)],
        "version 8": [plain.replace(b"Version: 13", b"Version: 8")],
        "bad host": [plain.replace(host.encode(), b"a b")],
        "a body": [upgrade(server, **{"Content-Length": "0"})],
        # Tornado's reader ends this head at the "\n\n", before the key and version: never a whole upgrade
        "a bare LF inside": [plain.replace(b"\r\nSec-WebSocket-Key", b"\n\nSec-WebSocket-Key")],
    }[case]
    data = await exchange(server, *parts, pause=0.3)
    assert status(data) == expected
    assert len(through_tornado) == 1


def refused_request(server: RunningServer, case: str) -> bytes:
    """A handshake the server refuses (with `max_connections=1` held, a control token set, for "full")."""
    return {
        "full": upgrade(server),
        "wrong token": upgrade(server, "/ws?token=wrong"),
        "other site": upgrade(server, Origin="https://elsewhere.example"),
        "bad name": upgrade(server, "/ws/" + "x" * 300),
        "not utf-8": upgrade(server, "/ws/%FF"),
        "empty host": upgrade(server).replace(f"Host: 127.0.0.1:{server.port}".encode(), b"Host:"),
    }[case]


@pytest.mark.parametrize(("case", "expected", "reason"), [
    ("full", 503, b"connections"), ("wrong token", 403, b"token"), ("other site", 403, b"Cross origin"),
    ("bad name", 400, b"name"), ("not utf-8", 400, b"Bad Request"),
])
async def test_a_refusal_on_the_direct_way_is_whole_and_ends_the_connection(
        serve: Serve, through_tornado: list[Any], case: str, expected: int, reason: bytes) -> None:
    server = await serve(max_connections=1, control_token="right-token")
    held = await JsonClient.joined(server.ws_url())
    if case != "full":
        held.close()
        await eventually(lambda: server.app.registry.connection_count() == 0)
    data = await exchange(server, refused_request(server, case), to_the_end=True)
    head, _, body = data.partition(b"\r\n\r\n")
    assert status(data) == expected
    assert b"\r\nConnection: close" in head
    assert body.endswith(b"<closed>")
    length = re.search(rb"\r\nContent-Length: (\d+)", head)
    assert length and int(length.group(1)) == len(body) - len(b"<closed>")
    assert reason in body
    assert through_tornado == []
    held.close()


@pytest.mark.parametrize("case", ["full", "wrong token", "other site", "bad name", "not utf-8", "empty host"])
async def test_a_refusal_says_the_same_on_both_ways(
        serve: Serve, monkeypatch: pytest.MonkeyPatch, case: str) -> None:
    answers = []
    for direct in (True, False):
        monkeypatch.setattr(tornado_private, "DIRECT_UPGRADE", direct)
        server = await serve(max_connections=1, control_token="right-token")
        held = await JsonClient.joined(server.ws_url()) if case == "full" else None
        parsed = rfc6455.parse_http_response(await exchange(server, refused_request(server, case)))
        assert parsed is not None
        response = parsed[0]
        headers = {name: value for name, value in response.headers.items() if name not in ("date", "connection")}
        answers.append((response.status, response.body, headers))
        if held is not None:
            held.close()
    assert answers[0] == answers[1]
    assert answers[0][0] in (400, 403, 503)


async def test_a_fault_while_looking_costs_that_connection_only(
        serve: Serve, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    server = await serve()

    def broken(data: bytes, routes: list[Any]) -> None:
        raise RuntimeError("broken on purpose")

    monkeypatch.setattr(http_server, "read_upgrade_head", broken)
    assert await exchange(server, upgrade(server), to_the_end=True) in (b"<closed>", b"<reset>")
    assert "Uncaught exception serving a first request" in caplog.text
    monkeypatch.undo()
    client = await JsonClient.joined(server.ws_url())
    client.close()


async def test_a_connection_that_sends_nothing_is_closed_at_the_header_timeout(through_tornado: list[Any]) -> None:
    app = make_app(host="127.0.0.1", port=0)
    server = TimerHTTPServer(app, idle_connection_timeout=0.3)
    listening = socket.socket()
    listening.bind(("127.0.0.1", 0))
    listening.listen()
    listening.setblocking(False)
    server.add_sockets([listening])
    loop = asyncio.get_running_loop()
    try:
        with socket.create_connection(listening.getsockname()) as quiet:
            quiet.setblocking(False)
            assert await asyncio.wait_for(loop.sock_recv(quiet, 10), 3) == b""
        with socket.create_connection(listening.getsockname()) as waiting:
            waiting.setblocking(False)
            await eventually(lambda: len(server._waiting) == 1)
            await server.close_all_connections()
            assert await asyncio.wait_for(loop.sock_recv(waiting, 10), 3) == b""
        assert through_tornado == []
    finally:
        server.stop()
        app.registry.shut_down()
        await app.registry.close()


async def test_without_the_internals_every_connection_is_tornados(
        serve: Serve, through_tornado: list[Any], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tornado_private, "DIRECT_UPGRADE", False)
    server = await serve()
    client = await JsonClient.joined(server.ws_url())
    client.close()
    assert len(through_tornado) == 1


# ---- The pure parts: which heads are plain upgrades, which paths are timer routes ------------------------


HEAD = rfc6455.handshake_request("127.0.0.1:8080", "/ws/room?token=t", KEY)


def timer_routes() -> list[Any]:
    return make_app(host="127.0.0.1", port=0).direct_routes


def test_a_plain_upgrade_head_is_read_whole() -> None:
    routes = timer_routes()
    read = read_upgrade_head(HEAD + b"\x81\x05hello", routes)
    assert read is not None
    start_line, headers, length, direct_route, path_kwargs = read
    assert (start_line.method, start_line.path, length) == ("GET", "/ws/room?token=t", len(HEAD))
    assert headers["Sec-WebSocket-Key"] == KEY
    assert (direct_route, path_kwargs) == (routes[1], {"name": b"room"})


@given(st.integers(min_value=0, max_value=len(HEAD) - 1))
def test_a_head_still_arriving_is_not_read(cut: int) -> None:
    assert read_upgrade_head(HEAD[:cut], timer_routes()) is None


def test_heads_that_are_not_plain_upgrades_to_a_timer() -> None:
    routes = timer_routes()
    for other in (HEAD.replace(b"GET", b"PUT"), HEAD.replace(b"HTTP/1.1", b"HTTP/1.0"), b"GET /\r\n\r\n",
                  HEAD.replace(b"Upgrade: websocket", b"Upgrade: h2c"), HEAD.replace(b"Host:", b"Host :"),
                  HEAD.replace(b"Host: 127.0.0.1:8080", b"Host:"), HEAD.replace(b"/ws/room", b"/echo"),
                  HEAD[:-2] + b"Transfer-Encoding: chunked\r\n\r\n", HEAD.replace(b"\r\nUpgrade", b"\nUpgrade"),
                  HEAD.replace(b"\r\nSec-WebSocket-Key", b"\n\nSec-WebSocket-Key")):
        assert read_upgrade_head(other, routes) is None, other


def test_the_timer_routes_and_their_arguments() -> None:
    routes = timer_routes()
    assert route(routes, "/ws") == (routes[0], {})
    assert route(routes, "/ws/caf%C3%A9") == (routes[1], {"name": "café".encode()})
    assert route(routes, "/ws/") == (routes[1], {"name": b""})
    for elsewhere in ("/ws/a/b", "/wss", "/echo", "/", "/api/timers/x"):
        assert route(routes, elsewhere) is None, elsewhere

