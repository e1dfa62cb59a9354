"""The HTTP API's actions (`/api/v1/timers/NAME/ACTION`): what each takes, and the protocol command it becomes.

One table, `ACTIONS`, is read by the handler (to parse a request), by the OpenAPI document and by the docs' tests,
so the three cannot drift apart. Every action is turned into the wire message a WebSocket client would send and run
through `commands.parse_command`: the limits, the checks and their error messages are the protocol's own.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from .commands import Ping, TimerCommand, parse_command
from .durations import EXAMPLES, parse_duration, seconds_to_ms
from .errors import ErrorCode, ProtocolError
from .model import Command, Mode, Status, allowed_commands
from .protocol import MAX_MESSAGE_BYTES, dumps, kind_of, loads_object

TOKEN_PARAMETER = "token"  # the control token: auth's business, never an action's parameter
TRUE_WORDS = ("true", "1", "yes", "on")
FALSE_WORDS = ("false", "0", "no", "off")
TOGGLE = "toggle"
# What toggle prefers when a status allows several of them (paused allows start and resume: it resumes). Which ones
# a status allows is the model's table, read through allowed_commands().
TOGGLE_PREFERENCE = (Command.PAUSE, Command.RESUME, Command.START)
_WHOLE_OR_DECIMAL = re.compile(r"-?[0-9]{1,15}(?:\.[0-9]{1,6})?")


class Kind(str, Enum):
    """How a parameter is written in a query string or a JSON body."""

    DURATION = "duration"  # human: 90, -30, 5m, 1h30m, 1:30 (a JSON number is seconds)
    MILLISECONDS = "milliseconds"  # a number of ms, as the protocol has it
    FLAG = "flag"  # true/false, 1/0, yes/no, on/off
    TEXT = "text"
    CHOICE = "choice"
    INDEX = "index"  # a whole number from 0


@dataclass(frozen=True)
class Parameter:
    """`name` in the URL or body fills the wire message's `wire` field."""

    name: str
    kind: Kind
    wire: str
    summary: str
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Action:
    """An action of the API: `command` is the protocol's message type it sends (toggle: decided per status)."""

    name: str
    command: str
    summary: str
    parameters: tuple[Parameter, ...] = field(default=())

    def parameter(self, name: str) -> Parameter | None:
        return next((p for p in self.parameters if p.name == name), None)


def _duration(name: str, what: str) -> tuple[Parameter, Parameter]:
    """A duration in human form (`name`) and in milliseconds (`name_ms`): give one of them."""
    return (Parameter(name, Kind.DURATION, f"{name}_ms", f"{what}, like {EXAMPLES}"),
            Parameter(f"{name}_ms", Kind.MILLISECONDS, f"{name}_ms", f"{what} in milliseconds (instead of {name})"))


def _flag(name: str, what: str) -> Parameter:
    return Parameter(name, Kind.FLAG, name, f"{what}: true/false, 1/0, yes/no or on/off")


ACTIONS: dict[str, Action] = {action.name: action for action in (
    Action("start", "start", "Start: from the beginning when idle or finished; a paused timer resumes."),
    Action("pause", "pause", "Pause a running timer."),
    Action("resume", "resume", "Resume a paused timer from where it was paused."),
    Action(TOGGLE, TOGGLE, "Whichever of pause, resume or start the timer's status allows, in that order of "
           "preference: one button that starts, pauses and resumes."),
    Action("reset", "reset", "Back to idle at the initial value, keeping mode, duration and interval."),
    Action("adjust", "adjust", "Add time (or take it, with a negative delta): a countdown's remaining time, a "
           "stopwatch's elapsed time. While running or paused.",
           _duration("delta", "how much time to add (negative: to take)")),
    Action("set", "set", "A new countdown or stopwatch; the timer becomes idle. Without a mode, a duration means "
           "a countdown.", (
               Parameter("mode", Kind.CHOICE, "mode", "countdown or stopwatch", tuple(m.value for m in Mode)),
               *_duration("duration", "a countdown's length"),
               _flag("overtime", "a countdown counts on past zero instead of finishing"),
               *_duration("warning", "a countdown turns to its warning phase with this much left"),
               *_duration("danger", "... and to danger with this much left (less than warning)"),
               *_duration("interval", "time between ticks"),
               *_duration("initial", "a stopwatch's starting value"),
           )),
    Action("message", "message", "Change the message shown on every screen of the timer; give any of the fields.", (
        Parameter("text", Kind.TEXT, "text", "the message's text (plain text, at most 500 characters)"),
        _flag("visible", "show the message"),
        _flag("blink", "make it blink"),
        _flag("blackout", "black out the screens' display"),
    )),
    Action("next", "next", "Load the rundown's next cue (the first, if none is on): the timer becomes a countdown "
           "of its length, idle unless started.", (_flag("start", "start the cue at once"),)),
    Action("previous", "previous", "Load the cue before the one on.", (_flag("start", "start the cue at once"),)),
    Action("cue", "cue", "Load one cue of the rundown, named by its index (from 0) or its id.", (
        Parameter("index", Kind.INDEX, "index", "the cue's place in the rundown, from 0"),
        Parameter("id", Kind.TEXT, "id", "the cue's id"),
        _flag("start", "start the cue at once"),
    )),
)}


@dataclass(frozen=True)
class Prepared:
    """A request's action, parsed: the command, or for toggle the choice still to make from the timer's status."""

    action: Action
    command: TimerCommand | None

    def for_status(self, status: Status) -> TimerCommand:
        """The command to run on a timer that is `status` now (raises IllegalTransition for a toggle with no move)."""
        if self.command is not None:
            return self.command
        allowed = allowed_commands(status)
        choice = next((c for c in TOGGLE_PREFERENCE if c in allowed), None)
        if choice is None:
            raise ProtocolError(ErrorCode.INVALID_STATE, f"cannot toggle: the timer is {status.value}")
        return _parse({"type": choice.value})


