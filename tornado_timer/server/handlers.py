"""The request handlers. Thin: they translate between the network and the registry, nothing more."""

from __future__ import annotations

import contextlib
import json
import os
import time
from typing import Any

from tornado import httputil, web, websocket
from tornado.log import app_log

from ..core import protocol
from ..core.model import Command, IllegalTransition
from ..core.ratelimit import TokenBucket
from ..store import StoreUnavailable
from . import auth
from .channel import TimerChannel
from .config import ServerConfig
from .fanout import Outbox
from .metrics import Metrics
from .registry import TimerRegistry, TooManyTimers

STRIKES_BEFORE_CLOSE = 20  # messages refused by the rate limit, without calming down, before we close


class GuardedHandler(web.RequestHandler):
    """What every handler of ours does: keep tokens out of error logs, and refuse DNS-rebinding requests."""

    def _request_summary(self) -> str:
        return f"{self.request.method} {auth.redact(self.request.uri or '')} ({self.request.remote_ip})"

    def log_exception(self, typ: Any, value: Any, tb: Any) -> None:
        if isinstance(value, web.HTTPError):
            return super().log_exception(typ, value, tb)
        app_log.error("Uncaught exception %s", self._request_summary(), exc_info=(typ, value, tb))

    def host_refusal(self) -> tuple[int, str] | None:
        """A server on loopback with no control token (where anyone who reaches it controls) answers only
        requests addressed to loopback names, as Jupyter does: a page on a rebound DNS name must not reach it.
        With a token (behind a reverse proxy, say), the token is what guards control."""
        if not self.settings.get("timer_guard_host") or auth.is_loopback_host_header(self.request.host):
            return None
        return 403, "this server only answers requests to localhost (Host header refused)"


class GuardedSocket(GuardedHandler, websocket.WebSocketHandler):
    """What both WebSockets check before the handshake: the Host header, and room for one more connection."""

    registry: TimerRegistry
    config: ServerConfig

    def socket_refusal(self) -> tuple[int, str] | None:
        """Why this handshake must be refused (HTTP status and reason), or None."""
        host_refusal = self.host_refusal()
        if host_refusal is not None:
            return host_refusal
        if self.registry.connection_count() + len(self.settings["echo_connections"]) >= self.config.max_connections:
            return 503, f"this server holds its maximum of {self.config.max_connections} connections"
        return None

    def refuse(self, status: int, reason: str) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "text/plain; charset=utf-8")
        self.finish(reason + "\n")


class TimerSocket(GuardedSocket):
    """`/ws` and `/ws/<name>`: one client of one timer, sending commands and receiving state and ticks."""

    def initialize(self, registry: TimerRegistry, config: ServerConfig, metrics: Metrics) -> None:
        self.registry = registry
        self.config = config
        self.metrics = metrics
        self.channel: TimerChannel | None = None

    async def get(self, *args: Any, **kwargs: Any) -> None:
        name = self.timer_name()
        refusal = self.refusal(name)
        if refusal is not None:
            return self.refuse(*refusal)
        try:
            self.role = auth.role_for(auth.presented_token(self.request), self.config.control_token)
        except auth.WrongToken as error:
            return self.refuse(403, str(error))
        await super().get(*args, **kwargs)

    def timer_name(self) -> str:
        name: str | None = self.path_kwargs.get("name")
        return protocol.DEFAULT_TIMER if name is None else name

    def refusal(self, name: str) -> tuple[int, str] | None:
        """Why this handshake must be refused (HTTP status and reason), or None."""
        socket_refusal = self.socket_refusal()
        if socket_refusal is not None:
            return socket_refusal
        if not protocol.is_valid_timer_name(name):
            return 400, "a timer name is 1-64 characters of A-Z a-z 0-9 _ -"
        if not self.registry.has_room_for(name):
            return 503, f"this server holds its maximum of {self.registry.max_timers} timers"
        channel = self.registry.get(name)
        if channel is not None and len(channel.subscribers) >= self.config.max_connections_per_timer:
            return 503, f"this timer has its maximum of {self.config.max_connections_per_timer} connections"
        return None

    def check_origin(self, origin: str) -> bool:
        """Cross-origin pages are refused, except a page opened from disk (Origin: null) and --allow-origin."""
        return origin == "null" or origin in self.config.allow_origins or super().check_origin(origin)

    async def open(self, *args: Any, **kwargs: Any) -> None:
        self.set_nodelay(True)
        self.outbox = Outbox(self, fast=self.config.fast_fanout)
        self.bucket = TokenBucket(self.config.max_messages_per_second, 2 * self.config.max_messages_per_second)
        self.strikes = 0
        try:
            self.channel = await self.registry.join(self.timer_name(), self, self.role)
        except TooManyTimers as error:
            self.close(1013, str(error))
        except StoreUnavailable as error:
            self.close(1011, f"the timer store is unavailable: {error}"[:120])
        self.release_handshake()

    def release_handshake(self) -> None:
        """Drop what only the handshake needed: ~1.1 KB a connection, and the token in an Authorization header."""
        self.request.headers = httputil.HTTPHeaders()
        self.request.connection = None  # the HTTP/1 connection object, detached, which holds the headers too
        self.request.arguments = self.request.query_arguments = {}
        self._headers = httputil.HTTPHeaders()
        self.ui = None  # type: ignore[assignment]  # template helpers: a WebSocket renders no templates

    async def on_message(self, message: str | bytes) -> None:
        self.metrics.messages_in.inc()
        if not self.bucket.allow(time.monotonic() * 1000.0):
            return self.over_the_rate_limit()
        if self.bucket.tokens >= self.bucket.burst / 2:
            self.strikes = 0  # calmed down: a later burst starts with a fresh warning
        if isinstance(message, bytes):
            return self.reply_error("binary_frame", "binary frames are not supported; send JSON text frames")
        try:
            await self.handle(protocol.parse(message))
        except protocol.ProtocolError as error:
            self.reply_error(error.code, error.message, error.message_id)

    def over_the_rate_limit(self) -> None:
        self.strikes += 1
        if self.strikes >= STRIKES_BEFORE_CLOSE:
            self.close(1008, "too many messages")
        elif self.strikes == 1:
            limit = self.config.max_messages_per_second
            self.reply_error("rate_limited", f"more than {limit:g} messages per second; slow down")

    async def handle(self, message: protocol.Message) -> None:
        if isinstance(message, protocol.Ping):
            return self.send(protocol.encode_pong(message, time.time() * 1000.0))
        if self.role != auth.CONTROLLER:
            return self.reply_error("forbidden", "this connection may only watch: connect with the control token "
                                    "to control the timer", message.id)
        assert self.channel is not None
        try:
            if isinstance(message, protocol.SetTimer):
                await self.registry.execute(self.channel, Command.SET, message.settings)
            else:
                await self.registry.execute(self.channel, message.command)
        except IllegalTransition as error:
            self.reply_error("invalid_state", str(error), message.id)
        except StoreUnavailable as error:
            self.reply_error("unavailable", f"the command was not applied: {error}", message.id)

    def reply_error(self, code: str, message: str, message_id: protocol.MessageId = None) -> None:
        self.metrics.errors.labels(code).inc()
        self.send(protocol.encode_error(code, message, message_id))

    def send(self, text: str) -> None:
        self.metrics.messages_out.inc()
        self.outbox.send(text)

    def on_close(self) -> None:
        if self.channel is not None:
            self.registry.leave(self.channel, self)
            self.channel = None


