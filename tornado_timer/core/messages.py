"""Server to client: the typed messages, encoded by the server and parsed by the Python client.

Each message is a frozen dataclass with `to_json()` (the wire's dict) and a `from_json()` that a client uses;
`encode` and `parse_server_message` do the whole text. A client ignores fields and message types it does not know,
as the protocol asks (docs/protocol.md, *Versioning*): `parse_server_message` returns None for an unknown type.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Union

from .cue_messages import CueOn, RundownMessage, Schedule
from .errors import ErrorCode, MessageId, ProtocolError
from .model import Timer, allowed_now
from .protocol import PROTOCOL_VERSION, dumps, loads_object
from .protocol import field_of as _field
from .stage_message import StageMessage


@dataclass(frozen=True)
class Snapshot:
    """A timer as clients see it; `started_at`/`ends_at` (while running) let them compute it between ticks."""

    name: str
    mode: str
    status: str
    duration_ms: int | None
    elapsed_ms: int
    remaining_ms: int | None
    interval_ms: int
    initial_ms: int
    version: int
    overtime: bool = False
    warning_ms: int | None = None
    danger_ms: int | None = None
    adjusted_ms: int = 0
    phase: str = "normal"
    started_at: int | None = None
    ends_at: int | None = None

    @classmethod
    def of(cls, timer: Timer, now_ms: float, wall_ms: float) -> Snapshot:
        elapsed = timer.elapsed_ms(now_ms)
        remaining = timer.remaining_ms(now_ms)
        started_at = None if timer.anchor_ms is None else round(wall_ms - elapsed)
        ends_at = None if started_at is None or timer.end_ms is None else round(started_at + timer.end_ms)
        return cls(
            name=timer.name, mode=timer.mode.value, status=timer.status.value, duration_ms=timer.duration_ms,
            elapsed_ms=round(elapsed), remaining_ms=None if remaining is None else round(remaining),
            interval_ms=timer.interval_ms, initial_ms=timer.initial_ms, version=timer.version,
            overtime=timer.overtime, warning_ms=timer.warning_ms, danger_ms=timer.danger_ms,
            adjusted_ms=round(timer.adjusted_ms), phase=timer.phase_at(now_ms).value,
            started_at=started_at, ends_at=ends_at,
        )

    def to_json(self) -> dict[str, Any]:
        fields = {name: getattr(self, name) for name in _SNAPSHOT_FIELDS}
        for optional in ("started_at", "ends_at"):
            if fields[optional] is None:
                del fields[optional]
        return fields

    @classmethod
    def from_json(cls, document: Any) -> Snapshot:
        if not isinstance(document, dict):
            raise ProtocolError(ErrorCode.INVALID_MESSAGE, 'a state needs a "timer" object')
        return cls(
            name=_field(document, "name", str), mode=_field(document, "mode", str),
            status=_field(document, "status", str), duration_ms=_field(document, "duration_ms", int, None),
            elapsed_ms=_field(document, "elapsed_ms", int), remaining_ms=_field(document, "remaining_ms", int, None),
            interval_ms=_field(document, "interval_ms", int), initial_ms=_field(document, "initial_ms", int, 0),
            version=_field(document, "version", int), overtime=_field(document, "overtime", bool, False),
            warning_ms=_field(document, "warning_ms", int, None), danger_ms=_field(document, "danger_ms", int, None),
            adjusted_ms=_field(document, "adjusted_ms", int, 0), phase=_field(document, "phase", str, "normal"),
            started_at=_field(document, "started_at", int, None), ends_at=_field(document, "ends_at", int, None),
        )


_SNAPSHOT_FIELDS = tuple(Snapshot.__dataclass_fields__)
@dataclass(frozen=True)
class State:
    """The whole timer: first on every connection, then to every client after every change."""

    timer: Snapshot
    allowed: tuple[str, ...]
    server_time: float
    role: str | None = None  # only in the first state of a connection
    protocol: int = PROTOCOL_VERSION
    message: StageMessage = field(default_factory=StageMessage)
    cue: CueOn | None = None
    next_cue: CueOn | None = None
    schedule: Schedule = field(default_factory=Schedule)

    @classmethod
    def of(cls, timer: Timer, now_ms: float, wall_ms: float, role: str | None = None) -> State:
        allowed = tuple(command.value for command in allowed_now(timer))
        rundown = timer.rundown
        next_index = None if rundown.current is None else rundown.next_index
        return cls(Snapshot.of(timer, now_ms, wall_ms), allowed, round(wall_ms), role, message=timer.message,
                   cue=CueOn.at(rundown.cues, rundown.current, with_note=True),
                   next_cue=CueOn.at(rundown.cues, next_index, with_note=False),
                   schedule=Schedule.of(timer, now_ms))

    def to_json(self) -> dict[str, Any]:
        document = {"type": "state", "protocol": self.protocol, "timer": self.timer.to_json(),
                    "allowed": list(self.allowed), "message": self.message.to_json(),
                    "cue": None if self.cue is None else self.cue.to_json(),
                    "next_cue": None if self.next_cue is None else self.next_cue.to_json(),
                    **self.schedule.to_json(), "server_time": self.server_time}
        if self.role is not None:
            document["role"] = self.role
        return document

    @classmethod
    def from_json(cls, document: dict[str, Any]) -> State:
        allowed = document.get("allowed") or []
        if not isinstance(allowed, list):
            raise ProtocolError(ErrorCode.INVALID_MESSAGE, "'allowed' is not a list")
        return cls(Snapshot.from_json(document.get("timer")), tuple(str(name) for name in allowed[:32]),
                   _field(document, "server_time", float), _field(document, "role", str, None),
                   _field(document, "protocol", int, 0), _stage_message(document.get("message")),
                   CueOn.from_json(document.get("cue")), CueOn.from_json(document.get("next_cue")),
                   Schedule.from_json(document))


@dataclass(frozen=True)
class Tick:
    """Where a running timer is, on its grid: tick `seq` is sent when `elapsed_ms` reaches seq x interval."""

    timer: str
    seq: int
    elapsed_ms: int
    remaining_ms: int | None
    status: str
    server_time: float
    phase: str = "normal"

    @classmethod
    def of(cls, timer: Timer, seq: int, now_ms: float, wall_ms: float) -> Tick:
        remaining = timer.remaining_ms(now_ms)
        return cls(timer.name, seq, round(timer.elapsed_ms(now_ms)), None if remaining is None else round(remaining),
                   timer.status.value, round(wall_ms), timer.phase_at(now_ms).value)

    def to_json(self) -> dict[str, Any]:
        return {"type": "tick", "timer": self.timer, "seq": self.seq, "elapsed_ms": self.elapsed_ms,
                "remaining_ms": self.remaining_ms, "status": self.status, "phase": self.phase,
                "server_time": self.server_time}

    @classmethod
    def from_json(cls, document: dict[str, Any]) -> Tick:
        return cls(_field(document, "timer", str), _field(document, "seq", int), _field(document, "elapsed_ms", int),
                   _field(document, "remaining_ms", int, None), _field(document, "status", str),
                   _field(document, "server_time", float), _field(document, "phase", str, "normal"))


@dataclass(frozen=True)
class Pong:
    """The answer to a ping, to that client alone; `server_time` to the microsecond, for clock offsets."""

    client_time: float
    server_time: float
    id: MessageId = None

    def to_json(self) -> dict[str, Any]:
        return {"type": "pong", "client_time": self.client_time, "server_time": round(self.server_time, 3),
                "id": self.id}

    @classmethod
    def from_json(cls, document: dict[str, Any]) -> Pong:
        return cls(_field(document, "client_time", float), _field(document, "server_time", float), document.get("id"))


@dataclass(frozen=True)
class Error:
    """A message refused, to that client alone: the connection stays open and the timer is unchanged."""

    code: str
    message: str
    id: MessageId = None

    @classmethod
    def of(cls, error: ProtocolError) -> Error:
        return cls(error.code.value, error.message, error.message_id)

    def to_json(self) -> dict[str, Any]:
        return {"type": "error", "code": self.code, "message": self.message, "id": self.id}

    @classmethod
    def from_json(cls, document: dict[str, Any]) -> Error:
        return cls(_field(document, "code", str), _field(document, "message", str, ""), document.get("id"))


@dataclass(frozen=True)
class ServerNotice:
    """The server's own health: commands are refused while its shared store is unreachable."""

    degraded: bool
    message: str = field(default="")

    @classmethod
    def of(cls, degraded: bool) -> ServerNotice:
        message = ("the shared timer store is unreachable; timers keep running but commands are refused until it "
                   "is back" if degraded else "the shared timer store is reachable again")
        return cls(degraded, message)

    def to_json(self) -> dict[str, Any]:
        return {"type": "server", "degraded": self.degraded, "message": self.message}

    @classmethod
    def from_json(cls, document: dict[str, Any]) -> ServerNotice:
        return cls(_field(document, "degraded", bool), _field(document, "message", str, ""))


