"""The server's settings, validated once, shared by the CLI, the tests and the notebooks."""

from __future__ import annotations

import importlib.util
import math
import re
from dataclasses import dataclass, field

from ..core.errors import TornadoTimerError
from ..core.model import Mode, Settings
from ..core.protocol import MAX_DURATION_MS, MAX_INTERVAL_MS, MAX_MESSAGE_BYTES, MIN_INTERVAL_MS

#: A name or an address as it stands in a Host header without its port: hub.example.org, 10.0.0.5, [2001:db8::1].
HOST_NAME = re.compile(r"[A-Za-z0-9_.-]{1,253}|\[[0-9A-Fa-f:.]{2,45}\]")


class ConfigError(TornadoTimerError, ValueError):
    """A setting out of range; its message is one line a person can act on."""


@dataclass(frozen=True)
class ServerConfig:
    host: str = "localhost"
    port: int = 8080
    interval: float = 1.0  # seconds between ticks: the original demo's TIMER_INTERVAL
    start: float = 0.0  # the default stopwatch's initial value in seconds: the original's start_timer
    mode: str = "stopwatch"
    duration: float | None = None  # seconds, for a countdown
    warning: float | None = None  # seconds left when the default countdown turns to its warning phase
    danger: float | None = None  # seconds left when it turns to danger
    overtime: bool = False  # the default countdown counts on past zero instead of finishing
    autostart: bool = True
    max_timers: int = 1000
    allow_origins: tuple[str, ...] = field(default_factory=tuple)
    # Host names a loopback server with no token answers besides loopback ones (a proxy's public name, such as a
    # JupyterHub's); "*" answers any. See Admission.
    allow_hosts: tuple[str, ...] = field(default_factory=tuple)
    max_message_bytes: int = MAX_MESSAGE_BYTES
    ping_interval: float = 20.0  # seconds between keepalive pings; 0 turns them off
    ping_timeout: float = 20.0  # a peer that has not answered a ping for this long is dropped
    fast_fanout: bool = True  # False: Tornado's plain write_message per client (a baseline to measure against)
    native_send: bool = True  # with fast_fanout: the C send loop, where it was built (server/sendloop.py)
    control_token: str | None = None  # None: everyone may control (only allowed on loopback by the CLI)
    max_connections: int = 20_000
    max_connections_per_timer: int = 15_000
    max_messages_per_second: float = 20.0  # per connection, with a burst of twice that
    state_file: str | None = None  # None: nothing is saved (the CLI's default is a file per port)
    store: str = "memory://"  # or redis://host:port/db, shared by several server processes
    processes: int = 1

    def __post_init__(self) -> None:
        self.default_settings()  # raises ConfigError early, not when the first client connects
        if not 0 <= self.port <= 65535:
            raise ConfigError(f"--port must be between 0 and 65535, not {self.port}")
        for option, value in [("--max-timers", self.max_timers), ("--max-connections", self.max_connections),
                              ("--max-connections-per-timer", self.max_connections_per_timer)]:
            if value < 1:
                raise ConfigError(f"{option} must be at least 1, not {value}")
        if not (math.isfinite(self.max_messages_per_second) and self.max_messages_per_second >= 1):
            raise ConfigError(f"--max-messages-per-second must be at least 1, not {self.max_messages_per_second}")
        if not (math.isfinite(self.ping_interval) and self.ping_interval >= 0):
            raise ConfigError(f"--ping-interval must be 0 (off) or more seconds, not {self.ping_interval}")
        if not (math.isfinite(self.ping_timeout) and self.ping_timeout > 0):
            raise ConfigError(f"--ping-timeout must be more than 0 seconds, not {self.ping_timeout}")
        if not self.store.startswith(("memory://", "redis://", "rediss://")):
            raise ConfigError(f"--store takes memory:// or redis://host:port/db, not {self.store!r}")
        if self.store.startswith(("redis://", "rediss://")) and importlib.util.find_spec("redis") is None:
            raise ConfigError("--store redis://... needs the Redis client: pip install 'tornado-timer[redis]'")
        if self.ping_interval and self.ping_timeout > self.ping_interval:
            raise ConfigError(f"--ping-timeout ({self.ping_timeout:g}) must not exceed --ping-interval "
                              f"({self.ping_interval:g}): Tornado waits for one pong before the next ping")
        if self.processes < 1:
            raise ConfigError(f"--processes must be at least 1, not {self.processes}")
        if self.processes > 1 and self.store.startswith("memory://"):
            raise ConfigError("--processes above 1 needs a shared store: each process would have its own timers. "
                              "Use --store redis://127.0.0.1:6379/0")
        if self.control_token is not None and len(self.control_token) < 8:
            raise ConfigError("--control-token must be at least 8 characters")
        for origin in self.allow_origins:
            if "://" not in origin:
                raise ConfigError(f"--allow-origin takes an origin like https://example.org, not {origin!r}")
        self._check_allow_hosts()

    def _check_allow_hosts(self) -> None:
        if isinstance(self.allow_hosts, str):
            raise ConfigError(f"allow_hosts takes a list of host names, not the string {self.allow_hosts!r}")
        object.__setattr__(self, "allow_hosts", tuple(self.allow_hosts))  # a list from Python code is fine too
        for name in self.allow_hosts:
            if name != "*" and not HOST_NAME.fullmatch(name):
                raise ConfigError(f"--allow-host takes a host name like hub.example.org (or *), not {name!r}")

    @property
    def interval_ms(self) -> int:
        interval_ms = round(self.interval * 1000) if math.isfinite(self.interval) else -1
        if not MIN_INTERVAL_MS <= interval_ms <= MAX_INTERVAL_MS:
            raise ConfigError(
                f"--interval must be between {MIN_INTERVAL_MS / 1000} and {MAX_INTERVAL_MS // 1000} seconds, "
                f"not {self.interval}"
            )
        return interval_ms

    def default_settings(self) -> Settings:
        """The default timer's mode, length and interval, from --mode, --duration, --start, --interval."""
        if self.mode not in ("stopwatch", "countdown"):
            raise ConfigError(f"--mode must be stopwatch or countdown, not {self.mode!r}")
        interval_ms = self.interval_ms
        if self.mode == "countdown":
            if self.duration is None:
                raise ConfigError("--mode countdown needs --duration SECONDS")
            return self._countdown(interval_ms)
        for option, value in (("--duration", self.duration), ("--warning", self.warning), ("--danger", self.danger),
                              ("--overtime", self.overtime or None)):
            if value is not None:
                raise ConfigError(f"{option} is for --mode countdown; a stopwatch counts up from --start")
        return Settings(Mode.STOPWATCH, interval_ms=interval_ms, initial_ms=_ms("--start", self.start, 0))


    def _countdown(self, interval_ms: int) -> Settings:
        assert self.duration is not None
        warning = None if self.warning is None else _ms("--warning", self.warning, 1)
        danger = None if self.danger is None else _ms("--danger", self.danger, 1)
        if warning is not None and danger is not None and danger >= warning:
            raise ConfigError(f"--danger ({self.danger:g}) must be less than --warning ({self.warning:g}): "
                              "danger comes later, with less time left")
        return Settings(Mode.COUNTDOWN, duration_ms=_ms("--duration", self.duration, 1), interval_ms=interval_ms,
                        overtime=self.overtime, warning_ms=warning, danger_ms=danger)


def _ms(option: str, seconds: float, low_ms: int) -> int:
    value = round(seconds * 1000) if math.isfinite(seconds) else -1
    if not low_ms <= value <= MAX_DURATION_MS:
        limits = f"between {low_ms / 1000:g} and {MAX_DURATION_MS // 1000} seconds"
        raise ConfigError(f"{option} must be {limits}, not {seconds}")
    return value
