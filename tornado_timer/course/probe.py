"""A bare Tornado WebSocket handler that writes down everything Tornado tells it (notebooks 2 and 9): opened,
messages, pings, pongs, origin checks, closed. For seeing Tornado's hooks fire, not for serving timers."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tornado import web, websocket
from tornado.httpserver import HTTPServer
from tornado.netutil import bind_sockets

OriginRule = Callable[[str], bool]


@dataclass
class Probe:
    """A listening probe: `url`, what happened (`events`: (seconds since start, hook, detail)), the open handlers."""

    port: int
    http_server: HTTPServer | None = None
    started: float = field(default_factory=time.monotonic)
    events: list[tuple[float, str, Any]] = field(default_factory=list)
    handlers: list[ProbeSocket] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/probe"

    def note(self, hook: str, detail: Any = None) -> None:
        self.events.append((round(time.monotonic() - self.started, 3), hook, detail))

    def hooks(self) -> list[str]:
        """The hooks called so far, in order."""
        return [hook for _, hook, _ in self.events]

    def stop(self) -> None:
        if self.http_server is not None:
            self.http_server.stop()
        for handler in list(self.handlers):
            handler.close(1001)


class ProbeSocket(websocket.WebSocketHandler):
    """Notes every hook Tornado calls; `origin_rule` decides cross-origin handshakes (None: Tornado's default)."""

    def initialize(self, probe: Probe, origin_rule: OriginRule | None) -> None:
        self.probe = probe
        self.origin_rule = origin_rule

    def check_origin(self, origin: str) -> bool:
        allowed = super().check_origin(origin) if self.origin_rule is None else bool(self.origin_rule(origin))
        self.probe.note("check_origin", (origin, allowed))
        return allowed

    def open(self, *args: Any, **kwargs: Any) -> None:
        self.probe.handlers.append(self)
        self.probe.note("open", self.request.headers.get("Origin"))

    def on_message(self, message: str | bytes) -> None:
        self.probe.note("on_message", message)

    def on_ping(self, data: bytes) -> None:
        self.probe.note("on_ping", data)

    def on_pong(self, data: bytes) -> None:
        self.probe.note("on_pong", data)

    def on_close(self) -> None:
        if self in self.probe.handlers:
            self.probe.handlers.remove(self)
        self.probe.note("on_close", (self.close_code, self.close_reason))


def start_probe(origin_rule: OriginRule | None = None, ping_interval: float | None = None,
                ping_timeout: float | None = None) -> Probe:
    """A probe on a free loopback port, in the running event loop, at `/probe`."""
    sockets = bind_sockets(0, "127.0.0.1")
    probe = Probe(sockets[0].getsockname()[1])
    app = web.Application([(r"/probe", ProbeSocket, {"probe": probe, "origin_rule": origin_rule})],
                          websocket_ping_interval=ping_interval, websocket_ping_timeout=ping_timeout)
    probe.http_server = HTTPServer(app)
    probe.http_server.add_sockets(sockets)
    return probe
