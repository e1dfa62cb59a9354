"""The hand-made RFC 6455 helpers the notebooks teach with, checked against the RFC and an independent library."""

from __future__ import annotations

import os

import pytest
from hypothesis import given
from hypothesis import strategies as st
from websockets.frames import Close, Frame
from websockets.frames import Opcode as WsOpcode
from websockets.streams import StreamReader

from tornado_timer.core import rfc6455
from tornado_timer.core.rfc6455 import Opcode


def test_accept_key_matches_the_rfc_example() -> None:
    assert rfc6455.accept_key(rfc6455.RFC_EXAMPLE_KEY) == rfc6455.RFC_EXAMPLE_ACCEPT
    assert rfc6455.accept_key("dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="


def test_new_key_is_16_bytes_base64() -> None:
    assert rfc6455.new_key(b"the sample nonce") == rfc6455.RFC_EXAMPLE_KEY
    assert len(rfc6455.new_key()) == 24
    with pytest.raises(ValueError):
        rfc6455.new_key(b"short")


def test_handshake_request_has_the_required_lines() -> None:
    text = rfc6455.handshake_request("127.0.0.1:1", "/ws", "k", origin="http://x").decode()
    assert text.startswith("GET /ws HTTP/1.1\r\nHost: 127.0.0.1:1\r\n")
    assert "Sec-WebSocket-Key: k\r\n" in text and "Sec-WebSocket-Version: 13\r\n" in text
    assert "Origin: http://x\r\n" in text and text.endswith("\r\n\r\n")
    broken = rfc6455.handshake_request("h", key="", version=None).decode()
    assert "Sec-WebSocket-Key" not in broken and "Sec-WebSocket-Version" not in broken


def test_parse_http_response_splits_head_body_and_frames() -> None:
    assert rfc6455.parse_http_response(b"HTTP/1.1 101 Switching") is None
    data = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nSec-WebSocket-Accept: abc\r\n\r\n\x81\x00"
    parsed = rfc6455.parse_http_response(data)
    assert parsed is not None
    response, rest = parsed
    assert (response.status, response.reason, response.header("SEC-WEBSOCKET-ACCEPT")) == (
        101,
        "Switching Protocols",
        "abc",
    )
    assert rest == b"\x81\x00"
    refused = rfc6455.parse_http_response(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 3\r\n\r\nno!")
    assert refused is not None and refused[0].status == 403 and refused[0].body == b"no!"
    with pytest.raises(ValueError):
        rfc6455.parse_http_response(b"SSH-2.0\r\n\r\n")


def test_rfc_section_5_7_examples() -> None:
    # RFC 6455 5.7: a single-frame unmasked text message, and the same masked.
    unmasked = bytes.fromhex("810548656c6c6f")
    masked = bytes.fromhex("818537fa213d7f9f4d5158")
    assert rfc6455.encode_frame(Opcode.TEXT, "Hello") == unmasked
    assert rfc6455.encode_frame(Opcode.TEXT, "Hello", mask=bytes.fromhex("37fa213d")) == masked
    for data in (unmasked, masked):
        decoded = rfc6455.decode_frame(data)
        assert decoded is not None
        frame, used = decoded
        assert (frame.fin, frame.opcode, frame.text(), used) == (True, Opcode.TEXT, "Hello", len(data))
    # the 256-byte and 64 KiB binary examples use the 16- and 64-bit lengths
    assert rfc6455.encode_frame(Opcode.BINARY, bytes(256))[:4] == bytes.fromhex("827e0100")
    assert rfc6455.encode_frame(Opcode.BINARY, bytes(65536))[:10] == bytes.fromhex("827f0000000000010000")


@pytest.mark.parametrize(
    ("n", "form", "header"),
    [(0, "7-bit", 2), (125, "7-bit", 2), (126, "16-bit", 4), (65535, "16-bit", 4), (65536, "64-bit", 10)],
)
def test_length_forms(n: int, form: str, header: int) -> None:
    data = rfc6455.encode_frame(Opcode.BINARY, bytes(n))
    h = rfc6455.decode_header(data)
    assert h is not None and (h.length, h.length_form, h.header_size) == (n, form, header)
    assert rfc6455.length_form(n) == form
    assert rfc6455.header_size(data[:2]) == header
    assert rfc6455.header_size(rfc6455.encode_frame(Opcode.BINARY, bytes(n), mask=b"abcd")[:2]) == header + 4
    assert rfc6455.decode_frame(data[:-1] if n else data[:1]) is None


def test_control_frames_are_small_and_whole() -> None:
    with pytest.raises(ValueError):
        rfc6455.encode_frame(Opcode.PING, bytes(126))
    with pytest.raises(ValueError):
        rfc6455.encode_frame(Opcode.CLOSE, b"", fin=False)
    assert Opcode.PING.is_control and not Opcode.TEXT.is_control


def test_close_payloads() -> None:
    assert rfc6455.close_payload(1000, "bye") == b"\x03\xe8bye"
    assert rfc6455.parse_close_payload(b"\x03\xe9going away") == (1001, "going away")
    assert rfc6455.close_payload(None) == b"" and rfc6455.parse_close_payload(b"") == (None, "")
    with pytest.raises(ValueError):
        rfc6455.close_payload(None, "reason without code")
    with pytest.raises(ValueError):
        rfc6455.parse_close_payload(b"\x03")
    with pytest.raises(ValueError):
        rfc6455.close_payload(1000, "x" * 124)


def test_describe_frame_names_every_field() -> None:
    text = rfc6455.describe_frame(rfc6455.encode_frame(Opcode.CLOSE, rfc6455.close_payload(1001, "bye"), mask=b"abcd"))
    assert "FIN=1" in text and "opcode=0x8 (CLOSE)" in text and "MASK=1" in text and "close code = 1001" in text
    assert rfc6455.describe_frame(b"\x81") == "incomplete frame"


def _websockets_parse(data: bytes, mask: bool) -> Frame:
    reader = StreamReader()
    reader.feed_data(data)
    reader.feed_eof()
    parser = Frame.parse(reader.read_exact, mask=mask)
    try:
        next(parser)
    except StopIteration as stop:
        return stop.value  # type: ignore[no-any-return]
    raise AssertionError("websockets did not finish parsing")


@given(payload=st.binary(max_size=70000), masked=st.booleans(), opcode=st.sampled_from([Opcode.TEXT, Opcode.BINARY]))
def test_frames_agree_with_the_websockets_library(payload: bytes, masked: bool, opcode: Opcode) -> None:
    if opcode is Opcode.TEXT:
        payload = payload.decode("utf-8", "ignore").encode("utf-8")
    mask = os.urandom(4) if masked else None
    ours = rfc6455.encode_frame(opcode, payload, mask=mask)
    theirs = _websockets_parse(ours, mask=masked)
    assert theirs.data == payload and theirs.opcode == WsOpcode(int(opcode)) and theirs.fin
    serialized = Frame(WsOpcode(int(opcode)), payload).serialize(mask=masked)
    decoded = rfc6455.decode_frame(serialized)
    assert decoded is not None and decoded[0].payload == payload and decoded[1] == len(serialized)
    assert decoded[0].header.masked is masked


def test_close_frame_agrees_with_the_websockets_library() -> None:
    data = rfc6455.close_payload(1001, "server shutting down")
    assert Close.parse(data) == Close(1001, "server shutting down")


@given(st.binary(max_size=300), st.binary(min_size=4, max_size=4))
def test_masking_twice_gives_the_payload_back(payload: bytes, mask: bytes) -> None:
    assert rfc6455.apply_mask(rfc6455.apply_mask(payload, mask), mask) == payload
