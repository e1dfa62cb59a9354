"""The wire protocol, version 1 (docs/protocol.md): parse and validate what clients send, encode what we send.

Pure functions over strings: no sockets, no clock (times are passed in). `parse` raises only ProtocolError,
whose `code` is stable and whose message tells a person what to fix.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any, Union

from .model import Command, Mode, Settings, Timer, allowed_commands

PROTOCOL_VERSION = 1
MAX_MESSAGE_BYTES = 4096
MAX_NESTING = 8
MAX_DURATION_MS = 100 * 3600 * 1000
MIN_INTERVAL_MS = 10
MAX_INTERVAL_MS = 3600 * 1000
MAX_ID_CHARS = 64
DEFAULT_TIMER = "default"
TIMER_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")

MessageId = Union[str, int, float, None]  # noqa: UP007 (a runtime alias on Python 3.10)


class ProtocolError(Exception):
    """Bad input from a client: answered with an error message, never with a crash."""

    def __init__(self, code: str, message: str, message_id: MessageId = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.message_id = message_id


@dataclass(frozen=True)
class Control:
    """start, pause, resume or reset."""

    command: Command
    id: MessageId = None


@dataclass(frozen=True)
class SetTimer:
    settings: Settings
    id: MessageId = None


@dataclass(frozen=True)
class Ping:
    client_time: float
    id: MessageId = None


Message = Union[Control, SetTimer, Ping]  # noqa: UP007

_CONTROLS = {c.value: c for c in (Command.START, Command.PAUSE, Command.RESUME, Command.RESET)}
_SET_FIELDS = {
    Mode.COUNTDOWN: {"type", "id", "mode", "duration_ms", "interval_ms"},
    Mode.STOPWATCH: {"type", "id", "mode", "initial_ms", "interval_ms", "duration_ms"},
}


def is_valid_timer_name(name: str) -> bool:
    return TIMER_NAME.fullmatch(name) is not None


def parse(text: str) -> Message:
    """Turn one text frame into a Message, or raise ProtocolError saying what is wrong with it."""
    document = _load_json(text)
    if not isinstance(document, dict):
        raise ProtocolError("invalid_message", f"a message must be a JSON object, not {_kind(document)}")
    message_id = _message_id(document)
    try:
        return _parse_object(document, message_id)
    except ProtocolError as error:
        error.message_id = message_id
        raise


def _parse_object(document: dict[str, Any], message_id: MessageId) -> Message:
    kind = document.get("type")
    if not isinstance(kind, str):
        raise ProtocolError("unknown_type", 'a message needs a "type": one of ' + _known_types())
    if kind in _CONTROLS:
        _only_fields(document, {"type", "id"}, kind)
        return Control(_CONTROLS[kind], message_id)
    if kind == "set":
        return SetTimer(_parse_settings(document), message_id)
    if kind == "ping":
        _only_fields(document, {"type", "id", "client_time"}, kind)
        return Ping(_number(document, "client_time", required=True), message_id)
    raise ProtocolError("unknown_type", f"unknown type {kind[:40]!r}: expected one of {_known_types()}")


def _parse_settings(document: dict[str, Any]) -> Settings:
    mode_name = document.get("mode")
    modes = {m.value: m for m in Mode}
    if not isinstance(mode_name, str) or mode_name not in modes:
        raise ProtocolError("invalid_message", '"set" needs "mode": "countdown" or "stopwatch"')
    mode = modes[mode_name]
    _only_fields(document, _SET_FIELDS[mode], f"set {mode.value}")
    interval = _whole_ms(document, "interval_ms", MIN_INTERVAL_MS, MAX_INTERVAL_MS)
    if mode is Mode.COUNTDOWN:
        duration = _whole_ms(document, "duration_ms", 1, MAX_DURATION_MS, required=True)
        return Settings(mode, duration_ms=duration, interval_ms=interval)
    if document.get("duration_ms") is not None:
        raise ProtocolError("invalid_message", 'a stopwatch has no "duration_ms"; use "initial_ms" to start later')
    initial = _whole_ms(document, "initial_ms", 0, MAX_DURATION_MS) or 0
    return Settings(mode, interval_ms=interval, initial_ms=initial)


def _load_json(text: str) -> Any:
    if _nesting_depth(text) > MAX_NESTING:
        raise ProtocolError("invalid_json", f"JSON nested deeper than {MAX_NESTING} levels")
    try:
        return json.loads(text, parse_constant=_refuse_constant)
    except ProtocolError:
        raise
    except (ValueError, RecursionError) as error:
        raise ProtocolError("invalid_json", f"not valid JSON: {str(error)[:80]}") from None


def _refuse_constant(name: str) -> Any:
    raise ProtocolError("invalid_json", f"{name} is not valid JSON; send a finite number")


def _nesting_depth(text: str) -> int:
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


def _message_id(document: dict[str, Any]) -> MessageId:
    value = document.get("id")
    if value is None:
        return None
    if isinstance(value, str) and len(value) <= MAX_ID_CHARS:
        return value
    if _is_finite_number(value):
        return value  # type: ignore[no-any-return]
    raise ProtocolError("invalid_message", f'"id" must be a string of at most {MAX_ID_CHARS} characters or a number')


def _only_fields(document: dict[str, Any], allowed: set[str], what: str) -> None:
    unknown = sorted(set(document) - allowed)
    if unknown:
        raise ProtocolError("invalid_message", f'unknown field {unknown[0][:40]!r} for "{what}"')


def _is_finite_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _number(document: dict[str, Any], field: str, required: bool = False) -> Any:
    value = document.get(field)
    if value is None:
        if required:
            raise ProtocolError("invalid_message", f'"{field}" is required')
        return None
    if not _is_finite_number(value):
        raise ProtocolError("invalid_message", f'"{field}" must be a finite number, not {_kind(value)}')
    return value


def _whole_ms(document: dict[str, Any], field: str, low: int, high: int, required: bool = False) -> int | None:
    value = _number(document, field, required)
    if value is None:
        return None
    if not low <= value <= high:
        raise ProtocolError("invalid_message", f'"{field}" must be between {low:,} and {high:,} ms, not {value:g}')
    rounded: int = round(value)
    return rounded


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    return "a string" if isinstance(value, str) else f"the number {value!r}"


def _known_types() -> str:
    return ", ".join([*_CONTROLS, "set", "ping"])


# Encoding: compact JSON, one string per message, built once and sent to every client of a timer.


def _dump(message: dict[str, Any]) -> str:
    return json.dumps(message, separators=(",", ":"))


def snapshot(timer: Timer, now_ms: float, wall_ms: float) -> dict[str, Any]:
    """The timer as clients see it; `started_at`/`ends_at` let them compute the value between ticks."""
    elapsed = timer.elapsed_ms(now_ms)
    remaining = timer.remaining_ms(now_ms)
    fields: dict[str, Any] = {
        "name": timer.name,
        "mode": timer.mode.value,
        "status": timer.status.value,
        "duration_ms": timer.duration_ms,
        "elapsed_ms": round(elapsed),
        "remaining_ms": None if remaining is None else round(remaining),
        "interval_ms": timer.interval_ms,
        "initial_ms": timer.initial_ms,
        "version": timer.version,
    }
    if timer.anchor_ms is not None:
        started_at = round(wall_ms - elapsed)
        fields["started_at"] = started_at
        if timer.duration_ms is not None:
            fields["ends_at"] = started_at + timer.duration_ms
    return fields


def encode_state(timer: Timer, now_ms: float, wall_ms: float, role: str | None = None) -> str:
    """The state; the first one a client gets also says its `role` (controller or viewer)."""
    state = {"type": "state", "protocol": PROTOCOL_VERSION, "timer": snapshot(timer, now_ms, wall_ms)}
    state["allowed"] = [command.value for command in allowed_commands(timer.status)]
    state["server_time"] = round(wall_ms)
    if role is not None:
        state["role"] = role
    return _dump(state)


def encode_tick(timer: Timer, seq: int, now_ms: float, wall_ms: float) -> str:
    remaining = timer.remaining_ms(now_ms)
    tick = {
        "type": "tick",
        "timer": timer.name,
        "seq": seq,
        "elapsed_ms": round(timer.elapsed_ms(now_ms)),
        "remaining_ms": None if remaining is None else round(remaining),
        "status": timer.status.value,
        "server_time": round(wall_ms),
    }
    return _dump(tick)


def encode_server(degraded: bool) -> str:
    """The server's own health, so clients can say why commands are refused."""
    message = ("the shared timer store is unreachable; timers keep running but commands are refused until it is "
               "back" if degraded else "the shared timer store is reachable again")
    return _dump({"type": "server", "degraded": degraded, "message": message})


def encode_pong(ping: Ping, wall_ms: float) -> str:
    # To the microsecond: a clock-offset estimate is only as fine as the times it is given.
    return _dump({"type": "pong", "client_time": ping.client_time, "server_time": round(wall_ms, 3), "id": ping.id})


def encode_error(code: str, message: str, message_id: MessageId = None) -> str:
    return _dump({"type": "error", "code": code, "message": message, "id": message_id})
