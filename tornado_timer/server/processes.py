"""`--processes N`: N server processes on one port, sharing timers through the store (Redis).

The parent binds the port once (so `--port 0` still means one port), forks the children, forwards
SIGTERM/SIGINT to them and restarts one that dies unexpectedly. Each child runs an ordinary server on
the inherited listening sockets; the kernel hands each new connection to one of them.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import sys
import time
import traceback
from collections.abc import Callable
from types import FrameType

MAX_RESTARTS = 100
FAST_FAILURE_SECONDS = 3.0  # a child that dies this soon after starting has a problem a restart won't fix
MAX_FAST_FAILURES = 3


class Supervisor:
    """Starts `count` children running `child(sockets)`, and keeps them running until told to stop."""

    def __init__(self, count: int, sockets: list[socket.socket], child: Callable[[list[socket.socket]], int]) -> None:
        self.count = count
        self.sockets = sockets
        self.child = child
        self.children: dict[int, tuple[int, float]] = {}  # pid -> (index, started at)
        self.stopping = False
        self.restarts = 0
        self.fast_failures = 0
        self.failed = False

    def run(self) -> int:
        """Fork the children and wait for them; return the exit status for the parent."""
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        for number in range(self.count):
            self._fork(number)
        worst = 0
        while self.children:
            try:
                pid, status = os.wait()
            except ChildProcessError:
                break
            except InterruptedError:
                continue
            index, started = self.children.pop(pid, (-1, 0.0))
            code = os.waitstatus_to_exitcode(status)
            worst = max(worst, abs(code))
            if index < 0 or self.stopping:
                continue
            self.fast_failures = self.fast_failures + 1 if time.monotonic() - started < FAST_FAILURE_SECONDS else 0
            if self.fast_failures >= MAX_FAST_FAILURES or self.restarts >= MAX_RESTARTS:
                print(f"tornado-timer: process {index} keeps failing (exit {code}); stopping", file=sys.stderr,
                      flush=True)
                self.failed = True
                self._stop(signal.SIGTERM, None)
                continue
            print(f"tornado-timer: process {index} (pid {pid}) exited with {code}; restarting it", flush=True)
            self.restarts += 1
            self._fork(index)
        if self.failed:
            return 1  # a failure at run time, like one process's: not the signal that stopped the others
        return 0 if self.stopping else max(worst, 1)

    def _fork(self, index: int) -> None:
        pid = os.fork()
        if pid == 0:
            os.setpgid(0, 0)  # Ctrl+C at a terminal reaches the parent only, which passes it on once
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            code = 1
            try:
                code = self.child(self.sockets)
            except Exception:  # the child's last word: print it, since os._exit below skips the usual report
                traceback.print_exc()
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        self.children[pid] = (index, time.monotonic())

    def _stop(self, signum: int, frame: FrameType | None) -> None:
        if self.stopping:
            for pid in list(self.children):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)  # a second signal: at once
            return
        self.stopping = True
        for pid in list(self.children):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signum)
