"""RFC 6455 by hand: the handshake's accept key, frames, masks and close payloads.

Pure functions and small dataclasses with no I/O, so the notebooks can show every byte a WebSocket sends
and the tests can check them against the RFC's own examples. The server and the Python client use Tornado's
frames; this module exists to teach and to check them, not to replace them. The server's direct `101`
(server/upgrade.py) takes its accept value from `accept_key` here.
"""

from __future__ import annotations

import base64
import enum
import hashlib
import os
import struct
from dataclasses import dataclass

__all__ = [
    "GUID",
    "RFC_EXAMPLE_ACCEPT",
    "RFC_EXAMPLE_KEY",
    "Frame",
    "FrameHeader",
    "HttpResponse",
    "Opcode",
    "accept_key",
    "apply_mask",
    "close_payload",
    "decode_frame",
    "decode_header",
    "describe_frame",
    "encode_frame",
    "handshake_request",
    "header_size",
    "length_form",
    "new_key",
    "parse_close_payload",
    "parse_http_response",
]

#: The fixed GUID every server appends to the client's key (RFC 6455, section 1.3).
GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
#: The RFC's worked example: this key ...
RFC_EXAMPLE_KEY = "dGhlIHNhbXBsZSBub25jZQ=="
#: ... must be answered with this accept value.
RFC_EXAMPLE_ACCEPT = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="

_MAX_CONTROL_PAYLOAD = 125


class Opcode(enum.IntEnum):
    """The frame types of RFC 6455 section 5.2; 0x8 and above are control frames."""

    CONTINUATION = 0x0
    TEXT = 0x1
    BINARY = 0x2
    CLOSE = 0x8
    PING = 0x9
    PONG = 0xA

    @property
    def is_control(self) -> bool:
        """Control frames may not be fragmented and carry at most 125 bytes."""
        return self >= 0x8


def accept_key(key: str) -> str:
    """The `Sec-WebSocket-Accept` a server must answer to `key`: base64(SHA-1(key + GUID)).

    It proves the server read *this* handshake as a WebSocket one, not that anything is secret.
    """
    digest = hashlib.sha1((key.strip() + GUID).encode("ascii")).digest()
    return base64.b64encode(digest).decode("ascii")


def new_key(nonce: bytes | None = None) -> str:
    """A `Sec-WebSocket-Key`: 16 random bytes, base64 encoded (pass `nonce` for a fixed one)."""
    raw = os.urandom(16) if nonce is None else nonce
    if len(raw) != 16:
        raise ValueError("a WebSocket key is 16 bytes before base64")
    return base64.b64encode(raw).decode("ascii")


