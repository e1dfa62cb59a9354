"""Tests write only into their own temporary folders: the whole session gets a state directory of its own
(`XDG_STATE_HOME`, which every server process started by a test inherits), and the user's real one is watched, so
that a run that writes there anyway fails loudly.

A server started on a fixed port without `--state-file` or `--no-state` keeps its timers in
`$XDG_STATE_HOME/tornado-timer/` (tornado_timer/store/location.py): a test that restarts a server on its port, or
a notebook's or Jupyter's server, would otherwise leave files in the user's home after every run.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from tornado_timer.store.location import state_directory

Listing = dict[str, tuple[int, int]]


class UserStateGuard:
    """The user's tornado-timer state directory, as it was before the run; `changes()` says what a run did to it."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self.directory = state_directory(environ)
        self.before = self.listing()

    def listing(self) -> Listing:
        """Every file (recursively) with its size and modification time."""
        if not self.directory.is_dir():
            return {}
        found: Listing = {}
        for path in self.directory.rglob("*"):
            if path.is_file():
                stat = path.stat()
                found[str(path.relative_to(self.directory))] = (stat.st_size, stat.st_mtime_ns)
        return found

    def changes(self) -> list[str]:
        """`new: state-8080.json`, `changed: ...`, `removed: ...`: what is not as it was."""
        after = self.listing()
        return ([f"new: {name}" for name in sorted(set(after) - set(self.before))]
                + [f"changed: {name}" for name in sorted(set(after) & set(self.before))
                   if after[name] != self.before[name]]
                + [f"removed: {name}" for name in sorted(set(self.before) - set(after))])

    def report(self) -> str | None:
        """A loud paragraph if the run wrote there, else None."""
        changes = self.changes()
        if not changes:
            return None
        return (f"THE TEST RUN WROTE INTO THE USER'S STATE DIRECTORY {self.directory}: " + "; ".join(changes)
                + ". Tests must write only into their temporary folders: give a server started on a fixed port "
                "--state-file or --no-state, or keep XDG_STATE_HOME (set for the whole session in conftest.py) "
                "in its environment. (A tornado-timer server of your own running meanwhile also counts.)")


def isolate(session_state_home: Path) -> UserStateGuard:
    """Watch the user's state directory, then point this process (and every process it starts) elsewhere."""
    guard = UserStateGuard(os.environ)
    os.environ["XDG_STATE_HOME"] = str(session_state_home)
    return guard
