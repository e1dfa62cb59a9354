"""The send loop's one contract, run against the C function and its pure-Python twin on real sockets."""

from __future__ import annotations

import errno
import socket
from collections.abc import Iterator

import pytest
from helpers import native_send_loop
from hypothesis import given, settings
from hypothesis import strategies as st

from tornado_timer.server import sendloop
from tornado_timer.server.sendloop import SendToAll


@pytest.fixture(params=["native", "twin"])
def send_to_all(request: pytest.FixtureRequest) -> SendToAll:
    return native_send_loop() if request.param == "native" else sendloop.send_to_all


@pytest.fixture
def pairs() -> Iterator[list[tuple[socket.socket, socket.socket]]]:
    """Three connected pairs: the server's end (non-blocking, as Tornado makes it) and the client's."""
    made = [socket.socketpair() for _ in range(3)]
    for server, _ in made:
        server.setblocking(False)
    yield made
    for server, client in made:
        server.close()
        client.close()


def test_a_frame_every_socket_takes_whole_leaves_nothing_to_settle(send_to_all: SendToAll, pairs: list) -> None:
    frame = b"\x81\x05hello"
    assert send_to_all(frame, [server.fileno() for server, _ in pairs]) == []
    assert [client.recv(100) for _, client in pairs] == [frame] * 3


def test_a_full_buffer_takes_part_then_nothing(send_to_all: SendToAll, pairs: list) -> None:
    server = pairs[1][0]
    server.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
    frame = b"x" * 1000
    fds = [s.fileno() for s, _ in pairs]
    outcomes: list[tuple[int, int]] = []
    for _ in range(10_000):  # the kernel buffer fills within a few hundred frames
        outcomes = send_to_all(frame, fds)
        for _, other in (pairs[0], pairs[2]):
            other.recv(100_000)
        if outcomes and outcomes[0][1] == 0:
            break
    assert outcomes == [(1, 0)], "only the full socket is reported, with nothing taken (EAGAIN)"


def test_a_partial_send_reports_what_the_kernel_took(send_to_all: SendToAll) -> None:
    server, client = socket.socketpair()
    server.setblocking(False)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
    with server, client:
        frame = b"y" * 1_000_000  # more than any send buffer holds
        [(position, taken)] = send_to_all(frame, [server.fileno()])
        assert position == 0 and 0 < taken < len(frame)


def test_a_closed_peer_and_a_closed_descriptor_are_errors(send_to_all: SendToAll, pairs: list) -> None:
    pairs[0][1].close()  # the peer went away
    closed = socket.socket()
    closed_fd = closed.fileno()
    closed.close()
    outcomes = dict(send_to_all(b"tick", [pairs[0][0].fileno(), pairs[1][0].fileno(), closed_fd]))
    assert outcomes[0] in (-errno.EPIPE, -errno.ECONNRESET)
    assert outcomes[2] == -errno.EBADF
    assert 1 not in outcomes
    assert pairs[1][1].recv(10) == b"tick"


def test_a_negative_entry_is_left_alone_and_reported(send_to_all: SendToAll, pairs: list) -> None:
    fds = [-1, pairs[0][0].fileno(), -1]
    assert send_to_all(b"tick", fds) == [(0, None), (2, None)]
    assert pairs[0][1].recv(10) == b"tick"


def test_an_empty_list_and_any_bytes_like_frame(send_to_all: SendToAll, pairs: list) -> None:
    assert send_to_all(b"tick", []) == []
    assert send_to_all(memoryview(b"..tick")[2:], [pairs[0][0].fileno()]) == []  # type: ignore[arg-type]
    assert pairs[0][1].recv(10) == b"tick"


def test_bad_arguments_are_refused_with_a_clear_error() -> None:
    native = native_send_loop()
    with pytest.raises(TypeError):
        native(b"x", [None])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="not a file descriptor"):
        native(b"x", [2**40])
    with pytest.raises(TypeError, match="not an int"):
        native(b"x", [True])  # exact ints only: converting anything else could run Python code
    with pytest.raises(TypeError):
        native(b"x", 5)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        native("text", [])  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        native(b"x")  # type: ignore[call-arg]


@settings(max_examples=60, deadline=None)
@given(frame=st.binary(min_size=1, max_size=3000), closed=st.lists(st.booleans(), min_size=1, max_size=6))
def test_the_c_loop_and_its_twin_agree(frame: bytes, closed: list[bool]) -> None:
    native = native_send_loop()
    results = []
    for send_to_all in (native, sendloop.send_to_all):
        made = [socket.socketpair() for _ in closed]
        for (server, client), gone in zip(made, closed, strict=True):
            server.setblocking(False)
            if gone:
                client.close()
        results.append(send_to_all(frame, [server.fileno() for server, _ in made]))
        for (server, client), gone in zip(made, closed, strict=True):
            if not gone:
                assert client.recv(len(frame) + 1) == frame
            server.close()
            client.close()
    assert results[0] == results[1]
    assert [position for position, _ in results[0]] == [i for i, gone in enumerate(closed) if gone]
