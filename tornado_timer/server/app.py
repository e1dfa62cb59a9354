"""The app factory: one `make_app()` for the CLI, the tests and the notebooks."""

from __future__ import annotations

from typing import Any

from tornado import web

from ..core.model import Command
from .assets import static_dir
from .config import ServerConfig
from .handlers import TimerApi, TimerSocket
from .registry import TimerRegistry

TIMER_NAME_IN_PATH = r"(?P<name>[^/]*)"


class TimerApplication(web.Application):
    """A Tornado application that also holds its timers, so the runner can shut them down."""

    registry: TimerRegistry
    config: ServerConfig


def make_app(config: ServerConfig | None = None, **overrides: Any) -> TimerApplication:
    """Build the application: the WebSocket at /ws and /ws/<name>, the JSON API and the page at /."""
    config = config or ServerConfig(**overrides)
    registry = TimerRegistry(config.default_settings(), config.interval_ms, config.max_timers)
    if config.autostart:
        registry.default.command(Command.START)
    socket_args = {"registry": registry, "config": config}
    app = TimerApplication(
        [
            (r"/ws", TimerSocket, socket_args),
            (r"/ws/" + TIMER_NAME_IN_PATH, TimerSocket, socket_args),
            (r"/api/timers/" + TIMER_NAME_IN_PATH, TimerApi, {"registry": registry}),
            (r"/(.*)", web.StaticFileHandler, {"path": str(static_dir()), "default_filename": "index.html"}),
        ],
        websocket_max_message_size=config.max_message_bytes,
        websocket_ping_interval=config.ping_interval or None,
        websocket_ping_timeout=config.ping_interval or None,
    )
    app.registry = registry
    app.config = config
    return app

