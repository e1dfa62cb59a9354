"""The Python client of the timer protocol, on Tornado's `websocket_connect`.

One `TimerClient` holds one WebSocket to one timer and keeps the latest state, so a notebook, a widget or a
script can drive the timer with `await client.pause()` and read `client.timer`. It reconnects with exponential
backoff when the connection is lost (the server sends the state first on every connection, so the client is
current again as soon as it is back), surfaces the server's errors as `TimerError`, and closes with code 1000.

It runs in the current asyncio loop (Tornado's IOLoop is one), so in Jupyter it keeps working while the kernel
is idle. See `docs/client.md`.
"""

from __future__ import annotations

import asyncio
import collections
import enum
import itertools
import json
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tornado.httpclient import HTTPClientError, HTTPRequest
from tornado.websocket import WebSocketClientConnection, WebSocketClosedError, websocket_connect

from tornado_timer.core.clocksync import Estimate, Sample, estimate

__all__ = [
    "Backoff",
    "ConnectError",
    "ConnectionLost",
    "ConnectionStatus",
    "Received",
    "Sent",
    "TimerClient",
    "TimerError",
    "connect",
    "wall_clock_ms",
]

log = logging.getLogger(__name__)

Message = dict[str, Any]
MessageListener = Callable[[Message], None]
StatusListener = Callable[["ConnectionStatus", str], None]


def wall_clock_ms() -> float:
    """Epoch milliseconds, the unit of every time in the protocol."""
    return time.time() * 1000.0


class ConnectionStatus(str, enum.Enum):
    """Where the client's connection is; listeners get every change."""

    IDLE = "idle"
    CONNECTING = "connecting"
    CONNECTED = "connected"
    RECONNECTING = "reconnecting"
    CLOSED = "closed"


