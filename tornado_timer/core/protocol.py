"""The wire protocol, version 1 (docs/protocol.md): its constants, and JSON as both sides write and read it.

The messages themselves are typed, one module per direction: `commands.py` (client to server) and `messages.py`
(server to client), each with a parse and an encode, so the server and the Python client speak through the same
code. Pure: no sockets, no clock.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from .errors import ErrorCode, ProtocolError

PROTOCOL_VERSION = 1
MAX_MESSAGE_BYTES = 4096
MAX_RUNDOWN_BYTES = 1024 * 1024  # a controller's `rundown`: 200 cues of full titles and notes, even \u-escaped
MAX_NESTING = 8
MAX_DURATION_MS = 100 * 3600 * 1000
MAX_ADJUST_MS = 3600 * 1000
MIN_INTERVAL_MS = 10
MAX_INTERVAL_MS = 3600 * 1000
MAX_ID_CHARS = 64
DEFAULT_TIMER = "default"
TIMER_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")


def is_valid_timer_name(name: str) -> bool:
    return TIMER_NAME.fullmatch(name) is not None


def dumps(message: dict[str, Any]) -> str:
    """Compact JSON: one string per message, built once and sent to every client of a timer."""
    return json.dumps(message, separators=(",", ":"))


def loads_object(text: str) -> dict[str, Any]:
    """One message's JSON object, or ProtocolError (`invalid_json`, `invalid_message`): nesting is checked first,
    NaN and Infinity are refused."""
    if nesting_depth(text) > MAX_NESTING:
        raise ProtocolError(ErrorCode.INVALID_JSON, f"JSON nested deeper than {MAX_NESTING} levels")
    try:
        document = json.loads(text, parse_constant=_refuse_constant)
    except ProtocolError:
        raise
    except (ValueError, RecursionError) as error:
        raise ProtocolError(ErrorCode.INVALID_JSON, f"not valid JSON: {str(error)[:80]}") from None
    if not isinstance(document, dict):
        raise ProtocolError(ErrorCode.INVALID_MESSAGE, f"a message must be a JSON object, not {kind_of(document)}")
    return document


def _refuse_constant(name: str) -> Any:
    raise ProtocolError(ErrorCode.INVALID_JSON, f"{name} is not valid JSON; send a finite number")


def nesting_depth(text: str) -> int:
    """The deepest [ or { nesting in `text`, ignoring brackets inside strings: checked before json.loads."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


MISSING = object()  # "no default": the field is required


def field_of(document: dict[str, Any], name: str, kind: type[Any], default: Any = MISSING) -> Any:
    """`document[name]`, which must be a `kind` (a number for int and float), or `default` when absent or null."""
    value = document.get(name)
    if value is None and default is not MISSING:
        return default
    numeric = kind in (int, float) and isinstance(value, (int, float)) and not isinstance(value, bool)
    if not (numeric or (kind is str and isinstance(value, str)) or (kind is bool and isinstance(value, bool))):
        raise ProtocolError(ErrorCode.INVALID_MESSAGE, f"{name!r} is missing or not a {kind.__name__}")
    return value


def flag_field(document: dict[str, Any], field: str) -> bool | None:
    """`document[field]`: true, false, or None when absent; anything else is an `invalid_message`."""
    value = document.get(field)
    if value is not None and not isinstance(value, bool):
        raise ProtocolError(ErrorCode.INVALID_MESSAGE, f'"{field}" must be true or false, not {kind_of(value)}')
    return value


def only_fields(document: dict[str, Any], allowed: set[str], what: str) -> None:
    """Refuse a field the message does not define: a typo is an error, not a silent no-op."""
    unknown = sorted(set(document) - allowed)
    if unknown:
        raise ProtocolError(ErrorCode.INVALID_MESSAGE, f'unknown field {unknown[0][:40]!r} for "{what}"')


def is_finite_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def kind_of(value: Any) -> str:
    """A JSON value's kind, for error messages: "a string", "the number 42", "null"."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    return "a string" if isinstance(value, str) else f"the number {value!r}"
