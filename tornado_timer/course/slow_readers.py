"""A client that stops reading, seen from both ends (notebook 7).

`StalledReader` is a WebSocket client on a raw socket with a small receive buffer that reads nothing after its
handshake until `drain()` is called: a frozen browser tab, a stuck proxy. `server_side()` finds its connection in a
server of this process, `tighten()` gives that one connection short bounds (the real ones, 30 s without progress and
a 64 KiB send buffer, would take minutes to show on loopback), and `held_bytes()` is what the server holds for it.
"""

from __future__ import annotations

import asyncio
import os
import socket
from pathlib import Path
from typing import Any

from ..core import rfc6455
from ..server.runner import RunningServer
from ..server.tornado_private import queued_bytes

RECEIVE_BUFFER = 2048  # the kernel makes it a little larger; small enough to fill in a second at 100 ticks/s


class StalledReader:
    """A WebSocket client that reads nothing after its handshake until `drain()` (`connect()` makes one)."""

    def __init__(self, sock: socket.socket, response: rfc6455.HttpResponse, early: bytes) -> None:
        self.sock = sock
        self.response = response
        self.received = early  # frame bytes that came with the handshake's answer

    @classmethod
    async def connect(cls, host: str, port: int, path: str = "/ws",
                      receive_buffer: int = RECEIVE_BUFFER) -> StalledReader:
        """Handshake on a socket with a small receive buffer; then it stops reading."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
        sock.setblocking(False)
        loop = asyncio.get_running_loop()
        try:
            await loop.sock_connect(sock, (host, port))
            await loop.sock_sendall(sock, rfc6455.handshake_request(f"{host}:{port}", path))
            data = b""
            while (parsed := rfc6455.parse_http_response(data)) is None:
                chunk = await asyncio.wait_for(loop.sock_recv(sock, 1024), 5)
                if not chunk:
                    raise ConnectionError("the server closed the connection during the handshake")
                data += chunk
        except BaseException:
            sock.close()
            raise
        response, early = parsed
        if response.status != 101:
            sock.close()
            raise ConnectionError(f"the handshake was refused: {response.status} {response.reason}")
        return cls(sock, response, early)

    @property
    def address(self) -> tuple[str, int]:
        """This end's address, as the server sees its peer."""
        host, port = self.sock.getsockname()[:2]
        return host, port

    async def drain(self, timeout: float = 5.0) -> list[rfc6455.Frame]:
        """Read what has waited for us, until a close frame, the end of the connection or `timeout`: the frames."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while (left := deadline - loop.time()) > 0 and not _ends_in_close(self.received):
            try:
                chunk = await asyncio.wait_for(loop.sock_recv(self.sock, 65536), min(left, 0.5))
            except asyncio.TimeoutError:
                if _complete(self.received):
                    break  # nothing more came for half a second: we have read all there was
                continue
            except ConnectionError:
                break
            if not chunk:
                break
            self.received += chunk
        return frames_in(self.received)

    def close(self) -> None:
        self.sock.close()


def frames_in(data: bytes) -> list[rfc6455.Frame]:
    """The complete frames at the start of `data`, in order."""
    frames = []
    while (decoded := rfc6455.decode_frame(data)) is not None:
        frame, used = decoded
        frames.append(frame)
        data = data[used:]
    return frames


def _complete(data: bytes) -> bool:
    used = sum(f.header.header_size + f.header.length for f in frames_in(data))
    return used == len(data)


def _ends_in_close(data: bytes) -> bool:
    frames = frames_in(data)
    return bool(frames) and frames[-1].opcode == rfc6455.Opcode.CLOSE


def server_side(server: RunningServer, reader: StalledReader) -> Any:
    """The server's handler (a `TimerSocket`) of `reader`'s connection, or None once it has gone."""
    for channel in server.app.registry:
        for subscriber in channel.subscribers:
            protocol = getattr(subscriber, "ws_connection", None)
            sock = protocol.stream.socket if protocol is not None and protocol.stream is not None else None
            if sock is not None and sock.getpeername()[:2] == reader.address:
                return subscriber
    return None


def tighten(handler: Any, stall_seconds: float = 1.0, send_buffer_bytes: int = 4096) -> None:
    """Give one connection shorter slow-reader bounds than the server's (`fanout.MAX_STALL_SECONDS`, 30 s, and
    `SEND_BUFFER_BYTES`, 64 KiB), set on its outbox as the server sets them on every one. None (a connection to a
    server in another process) is left alone."""
    if handler is None:
        return
    handler.outbox.set_limits(stall_seconds, send_buffer_bytes)


def held_bytes(handler: Any) -> int:
    """Bytes the server holds for this connection that the kernel would not take (0 once it is closed)."""
    protocol = handler.ws_connection if handler is not None else None
    if protocol is None or protocol.stream is None or protocol.stream.closed():
        return 0
    return queued_bytes(protocol.stream)


def process_memory() -> int | None:
    """This process's resident memory in bytes (Linux; None where /proc is not there)."""
    statm = Path("/proc/self/statm")
    if not statm.exists():
        return None
    return int(statm.read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")
