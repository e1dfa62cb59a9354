"""Notebook 2's exercises: decode a masked frame by hand, and send a command in fragments with a ping between them."""

from __future__ import annotations

import asyncio
import json
import os
import random
from collections.abc import Callable
from typing import Any

from ...core import rfc6455
from ...core.rfc6455 import Opcode
from ..exercise import Exercise, Report, fresh_server

#: The frame of exercise 2.1, as a packet capture shows it.
MYSTERY_FRAME = (
    "81 a5 5a 21 0f 3c 21 03 7b 45 2a 44 2d 06 7a 03 6e 58 30 54"
    " 7c 48 78 0d 2f 1e 3e 44 63 48 3b 7e 62 4f 78 1b 2f 0a 6a 11 3f 0c 27"
)


def unmask_hex(hex_frame: str) -> str:
    """The text of one masked text frame given as hex: read the length, the mask, then XOR the payload."""
    data = bytes.fromhex(hex_frame)
    length, offset = data[1] & 0x7F, 2
    if length == 126:
        length, offset = int.from_bytes(data[2:4], "big"), 4
    elif length == 127:
        length, offset = int.from_bytes(data[2:10], "big"), 10
    mask = data[offset : offset + 4]
    payload = data[offset + 4 : offset + 4 + length]
    return bytes(b ^ mask[i % 4] for i, b in enumerate(payload)).decode("utf-8")


async def check_unmask(report: Report, answer: Callable[..., Any]) -> None:
    text = await report.call(answer, MYSTERY_FRAME)
    report.expect(text == _text_of(MYSTERY_FRAME), f"the mystery frame says {_text_of(MYSTERY_FRAME)!r}, not "
                  f"{text!r}", f"the mystery frame: {text!r}")
    rng = random.Random(6455)
    for length in (0, 1, 5, 125, 126, 300, 70_000):
        payload = "".join(rng.choice("abcdefghij {}\":,") for _ in range(length))
        frame = rfc6455.encode_frame(Opcode.TEXT, payload, mask=rng.randbytes(4)).hex(" ")
        got = await report.call(answer, frame)
        form = rfc6455.length_form(length)
        report.expect(got == payload, f"a {length}-byte payload ({form} length) came out wrong: "
                      f"{str(got)[:40]!r}... instead of {payload[:40]!r}...")
    report.ok("seven more frames, from 0 bytes to 70,000: every length form, random masks")


def _text_of(hex_frame: str) -> str:
    decoded = rfc6455.decode_frame(bytes.fromhex(hex_frame))
    assert decoded is not None
    return decoded[0].text()


def fragments(command: str) -> list[bytes]:
    """`command` in three masked fragments, with a ping between the second and the third."""
    data = command.encode("utf-8")
    third = max(1, len(data) // 3)
    parts = [data[:third], data[third : 2 * third], data[2 * third :]]
    return [
        rfc6455.encode_frame(Opcode.TEXT, parts[0], mask=os.urandom(4), fin=False),
        rfc6455.encode_frame(Opcode.CONTINUATION, parts[1], mask=os.urandom(4), fin=False),
        rfc6455.encode_frame(Opcode.PING, b"between", mask=os.urandom(4)),
        rfc6455.encode_frame(Opcode.CONTINUATION, parts[2], mask=os.urandom(4)),
    ]


async def check_fragments(report: Report, answer: Callable[..., Any]) -> None:
    command = json.dumps({"type": "pause"})
    frames = await report.call(answer, command)
    report.expect(isinstance(frames, list) and all(isinstance(f, bytes) for f in frames),
                  "return a list of frames, each as bytes")
    headers = [rfc6455.decode_header(frame) for frame in frames]
    report.expect(all(h is not None and h.masked for h in headers), "every frame a client sends must be masked")
    data = [h for h in headers if h is not None and not Opcode(h.opcode).is_control]
    pings = [h for h in headers if h is not None and h.opcode == Opcode.PING]
    report.expect(len(data) >= 3, f"{len(data)} data frames: the task asks for three fragments")
    report.expect(bool(pings), "put a PING between the fragments")
    async with fresh_server(interval=0.5) as server:
        reader, writer = await asyncio.open_connection(server.host, server.port)
        try:
            writer.write(rfc6455.handshake_request(f"{server.host}:{server.port}"))
            seen = await _frames_until_paused(reader, writer, b"".join(frames))
        finally:
            writer.close()
    report.expect(Opcode.PONG in seen, "the server sent no PONG: was the ping well formed?", "the ping was answered "
                  "with a pong, in the middle of the message")
    report.expect("paused" in seen, "the timer did not pause: the fragments did not add up to the command",
                  "the fragments were put back together: the timer paused")


async def _frames_until_paused(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, frames: bytes) -> list[Any]:
    """Send `frames` after the handshake; what came back (opcodes, and "paused" once a state said so)."""
    data = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
    response, _ = rfc6455.parse_http_response(data) or (None, b"")
    if response is None or response.status != 101:
        raise ConnectionError("the check's own handshake was refused")
    writer.write(frames)
    seen: list[Any] = []
    buffer = b""
    deadline = asyncio.get_running_loop().time() + 3.0
    while "paused" not in seen or Opcode.PONG not in seen:
        left = deadline - asyncio.get_running_loop().time()
        try:
            chunk = await asyncio.wait_for(reader.read(65536), left) if left > 0 else b""
        except asyncio.TimeoutError:
            break
        if not chunk:
            break
        buffer += chunk
        while (decoded := rfc6455.decode_frame(buffer)) is not None:
            frame, used = decoded
            buffer = buffer[used:]
            seen.append(frame.opcode)
            if frame.opcode == Opcode.TEXT and json.loads(frame.text()).get("timer", {}).get("status") == "paused":
                seen.append("paused")
            if frame.opcode == Opcode.CLOSE:
                return seen
    return seen


EXERCISES = (
    Exercise("2.1", "decode a hex frame and unmask it by hand", "unmask_hex", check_unmask, unmask_hex),
    Exercise("2.2", "a command in three fragments, a ping between them", "fragments", check_fragments, fragments),
)
