"""Where the command line keeps a server's state file when not told: one file per address and port, in the
user's state directory, so that two servers on one port number (`--host ::1`, `--host 127.0.0.1`) never share one.

Earlier versions named the file by port alone (`state-PORT.json`); the first server on that port to start finds it
and moves it to its own name, so an upgrade loses no timers.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Mapping
from pathlib import Path

log = logging.getLogger("tornado_timer.state")

#: What a host keeps in a file name; anything else (an IPv6 address's colons, a zone's %) becomes `_`.
UNSAFE_IN_NAME = re.compile(r"[^a-z0-9.-]")


def state_directory(environ: Mapping[str, str]) -> Path:
    """`$XDG_STATE_HOME/tornado-timer`, or `~/.local/state/tornado-timer` when it is not set (XDG's default)."""
    base = environ.get("XDG_STATE_HOME") or str(Path(environ.get("HOME") or Path.home()) / ".local" / "state")
    return Path(base) / "tornado-timer"


def host_in_file_name(host: str) -> str:
    """`127.0.0.1` and `localhost` as they are, `::1` as `__1`, every address (`""`) as `all`: safe on any file
    system, and readable."""
    name = UNSAFE_IN_NAME.sub("_", host.strip("[]").lower())
    return name or "all"


def default_state_file(host: str, port: int, environ: Mapping[str, str]) -> Path:
    """`state-HOST-PORT.json` in the state directory (`state-127.0.0.1-8080.json`)."""
    return state_directory(environ) / f"state-{host_in_file_name(host)}-{port}.json"


def earlier_state_file(port: int, environ: Mapping[str, str]) -> Path:
    """The name earlier versions gave the state file of every server on `port`."""
    return state_directory(environ) / f"state-{port}.json"


def adopt_earlier_file(path: Path, earlier: Path) -> bool:
    """Move an earlier version's state file to `path` if `path` does not exist yet; True if it was moved.

    A rename: when two servers start at once, one gets the file and the other finds nothing to move."""
    if path.exists() or not earlier.is_file():
        return False
    try:
        os.rename(earlier, path)
    except FileNotFoundError:
        return False  # another server moved it first
    except OSError as error:
        log.warning("kept the earlier state file %s where it is (cannot move it to %s: %s)", earlier, path,
                    error.strerror or error)
        return False
    log.warning("moved the state file %s of an earlier version to %s", earlier, path)
    return True
