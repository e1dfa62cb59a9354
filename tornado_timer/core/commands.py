"""Client to server: the typed commands, parsed by the server and encoded by the Python client.

`parse_command` raises only ProtocolError, whose `code` is stable and whose message tells a person what to fix;
`encode_command(parse_command(text))` is the same message, and `parse_command(encode_command(c)) == c`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Union

from .cue_commands import (
    CUE_TYPES,
    CueCommand,
    GoToCue,
    MoveCue,
    SetRundown,
    encode_cue_command,
    parse_cue_command,
    target_of,
)
from .errors import ErrorCode, MessageId, ProtocolError
from .model import Adjustment, Command, Mode, Settings, Timer
from .protocol import (
    MAX_ADJUST_MS,
    MAX_DURATION_MS,
    MAX_ID_CHARS,
    MAX_INTERVAL_MS,
    MIN_INTERVAL_MS,
    dumps,
    flag_field,
    is_finite_number,
    kind_of,
    loads_object,
    only_fields,
)
from .stage_message import MAX_TEXT_CHARS, MessageUpdate


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
class Adjust:
    """Add (or with a negative delta, take) time: a countdown's remaining time, a stopwatch's elapsed time."""

    delta_ms: int
    id: MessageId = None


@dataclass(frozen=True)
class ChangeMessage:
    """A partial update of the timer's message, shown on every screen of it."""

    update: MessageUpdate
    id: MessageId = None


@dataclass(frozen=True)
class Ping:
    """Answered at once with a pong carrying the server's time: for round trips and clock offsets."""

    client_time: float
    id: MessageId = None


ClientMessage = Union[Control, SetTimer, Adjust, ChangeMessage, CueCommand, Ping]  # noqa: UP007 (runtime alias)
TimerCommand = Union[Control, SetTimer, Adjust, ChangeMessage, CueCommand]  # noqa: UP007 (what changes a timer)
__all__ = ["Adjust", "ChangeMessage", "ClientMessage", "Control", "GoToCue", "MoveCue", "Ping", "SetRundown",
           "SetTimer", "TimerCommand", "apply", "encode_command", "parse_command", "with_id"]

CONTROLS = {c.value: c for c in (Command.START, Command.PAUSE, Command.RESUME, Command.RESET)}
_SET_FIELDS = {
    Mode.COUNTDOWN: {"type", "id", "mode", "duration_ms", "interval_ms", "overtime", "warning_ms", "danger_ms"},
    Mode.STOPWATCH: {"type", "id", "mode", "initial_ms", "interval_ms", "duration_ms"},
}
_MESSAGE_FLAGS = ("visible", "blink", "blackout")
KNOWN_TYPES = (*CONTROLS, "set", "adjust", "message", *CUE_TYPES, "ping")


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
    elif isinstance(message, Adjust):
        document = {"type": "adjust", "delta_ms": message.delta_ms}
    elif isinstance(message, ChangeMessage):
        changes = {name: getattr(message.update, name) for name in ("text", *_MESSAGE_FLAGS)}
        document = {"type": "message", **{name: value for name, value in changes.items() if value is not None}}
    elif isinstance(message, (SetRundown, MoveCue, GoToCue)):
        document = encode_cue_command(message)
    else:
        document = {"type": "ping", "client_time": message.client_time}
    if message.id is not None and not isinstance(message, GoToCue):  # a cue's id is the cue's
        document["id"] = message.id
    return dumps(document)


def apply(timer: Timer, command: TimerCommand, now_ms: float) -> Timer:
    """`timer` after `command` at `now_ms`, by the model's transition table (raises IllegalTransition)."""
    if isinstance(command, SetTimer):
        return timer.apply(Command.SET, now_ms, command.settings)
    if isinstance(command, Adjust):
        return timer.apply(Command.ADJUST, now_ms, Adjustment(command.delta_ms))
    if isinstance(command, ChangeMessage):
        return timer.apply(Command.MESSAGE, now_ms, command.update)
    if isinstance(command, SetRundown):
        return timer.apply(Command.RUNDOWN, now_ms, command.update)
    if isinstance(command, (MoveCue, GoToCue)):
        move, target = target_of(command)
        return timer.apply(move, now_ms, target)
    return timer.apply(command.command, now_ms)


def with_id(message: ClientMessage, message_id: MessageId) -> ClientMessage:
    """`message` carrying `message_id` (so its answer can be matched to it)."""
    if isinstance(message, Control):
        return Control(message.command, message_id)
    if isinstance(message, GoToCue):
        return message  # its id names the cue: it cannot carry a request's
    return replace(message, id=message_id)


