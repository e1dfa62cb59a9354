"""Client to server, the rundown's commands: `rundown` (replace the list of cues), `next`, `previous` and `cue`.

In a `cue` command, `id` names the cue (as docs/protocol.md has it): such a command's error carries that id, and a
`cue` by `index` carries none. Parsed and encoded here; `commands.py` dispatches to these.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Union

from .errors import ErrorCode, MessageId, ProtocolError
from .protocol import flag_field, is_finite_number, kind_of, only_fields
from .rundown import MAX_CUES, CueSpec, RundownError
from .rundown_text import format_lines, parse_lines
from .terms import Command, CueTarget, RundownUpdate


@dataclass(frozen=True)
class SetRundown:
    """Replace the timer's rundown (no cues: remove it); `auto_advance` None leaves that setting as it is."""

    update: RundownUpdate
    id: MessageId = None


@dataclass(frozen=True)
class MoveCue:
    """`next` or `previous`: load the cue after or before the one on, and start it if `start`."""

    command: Command
    start: bool = False
    id: MessageId = None


@dataclass(frozen=True)
class GoToCue:
    """`cue`: load the cue at `index`, or the one whose id is `cue_id`, and start it if `start`."""

    index: int | None = None
    cue_id: str | None = None
    start: bool = False

    @property
    def id(self) -> MessageId:
        """The id its answer carries: the cue's, when it is named by id."""
        return self.cue_id


CueCommand = Union[SetRundown, MoveCue, GoToCue]  # noqa: UP007 (a runtime alias on Python 3.10)
MOVES = {"next": Command.NEXT, "previous": Command.PREVIOUS}
CUE_TYPES = ("rundown", "next", "previous", "cue")
_CUE_FIELDS = {"title", "duration_ms", "note", "id"}


def parse_cue_command(kind: str, document: dict[str, Any], message_id: MessageId) -> CueCommand:
    """The command of `document`, whose type is one of CUE_TYPES; raises ProtocolError."""
    if kind == "rundown":
        only_fields(document, {"type", "id", "cues", "text", "auto_advance"}, kind)
        return SetRundown(_rundown_update(document), message_id)
    if kind in MOVES:
        only_fields(document, {"type", "id", "start"}, kind)
        return MoveCue(MOVES[kind], bool(flag_field(document, "start")), message_id)
    only_fields(document, {"type", "id", "index", "start"}, kind)
    return _go_to(document)


def _rundown_update(document: dict[str, Any]) -> RundownUpdate:
    """`cues` as a list, or `text` as lines (`Title, duration[, note]`, see rundown_text.py): one of the two."""
    cues, text, auto_advance = document.get("cues"), document.get("text"), flag_field(document, "auto_advance")
    if cues is None and text is None and auto_advance is not None:
        return RundownUpdate(None, auto_advance)
    if (cues is None) == (text is None):
        raise ProtocolError(ErrorCode.INVALID_MESSAGE, '"rundown" takes "cues" (a list) or "text" (lines), one of '
                            'them, or "auto_advance" alone')
    if text is None:
        return RundownUpdate(parse_cues(cues), auto_advance)
    if not isinstance(text, str):
        raise ProtocolError(ErrorCode.INVALID_MESSAGE, f'"text" is a string of lines, not {kind_of(text)}')
    return RundownUpdate(parse_lines(text), auto_advance, match_titles=True)


def _go_to(document: dict[str, Any]) -> GoToCue:
    index, cue_id, start = document.get("index"), document.get("id"), bool(flag_field(document, "start"))
    if (index is None) == (cue_id is None):
        raise ProtocolError(ErrorCode.INVALID_MESSAGE, '"cue" names one cue: by "index" (from 0) or by "id"')
    if index is not None:
        if not is_finite_number(index) or index != int(index) or not 0 <= index < MAX_CUES:
            raise ProtocolError(ErrorCode.INVALID_MESSAGE,
                                f'"index" is a whole number from 0 to {MAX_CUES - 1}, not {kind_of(index)}')
        return GoToCue(index=int(index), start=start)
    if not isinstance(cue_id, str):
        raise ProtocolError(ErrorCode.INVALID_MESSAGE, f'a cue\'s "id" is a string, not {kind_of(cue_id)}')
    return GoToCue(cue_id=cue_id, start=start)


def parse_cues(value: Any) -> tuple[CueSpec, ...]:
    """The cues of a `rundown` command (or the HTTP API's JSON body), checked one by one."""
    if not isinstance(value, list):
        raise ProtocolError(ErrorCode.INVALID_MESSAGE, f'"cues" is a list of cues, not {kind_of(value)}')
    if len(value) > MAX_CUES:
        raise ProtocolError(ErrorCode.INVALID_MESSAGE, f"a rundown has at most {MAX_CUES} cues, not {len(value)}")
    return tuple(_cue(item, number) for number, item in enumerate(value))


def _cue(item: Any, index: int) -> CueSpec:
    where = f"cue {index}"
    if not isinstance(item, dict):
        raise ProtocolError(ErrorCode.INVALID_MESSAGE, f"{where} is an object, not {kind_of(item)}")
    unknown = sorted(set(item) - _CUE_FIELDS)
    if unknown:
        raise ProtocolError(ErrorCode.INVALID_MESSAGE, f"{where}: unknown field {unknown[0][:40]!r}")
    duration: Any = item.get("duration_ms")
    if is_finite_number(duration) and duration == int(duration):
        duration = int(duration)
    try:
        return CueSpec(item.get("title"), duration, item.get("note") or "", item.get("id"))  # type: ignore[arg-type]
    except RundownError as error:
        raise ProtocolError(ErrorCode.INVALID_MESSAGE, f"{where}: {error}") from None


def encode_cue_command(command: CueCommand) -> dict[str, Any]:
    """The JSON object of `command` (without a request id: `commands.encode_command` adds it)."""
    if isinstance(command, SetRundown):
        return _rundown_fields(command.update)
    document: dict[str, Any]
    if isinstance(command, MoveCue):
        document = {"type": command.command.value}
    else:
        document = {"type": "cue", **({"index": command.index} if command.cue_id is None else {"id": command.cue_id})}
    if command.start:
        document["start"] = True
    return document


def _rundown_fields(update: RundownUpdate) -> dict[str, Any]:
    document: dict[str, Any] = {"type": "rundown"}
    if update.cues is not None and update.match_titles:
        document["text"] = format_lines(update.cues)
    elif update.cues is not None:
        document["cues"] = [_cue_fields(spec) for spec in update.cues]
    if update.auto_advance is not None:
        document["auto_advance"] = update.auto_advance
    return document


def _cue_fields(spec: CueSpec) -> dict[str, Any]:
    fields: dict[str, Any] = {"title": spec.title, "duration_ms": spec.duration_ms}
    if spec.note:
        fields["note"] = spec.note
    if spec.id is not None:
        fields["id"] = spec.id
    return fields


def target_of(command: MoveCue | GoToCue) -> tuple[Command, CueTarget]:
    """The model's command and payload for a cue move."""
    if isinstance(command, MoveCue):
        return command.command, CueTarget(start=command.start)
    return Command.CUE, CueTarget(command.index, command.cue_id, command.start)


