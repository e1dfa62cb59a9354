"""Notebook 9's exercises: the original demo's handler on today's `websockets`, and a `check_origin` of your own."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import json
import statistics
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from ...core import rfc6455
from ..exercise import Exercise, NotDone, Report, Wrong
from ..handshakes import send_request
from ..legacy_websockets import collected_errors
from ..probe import start_probe

TICK_S = 0.05


async def ticker(connection: Any) -> None:
    """Send {"path": ..., "seq": k} every 50 ms on a grid, until the client goes; then end quietly."""
    from websockets.exceptions import ConnectionClosed

    loop = asyncio.get_running_loop()
    start = loop.time()
    seq = 0
    with contextlib.suppress(ConnectionClosed):  # the client left: nothing to report
        while True:
            await connection.send(json.dumps({"path": connection.request.path, "seq": seq}))
            seq += 1
            await asyncio.sleep(max(0.0, start + seq * TICK_S - loop.time()))


async def check_ticker(report: Report, answer: Callable[..., Any]) -> None:
    from websockets.asyncio.server import serve

    outcome: list[BaseException | None] = []

    async def handler(connection: Any) -> None:
        try:
            result = answer(connection)
            if inspect.isawaitable(result):
                await result
        except NotImplementedError:
            outcome.append(NotDone())
        except Exception as error:
            outcome.append(error)
            raise  # as websockets would see it: it logs the error, and closes with 1011
        else:
            outcome.append(None)

    with collected_errors() as errors:
        async with serve(handler, "127.0.0.1", 0) as server:
            arrived = await _receive(server.sockets[0].getsockname()[1], 8)
            await asyncio.sleep(0.3)  # the handler's next send finds the client gone
    if not arrived:
        if not outcome or outcome[0] is None or isinstance(outcome[0], NotDone):
            raise NotDone
        raise Wrong(f"your handler raised {type(outcome[0]).__name__}: {outcome[0]}")
    messages = [m for _, m in arrived]
    report.expect(len(messages) == 8, f"only {len(messages)} messages came before the connection ended")
    report.expect(all(m.get("path") == "/hello/world" for m in messages), f"the path should be '/hello/world': "
                  f"{messages[0]}", "the path, from connection.request.path")
    report.expect([m.get("seq") for m in messages] == list(range(8)), f"seq should count 0, 1, 2...: "
                  f"{[m.get('seq') for m in messages]}")
    first = arrived[0][0]
    late = [abs((at - first) - k * TICK_S) * 1000.0 for k, (at, _) in enumerate(arrived)]
    report.expect(statistics.median(late) <= 15.0, f"the messages are {statistics.median(late):.0f} ms off a "
                  "50 ms grid", "one message every 50 ms, on the grid")
    report.expect(not errors, f"the server logged: {errors[0] if errors else ''}: end quietly when the client goes "
                  "(catch ConnectionClosed, or use `async for`)", "when the client left, the handler ended quietly")


async def _receive(port: int, count: int) -> list[tuple[float, dict[str, Any]]]:
    """Connect to /hello/world and read up to `count` JSON messages: (arrival time, message)."""
    from websockets.asyncio.client import connect
    from websockets.exceptions import ConnectionClosed

    loop = asyncio.get_running_loop()
    arrived: list[tuple[float, dict[str, Any]]] = []
    async with connect(f"ws://127.0.0.1:{port}/hello/world") as client:
        with contextlib.suppress(ConnectionClosed, asyncio.TimeoutError):
            while len(arrived) < count:
                text = await asyncio.wait_for(client.recv(), 2)
                arrived.append((loop.time(), json.loads(text)))
    return arrived


def check_origin(origin: str) -> bool:
    """HTTPS pages of example.org and its subdomains, on the default port; nothing else."""
    parts = urlsplit(origin)
    host = parts.hostname or ""
    return (parts.scheme == "https" and parts.port is None
            and (host == "example.org" or host.endswith(".example.org")))


ORIGINS = (
    ("https://example.org", True), ("https://timer.example.org", True), ("https://a.b.example.org", True),
    ("http://timer.example.org", False), ("https://example.org:8443", False), ("https://example.org.evil.com", False),
    ("https://evilexample.org", False), ("null", False), ("https://EXAMPLE.org", True),
)


async def check_check_origin(report: Report, answer: Callable[..., Any]) -> None:
    def rule(origin: str) -> bool:
        said = answer(origin)
        if said is None:
            raise NotImplementedError
        return bool(said)

    probe = start_probe(origin_rule=rule)
    try:
        await report.call(answer, "https://example.org")  # not done yet? say so before anything else
        for origin, expected in ORIGINS:
            request = rfc6455.handshake_request(f"127.0.0.1:{probe.port}", "/probe", origin=origin)
            response, _ = await send_request("127.0.0.1", probe.port, request)
            report.expect((response.status == 101) == expected, f"Origin {origin}: should be "
                          f"{'accepted' if expected else 'refused'}, the handler answered {response.status}",
                          f"Origin {origin}: {response.status}")
        before = len(probe.events)
        same = rfc6455.handshake_request(f"127.0.0.1:{probe.port}", "/probe", origin=f"http://127.0.0.1:{probe.port}")
        response, _ = await send_request("127.0.0.1", probe.port, same)
        asked = [e for e in probe.events[before:] if e[1] == "check_origin"]
        report.note(f"a same-origin page got {response.status}, and Tornado did not ask your check_origin "
                    f"({len(asked)} calls): since 6.6 it only asks about cross-origin ones")
    finally:
        probe.stop()


EXERCISES = (
    Exercise("9.1", "the original demo's handler on today's websockets", "ticker", check_ticker, ticker),
    Exercise("9.2", "a check_origin of your own", "check_origin", check_check_origin, check_origin),
)
