"""A TCP relay between clients and a server that can go silent (notebook 7): `cut()` keeps every connection open
but forwards nothing more, either way, as when a cable is pulled, a laptop sleeps or a NAT forgets the mapping. No
FIN and no RST reach either end, so neither TCP notices; only a ping that is never answered can tell.

It reads what passes (before and after the cut) frame by frame, so a notebook can show when the server pinged and
when it gave up (`events`), and keeps the first bytes of each direction as they were on the wire (`first_bytes`).
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field

from ..core import rfc6455

FIRST_BYTES = 4096


@dataclass(frozen=True)
class Event:
    """A frame the relay saw: `at` (s, the loop's clock), `direction` ("down": server to client), its opcode,
    and whether it was forwarded (False once the relay is cut)."""

    at: float
    direction: str
    opcode: int
    forwarded: bool


@dataclass
class _Stream:
    """One direction of one connection: the bytes not yet parsed into frames, and whether the head is past."""

    direction: str
    buffer: bytes = b""
    upgraded: bool = False


@dataclass
class Relay:
    """`await Relay.start(host, port)` listens on a free loopback port and relays each connection to the server."""

    target: tuple[str, int]
    server: asyncio.Server | None = None
    is_cut: bool = False
    cut_at: float | None = None
    events: list[Event] = field(default_factory=list)
    tasks: set[asyncio.Task[None]] = field(default_factory=set)
    writers: list[asyncio.StreamWriter] = field(default_factory=list)
    first_bytes: dict[str, bytes] = field(default_factory=lambda: {"up": b"", "down": b""})

    @classmethod
    async def start(cls, host: str, port: int) -> Relay:
        relay = cls((host, port))
        relay.server = await asyncio.start_server(relay._accept, "127.0.0.1", 0)
        return relay

    @property
    def port(self) -> int:
        assert self.server is not None
        port: int = self.server.sockets[0].getsockname()[1]
        return port

    def cut(self) -> None:
        """From now on forward nothing, in either direction, and close nothing."""
        self.is_cut = True
        self.cut_at = asyncio.get_running_loop().time()

    def close(self) -> None:
        """Stop listening and drop every connection (now both ends see it end)."""
        if self.server is not None:
            self.server.close()
        for writer in self.writers:
            writer.close()
        for task in self.tasks:
            task.cancel()

    async def _accept(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        server_reader, server_writer = await asyncio.open_connection(*self.target)
        self.writers += [client_writer, server_writer]
        for reader, writer, direction in ((client_reader, server_writer, "up"),
                                          (server_reader, client_writer, "down")):
            task = asyncio.ensure_future(self._pump(reader, writer, _Stream(direction)))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)

    async def _pump(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, stream: _Stream) -> None:
        with contextlib.suppress(ConnectionError, asyncio.CancelledError):
            while chunk := await reader.read(65536):
                forwarded = not self.is_cut
                if forwarded:
                    writer.write(chunk)
                self._note(stream, chunk, forwarded)
        writer.close()

    def _note(self, stream: _Stream, chunk: bytes, forwarded: bool) -> None:
        """Keep the first bytes; record the frames in `chunk` (after the HTTP handshake's head)."""
        kept = self.first_bytes[stream.direction]
        if len(kept) < FIRST_BYTES:
            self.first_bytes[stream.direction] = (kept + chunk)[:FIRST_BYTES]
        stream.buffer += chunk
        if not stream.upgraded:
            end = stream.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            stream.buffer, stream.upgraded = stream.buffer[end + 4 :], True
        now = asyncio.get_running_loop().time()
        while (decoded := rfc6455.decode_frame(stream.buffer)) is not None:
            frame, used = decoded
            stream.buffer = stream.buffer[used:]
            self.events.append(Event(now, stream.direction, frame.opcode, forwarded))
