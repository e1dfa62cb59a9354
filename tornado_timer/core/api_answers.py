"""What the HTTP API answers: a timer as the WebSocket's `state` shows it, a list of timers, or an error.

The timer, its message and its `allowed` list come from `messages.State`, so a controller reading the API and a
screen on the WebSocket see the same thing. An error's HTTP status is read from `errors.HTTP_STATUS`, its one
definition. Pure: the times are passed in.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .errors import HTTP_STATUS, ProtocolError
from .messages import State
from .model import Timer

MAX_LISTED = 1000  # the most timers one list answer holds; `truncated` says when there were more
STATE_FIELDS = ("timer", "message", "allowed", "cue", "next_cue", "planned_ms", "offset_ms", "server_time")
LISTED_FIELDS = ("timer", "message", "allowed", "cue")


def timer_answer(timer: Timer, now_ms: float, wall_ms: float, command: str | None = None) -> dict[str, Any]:
    """`{"ok": true, "timer", "message", "allowed", "cue", ...}`, as in the WebSocket's `state`; after an
    action, `command` says which protocol command it ran (for toggle: the one it chose)."""
    state = State.of(timer, now_ms, wall_ms).to_json()
    answer = {"ok": True, **{name: state[name] for name in STATE_FIELDS}}
    if command is not None:
        answer["command"] = command
    return answer


def list_answer(timers: Iterable[Timer], truncated: bool, now_ms: float, wall_ms: float) -> dict[str, Any]:
    """`{"ok": true, "timers": [{"timer", "message", "allowed", "cue"}, ...], "truncated", "server_time"}`, by
    name."""
    ordered = sorted(timers, key=lambda t: t.name)
    entries = []
    for timer in ordered[:MAX_LISTED]:
        state = State.of(timer, now_ms, wall_ms).to_json()
        entries.append({name: state[name] for name in LISTED_FIELDS})
    return {"ok": True, "timers": entries, "truncated": truncated or len(ordered) > MAX_LISTED,
            "server_time": round(wall_ms)}


def error_answer(error: ProtocolError) -> tuple[int, dict[str, Any]]:
    """The HTTP status and body of a refusal: `{"ok": false, "error": {"code", "message"}}`."""
    return HTTP_STATUS[error.code], {"ok": False, "error": {"code": error.code.value, "message": error.message}}
