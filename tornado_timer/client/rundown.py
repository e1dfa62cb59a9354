"""The rundown from Python: `rundown()` replaces the agenda of cues, `next()`, `previous()` and `cue()` load one.

They are commands like the others: each waits until the server has handled it and returns the snapshot after it,
or raises `TimerError`. What they send is checked first by the server's own parser, so a bad cue or a bad line of
text is refused (`invalid_message`, naming the cue or the line) without a round trip.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..core.commands import MoveCue
from ..core.durations import parse_duration, seconds_to_ms
from ..core.errors import ErrorCode
from ..core.model import Command
from .commands import Snapshot, TimerCommands
from .errors import TimerError


class RundownCommands(TimerCommands):
    """The rundown's commands, on top of the client's requests."""

    async def rundown(self, cues: str | Sequence[Any], *, auto_advance: bool | None = None) -> Snapshot:
        """Replace the timer's rundown (an empty list removes it). `cues` is a list of dicts as the protocol has
        them (`title`, `duration_ms`, optional `note` and `id`: a cue sent back with its id keeps it) or of
        `(title, seconds[, note])` tuples, or a text of `Title, duration[, note]` lines. `auto_advance` None leaves
        the setting as it is."""
        document: dict[str, Any] = {"type": "rundown"}
        if isinstance(cues, str):
            document["text"] = cues
        elif isinstance(cues, (list, tuple)):
            document["cues"] = [cue_fields(item, index) for index, item in enumerate(cues)]
        else:
            raise TypeError(f"cues are a list (of dicts or tuples) or a text of lines, not {type(cues).__name__}")
        if auto_advance is not None:
            document["auto_advance"] = auto_advance
        return await self.command(document)

    async def next(self, start: bool = False) -> Snapshot:
        """Load the cue after the one on (the first if none is on), and start it if `start`."""
        return await self.command(MoveCue(Command.NEXT, start))

    async def previous(self, start: bool = False) -> Snapshot:
        """Load the cue before the one on, and start it if `start`."""
        return await self.command(MoveCue(Command.PREVIOUS, start))

    async def cue(self, index: int | None = None, *, id: str | None = None, start: bool = False) -> Snapshot:
        """Load the cue at `index` (from 0) or the one whose id is `id`, and start it if `start`."""
        document: dict[str, Any] = {"type": "cue", "index": index, "id": id, "start": start or None}
        return await self.command({name: value for name, value in document.items() if value is not None})


def cue_fields(item: Any, index: int) -> Any:
    """Cue `index` as the protocol writes it: a `(title, seconds[, note])` tuple becomes a dict (the seconds may be a
    text such as "20m" or "10:00"); anything else goes to the parser as it is."""
    if not isinstance(item, (tuple, list)):
        return item
    if len(item) not in (2, 3):
        raise TimerError(ErrorCode.INVALID_MESSAGE.value,
                         f"cue {index}: a tuple is (title, seconds) or (title, seconds, note), not {len(item)} items")
    title, length, *note = item
    try:
        duration = parse_duration(length) if isinstance(length, str) else seconds_to_ms(length)
    except ValueError as error:
        raise TimerError(ErrorCode.INVALID_MESSAGE.value, f"cue {index}: {error}") from None
    return {"title": title, "duration_ms": duration, **({"note": note[0]} if note else {})}