def _settings_fields(settings: Settings) -> dict[str, Any]:
    fields: dict[str, Any] = {"type": "set", "mode": settings.mode.value}
    if settings.mode is Mode.COUNTDOWN:
        fields["duration_ms"] = settings.duration_ms
        if settings.overtime:
            fields["overtime"] = True
        for threshold in ("warning_ms", "danger_ms"):
            if getattr(settings, threshold) is not None:
                fields[threshold] = getattr(settings, threshold)
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
        only_fields(document, {"type", "id"}, kind)
        return Control(CONTROLS[kind], message_id)
    if kind == "set":
        return SetTimer(_parse_settings(document), message_id)
    if kind == "adjust":
        only_fields(document, {"type", "id", "delta_ms"}, kind)
        return Adjust(_delta(document), message_id)
    if kind == "message":
        only_fields(document, {"type", "id", "text", *_MESSAGE_FLAGS}, kind)
        return ChangeMessage(_message_update(document), message_id)
    if kind in CUE_TYPES:
        return parse_cue_command(kind, document, message_id)
    if kind == "ping":
        only_fields(document, {"type", "id", "client_time"}, kind)
        return Ping(_number(document, "client_time", required=True), message_id)
    raise ProtocolError(ErrorCode.UNKNOWN_TYPE, f"unknown type {kind[:40]!r}: expected one of {', '.join(KNOWN_TYPES)}")


def _parse_settings(document: dict[str, Any]) -> Settings:
    mode_name = document.get("mode")
    modes = {m.value: m for m in Mode}
    if not isinstance(mode_name, str) or mode_name not in modes:
        raise ProtocolError(ErrorCode.INVALID_MESSAGE, '"set" needs "mode": "countdown" or "stopwatch"')
    mode = modes[mode_name]
    only_fields(document, _SET_FIELDS[mode], f"set {mode.value}")
    interval = _whole_ms(document, "interval_ms", MIN_INTERVAL_MS, MAX_INTERVAL_MS)
    if mode is Mode.COUNTDOWN:
        duration = _whole_ms(document, "duration_ms", 1, MAX_DURATION_MS, required=True)
        warning = _whole_ms(document, "warning_ms", 1, MAX_DURATION_MS)
        danger = _whole_ms(document, "danger_ms", 1, MAX_DURATION_MS)
        if warning is not None and danger is not None and danger >= warning:
            raise ProtocolError(ErrorCode.INVALID_MESSAGE,
                                '"danger_ms" must be below "warning_ms" (0 < danger < warning)')
        overtime = flag_field(document, "overtime") or False
        return Settings(mode, duration_ms=duration, interval_ms=interval, overtime=overtime, warning_ms=warning,
                        danger_ms=danger)
    if document.get("duration_ms") is not None:
        raise ProtocolError(ErrorCode.INVALID_MESSAGE,
                            'a stopwatch has no "duration_ms"; use "initial_ms" to start later')
    initial = _whole_ms(document, "initial_ms", 0, MAX_DURATION_MS) or 0
    return Settings(mode, interval_ms=interval, initial_ms=initial)


def _delta(document: dict[str, Any]) -> int:
    value = _number(document, "delta_ms", required=True)
    if value != int(value) or value == 0 or abs(value) > MAX_ADJUST_MS:
        raise ProtocolError(ErrorCode.INVALID_MESSAGE, f'"delta_ms" must be a whole number of ms, not 0, between '
                            f"{-MAX_ADJUST_MS:,} and {MAX_ADJUST_MS:,}, not {value:g}")
    return int(value)


def _message_update(document: dict[str, Any]) -> MessageUpdate:
    text = document.get("text")
    if text is not None and not (isinstance(text, str) and len(text) <= MAX_TEXT_CHARS):
        raise ProtocolError(ErrorCode.INVALID_MESSAGE, f'"text" must be a string of at most {MAX_TEXT_CHARS} '
                            f"characters, not {kind_of(text) if not isinstance(text, str) else f'{len(text):,}'}")
    flags = {name: flag_field(document, name) for name in _MESSAGE_FLAGS}
    if text is None and all(value is None for value in flags.values()):
        raise ProtocolError(ErrorCode.INVALID_MESSAGE, '"message" changes at least one of "text", "visible", '
                            '"blink", "blackout"')
    return MessageUpdate(text=text, **flags)



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
