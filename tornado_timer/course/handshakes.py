"""Handshakes typed by hand, for the notebooks and their exercises: send one on a new TCP connection and read
the answer, as notebook 1 does step by step."""

from __future__ import annotations

import asyncio

from ..core import rfc6455


async def send_request(host: str, port: int, request: bytes) -> tuple[rfc6455.HttpResponse, bytes]:
    """Write a request on a new TCP connection: the response, and its body (after a 101: the first frames' bytes,
    if any came with it)."""
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(request)
        data = b""
        while (parsed := rfc6455.parse_http_response(data)) is None or _body_missing(parsed[0]):
            chunk = await asyncio.wait_for(reader.read(4096), 5)
            if not chunk:
                raise ConnectionError(f"the server closed the connection after {len(data)} bytes, before an answer")
            data += chunk
        return parsed[0], parsed[0].body if parsed[0].status != 101 else parsed[1]
    finally:
        writer.close()


def _body_missing(response: rfc6455.HttpResponse) -> bool:
    return response.status != 101 and len(response.body) < int(response.header("Content-Length") or 0)
