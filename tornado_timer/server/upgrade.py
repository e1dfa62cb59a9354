"""A timer socket's handshake, answered directly when the request is a plain upgrade.

Tornado answers an upgrade the way it answers any page: a response headers object, a status, `finish()`, `flush()`,
its HTTP/1 writer, then detaching the stream: a tenth or more of a handshake's CPU (docs/performance.md,
"Where a handshake's time went"). For the request every browser and client sends (version 13, a key, no
subprotocol asked for, a page Tornado's cross-origin rule lets in) this writes the `101` in one piece and starts
Tornado's own frame loop, as `WebSocketProtocol13._accept_connection` does. Every other request goes to
`WebSocketHandler.get`, which answers it as it always has; so does every request if this Tornado lacks the parts
read here (`tornado_private.DIRECT_UPGRADE`).
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import Mapping
from typing import Any

import tornado
from tornado import websocket
from tornado.iostream import StreamClosedError
from tornado.log import gen_log

from ..core.rfc6455 import accept_key
from . import tornado_private

# What Tornado's own 101 says, minus its Date (RFC 9110 leaves Date optional on a 1xx; formatting it costs 6 us).
SWITCHING_PROTOCOLS = (f"HTTP/1.1 101 Switching Protocols\r\nServer: TornadoServer/{tornado.version}\r\n"
                       "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n")


def plain_upgrade_key(headers: Mapping[str, str]) -> str | None:
    """The `Sec-WebSocket-Key` of a request we may answer directly; None for anything Tornado should look at."""
    key = headers.get("Sec-Websocket-Key")
    if (not key or not key.isascii() or not headers.get("Host")
            or headers.get("Sec-Websocket-Version") != "13"
            or headers.get("Upgrade", "").lower() != "websocket"
            or "upgrade" not in (token.strip().lower() for token in headers.get("Connection", "").split(","))
            or "Sec-Websocket-Protocol" in headers):
        return None
    return key


def switch_protocols(handler: websocket.WebSocketHandler) -> websocket.WebSocketProtocol13 | None:
    """Answer `101` and hand the stream to a new protocol object, or do nothing and return None (not plain)."""
    if not tornado_private.DIRECT_UPGRADE or handler.get_compression_options() is not None:
        return None
    key = plain_upgrade_key(handler.request.headers)
    if key is None or tornado_private.cross_origin_error(handler) is not None:
        return None
    protocol = websocket.WebSocketProtocol13(handler, False, tornado_private.websocket_params(handler))
    protocol.selected_subprotocol = None  # none was asked for
    handler.ws_connection = protocol
    handler.set_status(101)  # for the access log
    # Finished from here: a later finish() raises "called twice", write() "after finish()", as Tornado's do.
    protocol.stream = handler.detach()
    with contextlib.suppress(StreamClosedError):  # gone already: the frame loop finds out and closes at once
        protocol.stream.write(SWITCHING_PROTOCOLS.format(accept=accept_key(key)).encode("ascii"))
    handler.application.log_request(handler)
    handler.on_finish()
    return protocol


async def run(handler: websocket.WebSocketHandler, protocol: websocket.WebSocketProtocol13,
              args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """What Tornado does after its `101`: `open()`, then every frame until the connection ends (cancelled, or a
    malformed frame, closes the connection, as in Tornado's `accept_connection`)."""
    handler.open_args, handler.open_kwargs = args, kwargs
    protocol.start_pinging()
    try:
        try:
            opened = handler.open(*args, **kwargs)
            if opened is not None:
                await opened
        except Exception:
            handler.log_exception(*sys.exc_info())
            tornado_private.abort(protocol)
            return
        await tornado_private.receive_frames(protocol)
    except asyncio.CancelledError:
        tornado_private.abort(protocol)
    except ValueError:
        gen_log.debug("Malformed WebSocket request received", exc_info=True)
        tornado_private.abort(protocol)
