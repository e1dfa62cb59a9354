"""The state file: every timer's record as JSON, written atomically (write, fsync, rename) on every change.

A crash mid-write leaves the previous file whole. A file we cannot read is moved aside (never silently
overwritten) and reported, and the server starts with no timers instead of refusing to start. A file we could not
write is refused at start: a server that says it saves its timers must be able to.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import time
from pathlib import Path
from typing import Any

from ..core.record import Record

log = logging.getLogger("tornado_timer.state")
FORMAT = "tornado-timer-state"
FORMAT_VERSION = 1


class StateFileError(OSError):
    """The state file cannot be written (or read at all); the message says where, why, and what to do."""


class StateFile:
    def __init__(self, path: Path) -> None:
        self.path = path

    def check_writable(self) -> None:
        """Raise StateFileError unless a save can work: the folder exists or can be made, a file can be written
        and removed beside the state file (as each save writes its temporary file and renames it), and the state
        file, if there is one, opens for writing. Creates no state file."""
        if self.path.is_dir():
            raise StateFileError(f"the state file {self.path} is a directory; give --state-file a file path")
        probe = self.path.with_name(f".{self.path.name}.{os.getpid()}.probe")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            try:
                with open(probe, "w", encoding="utf-8") as file:
                    file.write("{}")
                    file.flush()
                    os.fsync(file.fileno())
            finally:
                with contextlib.suppress(FileNotFoundError):
                    probe.unlink()
            if self.path.exists():
                with open(self.path, "a", encoding="utf-8"):
                    pass
        except OSError as error:
            reason = _not_a_folder(self.path.parent) or error.strerror or str(error)
            raise StateFileError(f"cannot save timers in {self.path}: {reason}; give --state-file a path you may "
                                 "write, or --no-state to save nothing") from None

    def read(self) -> list[Record]:
        """The records in the file; [] if there is none. A corrupt file is moved aside and reported."""
        if self.path.is_dir():
            raise StateFileError(f"the state file {self.path} is a directory; give --state-file a file path")
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return []
        except (OSError, UnicodeDecodeError) as error:
            self.move_aside(f"cannot be read ({error})")
            return []
        try:
            document = json.loads(text)
        except ValueError as error:
            self.move_aside(f"is not valid JSON ({error})")
            return []
        if not _is_state_document(document):
            self.move_aside(f"is not a {FORMAT} file of version {FORMAT_VERSION}")
            return []
        timers: list[Record] = document["timers"]
        return timers

    def write(self, records: list[Record]) -> None:
        """Replace the file atomically: readers see the old or the new content, never a mix."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        document = {"format": FORMAT, "version": FORMAT_VERSION, "saved_at": time.time(), "timers": records}
        temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        with open(temporary, "w", encoding="utf-8") as file:
            json.dump(document, file, separators=(",", ":"))
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, self.path)

    def keep_copy(self, problem: str) -> Path:
        """Copy the file aside (its sound part will be saved over it) and say why."""
        aside = self._aside_path()
        shutil.copy2(self.path, aside)
        log.error("the state file %s %s; a copy is kept in %s", self.path, problem, aside)
        return aside

    def _aside_path(self) -> Path:
        return self.path.with_name(f"{self.path.name}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}")

    def move_aside(self, problem: str) -> Path:
        aside = self._aside_path()
        try:
            os.replace(self.path, aside)
        except OSError as error:
            log.error("the state file %s %s, and moving it aside failed (%s)", self.path, problem, error)
            raise
        log.error("the state file %s %s; moved it to %s and started with no saved timers", self.path, problem, aside)
        return aside


def _not_a_folder(folder: Path) -> str | None:
    """`x is a file, not a folder` for the first of `folder` and its parents that exists, if it is no folder."""
    for place in (folder, *folder.parents):
        if place.exists():
            return None if place.is_dir() else f"{place} is a file, not a folder"
    return None


def _is_state_document(document: Any) -> bool:
    return (
        isinstance(document, dict)
        and document.get("format") == FORMAT
        and document.get("version") == FORMAT_VERSION
        and isinstance(document.get("timers"), list)
    )
