"""`TimerClient`: the transport and reconnect shell around a protocol session (`core/client_session.py`).

It holds one WebSocket to one timer on Tornado's `websocket_connect`, reconnects with backoff when it is lost (the
server sends the state first on every connection, so the client is current again as soon as it is back), gives up
on a connection that went silent (keepalive.py), moves text between the socket and the session, and turns the
session's events into futures and callbacks. It runs in the
current asyncio loop (Tornado's IOLoop is one), so in Jupyter it keeps working while the kernel is idle.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable
from typing import Any

from tornado.httpclient import HTTPClientError, HTTPRequest
from tornado.websocket import WebSocketClientConnection, WebSocketClosedError, websocket_connect

from ..core.client_session import Answered, ClientSession, Connected, Event, Ignored, MessageReceived
from .backoff import Backoff, wall_clock_ms
from .errors import ConnectError, ConnectionLost
from .keepalive import DEFAULT_PING_INTERVAL, DEFAULT_PING_TIMEOUT, Keepalive, check_keepalive
from .rundown import RundownCommands
from .view import TimerView
from .watching import ConnectionStatus, Watchers

log = logging.getLogger("tornado_timer.client")


class TimerClient(RundownCommands, TimerView, Watchers):
    """A reconnecting client of one timer. Create it, then `await client.connect()` (or `async with`).

    Every command waits until the server has handled it and returns the timer's snapshot after it, or raises
    `TimerError` with the server's error code. See docs/client.md.
    """

    def __init__(self, url: str, *, reconnect: bool = True, backoff: Backoff | None = None,
                 connect_timeout: float = 5.0, command_timeout: float = 5.0, history: int = 1000,
                 clock: Callable[[], float] = wall_clock_ms, ping_interval: float | None = DEFAULT_PING_INTERVAL,
                 ping_timeout: float = DEFAULT_PING_TIMEOUT, seed: int | None = None,
                 token: str | None = None) -> None:
        super().__init__()
        self.url = url
        self.token = token  # sent as `Authorization: Bearer` (never in the URL, where logs would keep it)
        self.reconnect, self.backoff = reconnect, backoff or Backoff()
        self.connect_timeout, self.command_timeout = connect_timeout, command_timeout
        self.clock = clock
        self.ping_interval, self.ping_timeout = check_keepalive(ping_interval, ping_timeout), ping_timeout
        self.session = ClientSession(history)
        self.connections = 0  # connections made: 1 after `connect`, more after reconnects
        self.close_code: int | None = None  # of the last connection that ended
        self.close_reason: str | None = None
        self._ws: WebSocketClientConnection | None = None
        self._runner: asyncio.Task[None] | None = None
        self._closing = False
        self._rng = random.Random(seed)
        self._connected_event = asyncio.Event()

    async def connect(self, *, retry: bool = False) -> TimerClient:
        """Connect and wait (up to `connect_timeout`) for the timer's first `state`; else `ConnectError`.

        With `retry=True` it keeps trying with the backoff until it is connected or closed.
        """
        if self._runner is not None:
            raise RuntimeError("this client is already connected or connecting; create a new one")
        self._closing = False
        if retry:
            self._runner = asyncio.ensure_future(self._run(first=None))
            await self.wait_connected()
            return self
        self._set_status(ConnectionStatus.CONNECTING, self.url)
        try:
            ws = await self._open()
        except ConnectError as exc:
            self._set_status(ConnectionStatus.CLOSED, str(exc))
            raise
        self._runner = asyncio.ensure_future(self._run(first=ws, give_up_without_state=True))
        try:
            await self.wait_connected(self.connect_timeout)
        except asyncio.TimeoutError:
            await self.aclose()
            raise ConnectError(self.url, f"no state from the server within {self.connect_timeout} s") from None
        return self

    async def wait_connected(self, timeout: float | None = None) -> None:
        """Wait until connected and the timer's state has arrived (again, after a loss).

        Raises `ConnectError` if the client closes first, `asyncio.TimeoutError` after `timeout` seconds.
        """
        waiting = asyncio.ensure_future(self._connected_event.wait())
        watch: set[asyncio.Future[Any]] = {waiting} | ({self._runner} if self._runner else set())
        done, _ = await asyncio.wait(watch, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        if waiting not in done:
            waiting.cancel()
            if self._runner is not None and self._runner in done:
                raise ConnectError(self.url, self.status_detail or "closed")
            raise asyncio.TimeoutError(f"not connected to {self.url} within {timeout} s")

    async def _open(self) -> WebSocketClientConnection:
        """One connection attempt, with refused handshakes turned into `ConnectError`."""
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else None
        timeout = self.connect_timeout
        request = HTTPRequest(self.url, headers=headers, connect_timeout=timeout, request_timeout=timeout)
        try:
            return await websocket_connect(request)
        except HTTPClientError as exc:
            if exc.code == 599:  # Tornado's code for "no HTTP answer at all" (a timeout, a reset)
                raise ConnectError(self.url, exc.message or "no answer") from exc
            body = exc.response.body if exc.response is not None else b""
            reason = body.decode("utf-8", "replace").strip() if body else ""
            raise ConnectError(self.url, f"HTTP {exc.code} {reason or exc.message}", exc.code) from exc
        except (OSError, asyncio.TimeoutError, WebSocketClosedError) as exc:
            raise ConnectError(self.url, f"{type(exc).__name__}: {exc}") from exc

    async def _run(self, first: WebSocketClientConnection | None, give_up_without_state: bool = False) -> None:
        """Own the connection: read until it ends, then reconnect with backoff until closed.

        The backoff starts again from its first delay only after a connection that brought the timer's state: a
        server that accepts and then closes at once (1013 full, 1011 store down) is retried ever more slowly.
        `give_up_without_state`: a first connection that ends before any state arrived is final, so `connect()` can
        report it instead of retrying.
        """
        ws, attempt = first, 0
        try:
            while not self._closing:
                if ws is None:
                    trying = ConnectionStatus.RECONNECTING if self.connections else ConnectionStatus.CONNECTING
                    self._set_status(trying, f"attempt {attempt + 1}")
                    try:
                        ws = await self._open()
                    except ConnectError as exc:
                        delay = self.backoff.delay(attempt, self._rng)
                        attempt += 1
                        self._set_status(trying, f"{exc.reason}; retrying in {delay:.1f} s")
                        await asyncio.sleep(delay)
                        continue
                if await self._read(ws):
                    attempt = 0
                ws = None
                if not self.reconnect or self._closing or (give_up_without_state and self.session.snapshot is None):
                    break
                delay = self.backoff.delay(attempt, self._rng)
                attempt += 1
                self._set_status(ConnectionStatus.RECONNECTING, f"connection lost ({self._why_lost()}); "
                                 f"reconnecting in {delay:.1f} s")
                await asyncio.sleep(delay)
        finally:
            self._ws = None
            self._fail_answers(ConnectionLost(f"connection to {self.url} closed"))
            detail = f"closed (code {self.close_code})" if self.close_code is not None else "closed"
            self._set_status(ConnectionStatus.CLOSED, detail)

    async def _read(self, ws: WebSocketClientConnection) -> bool:
        """Read one connection's messages until it closes or goes silent; True if the timer's state came on it."""
        self._ws = ws
        self.connections += 1
        self.session.connection_opened()
        keepalive = self._keepalive(ws)
        try:
            while (raw := await self._next_frame(ws, keepalive)) is not None:
                if keepalive is not None:
                    keepalive.heard()
                if isinstance(raw, bytes):
                    log.warning("ignoring a binary frame from %s", self.url)
                else:
                    self._dispatch(self.session.receive(raw, self.clock()))
        finally:
            if keepalive is not None:
                keepalive.stop()
        self._ws = None
        self._connected_event.clear()
        if keepalive is None or not keepalive.dead.done():
            self.close_code, self.close_reason = ws.close_code, ws.close_reason or None
        brought_state = self.session.current
        self.session.connection_lost()
        self._fail_answers(ConnectionLost(f"connection lost ({self._why_lost()})"))
        return brought_state

    def _keepalive(self, ws: WebSocketClientConnection) -> Keepalive | None:
        """A keepalive for this connection (None when turned off): its pings are the protocol's."""
        if self.ping_interval is None:
            return None

        def ping() -> None:
            try:
                writing = ws.write_message(self.session.ping(self.clock()).texts[0])
            except WebSocketClosedError:
                return
            # a write to a closed socket fails here too, but its read's end is what reports it
            writing.add_done_callback(lambda done: done.cancelled() or done.exception())

        return Keepalive(self.ping_interval, self.ping_timeout, ping)

    async def _next_frame(self, ws: WebSocketClientConnection, keepalive: Keepalive | None) -> str | bytes | None:
        """The next frame, or None when the connection closed or its keepalive found it silent (then it is
        abandoned: a dead peer never answers the close, and Tornado drops it after its own wait)."""
        reading = asyncio.ensure_future(ws.read_message())
        if keepalive is None or reading.done():
            return await reading
        await asyncio.wait({reading, keepalive.dead}, return_when=asyncio.FIRST_COMPLETED)
        if reading.done():
            return reading.result()
        self.close_code = None
        self.close_reason = f"no answer to a ping within {self.ping_timeout:g} s"
        ws.close(1001, "no answer to a ping")
        return None

    def _why_lost(self) -> str:
        if self.close_code is None:
            return self.close_reason or "no close code"
        return f"code {self.close_code}" + (f": {self.close_reason}" if self.close_reason else "")

    def _dispatch(self, events: list[Event]) -> None:
        """Turn the session's events into callbacks, futures and the connection's status."""
        for event in events:
            if isinstance(event, MessageReceived):
                self._notify(event.received.message)
            elif isinstance(event, Connected):
                self._set_status(ConnectionStatus.CONNECTED, self.url)
                self._connected_event.set()
            elif isinstance(event, Answered):
                self._answer(event)
            elif isinstance(event, Ignored):
                log.warning("ignoring a message from %s (%s): %.80r", self.url, event.reason, event.raw)

    @property
    def connected(self) -> bool:
        """True while a connection is open and its first state has arrived."""
        return self.status == ConnectionStatus.CONNECTED and self._ws is not None

    def _socket(self) -> WebSocketClientConnection:
        if self._ws is None:
            raise ConnectionLost(f"not connected to {self.url} ({self.status.value})")
        return self._ws

    def close(self, code: int = 1000, reason: str = "") -> None:
        """Start a clean close (code 1000) and stop reconnecting; `await wait_closed()` to see it done."""
        self._closing = True
        if self._ws is not None:
            self._ws.close(code, reason)
        elif self._runner is not None and not self._runner.done():
            self._runner.cancel()
        else:
            self._set_status(ConnectionStatus.CLOSED, "closed")

    async def wait_closed(self, timeout: float = 5.0) -> None:
        """Wait until the close handshake is over and the client has stopped."""
        runner = self._runner
        if runner is None:
            return
        try:
            await asyncio.wait_for(asyncio.shield(runner), timeout)
        except asyncio.CancelledError:
            if not runner.cancelled():
                raise

    async def aclose(self, code: int = 1000, reason: str = "") -> None:
        """Close and wait for it."""
        self.close(code, reason)
        await self.wait_closed()

    async def __aenter__(self) -> TimerClient:
        if self._runner is None:
            await self.connect()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        return f"<TimerClient {self.url} {self.status.value} timer={self.timer_status or '-'}>"


async def connect(url: str, **options: Any) -> TimerClient:
    """Shortcut: `client = await connect(url)` makes a `TimerClient` and waits for its first state."""
    return await TimerClient(url, **options).connect()
