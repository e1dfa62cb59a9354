"""Server to client, the rundown's part: the cue on and the next one (in every `state`), the schedule, and the
`rundown` message with the whole list. `messages.py` holds the rest and the dispatch."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .cues import offset_ms
from .errors import ErrorCode, ProtocolError
from .model import Timer
from .protocol import field_of as _field
from .rundown import MAX_CUES, Cue


@dataclass(frozen=True)
class CueOn:
    """A cue as a state names it: the one on (`note` included, for the presenter) or the next one."""

    index: int
    id: str
    title: str
    note: str | None = None

    @classmethod
    def at(cls, cues: tuple[Cue, ...], index: int | None, with_note: bool) -> CueOn | None:
        if index is None or index >= len(cues):
            return None
        cue = cues[index]
        return cls(index, cue.id, cue.title, cue.note if with_note else None)

    def to_json(self) -> dict[str, Any]:
        document = {"index": self.index, "id": self.id, "title": self.title}
        return document if self.note is None else {**document, "note": self.note}

    @classmethod
    def from_json(cls, document: Any) -> CueOn | None:
        if document is None:
            return None
        if not isinstance(document, dict):
            raise ProtocolError(ErrorCode.INVALID_MESSAGE, "a cue is an object")
        return cls(_field(document, "index", int), _field(document, "id", str), _field(document, "title", str),
                   _field(document, "note", str, None))


@dataclass(frozen=True)
class Schedule:
    """Where the rundown stands against its plan: the cues' sum, and how late (+) or early (-) the day will end
    (None before a cue has run)."""

    planned_ms: int = 0
    offset_ms: int | None = None

    @classmethod
    def of(cls, timer: Timer, now_ms: float) -> Schedule:
        offset = offset_ms(timer, now_ms)
        return cls(timer.rundown.planned_ms, None if offset is None else round(offset))

    def to_json(self) -> dict[str, Any]:
        return {"planned_ms": self.planned_ms, "offset_ms": self.offset_ms}

    @classmethod
    def from_json(cls, document: dict[str, Any]) -> Schedule:
        return cls(_field(document, "planned_ms", int, 0), _field(document, "offset_ms", int, None))


@dataclass(frozen=True)
class RundownMessage:
    """The timer's rundown: to every client when it joins and after every change of the cues, the setting or the
    cue on (each `state` names the cue on and the next one too)."""

    timer: str
    cues: tuple[Cue, ...]
    auto_advance: bool
    current: int | None
    schedule: Schedule
    server_time: float

    @classmethod
    def of(cls, timer: Timer, now_ms: float, wall_ms: float) -> RundownMessage:
        rundown = timer.rundown
        return cls(timer.name, rundown.cues, rundown.auto_advance, rundown.current, Schedule.of(timer, now_ms),
                   round(wall_ms))

    def to_json(self) -> dict[str, Any]:
        return {"type": "rundown", "timer": self.timer, "cues": [cue.to_json() for cue in self.cues],
                "auto_advance": self.auto_advance, "current": self.current, **self.schedule.to_json(),
                "server_time": self.server_time}

    @classmethod
    def from_json(cls, document: dict[str, Any]) -> RundownMessage:
        cues = document.get("cues")
        if not isinstance(cues, list):
            raise ProtocolError(ErrorCode.INVALID_MESSAGE, "'cues' is not a list")
        try:
            parsed = tuple(Cue.from_json({"note": "", **cue} if isinstance(cue, dict) else cue)
                           for cue in cues[:MAX_CUES])
        except ValueError as error:
            raise ProtocolError(ErrorCode.INVALID_MESSAGE, f"a bad cue: {error}") from None
        return cls(_field(document, "timer", str), parsed, _field(document, "auto_advance", bool, False),
                   _field(document, "current", int, None), Schedule.from_json(document),
                   _field(document, "server_time", float))
