"""The sockets a timer's tick goes straight to: one array per timer, which the C send loop reads as it is.

The C send loop (sendloop.py) sends a frame to every file descriptor of an `array('i')` without touching a Python
object per client. Asking each client's outbox on every tick whether its socket may take a frame now
(`Outbox.direct_fd`) touched five Python objects per client, and that, not the sends, was most of what the fan-out
spent above the floor (docs/performance.md). So each timer keeps its clients' entries in one array: a client's
entry is what `direct_fd` said when last asked, or -1 since anything happened to its socket.

- A client's socket is a `WatchedSocket`: each send through it (Tornado's own frames, pongs, pings, the close
  frame, and whatever a backed-up stream writes) and its closing set the entry to -1 first. So an entry is never a
  file descriptor the connection no longer owns, and a frame never goes ahead of bytes the stream holds.
- A client whose entry is -1 goes the Python way, which asks its stream itself, and its entry is then set from
  `direct_fd` again: one tick after a pong, it is back in the array.
"""

from __future__ import annotations

import socket
from array import array
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .fanout import Outbox


class WatchedSocket(socket.socket):
    """A client's socket that tells its outbox of every send through it, and of its closing, before they happen.

    It takes over the connection's file descriptor from the socket Tornado accepted, which is then detached (its
    `fileno()` is -1) and let go of (`tornado_private.hand_over_socket`). Tornado's event loop finds, updates and
    removes every handler by the descriptor's number, so nothing else changes there.
    """

    __slots__ = ("outbox",)
    outbox: Outbox

    @classmethod
    def taking_over(cls, sock: socket.socket, outbox: Outbox) -> WatchedSocket:
        """The same connection (file descriptor, options, non-blocking), now watched; `sock` lets go of it."""
        watched = cls(sock.family, sock.type, sock.proto, fileno=sock.detach())
        watched.setblocking(False)
        watched.outbox = outbox
        return watched

    def send(self, data: Any, flags: int = 0) -> int:
        self.outbox.unready()
        return super().send(data, flags)

    def close(self) -> None:
        self.outbox.unready()
        super().close()


class ReadySockets:
    """One timer's clients: `outboxes[i]` may be sent a frame straight to its socket `fds[i]` if that is not -1."""

    def __init__(self) -> None:
        self.fds = array("i")
        self.outboxes: list[Outbox] = []

    def __len__(self) -> int:
        return len(self.outboxes)

    def add(self, outbox: Outbox) -> None:
        if outbox.seated:
            raise ValueError("this client already has an entry")
        outbox.watch_socket()
        outbox.seat(self, len(self.outboxes))
        self.outboxes.append(outbox)
        self.fds.append(outbox.direct_fd())

    def discard(self, outbox: Outbox) -> None:
        """Take the client's entry out (if it has one here): the last entry moves into its place."""
        position = outbox.position_in(self)
        if position < 0:
            return
        last, fd = self.outboxes.pop(), self.fds.pop()
        if last is not outbox:
            self.outboxes[position], self.fds[position] = last, fd
            last.seat(self, position)
        outbox.seat(None, -1)

    def set(self, position: int, fd: int) -> None:
        self.fds[position] = fd