ECHO_MAX_MESSAGE_BYTES = 16 * 1024 * 1024  # Autobahn's largest cases (9.x) send 16 MiB messages


class EchoSocket(GuardedSocket):
    """`/echo`: sends back every message as it came (text or binary), for conformance tests and teaching.

    Unlike the timer socket it takes large messages, as a general echo server must; it waits for each echo to
    be sent before reading the next message, so a client that sends without reading is held back by TCP
    instead of filling the server's memory. It counts against --max-connections. Like the timer socket, it
    offers no permessage-deflate: the server never compresses (a 90-byte tick gains nothing from it).
    """

    def initialize(self, config: ServerConfig, registry: TimerRegistry) -> None:
        self.config = config
        self.registry = registry
        self.connections: set[EchoSocket] = self.settings["echo_connections"]

    async def get(self, *args: Any, **kwargs: Any) -> None:
        refusal = self.socket_refusal()
        if refusal is not None:
            return self.refuse(*refusal)
        await super().get(*args, **kwargs)

    @property
    def max_message_size(self) -> int:
        return ECHO_MAX_MESSAGE_BYTES

    def check_origin(self, origin: str) -> bool:
        return origin == "null" or super().check_origin(origin)

    def open(self, *args: Any, **kwargs: Any) -> None:
        self.connections.add(self)

    async def on_message(self, message: str | bytes) -> None:
        with contextlib.suppress(websocket.WebSocketClosedError):
            await self.write_message(message, binary=isinstance(message, bytes))

    def on_close(self) -> None:
        self.connections.discard(self)


class TimerApi(GuardedHandler):
    """`GET /api/timers/<name>`: the snapshot over plain HTTP, for comparing with polling. Never creates."""

    def initialize(self, registry: TimerRegistry) -> None:
        self.registry = registry

    async def get(self, name: str) -> None:
        refusal = self.host_refusal()
        if refusal is not None:
            raise web.HTTPError(refusal[0], reason="Host header refused")
        await self.registry.ready()
        try:
            timer = await self.registry.lookup(name)  # this process's, or the store's (another process's)
        except StoreUnavailable:
            raise web.HTTPError(503, reason="the timer store is unavailable") from None
        if timer is None:
            raise web.HTTPError(404, reason="no such timer")
        clock = self.registry.clock
        now_ms, wall_ms = clock.now_ms(), clock.wall_ms()
        body = {"timer": protocol.snapshot(timer, now_ms, wall_ms), "server_time": round(wall_ms)}
        self.set_header("Content-Type", "application/json")
        self.set_header("Cache-Control", "no-store")
        self.finish(json.dumps(body))


class Health(web.RequestHandler):
    """`GET /healthz`: cheap, for load balancers. 503 only while starting: a degraded process (its store is
    down) still serves every screen it has, so it stays in the pool; the body says "degraded"."""

    def initialize(self, registry: TimerRegistry) -> None:
        self.registry = registry

    def get(self) -> None:
        status = "ok" if self.registry.is_ready and self.registry.store.available else (
            "starting" if not self.registry.is_ready else "degraded")
        self.set_status(503 if status == "starting" else 200)
        self.set_header("Cache-Control", "no-store")
        self.finish({"status": status, "store_available": self.registry.store.available,
                     "connections": self.registry.connection_count(), "timers": len(self.registry),
                     "pid": os.getpid()})


class MetricsPage(web.RequestHandler):
    """`GET /metrics`: Prometheus text format."""

    def initialize(self, metrics: Metrics) -> None:
        self.metrics = metrics

    def get(self) -> None:
        self.set_header("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
        self.finish(self.metrics.exposition())
