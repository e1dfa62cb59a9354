"""The C send loop's array of entries: whatever joins and leaves, entry i is outboxes[i]'s, and only its; on a real
server, the array holds exactly the outboxes its clients joined with."""

from __future__ import annotations

import pytest
from helpers import JsonClient, Serve, eventually, native_send_loop
from hypothesis import given
from hypothesis import strategies as st
from tornado.ioloop import IOLoop

from tornado_timer.core.protocol import DEFAULT_TIMER
from tornado_timer.course.slow_readers import tighten
from tornado_timer.server.channel import TimerChannel
from tornado_timer.server.fanout import Outbox
from tornado_timer.server.ready_sockets import ReadySockets, WatchedSocket


class NumberedOutbox(Outbox):
    """An outbox with no connection behind it, whose socket is always ready: number `fd`."""

    def __init__(self, fd: int) -> None:  # no handler: only what ReadySockets uses
        self._fast = False  # nothing to watch
        self._socket = None  # type: ignore[assignment]
        self._sockets = None
        self._position = -1
        self.fd = fd

    def direct_fd(self) -> int:
        return self.fd


def consistent(ready: ReadySockets, entries_asked_now: bool = True) -> bool:
    """Entry i is outboxes[i]'s, which knows its place; and (unless a real socket's may have been taken down since)
    each entry is what its outbox's `direct_fd` says."""
    return len(ready.fds) == len(ready.outboxes) and all(
        outbox.position_in(ready) == position and (not entries_asked_now or ready.fds[position] == outbox.direct_fd())
        for position, outbox in enumerate(ready.outboxes))


@given(st.lists(st.tuples(st.booleans(), st.integers(0, 19)), max_size=60))
def test_entries_stay_with_their_clients_whatever_joins_and_leaves(moves: list[tuple[bool, int]]) -> None:
    ready = ReadySockets()
    outboxes = [NumberedOutbox(100 + n) for n in range(20)]
    inside: set[int] = set()
    for joining, n in moves:
        if joining and n not in inside:
            ready.add(outboxes[n])
            inside.add(n)
        elif not joining:
            ready.discard(outboxes[n])  # leaving twice, or without having joined, is harmless
            inside.discard(n)
            assert outboxes[n].position_in(ready) == -1 and not outboxes[n].seated
        assert consistent(ready)
        assert sorted(ready.fds) == sorted(100 + n for n in inside)


def test_a_client_cannot_take_two_entries() -> None:
    ready = ReadySockets()
    outbox = NumberedOutbox(7)
    ready.add(outbox)
    with pytest.raises(ValueError, match="already has an entry"):
        ready.add(outbox)
    assert list(ready.fds) == [7]


def test_an_outbox_sets_only_its_own_entry() -> None:
    ready = ReadySockets()
    first, second = NumberedOutbox(7), NumberedOutbox(8)
    ready.add(first)
    ready.add(second)
    second.unready()
    assert list(ready.fds) == [7, -1]
    second.refresh()
    ready.discard(first)  # second moves into the first place
    second.unready()
    assert list(ready.fds) == [-1]


def entries_match_subscribers(channel: TimerChannel) -> bool:
    """The C send loop's array holds exactly the outboxes the timer's clients joined with, each at its place."""
    sockets = channel.sockets
    assert sockets is not None, "the C send loop is on"
    return set(sockets.outboxes) == set(channel.subscribers.values()) and consistent(sockets, entries_asked_now=False)


async def test_a_timers_array_follows_its_clients_and_a_tightened_one_keeps_its_entry(serve: Serve) -> None:
    native_send_loop()  # fails under CI if the C loop was not built
    server = await serve()
    clients = [await JsonClient.joined(server.ws_url()) for _ in range(4)]
    channel = server.app.registry.get(DEFAULT_TIMER)
    assert channel is not None and len(channel.subscribers) == 4 and entries_match_subscribers(channel)
    for handler in channel.subscribers:  # the event loop holds the watched socket, not the detached one
        sock = handler.ws_connection.stream.socket  # type: ignore[attr-defined]
        assert isinstance(sock, WatchedSocket) and IOLoop.current().handlers[sock.fileno()][0] is sock  # type: ignore[attr-defined]
    handler = next(iter(channel.subscribers))
    tighten(handler, stall_seconds=5.0, send_buffer_bytes=8192)  # the course's shorter bounds: the same outbox
    assert entries_match_subscribers(channel)
    clients[1].close()
    clients[3].close()
    assert await eventually(lambda: len(channel.subscribers) == 2)
    assert entries_match_subscribers(channel) and len(channel.sockets or ()) == 2
    for client in (clients[0], clients[2]):
        client.close()
    assert await eventually(lambda: len(channel.sockets or ()) == 0)


async def test_a_client_that_has_just_joined_is_in_the_array_for_the_next_tick(serve: Serve) -> None:
    native_send_loop()
    server = await serve()
    client = await JsonClient.joined(server.ws_url())
    channel = server.app.registry.get(DEFAULT_TIMER)
    assert channel is not None and channel.sockets is not None
    (handler,) = channel.subscribers
    sock = handler.ws_connection.stream.socket  # type: ignore[attr-defined]
    assert list(channel.sockets.fds) == [sock.fileno()], "its state went out before it took its entry"
    client.close()
