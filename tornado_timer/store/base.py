"""The store interface. Handlers never see it; the registry talks to it in records (core/record.py)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable

from ..core.errors import ErrorCode, ProtocolError, TornadoTimerError
from ..core.record import Record

ChangeListener = Callable[[Record], None]
AvailabilityListener = Callable[[bool], None]


class StoreUnavailable(ProtocolError):
    """The store cannot be reached (Redis is down): commands are refused until it is back (`unavailable`)."""

    def __init__(self, message: str) -> None:
        super().__init__(ErrorCode.UNAVAILABLE, message)


class VersionConflict(TornadoTimerError):
    """Someone else changed the timer first: re-read it and try again."""


class TimerStore(ABC):
    """Timer records by name, changed atomically by version (compare-and-set)."""

    multi_process = False  # can several server processes share this store?

    @property
    def available(self) -> bool:
        return True

    @property
    def problem(self) -> str | None:
        """Why the store does not keep what it is given right now (a state file it cannot write), or None."""
        return None

    async def open(self, on_change: ChangeListener, on_availability: AvailabilityListener) -> list[Record]:
        """Start; return the timers stored so far.

        `on_change` hears changes made by other processes; `on_availability` hears the store go away and
        come back (then the caller re-reads what it shows, since changes may have been missed).
        """
        return []

    async def close(self) -> None:  # noqa: B027 (optional hook: most stores have nothing to do)
        """Stop, saving what needs saving."""

    @abstractmethod
    async def get(self, name: str) -> Record | None:
        """The stored record of timer `name`, or None."""

    @abstractmethod
    async def put(self, record: Record, expected_version: int | None) -> None:
        """Store `record` if the stored version is `expected_version` (None: only if there is none yet).

        Raises VersionConflict if not, and StoreUnavailable if the store cannot be reached.
        """

    @abstractmethod
    async def forget(self, name: str) -> None:
        """Drop timer `name` (an idle timer nobody watches)."""

    async def list_records(self, limit: int) -> tuple[list[Record], bool]:
        """Up to `limit` stored records, in one bounded pass, and True if there may be more (for listing)."""
        return [], False
