"""The request handlers. Thin: they translate between the network and a TimerChannel, nothing more."""

from __future__ import annotations

import json
import time
from typing import Any

from tornado import web, websocket

from ..core import protocol
from ..core.model import Command, IllegalTransition
from .channel import TimerChannel
from .config import ServerConfig
from .fanout import Outbox
from .registry import TimerRegistry, TooManyTimers


class TimerSocket(websocket.WebSocketHandler):
    """`/ws` and `/ws/<name>`: one client of one timer, sending commands and receiving state and ticks."""

    def initialize(self, registry: TimerRegistry, config: ServerConfig) -> None:
        self.registry = registry
        self.config = config
        self.channel: TimerChannel | None = None

    async def get(self, *args: Any, **kwargs: Any) -> None:
        name = self.timer_name()
        if not protocol.is_valid_timer_name(name):
            return self.refuse(400, "a timer name is 1-64 characters of A-Z a-z 0-9 _ -")
        if not self.registry.has_room_for(name):
            return self.refuse(503, f"this server holds its maximum of {self.registry.max_timers} timers")
        await super().get(*args, **kwargs)

    def timer_name(self) -> str:
        name: str | None = self.path_kwargs.get("name")
        return protocol.DEFAULT_TIMER if name is None else name

    def refuse(self, status: int, reason: str) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "text/plain; charset=utf-8")
        self.finish(reason + "\n")

    def check_origin(self, origin: str) -> bool:
        """Cross-origin pages are refused, except a page opened from disk (Origin: null) and --allow-origin."""
        return origin == "null" or origin in self.config.allow_origins or super().check_origin(origin)

    def open(self, *args: Any, **kwargs: Any) -> None:
        self.set_nodelay(True)
        self.outbox = Outbox(self, fast=self.config.fast_fanout)
        try:
            self.channel = self.registry.join(self.timer_name(), self)
        except TooManyTimers as error:
            self.close(1013, str(error))

    def on_message(self, message: str | bytes) -> None:
        if isinstance(message, bytes):
            return self.reply_error("binary_frame", "binary frames are not supported; send JSON text frames")
        try:
            self.handle(protocol.parse(message))
        except protocol.ProtocolError as error:
            self.reply_error(error.code, error.message, error.message_id)

    def handle(self, message: protocol.Message) -> None:
        assert self.channel is not None
        if isinstance(message, protocol.Ping):
            return self.send(protocol.encode_pong(message, time.time() * 1000.0))
        try:
            if isinstance(message, protocol.SetTimer):
                self.channel.command(Command.SET, message.settings)
            else:
                self.channel.command(message.command)
        except IllegalTransition as error:
            self.reply_error("invalid_state", str(error), message.id)

    def reply_error(self, code: str, message: str, message_id: protocol.MessageId = None) -> None:
        self.send(protocol.encode_error(code, message, message_id))

    def send(self, text: str) -> None:
        self.outbox.send(text)

    def on_close(self) -> None:
        if self.channel is not None:
            self.registry.leave(self.channel, self)
            self.channel = None


class TimerApi(web.RequestHandler):
    """`GET /api/timers/<name>`: the snapshot over plain HTTP, for comparing with polling. Never creates."""

    def initialize(self, registry: TimerRegistry) -> None:
        self.registry = registry

    def get(self, name: str) -> None:
        channel = self.registry.get(name)
        if channel is None:
            raise web.HTTPError(404, reason=f"no timer named {name[:64]!r}")
        self.set_header("Content-Type", "application/json")
        self.set_header("Cache-Control", "no-store")
        clock = channel.clock
        now_ms, wall_ms = clock.now_ms(), clock.wall_ms()
        body = {"timer": protocol.snapshot(channel.timer, now_ms, wall_ms), "server_time": round(wall_ms)}
        self.finish(json.dumps(body))
