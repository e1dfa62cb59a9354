"""A reverse proxy's TLS end in miniature (notebook 8): `wss://` outside, plain `ws://` to the server inside.

Like nginx or Caddy in front of the server, it decrypts and passes the request on unchanged (the `Host` header
included, which nginx keeps with `proxy_set_header Host $host`), so the server's same-origin and Host checks see
what the browser sent. The certificate comes from a throwaway certificate authority (`trustme`) that only the
notebook's clients trust. It keeps the first decrypted bytes of each connection, to compare with the wire.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from dataclasses import dataclass, field

import trustme


@dataclass
class TlsTerminator:
    """`await TlsTerminator.start(host, port)`: TLS on a free loopback port, relayed in the clear to host:port."""

    target: tuple[str, int]
    authority: trustme.CA = field(default_factory=trustme.CA)
    server: asyncio.Server | None = None
    inside: bytes = b""  # the first bytes it passed on, decrypted
    tasks: set[asyncio.Task[None]] = field(default_factory=set)

    @classmethod
    async def start(cls, host: str, port: int) -> TlsTerminator:
        proxy = cls((host, port))
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        proxy.authority.issue_cert("localhost", "127.0.0.1").configure_cert(context)
        proxy.server = await asyncio.start_server(proxy._accept, "127.0.0.1", 0, ssl=context)
        return proxy

    @property
    def port(self) -> int:
        assert self.server is not None
        port: int = self.server.sockets[0].getsockname()[1]
        return port

    def client_context(self) -> ssl.SSLContext:
        """A client's TLS settings that trust this proxy's certificate (and nothing else)."""
        context = ssl.create_default_context()
        self.authority.configure_trust(context)
        return context

    def close(self) -> None:
        if self.server is not None:
            self.server.close()
        for task in self.tasks:
            task.cancel()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        inner_reader, inner_writer = await asyncio.open_connection(*self.target)
        for source, sink, keep in ((reader, inner_writer, True), (inner_reader, writer, False)):
            task = asyncio.ensure_future(self._pump(source, sink, keep))
            self.tasks.add(task)
            task.add_done_callback(self.tasks.discard)

    async def _pump(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, keep: bool) -> None:
        with contextlib.suppress(ConnectionError, asyncio.CancelledError, ssl.SSLError):
            while chunk := await reader.read(65536):
                if keep and len(self.inside) < 4096:
                    self.inside += chunk
                writer.write(chunk)
                await writer.drain()
        writer.close()
