"""The error codes of the protocol, and the one root every error of this package derives from.

A `ProtocolError` is anything the server answers with an `error` message: its `code` is one of `ErrorCode`, the
same string on the wire, in the HTTP API and in the client's exceptions. Other errors of the package (a bad
setting, a refused connection) derive from `TornadoTimerError` too, so one `except` can catch them all.
"""

from __future__ import annotations

from enum import Enum
from typing import Union

MessageId = Union[str, int, float, None]  # noqa: UP007 (a runtime alias on Python 3.10)


class ErrorCode(str, Enum):
    """The stable codes of `error` messages (docs/protocol.md, *Error codes*)."""

    INVALID_JSON = "invalid_json"
    INVALID_MESSAGE = "invalid_message"
    UNKNOWN_TYPE = "unknown_type"
    INVALID_STATE = "invalid_state"
    BINARY_FRAME = "binary_frame"
    FORBIDDEN = "forbidden"
    RATE_LIMITED = "rate_limited"
    UNAVAILABLE = "unavailable"


class TornadoTimerError(Exception):
    """The root of every error tornado-timer raises on purpose."""


class ProtocolError(TornadoTimerError):
    """An error the protocol answers with an `error` message; the connection stays open, nothing changed.

    `message` tells a person what to fix; `message_id` is the `id` of the message that caused it.
    """

    def __init__(self, code: ErrorCode, message: str, message_id: MessageId = None) -> None:
        super().__init__(message)
        self.code = ErrorCode(code)
        self.message = message
        self.message_id = message_id
