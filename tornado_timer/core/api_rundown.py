"""The HTTP API's rundown (`/api/v1/timers/NAME/rundown`): reading it (JSON, or the lines of an agenda), and the
request that replaces it: a JSON body like the WebSocket's `rundown` message, or plain text, one cue per line,
as people paste an agenda (`rundown_text.py`). Both become the protocol's own `SetRundown`. Pure."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .api_actions import FALSE_WORDS, TOKEN_PARAMETER, TRUE_WORDS, body_text
from .commands import SetRundown, parse_command
from .cue_messages import RundownMessage
from .errors import ErrorCode, ProtocolError
from .model import Timer
from .protocol import MAX_RUNDOWN_BYTES, dumps, loads_object
from .rundown_text import format_lines, parse_lines
from .terms import RundownUpdate

TEXT_FORMAT = "text"


def rundown_answer(timer: Timer, now_ms: float, wall_ms: float) -> dict[str, Any]:
    """`{"ok": true, "timer", "cues", "auto_advance", "current", "planned_ms", "offset_ms", "server_time"}`: the
    WebSocket's `rundown` message."""
    document = RundownMessage.of(timer, now_ms, wall_ms).to_json()
    del document["type"]
    return {"ok": True, **document}


def rundown_lines(timer: Timer) -> str:
    """The rundown as the lines of an agenda (`?format=text`), ready to edit and send back."""
    return format_lines(timer.rundown.cues)


def rundown_request(body: bytes, content_type: str | None, query: Mapping[str, list[str]]) -> SetRundown:
    """The `SetRundown` a PUT or POST asks for; ProtocolError says what is wrong with it (naming the line)."""
    text = body_text(body, MAX_RUNDOWN_BYTES)
    auto_advance = _auto_advance(query)
    media = (content_type or "").split(";")[0].strip().lower()
    if media == "application/json" or (media != "text/plain" and text.lstrip().startswith("{")):
        document = loads_object(text)
        if auto_advance is not None:
            if "auto_advance" in document:
                raise ProtocolError(ErrorCode.INVALID_MESSAGE, "'auto_advance' is given in the query and in the body")
            document["auto_advance"] = auto_advance
        message = parse_command(dumps({**document, "type": "rundown"}))
        assert isinstance(message, SetRundown)
        return message
    if not text.strip():
        if auto_advance is None:
            raise ProtocolError(ErrorCode.INVALID_MESSAGE, "an empty body: send the cues (JSON, or lines of text), "
                                'or only ?auto_advance=; {"cues": []} removes the rundown')
        return SetRundown(RundownUpdate(None, auto_advance))
    return SetRundown(RundownUpdate(parse_lines(text), auto_advance, match_titles=True))


def _auto_advance(query: Mapping[str, list[str]]) -> bool | None:
    unknown = sorted(set(query) - {"auto_advance", TOKEN_PARAMETER})
    if unknown:
        raise ProtocolError(ErrorCode.INVALID_MESSAGE, f"unknown parameter {unknown[0][:40]!r} (it takes: "
                            "auto_advance)")
    values = query.get("auto_advance")
    if not values:
        return None
    word = values[-1].strip().lower()
    if len(values) > 1 or word not in (*TRUE_WORDS, *FALSE_WORDS):
        raise ProtocolError(ErrorCode.INVALID_MESSAGE, "'auto_advance' is given once: true/false, 1/0, yes/no or "
                            "on/off")
    return word in TRUE_WORDS
