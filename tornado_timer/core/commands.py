"""Client to server: the typed commands, parsed by the server and encoded by the Python client.

`parse_command` raises only ProtocolError, whose `code` is stable and whose message tells a person what to fix;
`encode_command(parse_command(text))` is the same message, and `parse_command(encode_command(c)) == c`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Union

from .errors import ErrorCode, MessageId, ProtocolError
from .model import Command, Mode, Settings, Timer
from .protocol import (
    MAX_DURATION_MS,
    MAX_ID_CHARS,
    MAX_INTERVAL_MS,
    MIN_INTERVAL_MS,
    dumps,
    is_finite_number,
    kind_of,
    loads_object,
)


@dataclass(frozen=True)
class Control:
    """start, pause, resume or reset."""

    command: Command
    id: MessageId = None


@dataclass(frozen=True)
class SetTimer:
    """A new mode and length (and optionally interval); the timer becomes idle."""

    settings: Settings
    id: MessageId = None


@dataclass(frozen=True)
class Ping:
    """Answered at once with a pong carrying the server's time: for round trips and clock offsets."""

    client_time: float
    id: MessageId = None


ClientMessage = Union[Control, SetTimer, Ping]  # noqa: UP007 (a runtime alias on Python 3.10)
TimerCommand = Union[Control, SetTimer]  # noqa: UP007 (what changes a timer)

CONTROLS = {c.value: c for c in (Command.START, Command.PAUSE, Command.RESUME, Command.RESET)}
_SET_FIELDS = {
    Mode.COUNTDOWN: {"type", "id", "mode", "duration_ms", "interval_ms"},
    Mode.STOPWATCH: {"type", "id", "mode", "initial_ms", "interval_ms", "duration_ms"},
}
KNOWN_TYPES = (*CONTROLS, "set", "ping")


def parse_command(text: str) -> ClientMessage:
    """Turn one text frame into a ClientMessage, or raise ProtocolError saying what is wrong with it."""
    document = loads_object(text)
    message_id = _message_id(document)
    try:
        return _parse_object(document, message_id)
    except ProtocolError as error:
        error.message_id = message_id
        raise


def encode_command(message: ClientMessage) -> str:
    """The text frame of `message`, as a client sends it."""
    document: dict[str, Any]
    if isinstance(message, Control):
        document = {"type": message.command.value}
    elif isinstance(message, SetTimer):
        document = _settings_fields(message.settings)
    else:
        document = {"type": "ping", "client_time": message.client_time}
    if message.id is not None:
        document["id"] = message.id
    return dumps(document)


def apply(timer: Timer, command: TimerCommand, now_ms: float) -> Timer:
    """`timer` after `command` at `now_ms`, by the model's transition table (raises IllegalTransition)."""
    if isinstance(command, SetTimer):
        return timer.apply(Command.SET, now_ms, command.settings)
    return timer.apply(command.command, now_ms)


def with_id(message: ClientMessage, message_id: MessageId) -> ClientMessage:
    """`message` carrying `message_id` (so its answer can be matched to it)."""
    if isinstance(message, Control):
        return Control(message.command, message_id)
    if isinstance(message, SetTimer):
        return SetTimer(message.settings, message_id)
    return Ping(message.client_time, message_id)


def _settings_fields(settings: Settings) -> dict[str, Any]:
    fields: dict[str, Any] = {"type": "set", "mode": settings.mode.value}
    if settings.mode is Mode.COUNTDOWN:
        fields["duration_ms"] = settings.duration_ms
    else:
        fields["initial_ms"] = settings.initial_ms
    if settings.interval_ms is not None:
        fields["interval_ms"] = settings.interval_ms
    return fields


def _parse_object(document: dict[str, Any], message_id: MessageId) -> ClientMessage:
    kind = document.get("type")
    if not isinstance(kind, str):
        raise ProtocolError(ErrorCode.UNKNOWN_TYPE, 'a message needs a "type": one of ' + ", ".join(KNOWN_TYPES))
    if kind in CONTROLS:
        _only_fields(document, {"type", "id"}, kind)
        return Control(CONTROLS[kind], message_id)
    if kind == "set":
        return SetTimer(_parse_settings(document), message_id)
    if kind == "ping":
        _only_fields(document, {"type", "id", "client_time"}, kind)
        return Ping(_number(document, "client_time", required=True), message_id)
    raise ProtocolError(ErrorCode.UNKNOWN_TYPE, f"unknown type {kind[:40]!r}: expected one of {', '.join(KNOWN_TYPES)}")


def _parse_settings(document: dict[str, Any]) -> Settings:
    mode_name = document.get("mode")
    modes = {m.value: m for m in Mode}
    if not isinstance(mode_name, str) or mode_name not in modes:
        raise ProtocolError(ErrorCode.INVALID_MESSAGE, '"set" needs "mode": "countdown" or "stopwatch"')
    mode = modes[mode_name]
    _only_fields(document, _SET_FIELDS[mode], f"set {mode.value}")
    interval = _whole_ms(document, "interval_ms", MIN_INTERVAL_MS, MAX_INTERVAL_MS)
    if mode is Mode.COUNTDOWN:
        duration = _whole_ms(document, "duration_ms", 1, MAX_DURATION_MS, required=True)
        return Settings(mode, duration_ms=duration, interval_ms=interval)
    if document.get("duration_ms") is not None:
        raise ProtocolError(ErrorCode.INVALID_MESSAGE,
                            'a stopwatch has no "duration_ms"; use "initial_ms" to start later')
    initial = _whole_ms(document, "initial_ms", 0, MAX_DURATION_MS) or 0
    return Settings(mode, interval_ms=interval, initial_ms=initial)


def _message_id(document: dict[str, Any]) -> MessageId:
    value = document.get("id")
    if value is None:
        return None
    if isinstance(value, str) and len(value) <= MAX_ID_CHARS:
        return value
    if is_finite_number(value):
        return value  # type: ignore[no-any-return]
    raise ProtocolError(ErrorCode.INVALID_MESSAGE,
                        f'"id" must be a string of at most {MAX_ID_CHARS} characters or a number')


def _only_fields(document: dict[str, Any], allowed: set[str], what: str) -> None:
    unknown = sorted(set(document) - allowed)
    if unknown:
        raise ProtocolError(ErrorCode.INVALID_MESSAGE, f'unknown field {unknown[0][:40]!r} for "{what}"')


def _number(document: dict[str, Any], field: str, required: bool = False) -> Any:
    value = document.get(field)
    if value is None:
        if required:
            raise ProtocolError(ErrorCode.INVALID_MESSAGE, f'"{field}" is required')
        return None
    if not is_finite_number(value):
        raise ProtocolError(ErrorCode.INVALID_MESSAGE, f'"{field}" must be a finite number, not {kind_of(value)}')
    return value


def _whole_ms(document: dict[str, Any], field: str, low: int, high: int, required: bool = False) -> int | None:
    value = _number(document, field, required)
    if value is None:
        return None
    if not low <= value <= high:
        raise ProtocolError(ErrorCode.INVALID_MESSAGE,
                            f'"{field}" must be between {low:,} and {high:,} ms, not {value:g}')
    rounded: int = round(value)
    return rounded
