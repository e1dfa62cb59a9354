"""One client connection, as the server speaks the protocol to it: text in, actions out.

No sockets, no clock (the caller passes the time in), no timers: the session decides what a message means for this
connection (parse, rate limit, who may do what, which error answers what) and says what to do about it. The
connection under it (`server/timer_socket.py`) carries the actions out: it sends replies, closes, and hands each
`Execute` to the timers, then reports the outcome back with `outcome()`. Modelled on python-websockets'
`ServerProtocol` under its thin connection objects; tested with plain strings (tests/test_server_session.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Union

from .commands import Ping, SetRundown, TimerCommand, parse_command
from .errors import ErrorCode, ProtocolError
from .messages import Error, Pong, encode
from .protocol import MAX_MESSAGE_BYTES, MAX_RUNDOWN_BYTES
from .ratelimit import TokenBucket

STRIKES_BEFORE_CLOSE = 20  # messages refused by the rate limit, without calming down, before we close
POLICY_VIOLATION = 1008
MESSAGE_TOO_BIG = 1009


class Role(str, Enum):
    """What a connection may do: a controller sends commands, a viewer only watches (and pings)."""

    CONTROLLER = "controller"
    VIEWER = "viewer"


@dataclass(frozen=True)
class Reply:
    """Send `text` to this client alone; `error` is the code when it is an error message (for metrics)."""

    text: str
    error: ErrorCode | None = None


@dataclass(frozen=True)
class Execute:
    """Apply `command` to this connection's timer, then pass what happened to `ServerSession.outcome`."""

    command: TimerCommand


@dataclass(frozen=True)
class Close:
    """Close this connection with `code` and `reason`."""

    code: int
    reason: str


Action = Union[Reply, Execute, Close]  # noqa: UP007 (a runtime alias on Python 3.10)


class ServerSession:
    """The protocol state of one connection: its role and its rate limit."""

    __slots__ = ("bucket", "max_message_bytes", "role", "strikes", "strikes_before_close")  # one per connection

    def __init__(self, role: Role, max_messages_per_second: float,
                 strikes_before_close: int = STRIKES_BEFORE_CLOSE, max_message_bytes: int = MAX_MESSAGE_BYTES) -> None:
        self.role = role
        self.max_message_bytes = max_message_bytes
        self.bucket = TokenBucket(max_messages_per_second, 2 * max_messages_per_second)
        self.strikes_before_close = strikes_before_close
        self.strikes = 0

    def receive_text(self, text: str, now_ms: float, wall_ms: float) -> list[Action]:
        """A text frame arrived at `now_ms` (monotonic); `wall_ms` is the server's wall clock, for pongs."""
        if not self._within_rate(now_ms):
            return self._over_the_rate_limit()
        too_big = _utf8_size(text, self.max_message_bytes) > self.max_message_bytes
        try:
            message = parse_command(text)
        except ProtocolError as error:
            return [self._too_big()] if too_big else [self._error(error)]
        if too_big and not isinstance(message, SetRundown):
            return [self._too_big()]
        if isinstance(message, Ping):
            return [Reply(encode(Pong(message.client_time, wall_ms, message.id)))]
        if self.role is not Role.CONTROLLER:
            return [self._error(ProtocolError(ErrorCode.FORBIDDEN, "this connection may only watch: connect with "
                                              "the control token to control the timer", message.id))]
        return [Execute(message)]

    def receive_binary(self, now_ms: float) -> list[Action]:
        """A binary frame arrived: the protocol is JSON text."""
        if not self._within_rate(now_ms):
            return self._over_the_rate_limit()
        return [self._error(ProtocolError(ErrorCode.BINARY_FRAME,
                                          "binary frames are not supported; send JSON text frames"))]

    def outcome(self, command: TimerCommand, error: ProtocolError | None) -> list[Action]:
        """What to tell this client once `command` was carried out (nothing: every client gets the new state)
        or refused with `error` (`invalid_state`, `unavailable`)."""
        if error is None:
            return []
        return [self._error(ProtocolError(error.code, error.message, command.id))]

    def _too_big(self) -> Close:
        return Close(MESSAGE_TOO_BIG, f"only a rundown may exceed {self.max_message_bytes} bytes")

    def _within_rate(self, now_ms: float) -> bool:
        if not self.bucket.allow(now_ms):
            return False
        if self.bucket.tokens >= self.bucket.burst / 2:
            self.strikes = 0  # calmed down: a later burst starts with a fresh warning
        return True

    def _over_the_rate_limit(self) -> list[Action]:
        """Warn once, drop the rest, and close a client that keeps going."""
        self.strikes += 1
        if self.strikes >= self.strikes_before_close:
            return [Close(POLICY_VIOLATION, "too many messages")]
        if self.strikes == 1:
            limit = self.bucket.rate
            return [self._error(ProtocolError(ErrorCode.RATE_LIMITED,
                                              f"more than {limit:g} messages per second; slow down"))]
        return []

    @staticmethod
    def _error(error: ProtocolError) -> Reply:
        return Reply(encode(Error.of(error)), error.code)


def _utf8_size(text: str, limit: int) -> int:
    """The size of `text` on the wire; encoded only when it may be over `limit` (a character is 1 to 4 bytes)."""
    return len(text) if 4 * len(text) <= limit else len(text.encode("utf-8"))


def max_frame_bytes(role: Role, max_message_bytes: int = MAX_MESSAGE_BYTES) -> int:
    """The largest message a connection takes at all (a bigger one is closed with 1009 by the WebSocket layer): a
    controller may send a whole rundown; anything else but a rundown is held to `max_message_bytes`."""
    return MAX_RUNDOWN_BYTES if role is Role.CONTROLLER else max_message_bytes
