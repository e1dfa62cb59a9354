"""A rundown as people paste an agenda: one cue per line, `Title, duration[, note]`.

    Welcome, 5m
    Keynote, 20m
    Q&A, 10:00, take questions from the room
    # a line starting with # is a comment; blank lines are skipped

The duration is the first field after the title that reads as one (`20m`, `1h30m`, `90s`, `10:00`, `1:02:03`);
whatever comes before it is the title (commas included), the rest of the line after it the note, as written. A
bare number is refused rather than guessed at (minutes? seconds?). An error names the line. `format_lines` writes
a rundown back in this form, so it can be edited and sent again.
"""

from __future__ import annotations

from .durations import format_duration, parse_duration
from .errors import ErrorCode, ProtocolError
from .rundown import MAX_CUES, MAX_NOTE_CHARS, MAX_TITLE_CHARS, Cue, CueSpec, RundownError

MAX_LINE_CHARS = MAX_TITLE_CHARS + MAX_NOTE_CHARS + 80
MAX_LINES = 4 * MAX_CUES  # comments and blank lines included
EXAMPLE = "Keynote, 20m  or  Q&A, 10:00, take questions from the room"


def parse_lines(text: str) -> tuple[CueSpec, ...]:
    """The cues of `text`; ProtocolError (`invalid_message`) naming the first line that is wrong."""
    lines = text.splitlines()
    if len(lines) > MAX_LINES:
        raise _error(None, f"at most {MAX_LINES} lines, not {len(lines)}")
    cues: list[CueSpec] = []
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if len(cues) == MAX_CUES:
            raise _error(number, f"a rundown has at most {MAX_CUES} cues")
        cues.append(parse_line(stripped, number))
    return tuple(cues)


def parse_line(line: str, number: int | None = None) -> CueSpec:
    """One `Title, duration[, note]` line."""
    if len(line) > MAX_LINE_CHARS:
        raise _error(number, f"a line is at most {MAX_LINE_CHARS} characters")
    commas = [at for at, char in enumerate(line) if char == ","]
    for start, end in zip(commas, [*commas[1:], len(line)][:len(commas)], strict=True):
        duration = _duration(line[start + 1:end].strip())
        if duration is None:
            continue
        title, note = line[:start].strip(), line[end + 1:].strip()
        try:
            return CueSpec(title, duration, note)
        except RundownError as error:
            raise _error(number, f"{line[:40]!r}: {error}") from None
    fields = [field.strip() for field in line.split(",")]
    bare = next((field for field in fields[1:] if field.replace(".", "", 1).isdigit()), None)
    if bare is not None:
        raise _error(number, f"{line[:40]!r}: {bare!r} has no unit; write {bare}m, {bare}s or {bare}:00")
    raise _error(number, f"{line[:40]!r} has no duration; write the title, a comma and how long, like {EXAMPLE}")


def format_lines(cues: tuple[Cue, ...] | tuple[CueSpec, ...]) -> str:
    """The cues as lines that `parse_lines` reads back to the same titles, durations and notes."""
    return "".join(format_line(cue) + "\n" for cue in cues)


def format_line(cue: Cue | CueSpec) -> str:
    fields = [cue.title, format_duration(cue.duration_ms)]
    return ", ".join([*fields, cue.note] if cue.note else fields)


def _duration(field: str) -> int | None:
    """A field's duration in ms, if it is written as one with a unit or as a clock (not a bare number)."""
    if not field or field.replace(".", "", 1).isdigit():
        return None
    try:
        return parse_duration(field)
    except ValueError:
        return None


def _error(number: int | None, message: str) -> ProtocolError:
    return ProtocolError(ErrorCode.INVALID_MESSAGE, message if number is None else f"line {number}: {message}")

