"""One frame to many sockets: the C send loop where it was built, and its pure-Python twin.

`_speedups.c` is optional: `pip install .` builds it where a C compiler and Python's headers exist. Both functions
keep one contract, which tests/test_sendloop.py runs against each: send `frame` once to every file descriptor
(non-blocking, never raising SIGPIPE), leaving negative entries alone, and return `(position, outcome)` for every
entry the frame did not wholly reach: `None` for those left alone, else the bytes the kernel took (0 when its
buffer was full) or `-errno` when the send failed. The fan-out (fanout.py) then handles those few in Python,
exactly as a send of its own.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Callable, Sequence

SendToAll = Callable[[bytes, Sequence[int]], list[tuple[int, int | None]]]


def send_to_all(frame: bytes, fds: Sequence[int]) -> list[tuple[int, int | None]]:
    """The pure-Python twin of `_speedups.send_to_all` (the sockets are non-blocking, as Tornado makes them;
    Python ignores SIGPIPE, so a closed peer is an EPIPE here as it is with MSG_NOSIGNAL in C)."""
    stragglers: list[tuple[int, int | None]] = []
    for position, fd in enumerate(fds):
        if fd < 0:
            stragglers.append((position, None))
            continue
        try:
            sent = os.write(fd, frame)
        except BlockingIOError:
            sent = 0
        except OSError as error:
            sent = -(error.errno or errno.EIO)
        if sent != len(frame):
            stragglers.append((position, sent))
    return stragglers


def native_send_to_all() -> SendToAll | None:
    """The C send loop, or None where it was not built (the server then runs today's pure-Python path)."""
    try:
        from ._speedups import send_to_all as native
    except ImportError:
        return None
    return native


def describe_path(fast_fanout: bool, native_send: bool) -> str:
    """Which way broadcasts go, in the words the server says at start-up."""
    if not fast_fanout:
        return "Tornado's write_message per client (--no-fast-fanout)"
    if not native_send:
        return "frames straight to each socket from Python (--no-native-send)"
    if native_send_to_all() is None:
        return "frames straight to each socket from Python (the C send loop is not built here)"
    return "the C send loop (one call sends each frame to every client)"
