"""The C send loop's array of entries: whatever joins and leaves, entry i is outboxes[i]'s, and only its."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tornado_timer.server.fanout import Outbox
from tornado_timer.server.ready_sockets import ReadySockets


class NumberedOutbox(Outbox):
    """An outbox with no connection behind it, whose socket is always ready: number `fd`."""

    def __init__(self, fd: int) -> None:  # no handler: only what ReadySockets uses
        self._fast = False  # nothing to watch
        self._ready = None
        self._position = -1
        self.fd = fd

    def direct_fd(self) -> int:
        return self.fd


def consistent(ready: ReadySockets) -> bool:
    return len(ready.fds) == len(ready.outboxes) and all(
        outbox.position_in(ready) == position and ready.fds[position] == outbox.direct_fd()
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
