"""Sending to clients: one outbox per connection, and the broadcast of one message to many.

This is the hot path of the server: a running timer sends the same tick to every client of it, so what one
send costs, times the number of clients, is how late the last client gets its tick (docs/performance.md).

How a message goes out (the fast path, the default):

- `broadcast` frames the text once (`frame_text`: FIN + text opcode, a 7/16/64-bit length, no mask, since a
  server never masks) and hands the same bytes to every outbox: no per-client encoding, framing, Future or Task.
- An outbox whose Tornado stream has nothing queued writes the frame straight to the socket with one `send()`.
  Whatever the kernel does not take (a partial write, or none at all: EAGAIN) goes to the stream, which sends it
  when the socket is writable. While anything is queued, every later frame goes through the stream, behind it,
  so our frames never interleave with Tornado's own pings, pongs and close frame.
- With the C send loop (sendloop.py), `broadcast_ready` sends the frame to every socket of the timer's
  `ReadySockets` array in one call, and only the clients it did not wholly reach come back to Python, to the same
  outbox methods (ready_sockets.py says how the array is kept true).
- A connection with permessage-deflate negotiated, over TLS (SSLIOStream), or whose outbox was made with
  `fast=False` uses Tornado's `write_message` for every message: the baseline the benchmark measures.

Slow and dead readers (both paths): a client that stops reading must neither grow the server's memory nor delay
anyone else. While its stream has bytes queued, ticks (`droppable`) are not queued: the newest one waits in a
single slot and goes out when the queue drains, replacing any older one (so a tick never queues behind a tick);
states, pongs and errors are always queued, and supersede a waiting tick. A client is closed with 1008 when
its queue passes `max_queued_bytes`, or when it has had ticks held back for longer than `max_stall_seconds`.
The kernel's send buffer is capped too (SO_SNDBUF, `send_buffer_bytes`): left alone, Linux grows it to 4 MB of
unread ticks per client before the stream sees anything queued; 64 KiB is hundreds of seconds of ticks.

The fast path reads a few of Tornado's private attributes, all through `tornado_private.py`; the baseline path
uses Tornado's public API only, counting what it handed to `write_message` and is not written yet.
"""

from __future__ import annotations

import contextlib
import os
import socket
import struct
import time
from collections.abc import Iterable
from typing import Any, Protocol

from tornado import websocket
from tornado.iostream import StreamClosedError

from . import tornado_private
from .ready_sockets import ReadySockets, WatchedSocket
from .sendloop import SendToAll

MAX_QUEUED_BYTES = 64 * 1024  # a healthy client never has more than a few states waiting
MAX_STALL_SECONDS = 30.0  # longer than a browser's background-tab hiccups, shorter than the keepalive's 2 x 20 s
SEND_BUFFER_BYTES = 64 * 1024  # the kernel's share: without it, it autotunes up to 4 MB for a client that won't read
SLOW_CLOSE_CODE = 1008  # policy violation: not reading what it is sent

_TEXT_FIN = 0x81  # FIN bit + opcode 1 (text)


class _GoneSocket:
    """Stands in for the socket of a client that left before its outbox was made: every call fails as closed."""

    def send(self, data: bytes) -> int:
        raise OSError(9, "the connection is closed")

    def setsockopt(self, *args: Any) -> None:
        raise OSError(9, "the connection is closed")

    def fileno(self) -> int:
        return -1


_GONE: Any = _GoneSocket()  # stateless


class HasOutbox(Protocol):
    outbox: Outbox


def frame_text(text: str) -> bytes:
    """One unmasked, unfragmented text frame holding `text`: byte for byte what Tornado's write_message sends."""
    payload = text.encode("utf-8")
    length = len(payload)
    if length < 126:
        header = bytes((_TEXT_FIN, length))
    elif length <= 0xFFFF:
        header = struct.pack("!BBH", _TEXT_FIN, 126, length)
    else:
        header = struct.pack("!BBQ", _TEXT_FIN, 127, length)
    return header + payload


