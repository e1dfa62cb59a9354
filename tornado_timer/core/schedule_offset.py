"""The schedule's offset between messages: how a client carries the latest `offset_ms` forward to now.

Every `state` and `rundown` message says how much later (+) or earlier (-) than planned the rundown's last cue
will end, as of that message. Until the next one arrives a client works the offset out by this rule, which is the
server's formula (`cues.offset_ms`) seen from outside; the server sends a new `state` whenever the rule's inputs
change (a status, the overtime phase, the cue on):

- while a cue counts down as planned (running, not in overtime) the offset stays as it is: the cue uses its own time;
- while it does not (idle or paused on a cue, finished on a cue that is not the last, or running in overtime) every
  millisecond that passes makes the day a millisecond later;
- once the last cue has finished the rundown is over: the offset is frozen.
"""

from __future__ import annotations

from .terms import Phase, Status


def offset_grows(status: str, phase: str, last_cue_on: bool) -> bool:
    """True while every millisecond that passes adds a millisecond to the offset (see the module's docstring)."""
    if status == Status.RUNNING.value:
        return phase == Phase.OVERTIME.value
    return not (status == Status.FINISHED.value and last_cue_on)


def offset_now(offset_ms: float | None, since_ms: float, *, status: str, phase: str, last_cue_on: bool) -> int | None:
    """The offset `since_ms` after the message that said `offset_ms` (None: no schedule yet, and still none), in
    whole milliseconds; `status`, `phase` and `last_cue_on` describe the timer as that message left it."""
    if offset_ms is None:
        return None
    grown = max(0.0, since_ms) if offset_grows(status, phase, last_cue_on) else 0.0
    return round(offset_ms + grown)
