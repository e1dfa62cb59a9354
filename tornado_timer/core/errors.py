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
    NOT_FOUND = "not_found"  # the HTTP API only: no such timer (a read) or no such path


# The HTTP status that answers each code in the HTTP API (docs/api.md): written here once, read by its handlers
# and its OpenAPI document. A code the API never sends (binary_frame) still has one, so the table is total.
HTTP_STATUS: dict[ErrorCode, int] = {
    ErrorCode.INVALID_JSON: 400,
    ErrorCode.INVALID_MESSAGE: 400,
    ErrorCode.UNKNOWN_TYPE: 400,
    ErrorCode.BINARY_FRAME: 400,
    ErrorCode.FORBIDDEN: 403,
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.INVALID_STATE: 409,
    ErrorCode.RATE_LIMITED: 429,
    ErrorCode.UNAVAILABLE: 503,
}


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