@dataclass(frozen=True)
class MessageChanged:
    """The timer's message changed: to every client of the timer (every `state` carries it too)."""

    timer: str
    message: StageMessage
    server_time: float

    @classmethod
    def of(cls, timer: Timer, wall_ms: float) -> MessageChanged:
        return cls(timer.name, timer.message, round(wall_ms))

    def to_json(self) -> dict[str, Any]:
        return {"type": "message", "timer": self.timer, "message": self.message.to_json(),
                "server_time": self.server_time}

    @classmethod
    def from_json(cls, document: dict[str, Any]) -> MessageChanged:
        return cls(_field(document, "timer", str), _stage_message(document.get("message")),
                   _field(document, "server_time", float))


def _stage_message(document: Any) -> StageMessage:
    if document is None:
        return StageMessage()  # from a server older than messages
    try:
        return StageMessage.from_json(document)
    except (TypeError, ValueError) as error:
        raise ProtocolError(ErrorCode.INVALID_MESSAGE, f"a bad message: {error}") from None


ServerMessage = Union[State, Tick, Pong, Error, ServerNotice, MessageChanged, RundownMessage]  # noqa: UP007
MESSAGE_TYPES: dict[str, Any] = {
    "state": State, "tick": Tick, "pong": Pong, "error": Error, "server": ServerNotice, "message": MessageChanged,
    "rundown": RundownMessage,
}


def encode(message: ServerMessage) -> str:
    return dumps(message.to_json())


def encode_state(timer: Timer, now_ms: float, wall_ms: float, role: str | None = None) -> str:
    """The state; the first one a client gets also says its `role` (controller or viewer)."""
    return encode(State.of(timer, now_ms, wall_ms, role))


def encode_tick(timer: Timer, seq: int, now_ms: float, wall_ms: float) -> str:
    return encode(Tick.of(timer, seq, now_ms, wall_ms))


def parse_server_message(text: str) -> tuple[dict[str, Any], ServerMessage | None]:
    """The JSON object of a server's message and its typed form (None for a type this client does not know).

    Raises ProtocolError if the text is not a JSON object, or a known message lacks what it must have.
    """
    document = loads_object(text)
    kind = MESSAGE_TYPES.get(document.get("type"))  # type: ignore[arg-type]
    if kind is None:
        return document, None
    try:
        return document, kind.from_json(document)
    except ProtocolError as error:
        raise ProtocolError(ErrorCode.INVALID_MESSAGE, f"a malformed {document['type']!r} message: {error.message}",
                            document.get("id")) from None