class TimerError(Exception):
    """The server answered a message with an `error`; the connection and the timer are unchanged."""

    def __init__(self, code: str, message: str, message_id: str | int | float | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.id = message_id


class ConnectError(ConnectionError):
    """The connection could not be made; `status` is the HTTP status when the handshake was refused."""

    def __init__(self, url: str, reason: str, status: int | None = None) -> None:
        super().__init__(f"cannot connect to {url}: {reason}")
        self.url = url
        self.reason = reason
        self.status = status


class ConnectionLost(ConnectionError):
    """The connection went away while a command was waiting for its answer."""


@dataclass(frozen=True)
class Backoff:
    """Reconnect delays: `initial * factor**attempt`, capped at `maximum`, spread by +-`jitter` (a fraction).

    Jitter keeps a roomful of clients from reconnecting in lockstep after a server restart.
    """

    initial: float = 0.1
    factor: float = 2.0
    maximum: float = 5.0
    jitter: float = 0.2

    def delay(self, attempt: int, rng: random.Random | None = None) -> float:
        """Seconds to wait before reconnect attempt number `attempt` (0-based)."""
        base = min(self.maximum, self.initial * self.factor ** max(0, attempt))
        if not self.jitter:
            return base
        spread = (rng or random.Random()).uniform(-self.jitter, self.jitter)
        return max(0.0, base * (1.0 + spread))


@dataclass(frozen=True)
class Received:
    """A message as it arrived: the client's clock reading (epoch ms), the parsed JSON and the raw text."""

    at: float
    message: Message
    raw: str


@dataclass(frozen=True)
class Sent:
    """A message as it was sent: the client's clock reading (epoch ms) and the text (or bytes) of the frame."""

    at: float
    raw: str | bytes


@dataclass
class _Waiter:
    predicate: Callable[[Message], bool]
    future: asyncio.Future[Message] = field(repr=False)


class TimerClient:
    """A reconnecting client of one timer. Create it, then `await client.connect()` (or `async with`).

    `timer` is the latest snapshot (from `state` messages, updated by ticks); `status` is the connection's.
    Every command waits until the server has handled it and returns the timer's snapshot after it, or raises
    `TimerError` with the server's error code.
    """

    def __init__(
        self,
        url: str,
        *,
        reconnect: bool = True,
        backoff: Backoff | None = None,
        connect_timeout: float = 5.0,
        command_timeout: float = 5.0,
        history: int = 1000,
        clock: Callable[[], float] = wall_clock_ms,
        ping_interval: float | None = None,
        seed: int | None = None,
        token: str | None = None,
    ) -> None:
        self.url = url
        #: The control token, sent as `Authorization: Bearer` (never in the URL, where logs would keep it).
        self.token = token
        #: `controller` or `viewer`, from the first state of the connection (None before it).
        self.role: str | None = None
        self.reconnect = reconnect
        self.backoff = backoff or Backoff()
        self.connect_timeout = connect_timeout
        self.command_timeout = command_timeout
        self.clock = clock
        self.ping_interval = ping_interval
        #: The latest snapshot of the timer, or None before the first `state`.
        self.timer: Message | None = None
        #: The latest tick, or None.
        self.last_tick: Message | None = None
        #: The last messages received, oldest first.
        self.history: collections.deque[Received] = collections.deque(maxlen=history)
        #: The last messages sent (commands, pings, raw frames), oldest first.
        self.sent: collections.deque[Sent] = collections.deque(maxlen=history)
        #: Errors that answered no command of ours (for example to a raw `send`), oldest first.
        self.errors: collections.deque[Message] = collections.deque(maxlen=100)
        self.status = ConnectionStatus.IDLE
        self.status_detail: str = ""
        #: How many times a connection was made (1 after `connect`, more after reconnects).
        self.connections = 0
        #: The close code and reason of the last connection that ended.
        self.close_code: int | None = None
        self.close_reason: str | None = None
        self._ws: WebSocketClientConnection | None = None
        self._runner: asyncio.Task[None] | None = None
        self._closing = False
        self._ids = itertools.count(1)
        self._pending: dict[str, asyncio.Future[Message]] = {}
        self._waiters: list[_Waiter] = []
        self._listeners: list[MessageListener] = []
        self._status_listeners: list[StatusListener] = []
        self._rng = random.Random(seed)
        self._connected_event = asyncio.Event()

    # --- connecting -------------------------------------------------------------------------------------

    async def connect(self, *, retry: bool = False) -> TimerClient:
        """Connect and wait (up to `connect_timeout`) for the timer's first `state`; else `ConnectError`.

        With `retry=True` it keeps trying with the backoff until it is connected or closed (the widget uses
        this so it can be shown before its server is up).
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
        runner = self._runner
        watch: set[asyncio.Future[Any]] = {waiting}
        if runner is not None:
            watch.add(runner)
        done, _ = await asyncio.wait(watch, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        if waiting not in done:
            waiting.cancel()
            if runner is not None and runner in done:
                raise ConnectError(self.url, self.status_detail or "closed")
            raise asyncio.TimeoutError(f"not connected to {self.url} within {timeout} s")

    async def _open(self) -> WebSocketClientConnection:
        """One connection attempt, with refused handshakes turned into `ConnectError`."""
        timeout = self.connect_timeout
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else None
        request = HTTPRequest(self.url, headers=headers, connect_timeout=timeout, request_timeout=timeout)
        try:
            return await websocket_connect(request, ping_interval=self.ping_interval)
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

        `give_up_without_state`: a first connection that ends before any state arrived (a server closing at
        once, 1013 full, 1011 store down) is final, so `connect()` can report it instead of retrying.
        """
        ws = first
        attempt = 0
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
                attempt = 0
                await self._read(ws)
                ws = None
                if not self.reconnect or self._closing or (give_up_without_state and self.timer is None):
                    break
                self._set_status(
                    ConnectionStatus.RECONNECTING, f"connection lost (code {self.close_code}); reconnecting"
                )
                delay = self.backoff.delay(0, self._rng)
                await asyncio.sleep(delay)
        finally:
            self._ws = None
            self._fail_pending(ConnectionLost(f"connection to {self.url} closed"))
            detail = f"closed (code {self.close_code})" if self.close_code is not None else "closed"
            self._set_status(ConnectionStatus.CLOSED, detail)

    async def _read(self, ws: WebSocketClientConnection) -> None:
        """Read one connection's messages until it closes."""
        self._ws = ws
        self.connections += 1
        first = True
        while True:
            raw = await ws.read_message()
            if raw is None:
                break
            if isinstance(raw, bytes):
                log.warning("ignoring a binary frame from %s", self.url)
                continue
            kind = self._handle(raw)
            if first and kind == "state":
                first = False
                self._set_status(ConnectionStatus.CONNECTED, self.url)
                self._connected_event.set()
        self._ws = None
        self._connected_event.clear()
        self.close_code = ws.close_code
        self.close_reason = ws.close_reason or None
        self._fail_pending(ConnectionLost(f"connection lost (code {ws.close_code})"))

    # --- receiving --------------------------------------------------------------------------------------

    def _handle(self, raw: str) -> str | None:
        """Update the state from one message, then resolve commands, waiters and listeners; return its type."""
        try:
            message = json.loads(raw)
        except ValueError:
            log.warning("ignoring a message that is not JSON: %.80r", raw)
            return None
        if not isinstance(message, dict):
            return None
        self.history.append(Received(self.clock(), message, raw))
        kind = message.get("type")
        if kind == "state" and isinstance(message.get("timer"), dict):
            self.timer = dict(message["timer"])
            if "role" in message:
                self.role = str(message["role"])
        elif kind == "tick":
            self.last_tick = message
            if self.timer is not None:
                for name in ("elapsed_ms", "remaining_ms", "status"):
                    if name in message:
                        self.timer[name] = message[name]
        msg_id = message.get("id")
        key = str(msg_id) if msg_id is not None else None
        if kind in ("pong", "error") and key is not None and key in self._pending:
            future = self._pending.pop(key)
            if not future.done():
                future.set_result(message)
        elif kind == "error":
            self.errors.append(message)
        for waiter in list(self._waiters):
            if not waiter.future.done() and waiter.predicate(message):
                waiter.future.set_result(message)
        for listener in list(self._listeners):
            try:
                listener(message)
            except Exception:
                log.exception("a message listener of %s failed", self.url)
        return kind if isinstance(kind, str) else None

    def add_listener(self, listener: MessageListener) -> Callable[[], None]:
        """Call `listener(message)` for every message; returns a function that removes it."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def add_status_listener(self, listener: StatusListener) -> Callable[[], None]:
        """Call `listener(status, detail)` on every connection change; returns a function that removes it."""
        self._status_listeners.append(listener)
        return lambda: self._status_listeners.remove(listener) if listener in self._status_listeners else None

    def _set_status(self, status: ConnectionStatus, detail: str) -> None:
        if status == self.status and detail == self.status_detail:
            return
        self.status = status
        self.status_detail = detail
        for listener in list(self._status_listeners):
            try:
                listener(status, detail)
            except Exception:
                log.exception("a status listener of %s failed", self.url)

    def expect(self, predicate: Callable[[Message], bool]) -> asyncio.Future[Message]:
        """A future of the next message for which `predicate(message)` is true, watching from now on.

        Call it *before* sending what causes the message, so an answer that arrives fast is not missed.
        """
        future: asyncio.Future[Message] = asyncio.get_running_loop().create_future()
        waiter = _Waiter(predicate, future)
        self._waiters.append(waiter)
        future.add_done_callback(lambda _f: self._waiters.remove(waiter) if waiter in self._waiters else None)
        return future

    async def wait_for(self, predicate: Callable[[Message], bool], timeout: float = 5.0) -> Message:
        """The next message for which `predicate(message)` is true (raises `asyncio.TimeoutError`)."""
        return await asyncio.wait_for(self.expect(predicate), timeout)

    async def next_message(self, type: str | None = None, timeout: float = 5.0) -> Message:
        """The next message (of `type`, if given)."""
        return await self.wait_for(lambda m: type is None or m.get("type") == type, timeout)

    # --- sending ----------------------------------------------------------------------------------------

    @property
    def connected(self) -> bool:
        """True while a connection is open and its first state has arrived."""
        return self.status == ConnectionStatus.CONNECTED and self._ws is not None

    def _socket(self) -> WebSocketClientConnection:
        if self._ws is None:
            raise ConnectionLost(f"not connected to {self.url} ({self.status.value})")
        return self._ws

    async def send(self, message: Message) -> None:
        """Send one message as it is (no id added, no answer awaited); errors it causes land in `errors`."""
        await self.send_text(json.dumps(message))

    async def send_text(self, text: str) -> None:
        """Send a raw text frame, even one that is not valid protocol (to see the server's error)."""
        ws = self._socket()
        self.sent.append(Sent(self.clock(), text))
        try:
            await ws.write_message(text)
        except WebSocketClosedError as exc:
            raise ConnectionLost(str(exc) or "connection closed") from exc

    async def send_binary(self, data: bytes) -> None:
        """Send a binary frame (the protocol refuses them with `binary_frame`)."""
        ws = self._socket()
        self.sent.append(Sent(self.clock(), data))
        try:
            await ws.write_message(data, binary=True)
        except WebSocketClosedError as exc:
            raise ConnectionLost(str(exc) or "connection closed") from exc

    def _next_id(self) -> str:
        return f"py-{next(self._ids)}"

    async def _request(self, message: Message, timeout: float | None) -> Message:
        """Send `message` with a fresh id and wait for the pong or error that echoes it."""
        msg_id = self._next_id()
        future: asyncio.Future[Message] = asyncio.get_running_loop().create_future()
        self._pending[msg_id] = future
        try:
            await self.send({**message, "id": msg_id})
            return await asyncio.wait_for(future, timeout if timeout is not None else self.command_timeout)
        finally:
            self._pending.pop(msg_id, None)

    async def command(self, message: Message, *, timeout: float | None = None) -> Message:
        """Send a command and wait until the server has handled it; return the snapshot after it.

        The server handles one connection's messages in order, so a `ping` sent right behind the command is
        answered only after the command's `error` or `state` was sent: when its pong arrives, the outcome is
        known. Raises `TimerError` if the server refused the command.
        """
        cmd_id = self._next_id()
        outcome: asyncio.Future[Message] = asyncio.get_running_loop().create_future()
        self._pending[cmd_id] = outcome
        try:
            await self.send({**message, "id": cmd_id})
            await self._request({"type": "ping", "client_time": self.clock()}, timeout)
        finally:
            self._pending.pop(cmd_id, None)
            if outcome.done() and not outcome.cancelled() and outcome.exception() is not None:
                pass  # already reported by the barrier's own failure; reading it marks it retrieved
        if outcome.done():
            answer = outcome.result()
            if answer.get("type") == "error":
                raise TimerError(str(answer.get("code")), str(answer.get("message")), answer.get("id"))
        if self.timer is None:
            raise ConnectionLost("no state received")
        return dict(self.timer)

    async def start(self) -> Message:
        """Start (idle or finished: from the beginning; paused: resume)."""
        return await self.command({"type": "start"})

    async def pause(self) -> Message:
        """Pause a running timer."""
        return await self.command({"type": "pause"})

    async def resume(self) -> Message:
        """Resume a paused timer."""
        return await self.command({"type": "resume"})

    async def reset(self) -> Message:
        """Back to idle at the initial value."""
        return await self.command({"type": "reset"})

    async def set_countdown(self, duration: float, interval: float | None = None) -> Message:
        """Make the timer an idle countdown of `duration` seconds (tick `interval` seconds, or kept)."""
        message: Message = {"type": "set", "mode": "countdown", "duration_ms": round(duration * 1000)}
        if interval is not None:
            message["interval_ms"] = round(interval * 1000)
        return await self.command(message)

    async def set_stopwatch(self, initial: float = 0.0, interval: float | None = None) -> Message:
        """Make the timer an idle stopwatch from `initial` seconds (tick `interval` seconds, or kept)."""
        message: Message = {"type": "set", "mode": "stopwatch", "initial_ms": round(initial * 1000)}
        if interval is not None:
            message["interval_ms"] = round(interval * 1000)
        return await self.command(message)

    async def ping(self, *, timeout: float | None = None) -> Sample:
        """One protocol ping: a clock-sync sample (t0 and t3 on `clock`, t1 = t2 = the server's time)."""
        sent = self.clock()
        pong = await self._request({"type": "ping", "client_time": sent}, timeout)
        received = self.clock()
        return Sample.from_pong(float(pong["client_time"]), float(pong["server_time"]), received)

    async def sync_clock(self, samples: int = 8, keep: int = 3, spacing: float = 0.02) -> Estimate:
        """Ping `samples` times and estimate the server's clock offset from the `keep` fastest round trips."""
        taken: list[Sample] = []
        for i in range(samples):
            if i:
                await asyncio.sleep(spacing)
            taken.append(await self.ping())
        return estimate(taken, keep)

    # --- reading the timer ------------------------------------------------------------------------------

    @property
    def elapsed_ms(self) -> float | None:
        """The elapsed time of the latest state or tick (None before the first state)."""
        return None if self.timer is None else float(self.timer["elapsed_ms"])

    @property
    def remaining_ms(self) -> float | None:
        """A countdown's remaining time from the latest state or tick (None for a stopwatch)."""
        if self.timer is None or self.timer.get("remaining_ms") is None:
            return None
        return float(self.timer["remaining_ms"])

    @property
    def timer_status(self) -> str | None:
        """The timer's status (`idle`, `running`, `paused`, `finished`), None before the first state."""
        return None if self.timer is None else str(self.timer["status"])

    # --- closing ----------------------------------------------------------------------------------------

    def close(self, code: int = 1000, reason: str = "") -> None:
        """Start a clean close (code 1000) and stop reconnecting; `await wait_closed()` to see it done."""
        self._closing = True
        ws = self._ws
        if ws is not None:
            ws.close(code, reason)
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

    def _fail_pending(self, error: Exception) -> None:
        for future in list(self._pending.values()):
            if not future.done():
                future.set_exception(error)
        self._pending.clear()

    def __repr__(self) -> str:
        status = self.timer_status or "-"
        return f"<TimerClient {self.url} {self.status.value} timer={status}>"


async def connect(url: str, **options: Any) -> TimerClient:
    """Shortcut: `client = await connect(url)` makes a `TimerClient` and waits for its first state."""
    return await TimerClient(url, **options).connect()