def handshake_request(
    host: str,
    path: str = "/ws",
    key: str | None = None,
    *,
    version: str | None = "13",
    origin: str | None = None,
    extra: dict[str, str] | None = None,
) -> bytes:
    """The HTTP/1.1 upgrade request, line by line, ready to write on a TCP socket.

    `key=None` sends a fresh random key; pass `key=""` to leave the header out (a broken handshake), and
    `version=None` to leave out `Sec-WebSocket-Version`.
    """
    lines = [
        f"GET {path} HTTP/1.1",
        f"Host: {host}",
        "Upgrade: websocket",
        "Connection: Upgrade",
    ]
    if key is None:
        key = new_key()
    if key:
        lines.append(f"Sec-WebSocket-Key: {key}")
    if version is not None:
        lines.append(f"Sec-WebSocket-Version: {version}")
    if origin is not None:
        lines.append(f"Origin: {origin}")
    for name, value in (extra or {}).items():
        lines.append(f"{name}: {value}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("ascii")


@dataclass(frozen=True)
class HttpResponse:
    """An HTTP response head (and whatever body bytes came with it)."""

    status: int
    reason: str
    headers: dict[str, str]
    body: bytes

    def header(self, name: str) -> str | None:
        """Header lookup ignoring case, as HTTP requires."""
        return self.headers.get(name.lower())


def parse_http_response(data: bytes) -> tuple[HttpResponse, bytes] | None:
    """Split `data` into the response head and the bytes after it; None until the blank line arrived.

    Header names are lower-cased. For a refused handshake the bytes after the head are the body (use
    Content-Length to know when it is complete); after a `101` they are already WebSocket frames.
    """
    end = data.find(b"\r\n\r\n")
    if end < 0:
        return None
    head = data[:end].decode("iso-8859-1")
    rest = data[end + 4 :]
    status_line, *header_lines = head.split("\r\n")
    parts = status_line.split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/"):
        raise ValueError(f"not an HTTP status line: {status_line!r}")
    headers: dict[str, str] = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    body = b""
    if parts[1] != "101":
        length = int(headers.get("content-length", "0") or 0)
        body, rest = rest[:length], rest[length:]
    response = HttpResponse(int(parts[1]), parts[2] if len(parts) > 2 else "", headers, body)
    return response, rest


def apply_mask(payload: bytes, mask: bytes) -> bytes:
    """XOR `payload` with the 4-byte `mask` repeated; the same call masks and unmasks."""
    if len(mask) != 4:
        raise ValueError("a masking key is 4 bytes")
    if not payload:
        return b""
    repeated = (mask * (len(payload) // 4 + 1))[: len(payload)]
    return (int.from_bytes(payload, "big") ^ int.from_bytes(repeated, "big")).to_bytes(len(payload), "big")


def length_form(n: int) -> str:
    """Which of the three length encodings a payload of `n` bytes uses."""
    if n < 126:
        return "7-bit"
    if n < 1 << 16:
        return "16-bit"
    return "64-bit"


def encode_frame(
    opcode: Opcode | int,
    payload: bytes | str = b"",
    *,
    mask: bytes | None = None,
    fin: bool = True,
    rsv: int = 0,
) -> bytes:
    """One frame as bytes. A client must pass a 4-byte `mask` (use `os.urandom(4)`); a server sends none."""
    data = payload.encode("utf-8") if isinstance(payload, str) else payload
    op = Opcode(opcode)
    if op.is_control and (len(data) > _MAX_CONTROL_PAYLOAD or not fin):
        raise ValueError("control frames carry at most 125 bytes and are never fragmented")
    first = (0x80 if fin else 0) | ((rsv & 0x7) << 4) | int(op)
    mask_bit = 0x80 if mask is not None else 0
    n = len(data)
    if n < 126:
        head = struct.pack("!BB", first, mask_bit | n)
    elif n < 1 << 16:
        head = struct.pack("!BBH", first, mask_bit | 126, n)
    else:
        head = struct.pack("!BBQ", first, mask_bit | 127, n)
    if mask is None:
        return head + data
    return head + mask + apply_mask(data, mask)


@dataclass(frozen=True)
class FrameHeader:
    """The fields of a frame's header, decoded bit by bit."""

    fin: bool
    rsv: int
    opcode: int
    masked: bool
    length: int
    length_form: str
    mask: bytes | None
    header_size: int

    @property
    def opcode_name(self) -> str:
        """The opcode's name, or `reserved` for the unassigned ones."""
        try:
            return Opcode(self.opcode).name
        except ValueError:
            return "reserved"


@dataclass(frozen=True)
class Frame:
    """A decoded frame: its header and its payload, unmasked."""

    header: FrameHeader
    payload: bytes

    @property
    def opcode(self) -> int:
        """Shortcut for `header.opcode`."""
        return self.header.opcode

    @property
    def fin(self) -> bool:
        """Shortcut for `header.fin`."""
        return self.header.fin

    def text(self) -> str:
        """The payload as UTF-8 (text frames are always valid UTF-8)."""
        return self.payload.decode("utf-8")


def header_size(first_two: bytes) -> int:
    """A frame's header size, known from its first two bytes: 2, plus 2 or 8 for a long length, plus 4 if masked.

    A reader of a stream reads 2 bytes, then the rest of the header, then exactly `length` payload bytes.
    """
    if len(first_two) < 2:
        raise ValueError("need the first two bytes of the frame")
    n = first_two[1] & 0x7F
    extra = 2 if n == 126 else 8 if n == 127 else 0
    return 2 + extra + (4 if first_two[1] & 0x80 else 0)


def decode_header(data: bytes) -> FrameHeader | None:
    """Decode the header at the start of `data`; None if more bytes are needed to know it."""
    if len(data) < 2:
        return None
    b0, b1 = data[0], data[1]
    masked = bool(b1 & 0x80)
    n = b1 & 0x7F
    offset = 2
    if n == 126:
        if len(data) < 4:
            return None
        (n,) = struct.unpack("!H", data[2:4])
        form, offset = "16-bit", 4
    elif n == 127:
        if len(data) < 10:
            return None
        (n,) = struct.unpack("!Q", data[2:10])
        form, offset = "64-bit", 10
    else:
        form = "7-bit"
    mask = None
    if masked:
        if len(data) < offset + 4:
            return None
        mask = bytes(data[offset : offset + 4])
        offset += 4
    return FrameHeader(
        fin=bool(b0 & 0x80),
        rsv=(b0 >> 4) & 0x7,
        opcode=b0 & 0x0F,
        masked=masked,
        length=n,
        length_form=form,
        mask=mask,
        header_size=offset,
    )


def decode_frame(data: bytes) -> tuple[Frame, int] | None:
    """Decode one frame from the start of `data`: (frame, bytes used), or None if it is not all there yet."""
    header = decode_header(data)
    if header is None or len(data) < header.header_size + header.length:
        return None
    end = header.header_size + header.length
    payload = bytes(data[header.header_size : end])
    if header.mask is not None:
        payload = apply_mask(payload, header.mask)
    return Frame(header, payload), end


def close_payload(code: int | None = 1000, reason: str = "") -> bytes:
    """The body of a close frame: a 2-byte status code then a UTF-8 reason (or nothing at all)."""
    if code is None:
        if reason:
            raise ValueError("a close reason needs a status code")
        return b""
    body = struct.pack("!H", code) + reason.encode("utf-8")
    if len(body) > _MAX_CONTROL_PAYLOAD:
        raise ValueError("a close payload is at most 125 bytes")
    return body


def parse_close_payload(payload: bytes) -> tuple[int | None, str]:
    """(status code, reason) from a close frame's payload; (None, "") when it has none (code 1005)."""
    if not payload:
        return None, ""
    if len(payload) == 1:
        raise ValueError("a close payload is empty or at least 2 bytes")
    (code,) = struct.unpack("!H", payload[:2])
    return code, payload[2:].decode("utf-8")


def describe_frame(data: bytes) -> str:
    """One line per header field of the frame at the start of `data`, with the bits it came from."""
    decoded = decode_frame(data)
    if decoded is None:
        return "incomplete frame"
    frame, _ = decoded
    h = frame.header
    lines = [
        f"byte 0 = {data[0]:08b}: FIN={int(h.fin)} RSV={h.rsv:03b} opcode={h.opcode:#x} ({h.opcode_name})",
        f"byte 1 = {data[1]:08b}: MASK={int(h.masked)} length bits={data[1] & 0x7F}",
        f"payload length = {h.length} ({h.length_form} form, header {h.header_size} bytes)",
    ]
    if h.mask is not None:
        lines.append(f"masking key = {h.mask.hex()}")
    if h.opcode == Opcode.CLOSE:
        code, reason = parse_close_payload(frame.payload)
        lines.append(f"close code = {code} reason = {reason!r}")
    elif h.opcode == Opcode.TEXT and h.length <= 400:
        lines.append(f"payload = {frame.text()}")
    elif h.length <= 64:
        lines.append(f"payload = {frame.payload!r}")
    return "\n".join(lines)
