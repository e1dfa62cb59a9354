"""The embedded store: this process's memory, saved to a state file on every change (if given one)."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from ..core.record import Record, is_sound
from .base import AvailabilityListener, ChangeListener, TimerStore, VersionConflict
from .statefile import StateFile, StateFileError

log = logging.getLogger("tornado_timer.state")


class MemoryStore(TimerStore):
    """One process's timers. Saving runs in a worker thread, so the event loop never waits for the disk;
    changes that arrive while a save is running are coalesced into the next one. A file that cannot be written is
    refused at start; one that stops being writable later is reported (`problem`, logged once) until a save works
    again."""

    def __init__(self, state_file: Path | None = None) -> None:
        self.records: dict[str, Record] = {}
        self.state_file = StateFile(state_file) if state_file else None
        self._saving: asyncio.Future[None] | None = None
        self._dirty = False
        self._opened = False
        self._save_problem: str | None = None

    @property
    def problem(self) -> str | None:
        return self._save_problem

    async def open(self, on_change: ChangeListener, on_availability: AvailabilityListener) -> list[Record]:
        if self.state_file is None:
            return []
        self.state_file.check_writable()
        loaded = self.state_file.read()
        self._opened = True
        sound = [record for record in loaded if is_sound(record)]
        if len(sound) < len(loaded):
            self.state_file.keep_copy(f"has {len(loaded) - len(sound)} timer record(s) that cannot be restored; "
                                      f"restoring the other {len(sound)}")
        self.records = {record["name"]: record for record in sound}
        return list(self.records.values())

    async def close(self) -> None:
        if self._saving is not None:
            await self._saving
        if self.state_file is not None and self._opened:  # never write over a file we could not read
            try:
                self.state_file.write(list(self.records.values()))
            except OSError as error:
                raise StateFileError(f"cannot save timers in {self.state_file.path} on stop: "
                                     f"{error.strerror or error}; what changed since the last save is lost") from None

    async def get(self, name: str) -> Record | None:
        return self.records.get(name)

    async def put(self, record: Record, expected_version: int | None) -> None:
        stored = self.records.get(record["name"])
        if (None if stored is None else stored["version"]) != expected_version:
            raise VersionConflict(record["name"])
        self.records[record["name"]] = record
        self._save_soon()

    async def list_records(self, limit: int) -> tuple[list[Record], bool]:
        return list(self.records.values())[:limit], len(self.records) > limit

    async def forget(self, name: str) -> None:
        """Drop a timer nobody ever changed (version 0); a configured one stays, to come back after a restart."""
        record = self.records.get(name)
        if record is not None and record["version"] == 0:
            del self.records[name]
            self._save_soon()

    def _save_soon(self) -> None:
        if self.state_file is None:
            return
        self._dirty = True
        if self._saving is None:
            self._saving = asyncio.ensure_future(self._save_until_clean())

    async def _save_until_clean(self) -> None:
        assert self.state_file is not None
        loop = asyncio.get_running_loop()
        try:
            while self._dirty:
                self._dirty = False
                records = list(self.records.values())
                try:
                    await loop.run_in_executor(None, self.state_file.write, records)
                except OSError as error:
                    self._failed(error)
                else:
                    self._saved()
        finally:
            self._saving = None

    def _failed(self, error: OSError) -> None:
        """Say it once, not on every change (a countdown's screens change many times a minute)."""
        if self._save_problem is None:
            assert self.state_file is not None
            log.error("cannot save the state file %s: %s; timers are not saved until it can be written again "
                      "(/healthz says degraded)", self.state_file.path, error.strerror or error)
        self._save_problem = f"cannot save the state file: {error.strerror or error}"

    def _saved(self) -> None:
        if self._save_problem is not None:
            assert self.state_file is not None
            log.warning("saving the state file %s again", self.state_file.path)
            self._save_problem = None
