"""Notebook 1's exercises: a handshake the server refuses with 400, and checking a server's answer as a client must."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from ...core import rfc6455
from ..exercise import Exercise, Report, fresh_server
from ..handshakes import send_request


def refused_request(address: str) -> bytes:
    """Everything a handshake needs, a key included, but no `Connection: Upgrade`."""
    lines = [
        "GET /ws HTTP/1.1",
        f"Host: {address}",
        "Upgrade: websocket",
        "Sec-WebSocket-Key: " + rfc6455.new_key(),
        "Sec-WebSocket-Version: 13",
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("ascii")


async def check_refused(report: Report, answer: Callable[..., Any]) -> None:
    async with fresh_server() as server:
        address = f"{server.host}:{server.port}"
        request = await report.call(answer, address)
        report.expect(isinstance(request, bytes), f"it returned a {type(request).__name__}; the request is bytes "
                      "(`.encode()` a str)")
        text = request.decode("iso-8859-1")
        report.expect(text.startswith("GET /ws "), "the request should start with `GET /ws HTTP/1.1`: the timer's "
                      "WebSocket, where a good handshake would be accepted")
        report.expect("sec-websocket-key:" in text.lower(), "keep the Sec-WebSocket-Key: a missing key is the "
                      "notebook's example; find another way")
        report.expect(text.endswith("\r\n\r\n"), "a request head ends with an empty line: `\\r\\n\\r\\n`")
        response, body = await send_request(server.host, server.port, request)
        report.note(f"the server answered {response.status} {response.reason}: {body.decode(errors='replace')!r}")
        report.expect(response.status == 400, f"the server answered {response.status}, not 400",
                      "refused with 400 Bad Request, before any WebSocket frame")


def accepts(response: rfc6455.HttpResponse, key: str) -> bool:
    """A client's checks of the server's answer (RFC 6455, section 4.1): all four must hold."""
    connection = [token.strip().lower() for token in (response.header("Connection") or "").split(",")]
    return (
        response.status == 101
        and (response.header("Upgrade") or "").lower() == "websocket"
        and "upgrade" in connection
        and response.header("Sec-WebSocket-Accept") == rfc6455.accept_key(key)
    )


def _forged(response: rfc6455.HttpResponse, status: int | None = None, **headers: str | None) -> rfc6455.HttpResponse:
    """A copy of a response with some headers changed (None removes one)."""
    changed = dict(response.headers)
    for name, value in headers.items():
        name = name.replace("_", "-").lower()
        if value is None:
            changed.pop(name, None)
        else:
            changed[name] = value
    return rfc6455.HttpResponse(status or response.status, response.reason, changed, b"")


async def check_accepts(report: Report, answer: Callable[..., Any]) -> None:
    async with fresh_server() as server:
        key = rfc6455.new_key()
        real, _ = await send_request(server.host, server.port,
                                     rfc6455.handshake_request(f"{server.host}:{server.port}", "/ws", key))
        other_key = rfc6455.new_key(os.urandom(16))
        cases: list[tuple[str, rfc6455.HttpResponse, str, bool]] = [
            ("the server's real answer", real, key, True),
            ("the same answer, checked against another key", real, other_key, False),
            ("200 OK instead of 101", _forged(real, 200), key, False),
            ("no Upgrade header", _forged(real, upgrade=None), key, False),
            ("Upgrade: h2c", _forged(real, upgrade="h2c"), key, False),
            ("Connection: keep-alive", _forged(real, connection="keep-alive"), key, False),
            ("Connection: keep-alive, Upgrade (a list)", _forged(real, connection="keep-alive, Upgrade"), key, True),
            ("UPGRADE: WebSocket (case differs)", _forged(real, upgrade="WebSocket", connection="UPGRADE"), key,
             True),
            ("no Sec-WebSocket-Accept", _forged(real, sec_websocket_accept=None), key, False),
            ("the accept of the RFC's example", _forged(real, sec_websocket_accept=rfc6455.RFC_EXAMPLE_ACCEPT), key,
             False),
        ]
        for label, response, with_key, expected in cases:
            said = await report.call(answer, response, with_key)
            verdict = "accept" if expected else "refuse"
            report.expect(bool(said) == expected, f"{label}: a client must {verdict} it, yours said {said!r}",
                          f"{label}: {verdict}")


EXERCISES = (
    Exercise("1.1", "a handshake refused with 400", "refused_request", check_refused, refused_request),
    Exercise("1.2", "check the server's answer as a client must", "accepts", check_accepts, accepts),
)
