"""The few private parts of Tornado that the fast fan-out reads, in one place, checked when imported.

Writing a tick's frame straight to a socket (server/fanout.py) needs three things Tornado keeps to itself: whether
a stream still holds unsent bytes (its two write indexes), how many (its write buffer), and whether a connection
compresses (its compressor). The C send loop's array of ready sockets (server/ready_sockets.py) also relies on how
a stream uses its socket: every write tries `stream.socket.send` at once, and closing calls `stream.socket.close`;
and when it gives a stream a new socket object, it updates the event loop's table of handlers too.
If a Tornado release changes any of them, `AVAILABLE` is False, a warning says so once, and every connection takes
Tornado's public `write_message` path instead: slower, never wrong.

Answering a plain upgrade directly (server/upgrade.py, server/http_server.py) needs five more: the parameters
object a protocol is made with, Tornado's cross-origin rule, the protocol's frame loop and its abort, and the
method that runs a routed request. Without them `DIRECT_UPGRADE` is False and every handshake goes through
Tornado's HTTP server and `WebSocketHandler.get`.
tests/test_fanout.py and tests/test_upgrade.py pin the behaviour relied on here.
"""

from __future__ import annotations

import inspect
import logging
import socket
from asyncio import Future
from collections.abc import Coroutine
from typing import Any

from tornado import gen, web, websocket
from tornado.iostream import BaseIOStream, IOStream

log = logging.getLogger("tornado_timer.fanout")

_STREAM_ATTRIBUTES = ("_write_buffer", "_total_write_index", "_total_write_done_index")
_PROTOCOL_ATTRIBUTES = ("_compressor",)


def _names(function: object, names: tuple[str, ...]) -> bool:
    """True if `function`'s code names every one of `names`: the attributes it sets, the methods it calls."""
    code = getattr(function, "__code__", None)
    return code is not None and all(name in code.co_names for name in names)


def _assigned_in_init(cls: type, names: tuple[str, ...]) -> bool:
    """True if `cls.__init__` assigns every attribute of `names` (read from its code, no instance needed)."""
    return _names(vars(cls).get("__init__"), names)


def internals_present(stream_class: type = BaseIOStream, socket_stream_class: type = IOStream,
                      protocol_class: type = websocket.WebSocketProtocol13) -> bool:
    """True if the classes have what the fast path reads; if not, say so (this runs once, at import)."""
    present = (_assigned_in_init(stream_class, _STREAM_ATTRIBUTES)
               and _assigned_in_init(protocol_class, _PROTOCOL_ATTRIBUTES)
               and _names(getattr(socket_stream_class, "write_to_fd", None), ("socket", "send"))
               and _names(getattr(socket_stream_class, "close_fd", None), ("socket", "close")))
    if not present:
        log.warning("this Tornado release lacks the stream internals the fast fan-out reads; every message goes "
                    "through write_message instead (correct, but slower with many clients)")
    return present


AVAILABLE = internals_present()


_PARAMS_FIELDS = ("ping_interval", "ping_timeout", "max_message_size", "compression_options")


def _parameters(function: object) -> tuple[str, ...] | None:
    """The names of `function`'s parameters; None if it is not a function."""
    if not callable(function):
        return None
    try:
        return tuple(inspect.signature(function).parameters)
    except (TypeError, ValueError):
        return None


def upgrade_internals_present(module: object = websocket) -> bool:
    """True if `module` (Tornado's websocket) has what a direct upgrade uses; if not, say so (once, at import)."""
    params = getattr(module, "_WebSocketParams", None)
    protocol = getattr(module, "WebSocketProtocol13", None)
    handler = getattr(module, "WebSocketHandler", None)
    present = (_parameters(params) == _PARAMS_FIELDS
               and _parameters(getattr(protocol, "_receive_frame_loop", None)) == ("self",)
               and _parameters(getattr(protocol, "_abort", None)) == ("self",)
               and _parameters(getattr(handler, "_check_cross_origin", None)) == ("self", "check")
               and _parameters(getattr(handler, "_execute", None)) == ("self", "transforms", "args", "kwargs"))
    if not present:
        log.warning("this Tornado release lacks the parts a direct WebSocket upgrade uses; every handshake goes "
                    "through WebSocketHandler.get instead (correct, but slower)")
    return present


DIRECT_UPGRADE = upgrade_internals_present()


def websocket_params(handler: websocket.WebSocketHandler) -> websocket._WebSocketParams:
    """What `WebSocketHandler.get_websocket_protocol` makes a protocol with; never compression (we offer none)."""
    return websocket._WebSocketParams(ping_interval=handler.ping_interval, ping_timeout=handler.ping_timeout,
                                      max_message_size=handler.max_message_size, compression_options=None)


def cross_origin_error(handler: websocket.WebSocketHandler) -> str | None:
    """Tornado's own cross-origin rule (Sec-Fetch-Site, Origin against Host, then `check_origin`): why not, or None."""
    return handler._check_cross_origin(handler.check_origin)


def receive_frames(protocol: websocket.WebSocketProtocol13) -> Coroutine[Any, Any, None]:
    """Tornado's frame loop: every message to the handler until the connection closes (its coroutine, not one
    more around it: each connection keeps its chain of coroutines alive for as long as it lasts)."""
    return protocol._receive_frame_loop()


def execute(handler: web.RequestHandler, transforms: list[Any], path_kwargs: dict[str, Any]) -> Future[None]:
    """Run a routed request in a task, as Tornado's handler delegate does (`_execute` answers every error itself)."""
    return gen.convert_yielded(handler._execute(transforms, **path_kwargs))


def abort(protocol: websocket.WebSocketProtocol13) -> None:
    """Close the connection at once, as Tornado does when a handshake fails after its 101."""
    protocol._abort()


def is_writing(stream: BaseIOStream) -> bool:
    """`stream.writing()`, minus two calls: this runs for every client on every tick (10% of the fan-out)."""
    return stream._total_write_index != stream._total_write_done_index


def queued_bytes(stream: BaseIOStream) -> int:
    """How many bytes the stream holds that the kernel has not taken yet."""
    return len(stream._write_buffer)


def can_write_directly(handler: websocket.WebSocketHandler) -> bool:
    """True if frames may bypass Tornado: plain TCP, RFC 6455 framing, no compression, no masking."""
    protocol = handler.ws_connection
    return (
        AVAILABLE
        and type(protocol) is websocket.WebSocketProtocol13
        and type(protocol.stream) is IOStream  # never SSLIOStream: raw bytes would skip TLS
        and protocol._compressor is None
        and not protocol.mask_outgoing
    )


def hand_over_socket(stream: IOStream, sock: socket.socket) -> None:
    """Make `sock`, a new socket object for the stream's file descriptor, the stream's socket, and the one the event
    loop's table of handlers holds (where the old one would stay, 88 bytes a connection, until the stream closes)."""
    stream.socket = sock
    handlers = getattr(stream.io_loop, "handlers", None)  # Tornado's asyncio loops: {fd: (file object, handler)}
    entry = handlers.get(sock.fileno()) if isinstance(handlers, dict) else None
    if isinstance(entry, tuple) and len(entry) == 2:
        handlers[sock.fileno()] = (sock, entry[1])  # type: ignore[index]
