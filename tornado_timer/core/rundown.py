"""A timer's rundown: the agenda of an event as a list of cues (welcome 5 min, keynote 20, Q&A 10), which cue is on,
and the schedule the day is measured against. Plain data, part of the timer's state: saved, versioned and sent with
it. Loading a cue onto the timer is the model's business (`cues.py`); this module only holds and edits the list.

The schedule: when a cue first starts running, the rundown fixes when the plan says the last cue will end
(`plan_end_ms`, on the monotonic clock). From then on `offset_ms` (`cues.offset_ms`) is how much later (+) or earlier
(-) than that the last cue will end if everything left runs as planned.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any

MAX_CUES = 200
MAX_TITLE_CHARS = 120
MAX_NOTE_CHARS = 500
MIN_CUE_MS = 1000
MAX_CUE_MS = 24 * 3600 * 1000
CUE_ID = re.compile(r"[A-Za-z0-9_-]{1,40}")
SAME_PRESS_MS = 1000.0


@dataclass(frozen=True)
class Move:
    """The last time the cue on changed by `next`, `previous`, `cue` (or a hand-over, which counts as `next`):
    the same move again within SAME_PRESS_MS is the same press (two operators at once, or a double click)."""

    command: str
    index: int
    at_ms: float  # monotonic


class RundownError(ValueError):
    """A rundown or cue that breaks the limits; the message says which and how."""


@dataclass(frozen=True)
class CueSpec:
    """A cue as a client writes it: `id` is optional (the server assigns one, and keeps one sent back)."""

    title: str
    duration_ms: int
    note: str = ""
    id: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.title, str) or not 1 <= len(self.title.strip()) <= MAX_TITLE_CHARS:
            raise RundownError(f"a cue's title is 1 to {MAX_TITLE_CHARS} characters")
        if not isinstance(self.note, str) or len(self.note) > MAX_NOTE_CHARS:
            raise RundownError(f"a cue's note is at most {MAX_NOTE_CHARS} characters")
        if isinstance(self.duration_ms, bool) or not isinstance(self.duration_ms, int) or not (
                MIN_CUE_MS <= self.duration_ms <= MAX_CUE_MS):
            raise RundownError(f"a cue lasts from {MIN_CUE_MS // 1000} s to {MAX_CUE_MS // 3_600_000} h, "
                               "in whole milliseconds")
        if self.id is not None and not (isinstance(self.id, str) and CUE_ID.fullmatch(self.id)):
            raise RundownError("a cue's id is 1 to 40 letters, digits, '-' or '_'")


@dataclass(frozen=True)
class Cue:
    """One item of the agenda, with its stable id."""

    id: str
    title: str
    duration_ms: int
    note: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "duration_ms": self.duration_ms, "note": self.note}

    @classmethod
    def from_json(cls, document: Any) -> Cue:
        """From a saved record (raises RundownError if anything in it is wrong)."""
        if not isinstance(document, dict) or set(document) != {"id", "title", "duration_ms", "note"}:
            raise RundownError("a saved cue has the fields id, title, duration_ms, note")
        spec = CueSpec(document["title"], document["duration_ms"], document["note"], document["id"])
        assert spec.id is not None
        return cls(spec.id, spec.title, spec.duration_ms, spec.note)


@dataclass(frozen=True)
class Rundown:
    """The cues, whether one starts by itself when the one before ends, which one is on, and the schedule."""

    cues: tuple[Cue, ...] = ()
    auto_advance: bool = False
    current: int | None = None  # the index of the cue loaded on the timer
    plan_end_ms: float | None = None  # monotonic: when the plan says the last cue ends (set when a cue first runs)
    ended_ms: float | None = None  # monotonic: when the last cue did end (the schedule is over)
    next_id: int = field(default=1)  # ids the server assigns are "c1", "c2", ...: never one used before
    last_move: Move | None = None

    @property
    def planned_ms(self) -> int:
        """The sum of the cues' durations."""
        return sum(cue.duration_ms for cue in self.cues)

    @property
    def cue(self) -> Cue | None:
        return None if self.current is None else self.cues[self.current]

    @property
    def next_index(self) -> int | None:
        """The cue `next` loads: the one after the current (the first if none is loaded); None after the last."""
        index = 0 if self.current is None else self.current + 1
        return index if index < len(self.cues) else None

    @property
    def next_cue(self) -> Cue | None:
        index = self.next_index
        return None if index is None or self.current is None else self.cues[index]

    @property
    def scheduled(self) -> bool:
        """True once a cue has run: the day is measured against the plan."""
        return self.plan_end_ms is not None

    def index_of(self, cue_id: str) -> int | None:
        return next((index for index, cue in enumerate(self.cues) if cue.id == cue_id), None)

    def planned_from(self, index: int) -> int:
        """The planned length of the cues from `index` to the last."""
        return sum(cue.duration_ms for cue in self.cues[index:])

    def replaced(self, specs: tuple[CueSpec, ...] | None, auto_advance: bool | None,
                 match_titles: bool = False) -> Rundown:
        """A new list of cues. The cue on keeps its place if it is still there (by id), and the schedule keeps its
        offset (editing what is ahead changes the plan, not how late the day is); otherwise nothing is on."""
        if specs is None:  # the setting alone
            return self if auto_advance is None else replace(self, auto_advance=auto_advance)
        if len(specs) > MAX_CUES:
            raise RundownError(f"a rundown has at most {MAX_CUES} cues, not {len(specs)}")
        given = [spec.id for spec in specs if spec.id is not None]
        if len(given) != len(set(given)):
            raise RundownError("two cues have the same id")
        if match_titles:
            specs = self._matched(specs, set(given))
        cues, next_id = self._with_ids(specs, {spec.id for spec in specs if spec.id is not None})
        edited = replace(self, cues=cues, next_id=next_id,
                         auto_advance=self.auto_advance if auto_advance is None else auto_advance)
        on = None if self.cue is None else edited.index_of(self.cue.id)
        if on is None:
            return replace(edited, current=None, plan_end_ms=None, ended_ms=None)
        # The cue on runs as loaded, whatever its new length: only the cues after it change the plan.
        shift = edited.planned_from(on + 1) - self.planned_from(self.current + 1) if self.current is not None else 0
        plan_end = None if self.plan_end_ms is None else self.plan_end_ms + shift
        return replace(edited, current=on, plan_end_ms=plan_end)

    def _matched(self, specs: tuple[CueSpec, ...], taken: set[str]) -> tuple[CueSpec, ...]:
        """Cues without ids, given the ids of the old cues they stand for: the old cue of the same title (in order),
        else the old cue at the same place if its title went nowhere else (a title edited where it stands)."""
        unused = [cue for cue in self.cues if cue.id not in taken]
        by_title: dict[str, list[Cue]] = {}
        for cue in reversed(unused):
            by_title.setdefault(cue.title, []).append(cue)  # the first of each title ends up last: pop() takes it
        titles = {spec.title.strip() for spec in specs}
        matched = [replace(spec, id=by_title[spec.title.strip()].pop().id)
                   if spec.id is None and by_title.get(spec.title.strip()) else spec for spec in specs]
        used = {spec.id for spec in matched}
        result = []
        for index, spec in enumerate(matched):
            old = self.cues[index] if index < len(self.cues) else None
            if spec.id is None and old is not None and old.id not in used and old.id not in taken and (
                    old.title not in titles):
                spec = replace(spec, id=old.id)
                used.add(old.id)
            result.append(spec)
        return tuple(result)

    def _with_ids(self, specs: tuple[CueSpec, ...], taken: set[str]) -> tuple[tuple[Cue, ...], int]:
        cues, next_id = [], self.next_id
        for spec in specs:
            cue_id = spec.id
            while cue_id is None or (spec.id is None and cue_id in taken):
                cue_id, next_id = f"c{next_id}", next_id + 1
            cues.append(Cue(cue_id, spec.title.strip(), spec.duration_ms, spec.note.strip()))
        return tuple(cues), next_id

    def loaded(self, index: int, command: str, now_ms: float) -> Rundown:
        """Cue `index` is on, by `command`. Going back to the first cue, or loading one after the rundown ended,
        starts afresh: the next start begins a new schedule."""
        moved = replace(self, current=index, last_move=Move(command, index, now_ms))
        if index == 0 or self.ended_ms is not None:
            return replace(moved, plan_end_ms=None, ended_ms=None)
        return moved

    def repeats_last_move(self, command: str, index: int | None, now_ms: float) -> bool:
        """True if `command` (to `index`, for `cue`) is the last move again within SAME_PRESS_MS."""
        last = self.last_move
        return (last is not None and last.command == command and (index is None or index == last.index)
                and 0 <= now_ms - last.at_ms < SAME_PRESS_MS)

    def begun(self, start_ms: float) -> Rundown:
        """The current cue runs from `start_ms` (monotonic, its elapsed time counted from there): fix the plan,
        unless it is already fixed."""
        if self.scheduled or self.current is None:
            return self
        return replace(self, plan_end_ms=start_ms + self.planned_from(self.current))

    def ended(self, at_ms: float) -> Rundown:
        """The last cue ended at `at_ms`: the schedule is over, its offset frozen."""
        return replace(self, ended_ms=at_ms) if self.scheduled else self

    def left(self) -> Rundown:
        """The timer was set to something else: no cue is on, and no schedule runs."""
        return replace(self, current=None, plan_end_ms=None, ended_ms=None)

    def without_moments(self) -> Rundown:
        """The same rundown with its clock readings blanked: for comparing states across processes."""
        return replace(self, plan_end_ms=None if self.plan_end_ms is None else 0.0,
                       ended_ms=None if self.ended_ms is None else 0.0,
                       last_move=None if self.last_move is None else replace(self.last_move, at_ms=0.0))


