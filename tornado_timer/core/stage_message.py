"""The message a timer shows on every screen of it ("wrap up", "5 minutes to the break"): plain text, and how it is
shown. Part of the timer's state, saved and versioned with it, changed by partial updates."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

MAX_TEXT_CHARS = 500


@dataclass(frozen=True)
class StageMessage:
    """`text` (never interpreted as markup), shown while `visible`; `blink` flashes it; `blackout` blacks out the
    screens' display (digits and all), for a pause in the programme."""

    text: str = ""
    visible: bool = False
    blink: bool = False
    blackout: bool = False

    def to_json(self) -> dict[str, Any]:
        return {field.name: getattr(self, field.name) for field in fields(self)}

    @classmethod
    def from_json(cls, document: Any) -> StageMessage:
        """From a saved record or a wire message; raises ValueError if anything in it is of the wrong kind."""
        if not isinstance(document, dict) or set(document) - FIELDS:
            raise ValueError(f"a message is an object with the fields {', '.join(sorted(FIELDS))}")
        message = cls(**document)
        message.check()
        return message

    def check(self) -> None:
        if not isinstance(self.text, str) or len(self.text) > MAX_TEXT_CHARS:
            raise ValueError(f"a message's text is a string of at most {MAX_TEXT_CHARS} characters")
        if not all(isinstance(getattr(self, name), bool) for name in ("visible", "blink", "blackout")):
            raise ValueError("a message's visible, blink and blackout are true or false")


FIELDS = frozenset(field.name for field in fields(StageMessage))


@dataclass(frozen=True)
class MessageUpdate:
    """A partial change of a timer's message: the fields given (not None) replace the message's."""

    text: str | None = None
    visible: bool | None = None
    blink: bool | None = None
    blackout: bool | None = None

    def __post_init__(self) -> None:
        if all(getattr(self, field.name) is None for field in fields(self)):
            raise ValueError("a message update changes at least one of text, visible, blink, blackout")

    def applied_to(self, message: StageMessage) -> StageMessage:
        changes = {field.name: getattr(self, field.name) for field in fields(self)
                   if getattr(self, field.name) is not None}
        return replace(message, **changes)