class Outbox:
    """Everything the server sends to one client goes through its outbox (see the module's docstring)."""

    __slots__ = (
        "_fast",
        "_handler",
        "_held",
        "_max_queued",
        "_max_stall",
        "_position",
        "_protocol",
        "_socket",
        "_sockets",
        "_stalled_since",
        "_stream",
        "_unwritten",
        "_waiting",
    )

    def __init__(
        self,
        handler: websocket.WebSocketHandler,
        fast: bool = True,
        max_queued_bytes: int | None = None,
        max_stall_seconds: float | None = None,
        send_buffer_bytes: int | None = None,
    ) -> None:
        protocol = handler.ws_connection  # made in open(), after the handshake: the stream is detached by then
        if protocol is None or protocol.stream is None:
            raise ValueError("an Outbox is made in open(), once the WebSocket connection exists")
        self._handler = handler
        self._protocol = protocol
        self._stream = protocol.stream
        sock: socket.socket | None = self._stream.socket  # None if the client has already gone
        self._fast = fast and sock is not None and tornado_private.can_write_directly(handler)
        self._socket = sock or _GONE
        self.set_limits(MAX_STALL_SECONDS if max_stall_seconds is None else max_stall_seconds,
                        SEND_BUFFER_BYTES if send_buffer_bytes is None else send_buffer_bytes)
        with contextlib.suppress(OSError):  # not every socket has the options (a Unix socket has no TCP_NODELAY)
            self._socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # a tick must not wait for an ACK
        self._max_queued = MAX_QUEUED_BYTES if max_queued_bytes is None else max_queued_bytes
        self._held: tuple[bytes, str] | None = None  # the newest tick not yet sent, while the stream is backed up
        self._waiting = False  # a callback is set for when the stream's queue drains
        self._stalled_since: float | None = None
        self._unwritten = 0  # the baseline path: characters queued behind a backed-up stream (counts toward the bound)
        self._sockets: ReadySockets | None = None  # the C send loop's array this client has an entry in
        self._position = -1

    @property
    def fast(self) -> bool:
        """True if this connection's frames go straight to its socket."""
        return self._fast

    def set_limits(self, max_stall_seconds: float, send_buffer_bytes: int) -> None:
        """How long this client may go without draining a held tick, and the kernel's send buffer for it."""
        self._max_stall = max_stall_seconds
        with contextlib.suppress(OSError):  # a socket without the option, or one already closed
            self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, send_buffer_bytes)

    def send(self, text: str, droppable: bool = False) -> bool:
        """Send one message to this client alone (its state on joining, a pong, an error). Ticks are `droppable`."""
        return self.deliver(frame_text(text) if self._fast else b"", text, droppable)

    def deliver(self, frame: bytes, text: str, droppable: bool) -> bool:
        """Send `frame` (the framed `text`); False if it was not sent: a gone client, or a tick held back."""
        protocol = self._protocol
        if protocol.server_terminated or protocol.client_terminated:
            return False  # closing: no frame may follow a close frame
        if not self._fast:
            if self._stream.writing():
                return self._behind_queue(frame, text, droppable)
            self._unwritten = 0  # nothing is queued: everything given to write_message has been written
            self._write_message(text)
            return True
        if tornado_private.is_writing(self._stream):
            return self._behind_queue(frame, text, droppable)
        self._held = None  # this message is newer than any tick held back: that one must not follow it
        try:
            sent = self._socket.send(frame)
        except BlockingIOError:
            sent = 0
        except OSError as error:  # reset, broken pipe, or a socket Tornado has just closed
            self._stream.close(exc_info=error)  # as Tornado does on a failed write; its read loop ends the rest
            return False
        if sent < len(frame):
            self._queue(memoryview(frame)[sent:])
        return True

    def direct_fd(self) -> int:
        """The socket's file descriptor if a frame may go straight to it now (the C send loop's entry), else -1.

        -1 once Tornado has closed the socket, so a file descriptor number the kernel has since given to another
        connection is never written to.
        """
        protocol = self._protocol
        if self._fast and not (protocol.server_terminated or protocol.client_terminated
                               or tornado_private.is_writing(self._stream)):
            return self._socket.fileno()
        return -1

    @property
    def seated(self) -> bool:
        return self._sockets is not None

    def seat(self, sockets: ReadySockets | None, position: int) -> None:
        """This client's entry is now `sockets.fds[position]` (ReadySockets calls this; None: it has none)."""
        self._sockets, self._position = sockets, position

    def position_in(self, sockets: ReadySockets) -> int:
        return self._position if self._sockets is sockets else -1

    def watch_socket(self) -> None:
        """Make this connection's socket tell this outbox of every send through it and of its closing (see
        ready_sockets.py). The socket object is replaced, not Tornado's stream given new attributes: one new
        attribute on a stream makes Python give it a dict of its own, 1.6 KB a connection."""
        if isinstance(self._socket, WatchedSocket):
            self._socket.outbox = self
        elif self._fast and self._stream.socket is self._socket:
            self._socket = WatchedSocket.taking_over(self._socket, self)
            tornado_private.hand_over_socket(self._stream, self._socket)

    def refresh(self) -> None:
        """Set this client's entry from `direct_fd` (after the Python way has sent to it)."""
        if self._sockets is not None:
            self._sockets.set(self._position, self.direct_fd())

    def unready(self) -> None:
        """Its socket is being sent to or closed: no frame may go straight to it until `direct_fd` is asked again."""
        if self._sockets is not None:
            self._sockets.set(self._position, -1)

    def settle(self, frame: bytes, outcome: int) -> bool:
        """A send loop's send took `outcome` bytes of `frame` (not all), or failed with -errno: carry on as
        `deliver` does after a send of its own. False if the client is gone."""
        if outcome < 0:
            self._stream.close(exc_info=OSError(-outcome, os.strerror(-outcome)))
            return False
        self._queue(memoryview(frame)[outcome:])
        return True

    def _behind_queue(self, frame: bytes, text: str, droppable: bool) -> bool:
        """The stream still holds unsent bytes: hold a tick back, queue anything else, close a client gone quiet."""
        if self._stream.closed():
            return False
        if droppable:
            self._held = (frame, text)  # a newer tick replaces an unsent older one
            now = time.monotonic()
            if self._stalled_since is None:
                self._stalled_since = now
            elif now - self._stalled_since > self._max_stall:
                self._close_slow(f"not reading: nothing drained for {now - self._stalled_since:.0f} s")
                return False
            self._wait_for_drain()
            return False
        self._held = None  # this message is newer than the held tick, which must not arrive after it
        # What is already waiting counts: one large message (a rundown) may always go behind a queue within bounds.
        queued = tornado_private.queued_bytes(self._stream) if self._fast else self._unwritten
        if queued > self._max_queued:
            self._close_slow(f"not reading: {queued} bytes queued")
            return False
        if self._fast:
            self._queue(frame)
        else:
            self._unwritten += len(text)
            self._write_message(text)
        return True

    def _queue(self, data: bytes | memoryview) -> None:
        """Give bytes to the stream, which sends them, in order, as the socket becomes writable."""
        with contextlib.suppress(StreamClosedError):
            self._stream.write(data)

    def _write_message(self, text: str) -> None:
        with contextlib.suppress(websocket.WebSocketClosedError):
            self._handler.write_message(text).add_done_callback(_retrieve)

    def _wait_for_drain(self) -> None:
        """Call `_on_drained` once everything queued so far has been sent (an empty write resolves just then)."""
        if self._waiting:
            return
        try:
            drained = self._stream.write(b"")
        except StreamClosedError:
            return
        self._waiting = True
        drained.add_done_callback(self._on_drained)

    def _on_drained(self, future: Any) -> None:
        self._waiting = False
        if future.cancelled() or future.exception() is not None:
            self._held = None  # the stream closed
            return
        self._stalled_since = None
        held, self._held = self._held, None
        if held is not None:
            self.deliver(held[0], held[1], droppable=True)

    def _close_slow(self, reason: str) -> None:
        self._held = None
        self._handler.close(SLOW_CLOSE_CODE, reason)


