"""The app factory: one `make_app()` for the CLI, the tests and the notebooks."""

from __future__ import annotations

import logging
import re
from typing import Any

from tornado import web

from ..store import TimerStore, store_from_url
from . import auth
from .admission import Admission
from .assets import static_dir
from .config import ServerConfig
from .echo import EchoSocket
from .http_api import api_routes
from .http_handlers import Health, MetricsPage, PageFiles, TimerApi
from .keepalive import Keepalive
from .metrics import Metrics
from .registry import TimerRegistry
from .sendloop import native_send_to_all
from .timer_socket import TimerSocket
from .upgrade_request import DirectRoute

TIMER_NAME_IN_PATH = r"(?P<name>[^/]*)"
TIMER_SOCKET_PATHS = (r"/ws", r"/ws/" + TIMER_NAME_IN_PATH)
access_log = logging.getLogger("tornado.access")


class TimerApplication(web.Application):
    """A Tornado application that also holds its timers, so the runner can shut them down."""

    registry: TimerRegistry
    config: ServerConfig
    metrics: Metrics
    keepalive: Keepalive
    direct_routes: list[DirectRoute]  # the timer socket routes, which TimerHTTPServer may serve itself


def make_app(config: ServerConfig | None = None, store: TimerStore | None = None,
             **overrides: Any) -> TimerApplication:
    """Build the application: the WebSocket at /ws and /ws/<name>, the HTTP API, health, metrics, the page."""
    config = config or ServerConfig(**overrides)
    store = store or store_from_url(config.store, config.state_file)
    metrics = Metrics()
    send_to_all = native_send_to_all() if config.fast_fanout and config.native_send else None
    registry = TimerRegistry(store, config.default_settings(), config.interval_ms, config.max_timers,
                             config.autostart, metrics, send_to_all=send_to_all)
    metrics.native_send.set(send_to_all is not None)
    metrics.watch(registry.connection_count, lambda: len(registry), lambda: float(store.available),
                  lambda: float(store.problem is not None))
    admission = Admission(config, registry)
    keepalive = Keepalive(config.ping_interval, config.ping_timeout)  # the timer sockets'; /echo keeps Tornado's
    socket_args = {"registry": registry, "config": config, "metrics": metrics, "admission": admission,
                   "keepalive": keepalive}
    app = TimerApplication(
        [
            *((path, TimerSocket, socket_args) for path in TIMER_SOCKET_PATHS),
            (r"/echo", EchoSocket, {"admission": admission}),
            (r"/api/timers/" + TIMER_NAME_IN_PATH, TimerApi, {"registry": registry, "admission": admission}),
            *api_routes(registry, admission, config),
            (r"/healthz", Health, {"registry": registry}),
            (r"/metrics", MetricsPage, {"metrics": metrics}),
            (r"/(.*)", PageFiles, {"path": str(static_dir()), "default_filename": "index.html"}),
        ],
        websocket_max_message_size=config.max_message_bytes,
        websocket_ping_interval=config.ping_interval or None,
        websocket_ping_timeout=min(config.ping_timeout, config.ping_interval) if config.ping_interval else None,
        log_function=_log_without_tokens,
    )
    app.registry, app.config, app.metrics, app.keepalive = registry, config, metrics, keepalive
    app.direct_routes = [(re.compile(path), TimerSocket, socket_args) for path in TIMER_SOCKET_PATHS]
    return app


def _log_without_tokens(handler: web.RequestHandler) -> None:
    """Tornado's access log line, with control tokens in query strings redacted."""
    status = handler.get_status()
    level = logging.INFO if status < 400 else logging.WARNING if status < 500 else logging.ERROR
    if not access_log.isEnabledFor(level):
        return  # every handshake ends here: skip the redaction and formatting nobody reads
    request = handler.request
    access_log.log(level, "%d %s %s (%s) %.2fms", status, request.method, auth.redact(request.uri or ""),
                   request.remote_ip, 1000.0 * request.request_time())