def to_record(rundown: Rundown, now_ms: float, wall_ms: float) -> dict[str, Any]:
    """The rundown as saved: its moments on the wall clock (epoch ms), which mean the same to every process."""
    def wall(moment: float | None) -> float | None:
        return None if moment is None else wall_ms - (now_ms - moment)
    return {"cues": [cue.to_json() for cue in rundown.cues], "auto_advance": rundown.auto_advance,
            "current": rundown.current, "plan_ends_at": wall(rundown.plan_end_ms),
            "ended_at": wall(rundown.ended_ms), "next_id": rundown.next_id,
            "last_move": None if rundown.last_move is None else {
                "command": rundown.last_move.command, "index": rundown.last_move.index,
                "at": wall(rundown.last_move.at_ms)}}


_RECORD_FIELDS = {"cues", "auto_advance", "current", "plan_ends_at", "ended_at", "next_id", "last_move"}


def from_record(document: Any, now_ms: float, wall_ms: float) -> Rundown:
    """A saved rundown on this process's monotonic clock; raises RundownError if anything in it is wrong."""
    if not isinstance(document, dict) or set(document) != _RECORD_FIELDS:
        raise RundownError(f"a saved rundown has the fields {', '.join(sorted(_RECORD_FIELDS))}")
    cues = document["cues"]
    if not isinstance(cues, list) or len(cues) > MAX_CUES:
        raise RundownError(f"a saved rundown has a list of at most {MAX_CUES} cues")
    parsed = tuple(Cue.from_json(cue) for cue in cues)
    current, next_id = document["current"], document["next_id"]
    if len({cue.id for cue in parsed}) != len(parsed) or not isinstance(document["auto_advance"], bool):
        raise RundownError("a saved rundown has unique cue ids and a true or false auto_advance")
    if current is not None and not (_whole(current) and 0 <= current < len(parsed)):
        raise RundownError("a saved rundown's current cue is one of its cues")
    if not (_whole(next_id) and next_id >= 1):
        raise RundownError("a saved rundown's next_id is a whole number from 1")
    moments = [document["plan_ends_at"], document["ended_at"]]
    if any(m is not None and not _finite(m) for m in moments) or (moments[0] is None and moments[1] is not None):
        raise RundownError("a saved rundown's moments are numbers (an end only after a plan)")
    plan_end, ended = (None if m is None else now_ms - (wall_ms - m) for m in moments)
    return Rundown(parsed, document["auto_advance"], current, plan_end if current is not None else None,
                   ended if current is not None else None, next_id, _move(document["last_move"], now_ms, wall_ms))


def _move(document: Any, now_ms: float, wall_ms: float) -> Move | None:
    if document is None:
        return None
    if not (isinstance(document, dict) and set(document) == {"command", "index", "at"}
            and document["command"] in ("next", "previous", "cue") and _whole(document["index"])
            and _finite(document["at"])):
        raise RundownError("a saved rundown's last move is a command, an index and a moment")
    return Move(document["command"], document["index"], now_ms - (wall_ms - document["at"]))


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _finite(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value == value and abs(value) < 1e16
