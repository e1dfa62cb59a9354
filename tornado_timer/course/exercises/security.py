"""Notebook 8's exercises: who gets into a loopback server without a token, and being a controller the right way."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from ...client import TimerClient
from ...core import rfc6455
from ..exercise import Exercise, Report, fresh_server
from ..handshakes import send_request
from ..relay import Relay


def admits(host: str, origin: str | None) -> bool:
    """Does a loopback server without a control token accept a handshake with these `Host` and `Origin`?"""
    name = host[1 : host.index("]")] if host.startswith("[") else host.split(":")[0]
    try:
        loopback = ipaddress.ip_address(name).is_loopback
    except ValueError:  # a name, not an address
        loopback = name == "localhost" or name.endswith(".localhost")
    same_origin = origin is not None and urlsplit(origin).netloc.lower() == host.lower()
    return loopback and (origin is None or origin == "null" or same_origin)


def _cases(port: int) -> list[tuple[str, str | None]]:
    here = f"localhost:{port}"
    return [
        (here, None), (here, "null"), (here, f"http://{here}"), (here, f"https://{here}"),
        (here, f"http://localhost:{port + 1}"), (here, "http://evil.example"), (here, f"http://127.0.0.1:{port}"),
        (f"127.0.0.1:{port}", f"http://127.0.0.1:{port}"), (f"[::1]:{port}", None), (f"127.0.0.2:{port}", None),
        (f"timer.localhost:{port}", f"http://timer.localhost:{port}"), (f"rebound.example:{port}", None),
        (f"rebound.example:{port}", f"http://rebound.example:{port}"), (f"localhost.evil.example:{port}", None),
        (f"127.0.0.1.nip.io:{port}", f"http://127.0.0.1.nip.io:{port}"),
    ]


async def check_admits(report: Report, answer: Callable[..., Any]) -> None:
    async with fresh_server(interval=1.0) as server:
        for host, origin in _cases(server.port):
            request = rfc6455.handshake_request(host, "/ws", origin=origin)
            response, _ = await send_request(server.host, server.port, request)
            truth = response.status == 101
            said = bool(await report.call(answer, host, origin))
            shown = f"Host {host}, Origin {origin or '(none)'}"
            report.expect(said == truth, f"{shown}: the server answered {response.status}, you said "
                          f"{'in' if said else 'out'}", f"{shown}: {'in' if truth else 'out'}")


async def pause_as_controller(url: str, token: str) -> str:
    """Pause the timer at `url` as a controller; the token goes in a header, never in the URL."""
    async with TimerClient(url, token=token) as client:  # TimerClient sends `Authorization: Bearer <token>`
        timer = await client.pause()
    return str(timer["status"])


async def check_pause_as_controller(report: Report, answer: Callable[..., Any]) -> None:
    token = "exercise-control-token"
    async with fresh_server(interval=1.0, control_token=token) as server:
        relay = await Relay.start(server.host, server.port)  # to see the request as it went
        try:
            status = await report.call(answer, f"ws://127.0.0.1:{relay.port}/ws", token)
            head = relay.first_bytes["up"].split(b"\r\n\r\n", 1)[0].decode("iso-8859-1")
        finally:
            relay.close()
        after = server.app.registry.default.timer.status.value
    request_line = head.splitlines()[0] if head else "(nothing)"
    report.expect(after == "paused", f"the server's timer is {after}, not paused")
    report.expect(status == "paused", f"return the status after the pause, not {status!r}", "the timer is paused")
    report.expect(token not in request_line, f"the token is in the URL ({request_line}): servers, proxies and "
                  "browser histories keep URLs; send it in a header", f"the request line carries no token: "
                  f"{request_line}")
    report.expect("authorization: bearer" in head.lower(), "no `Authorization: Bearer` header in the handshake",
                  "the token went in an `Authorization: Bearer` header")


EXERCISES = (
    Exercise("8.1", "who gets into a loopback server without a token", "admits", check_admits, admits),
    Exercise("8.2", "pause as a controller, the token in a header", "pause_as_controller",
             check_pause_as_controller, pause_as_controller),
)
