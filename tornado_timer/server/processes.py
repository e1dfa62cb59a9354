"""`--processes N`: N server processes on one port, sharing timers through the store (Redis).

The parent binds the port once (so `--port 0` still means one port), forks the children, forwards
SIGTERM/SIGINT to them and restarts one that dies unexpectedly. Each child runs an ordinary server on
the inherited listening sockets; the kernel hands each new connection to one of them.
"""

from __future__ import annotations

import os
import signal
import socket
import sys
import time
from collections.abc import Callable
from types import FrameType

MAX_RESTARTS = 100


class Supervisor:
    """Starts `count` children running `child(sockets)`, and keeps them running until told to stop."""

    def __init__(self, count: int, sockets: list[socket.socket], child: Callable[[list[socket.socket]], int]) -> None:
        self.count = count
        self.sockets = sockets
        self.child = child
        self.children: dict[int, int] = {}  # pid -> index
        self.stopping = False
        self.restarts = 0

    def run(self) -> int:
        """Fork the children and wait for them; return the exit status for the parent."""
        for number in range(self.count):
            self._fork(number)
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        worst = 0
        while self.children:
            try:
                pid, status = os.wait()
            except ChildProcessError:
                break
            except InterruptedError:
                continue
            index = self.children.pop(pid, -1)
            code = os.waitstatus_to_exitcode(status)
            worst = max(worst, abs(code))
            if index >= 0 and not self.stopping and self.restarts < MAX_RESTARTS:
                print(f"tornado-timer: process {index} (pid {pid}) exited with {code}; restarting it", flush=True)
                self.restarts += 1
                self._fork(index)
        return 0 if self.stopping else worst

    def _fork(self, index: int) -> None:
        pid = os.fork()
        if pid == 0:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            code = 1
            try:
                code = self.child(self.sockets)
            finally:
                sys.stdout.flush()
                os._exit(code)
        self.children[pid] = index

    def _stop(self, signum: int, frame: FrameType | None) -> None:
        if self.stopping:
            for pid in self.children:
                os.kill(pid, signal.SIGKILL)  # a second signal: at once
            return
        self.stopping = True
        for pid in list(self.children):
            os.kill(pid, signum)
        time.sleep(0)
