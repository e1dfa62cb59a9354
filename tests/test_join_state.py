"""The state a joining client gets: encoded once for everyone who joins within a few milliseconds (a room
reconnecting at once), but never older than a state already sent, nor of an older version, nor of the other role."""

from __future__ import annotations

import json
from typing import Any

from tornado_timer.core.model import Command, Mode, Settings, Timer
from tornado_timer.server.channel import JOIN_STATE_MAX_AGE_MS, TimerChannel
from tornado_timer.server.metrics import Metrics


class StepClock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.ms = 1_000_000.0

    def now_ms(self) -> float:
        return self.ms

    def wall_ms(self) -> float:
        return 1_700_000_000_000.0 + self.ms


class Recorder:
    def __init__(self) -> None:
        self.texts: list[str] = []

    def send(self, text: str, droppable: bool = False) -> bool:
        self.texts.append(text)
        return True

    def deliver(self, frame: bytes, text: str, droppable: bool) -> bool:
        return self.send(text, droppable)


class Client:
    def __init__(self) -> None:
        self.outbox = Recorder()

    def close(self, code: int | None = None, reason: str | None = None) -> None:
        pass

    def first_state(self) -> dict[str, Any]:
        state: dict[str, Any] = json.loads(self.outbox.texts[0])
        assert state["type"] == "state"
        return state


def channel_at(clock: StepClock) -> TimerChannel:
    timer = Timer.create("talk", Settings(Mode.STOPWATCH), 1000).apply(Command.START, clock.now_ms())
    return TimerChannel(timer, clock, Metrics(), on_finished=lambda channel, version: None)  # type: ignore[arg-type]


def joined(channel: TimerChannel, role: str = "viewer") -> Client:
    client = Client()
    channel.join(client, role)  # type: ignore[arg-type]
    return client


def test_joiners_within_the_window_share_one_encoding_and_later_ones_get_a_fresh_state() -> None:
    clock = StepClock()
    channel = channel_at(clock)
    first = joined(channel)
    clock.ms += JOIN_STATE_MAX_AGE_MS / 2
    second = joined(channel)
    assert second.outbox.texts[0] is first.outbox.texts[0]
    clock.ms += JOIN_STATE_MAX_AGE_MS
    third = joined(channel)
    assert third.first_state()["server_time"] > first.first_state()["server_time"]
    assert third.first_state()["timer"]["elapsed_ms"] > first.first_state()["timer"]["elapsed_ms"]


def test_each_role_gets_its_own_state() -> None:
    clock = StepClock()
    channel = channel_at(clock)
    viewer, controller = joined(channel, "viewer"), joined(channel, "controller")
    assert (viewer.first_state()["role"], controller.first_state()["role"]) == ("viewer", "controller")


def test_a_change_or_any_state_sent_meanwhile_is_never_undone_for_a_joiner() -> None:
    clock = StepClock()
    channel = channel_at(clock)
    before = joined(channel)
    channel.adopt(channel.timer.apply(Command.PAUSE, clock.now_ms()))
    after_change = joined(channel)
    assert (before.first_state()["timer"]["status"], after_change.first_state()["timer"]["status"]) == (
        "running", "paused")
    channel.broadcast(channel.encode_state())  # a new phase is announced this way, with the same timer
    clock.ms += 1
    after_broadcast = joined(channel)
    assert after_broadcast.first_state()["server_time"] > after_change.first_state()["server_time"]
