"""Who may come in, decided before a handshake or an API request: the Host check, and room for one more.

One object per app, handed to the handlers through `initialize()`. It reads the limits from the config and the
counts from the registry, so nothing is counted twice; what it counts itself is the handshakes it let in that have
not joined yet (a join may wait for the store), so that concurrent handshakes cannot overshoot a limit.
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


class Reservation:
    """Room held for one admitted timer client, from its admission until it has joined its timer or gone."""

    __slots__ = ("_admission", "name")

    def __init__(self, admission: Admission, name: str) -> None:
        self._admission: Admission | None = admission
        self.name = name

    def release(self) -> None:
        """Give the room back (the client is counted by its timer now, or it has gone); later calls do nothing."""
        admission, self._admission = self._admission, None
        if admission is not None:
            admission.release(self.name)


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
        self._pending: dict[str, int] = {}  # admitted timer clients that have not joined yet, by timer name
        self._host_passed: str | None = None  # the last Host header that passed (usually every client's)

    def connection_count(self) -> int:
        """Open connections, and those admitted but not joined yet."""
        return self.registry.connection_count() + len(self.echo_connections) + sum(self._pending.values())

    def timer_count(self) -> int:
        """Timers held or being loaded, and the new ones admitted clients are about to create."""
        return self.registry.timer_count() + sum(1 for name in self._pending if not self.registry.knows(name))

    def host(self, host_header: str) -> Refusal | None:
        """Refuse a request to a name that is neither loopback nor allowed, where that guards anything."""
        if host_header == self._host_passed or not self.guard_host:
            return None
        if auth.is_loopback_host_header(host_header) or auth.is_allowed_host_header(host_header, self.allow_hosts):
            self._host_passed = host_header
            return None
        return Refusal(403, "this server only answers requests to localhost and the names given with --allow-host "
                       "(Host header refused)")

    def connection(self, host_header: str) -> Refusal | None:
        """The Host check, and room for one more connection of any kind."""
        refusal = self.host(host_header)
        if refusal is None and self.connection_count() >= self.config.max_connections:
            refusal = Refusal(503, f"this server holds its maximum of {self.config.max_connections} connections")
        return refusal

    def timer_connection(self, host_header: str, name: str) -> Refusal | Reservation:
        """Everything a client of timer `name` must pass before its handshake; if it may come in, the room it
        takes is held until it has joined (`Reservation.release`)."""
        refusal = self.connection(host_header)
        if refusal is not None:
            return refusal
        if not is_valid_timer_name(name):
            return Refusal(400, "a timer name is 1-64 characters of A-Z a-z 0-9 _ -")
        channel = self.registry.get(name)
        pending = self._pending.get(name, 0)
        if not pending and not self.registry.knows(name) and self.timer_count() >= self.registry.max_timers:
            return Refusal(503, f"this server holds its maximum of {self.registry.max_timers} timers")
        watching = pending + (0 if channel is None else len(channel.subscribers))
        if watching >= self.config.max_connections_per_timer:
            return Refusal(503, f"this timer has its maximum of {self.config.max_connections_per_timer} connections")
        self._pending[name] = pending + 1
        return Reservation(self, name)

    def release(self, name: str) -> None:
        left = self._pending[name] - 1
        if left:
            self._pending[name] = left
        else:
            del self._pending[name]
