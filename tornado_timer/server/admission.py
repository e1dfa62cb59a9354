"""Who may come in, decided before a handshake or an API request: the Host check, and room for one more.

One object per app, handed to the handlers through `initialize()`. It reads the limits from the config and the
counts from the registry, so nothing is counted twice.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..core.protocol import is_valid_timer_name
from . import auth
from .config import ServerConfig
from .registry import TimerRegistry


@dataclass(frozen=True)
class Refusal:
    """An HTTP status and a one-line reason, sent instead of the handshake or the answer."""

    status: int
    reason: str


class Admission:
    """The checks every WebSocket and API request passes; `echo_connections` are the open `/echo` sockets."""

    def __init__(self, config: ServerConfig, registry: TimerRegistry) -> None:
        self.config = config
        self.registry = registry
        # A server on loopback with no control token (where anyone who reaches it controls) answers only requests
        # addressed to loopback names, as Jupyter does: a page on a rebound DNS name must not reach it. With a
        # token (behind a reverse proxy, say), the token is what guards control. `--allow-host` adds the names a
        # proxy in front of it forwards (Jupyter's proxy passes on the browser's own Host: a hub's name).
        self.guard_host = auth.is_loopback(config.host) and config.control_token is None
        self.allow_hosts = config.allow_hosts
        self.echo_connections: set[object] = set()

    def connection_count(self) -> int:
        return self.registry.connection_count() + len(self.echo_connections)

    def host(self, host_header: str) -> Refusal | None:
        """Refuse a request to a name that is neither loopback nor allowed, where that guards anything."""
        if (not self.guard_host or auth.is_loopback_host_header(host_header)
                or auth.is_allowed_host_header(host_header, self.allow_hosts)):
            return None
        return Refusal(403, "this server only answers requests to localhost and the names given with --allow-host "
                       "(Host header refused)")

    def connection(self, host_header: str) -> Refusal | None:
        """The Host check, and room for one more connection of any kind."""
        refusal = self.host(host_header)
        if refusal is None and self.connection_count() >= self.config.max_connections:
            refusal = Refusal(503, f"this server holds its maximum of {self.config.max_connections} connections")
        return refusal

    def timer_connection(self, host_header: str, name: str) -> Refusal | None:
        """Everything a client of timer `name` must pass before its handshake."""
        refusal = self.connection(host_header)
        if refusal is not None:
            return refusal
        if not is_valid_timer_name(name):
            return Refusal(400, "a timer name is 1-64 characters of A-Z a-z 0-9 _ -")
        if not self.registry.has_room_for(name):
            return Refusal(503, f"this server holds its maximum of {self.registry.max_timers} timers")
        channel = self.registry.get(name)
        if channel is not None and len(channel.subscribers) >= self.config.max_connections_per_timer:
            return Refusal(503, f"this timer has its maximum of {self.config.max_connections_per_timer} connections")
        return None