def prepare(action_name: str, parameters: Mapping[str, Any]) -> Prepared:
    """Parse an action and its parameters into the protocol's command; ProtocolError says what is wrong."""
    action = ACTIONS.get(action_name)
    if action is None:
        raise ProtocolError(ErrorCode.UNKNOWN_TYPE,
                            f"unknown action {action_name[:40]!r}: expected one of {', '.join(ACTIONS)}")
    wire = wire_message(action, parameters)
    return Prepared(action, None if action.name == TOGGLE else _parse(wire))


def wire_message(action: Action, parameters: Mapping[str, Any]) -> dict[str, Any]:
    """The WebSocket message a client would send for `action` with `parameters`."""
    wire: dict[str, Any] = {"type": action.command}
    for name, value in parameters.items():
        parameter = action.parameter(name)
        if parameter is None:
            expected = ", ".join(p.name for p in action.parameters) or "none"
            raise ProtocolError(ErrorCode.INVALID_MESSAGE,
                                f"unknown parameter {name[:40]!r} for {action.name!r} (it takes: {expected})")
        if parameter.wire in wire:
            twins = " or ".join(p.name for p in action.parameters if p.wire == parameter.wire)
            raise ProtocolError(ErrorCode.INVALID_MESSAGE, f"give {twins}, not both")
        wire[parameter.wire] = convert(parameter, value)
    if action.command == "set" and "mode" not in wire and "duration_ms" in wire:
        wire["mode"] = Mode.COUNTDOWN.value
    return wire


def convert(parameter: Parameter, value: Any) -> Any:
    """A parameter's value (a string from a query, or any JSON value from a body) as the wire field wants it."""
    try:
        return _CONVERTERS[parameter.kind](parameter, value)
    except ValueError as error:
        raise ProtocolError(ErrorCode.INVALID_MESSAGE, f"{parameter.name!r}: {error}") from None


def _to_duration(parameter: Parameter, value: Any) -> int:
    if isinstance(value, str):
        return parse_duration(value)
    return seconds_to_ms(value)


def _to_milliseconds(parameter: Parameter, value: Any) -> Any:
    if isinstance(value, str):
        if not _WHOLE_OR_DECIMAL.fullmatch(value.strip()):
            raise ValueError(f"must be a number of milliseconds, not {value[:40]!r}")
        number = float(value)
        return int(number) if number.is_integer() else number
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"must be a number of milliseconds, not {kind_of(value)}")
    return value  # the protocol checks that it is finite, whole and in range


def _to_flag(parameter: Parameter, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    word = value.strip().lower() if isinstance(value, str) else value
    if word in TRUE_WORDS or word == 1:
        return True
    if word in FALSE_WORDS or word == 0:
        return False
    shown = repr(value[:40]) if isinstance(value, str) else kind_of(value)
    raise ValueError(f"must be true or false (also 1/0, yes/no, on/off), not {shown}")


def _to_text(parameter: Parameter, value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"must be a string, not {kind_of(value)}")
    return value  # the protocol checks its length


def _to_index(parameter: Parameter, value: Any) -> int:
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) <= 6:
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    shown = repr(value[:40]) if isinstance(value, str) else kind_of(value)
    raise ValueError(f"must be a whole number from 0, not {shown}")


def _to_choice(parameter: Parameter, value: Any) -> str:
    if not isinstance(value, str) or value not in parameter.choices:
        raise ValueError(f"must be one of {', '.join(parameter.choices)}")
    return value


_CONVERTERS = {Kind.DURATION: _to_duration, Kind.MILLISECONDS: _to_milliseconds, Kind.FLAG: _to_flag,
               Kind.TEXT: _to_text, Kind.CHOICE: _to_choice, Kind.INDEX: _to_index}


def gather(query: Mapping[str, list[str]], body: bytes) -> dict[str, Any]:
    """An action's parameters from the query string and an optional JSON body (the token is not one of them);
    a name given twice, in either or both, is refused rather than guessed at."""
    parameters: dict[str, Any] = {}
    for name, values in query.items():
        if name == TOKEN_PARAMETER:
            continue
        if len(values) > 1:
            raise ProtocolError(ErrorCode.INVALID_MESSAGE, f"{name[:40]!r} is given {len(values)} times")
        parameters[name] = values[0]
    for name, value in _body(body).items():
        if name in parameters:
            raise ProtocolError(ErrorCode.INVALID_MESSAGE, f"{name[:40]!r} is given in the query and in the body")
        parameters[name] = value
    return parameters


def _body(body: bytes) -> dict[str, Any]:
    """A request body's JSON object ({} for none); the protocol's own limits on size, nesting and numbers."""
    if not body.strip():
        return {}
    return loads_object(body_text(body, MAX_MESSAGE_BYTES))


def body_text(body: bytes, limit: int) -> str:
    """A request body as text: at most `limit` bytes of UTF-8, or ProtocolError."""
    if len(body) > limit:
        raise ProtocolError(ErrorCode.INVALID_MESSAGE, f"a body is at most {limit:,} bytes")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        raise ProtocolError(ErrorCode.INVALID_JSON, "the body is not UTF-8 text") from None


def _parse(wire: dict[str, Any]) -> TimerCommand:
    message = parse_command(dumps(wire))
    assert not isinstance(message, Ping), "no action is a ping"
    return message
