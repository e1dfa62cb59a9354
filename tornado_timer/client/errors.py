"""What the client raises: the server's refusal of a command, and connections that failed or were lost."""

from __future__ import annotations

from ..core.errors import MessageId, TornadoTimerError


class TimerError(TornadoTimerError):
    """The server (or the same check done before sending) refused a command; the timer is unchanged.

    `code` is the protocol's error code (`invalid_state`, `forbidden`, ...), `message` its explanation.
    """

    def __init__(self, code: str, message: str, message_id: MessageId = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.id = message_id


class ConnectError(TornadoTimerError, ConnectionError):
    """The connection could not be made; `status` is the HTTP status when the handshake was refused."""

    def __init__(self, url: str, reason: str, status: int | None = None) -> None:
        super().__init__(f"cannot connect to {url}: {reason}")
        self.url = url
        self.reason = reason
        self.status = status


class ConnectionLost(TornadoTimerError, ConnectionError):
    """The connection went away while a command was waiting for its answer."""