def broadcast(subscribers: Iterable[HasOutbox], text: str, droppable: bool = False) -> int:
    """Send the same text to every subscriber, framed once. Returns how many were sent it now."""
    frame = frame_text(text)
    sent = 0
    for subscriber in subscribers:
        if subscriber.outbox.deliver(frame, text, droppable):
            sent += 1
    return sent


def broadcast_ready(sockets: ReadySockets, text: str, droppable: bool, send_to_all: SendToAll) -> int:
    """`broadcast` with the C send loop: the frame goes to every socket of `sockets` in one call, and only the
    clients it did not wholly reach (backed up, closing, just written to, or a partial send) are handled here."""
    frame = frame_text(text)
    sent = len(sockets)
    outboxes = sockets.outboxes
    for outbox, outcome in [(outboxes[position], outcome) for position, outcome in send_to_all(frame, sockets.fds)]:
        if outcome is None:  # left to Python, which asks the stream itself
            sent -= not outbox.deliver(frame, text, droppable)
        elif not outbox.settle(frame, outcome):
            sent -= 1
        outbox.refresh()
    return sent


def _retrieve(future: Any) -> None:
    """Mark a failed write's error as seen: a client closing mid-write is normal, not worth a traceback."""
    if not future.cancelled():
        future.exception()
