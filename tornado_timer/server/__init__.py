"""The Tornado layer: handlers, the app factory and the runner, over the pure core."""

from .app import TimerApplication, make_app
from .config import ConfigError, ServerConfig
from .runner import RunningServer, start_server

__all__ = ["ConfigError", "RunningServer", "ServerConfig", "TimerApplication", "make_app", "start_server"]
