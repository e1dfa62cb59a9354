"""`/ws` and `/ws/<name>`: one client of one timer. Thin: admission before the handshake, then relaying.

What a message means (parse, rate limit, role, which error answers it) is the session's business
(`core/server_session.py`); what a command does to the timer is the registry's. This handler moves text between
the socket and the session, and carries out the session's actions.
"""

from __future__ import annotations

import time
from typing import Any

from ..core.errors import ProtocolError
from ..core.protocol import DEFAULT_TIMER
from ..core.server_session import Action, Close, Execute, Reply, Role, ServerSession, max_frame_bytes
from ..store import StoreUnavailable
from . import auth, upgrade
from .admission import Admission, Refusal, Reservation
from .channel import TimerChannel
from .config import ServerConfig
from .fanout import Outbox
from .guard import GuardedSocket
from .keepalive import Keepalive
from .metrics import Metrics
from .registry import TimerRegistry, TooManyTimers


class TimerSocket(GuardedSocket):
    """One client of one timer: it sends commands and receives the state and the ticks."""

    def initialize(self, registry: TimerRegistry, config: ServerConfig, metrics: Metrics,
                   admission: Admission, keepalive: Keepalive) -> None:
        self.registry = registry
        self.config = config
        self.metrics = metrics
        self.admission = admission
        self.keepalive = keepalive
        self.allow_origins = config.allow_origins
        self.channel: TimerChannel | None = None

    role: Role
    reservation: Reservation

    @property
    def ping_interval(self) -> float | None:
        """None: no keepalive Task per connection from Tornado; the app's one Keepalive pings every client."""
        return None

    @property
    def max_message_size(self) -> int:
        """Read by Tornado at the handshake, once the role is known: a controller may send a whole rundown."""
        return max_frame_bytes(getattr(self, "role", Role.VIEWER), self.config.max_message_bytes)

    async def get(self, *args: Any, **kwargs: Any) -> None:
        admitted = self.admission.timer_connection(self.request.host, self.timer_name())
        if isinstance(admitted, Refusal):
            return self.refuse(admitted)
        try:
            try:
                self.role = auth.role_for(auth.presented_token(self.request), self.config.control_token)
            except auth.WrongToken as error:
                return self.refuse(Refusal(403, str(error)))
            self.reservation = admitted  # the room this client takes, held until it has joined (or gone)
            protocol = upgrade.switch_protocols(self)
            if protocol is None:
                await super().get(*args, **kwargs)  # Tornado's handshake answers anything but a plain upgrade
            else:
                await upgrade.run(self, protocol, args, kwargs)  # open(), then every message until the client goes
        finally:
            admitted.release()  # refused, or the handshake failed before open(): idempotent

    def timer_name(self) -> str:
        name: str | None = self.path_kwargs.get("name")
        return DEFAULT_TIMER if name is None else name

    async def open(self, *args: Any, **kwargs: Any) -> None:
        self.outbox = Outbox(self, fast=self.config.fast_fanout)  # also sets TCP_NODELAY: ticks go out at once
        self.keepalive.add(self)
        self.session = ServerSession(self.role, self.config.max_messages_per_second,
                                     max_message_bytes=self.config.max_message_bytes)
        try:
            self.channel = await self.registry.join(self.timer_name(), self, self.role)
        except TooManyTimers as error:
            self.close(1013, str(error))
        except StoreUnavailable as error:
            self.close(1011, f"the timer store is unavailable: {error}"[:120])
        finally:
            self.reservation.release()  # counted by its timer now, or closing
        self.release_handshake()

    async def on_message(self, message: str | bytes) -> None:
        self.metrics.messages_in.inc()
        now_ms = time.monotonic() * 1000.0
        if isinstance(message, bytes):
            return await self.perform(self.session.receive_binary(now_ms))
        await self.perform(self.session.receive_text(message, now_ms, time.time() * 1000.0))

    async def perform(self, actions: list[Action]) -> None:
        """Carry out what the session asked for, in order."""
        for action in actions:
            if isinstance(action, Reply):
                self.send(action)
            elif isinstance(action, Close):
                self.close(action.code, action.reason)
            else:
                await self.perform(self.session.outcome(action.command, await self.execute(action)))

    async def execute(self, action: Execute) -> ProtocolError | None:
        """Apply the command to this connection's timer: None if done, else why not."""
        if self.channel is None:
            return None  # refused at open and closing: nothing to apply it to
        try:
            await self.registry.execute(self.channel, action.command)
        except ProtocolError as error:
            return error
        return None

    def send(self, reply: Reply) -> None:
        if reply.error is not None:
            self.metrics.errors.labels(reply.error.value).inc()
        self.metrics.messages_out.inc()
        self.outbox.send(reply.text)

    def on_pong(self, data: bytes) -> None:
        self.keepalive.pong(self)

    def on_close(self) -> None:
        self.keepalive.discard(self)
        if self.channel is not None:
            self.registry.leave(self.channel, self)
            self.channel = None
