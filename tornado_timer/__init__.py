"""tornado-timer: shared real-time timers on WebSockets, served by Tornado."""

from .server import ConfigError, RunningServer, ServerConfig, make_app, start_server

__version__ = "0.1.0"
__all__ = ["ConfigError", "RunningServer", "ServerConfig", "__version__", "make_app", "start_server"]
