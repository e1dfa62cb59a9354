"""The registry and its StoreSync against an in-memory fake store that can go away, come back empty, race, and
tell of its own writes early, the way Redis does; no sockets (the clients are fakes that record what they get)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from tornado_timer.core.commands import Control, SetTimer
from tornado_timer.core.model import Command, IllegalTransition, Mode, Settings, Status, Timer
from tornado_timer.core.record import Record, to_record
from tornado_timer.server.channel import LoopClock
from tornado_timer.server.metrics import Metrics
from tornado_timer.server.registry import TimerRegistry, TooManyTimers
from tornado_timer.store import MemoryStore, StoreUnavailable
from tornado_timer.store.base import AvailabilityListener, ChangeListener

START, PAUSE, RESUME = Control(Command.START), Control(Command.PAUSE), Control(Command.RESUME)


class FakeStore(MemoryStore):
    """A shared store as several processes see it: it can be down, be restarted empty, and publish changes."""

    multi_process = True

    def __init__(self, echo_first: bool = False) -> None:
        super().__init__()
        self.up = True
        self.echo_first = echo_first  # tell the listener of our own write before the write returns (as Redis may)
        self.on_change: ChangeListener = lambda record: None
        self.on_availability: AvailabilityListener = lambda available: None
        self.forgotten: list[str] = []

    @property
    def available(self) -> bool:
        return self.up

    async def open(self, on_change: ChangeListener, on_availability: AvailabilityListener) -> list[Record]:
        self.on_change, self.on_availability = on_change, on_availability
        return list(self.records.values())

    async def get(self, name: str) -> Record | None:
        self._check()
        return await super().get(name)

    async def put(self, record: Record, expected_version: int | None) -> None:
        self._check()
        await super().put(record, expected_version)
        if self.echo_first:
            self.on_change(record)

    async def forget(self, name: str) -> None:
        self._check()
        self.forgotten.append(name)
        await super().forget(name)

    def _check(self) -> None:
        if not self.up:
            raise StoreUnavailable("the fake store is down")

    def go_down(self) -> None:
        self.up = False
        self.on_availability(False)

    def come_back(self, empty: bool = False) -> None:
        if empty:
            self.records.clear()
        self.up = True
        self.on_availability(True)

    def elsewhere(self, timer: Timer, publish: bool = True) -> None:
        """Another process changes `timer` (heard of at once, unless the store was down)."""
        clock = LoopClock()
        record = to_record(timer, clock.now_ms(), clock.wall_ms())
        self.records[timer.name] = record
        if publish:
            self.on_change(record)


class FakeOutbox:
    def __init__(self) -> None:
        self.texts: list[str] = []

    def send(self, text: str, droppable: bool = False) -> bool:
        self.texts.append(text)
        return True

    def deliver(self, frame: bytes, text: str, droppable: bool) -> bool:
        return self.send(text, droppable)


class FakeClient:
    def __init__(self) -> None:
        self.outbox = FakeOutbox()
        self.closed_with: int | None = None

    def close(self, code: int | None = None, reason: str | None = None) -> None:
        self.closed_with = code

    def messages(self, kind: str) -> list[dict[str, Any]]:
        return [m for m in map(json.loads, self.outbox.texts) if m["type"] == kind]

    def states(self) -> list[tuple[str, int]]:
        return [(m["timer"]["status"], m["timer"]["version"]) for m in self.messages("state")]


async def registry_on(store: FakeStore, max_timers: int = 10, autostart: bool = False) -> TimerRegistry:
    registry = TimerRegistry(store, Settings(Mode.STOPWATCH), 1000, max_timers, autostart, Metrics())
    await registry.ready()
    return registry


async def settled() -> None:
    """Let background work (saves, resyncs, forgetting) run."""
    for _ in range(5):
        await asyncio.sleep(0.01)


async def test_each_version_reaches_clients_once_even_when_the_store_tells_of_it_first() -> None:
    for echo_first in (False, True):
        store = FakeStore(echo_first=echo_first)
        registry = await registry_on(store)
        client = FakeClient()
        channel = await registry.join("talk", client, "controller")
        await registry.execute(channel, START)
        await registry.execute(channel, PAUSE)
        assert client.states() == [("idle", 0), ("running", 1), ("paused", 2)], echo_first
        registry.shut_down()


async def test_a_refused_command_changes_nothing_anywhere() -> None:
    store = FakeStore()
    registry = await registry_on(store)
    client = FakeClient()
    channel = await registry.join("talk", client, "controller")
    with pytest.raises(IllegalTransition):
        await registry.execute(channel, RESUME)
    assert client.states() == [("idle", 0)] and store.records["talk"]["version"] == 0
    registry.shut_down()


async def test_a_newer_change_made_elsewhere_is_shown_and_an_older_one_is_not() -> None:
    store = FakeStore()
    registry = await registry_on(store)
    client = FakeClient()
    channel = await registry.join("talk", client, "controller")
    running = channel.timer.apply(Command.START, LoopClock().now_ms())
    store.elsewhere(running)
    assert channel.timer.status is Status.RUNNING and client.states()[-1] == ("running", 1)
    store.elsewhere(running)  # the same version again: nothing new to show
    store.elsewhere(Timer.create("talk", Settings(Mode.STOPWATCH), 1000))  # an older version
    assert client.states() == [("idle", 0), ("running", 1)]
    registry.shut_down()


async def test_a_command_racing_a_change_elsewhere_is_applied_on_top_of_it() -> None:
    store = FakeStore()
    registry = await registry_on(store)
    client = FakeClient()
    channel = await registry.join("talk", client, "controller")
    store.elsewhere(channel.timer.apply(Command.START, LoopClock().now_ms()), publish=False)  # not heard yet
    await registry.execute(channel, Control(Command.RESET))  # conflicts, re-reads (running, v1), then resets it
    assert client.states() == [("idle", 0), ("running", 1), ("idle", 2)]
    assert (store.records["talk"]["status"], store.records["talk"]["version"]) == ("idle", 2)
    registry.shut_down()


async def test_while_the_store_is_away_commands_are_refused_and_everyone_is_told() -> None:
    store = FakeStore()
    registry = await registry_on(store)
    client = FakeClient()
    channel = await registry.join("talk", client, "controller")
    store.go_down()
    with pytest.raises(StoreUnavailable) as refused:
        await registry.execute(channel, START)
    assert refused.value.code.value == "unavailable"
    late = FakeClient()
    await registry.join("talk", late, "viewer")
    assert [m["degraded"] for m in client.messages("server")] == [True]
    assert [m["degraded"] for m in late.messages("server")] == [True]
    registry.shut_down()


async def test_after_an_outage_what_changed_elsewhere_meanwhile_is_shown() -> None:
    store = FakeStore()
    registry = await registry_on(store)
    client = FakeClient()
    channel = await registry.join("talk", client, "controller")
    store.go_down()
    store.elsewhere(channel.timer.apply(Command.START, LoopClock().now_ms()), publish=False)  # missed meanwhile
    store.come_back()
    await settled()
    assert [m["degraded"] for m in client.messages("server")] == [True, False]
    assert client.states()[-1] == ("running", 1)
    await registry.execute(channel, PAUSE)
    assert store.records["talk"]["version"] == 2
    registry.shut_down()


async def test_a_store_that_comes_back_empty_gets_every_timer_shown_here_back() -> None:
    store = FakeStore()
    registry = await registry_on(store)
    channel = await registry.join("talk", FakeClient(), "controller")
    await registry.execute(channel, START)
    store.go_down()
    store.come_back(empty=True)
    await settled()
    assert store.records["talk"]["status"] == "running" and store.records["talk"]["version"] == 1
    await registry.execute(channel, PAUSE)  # and commands go on from the version put back
    assert store.records["talk"]["version"] == 2
    registry.shut_down()


async def test_a_countdown_that_ends_during_an_outage_is_saved_once_the_store_is_back() -> None:
    store = FakeStore()
    registry = await registry_on(store)
    client = FakeClient()
    channel = await registry.join("talk", client, "controller")
    await registry.execute(channel, SetTimer(Settings(Mode.COUNTDOWN, duration_ms=50, interval_ms=10)))
    await registry.execute(channel, START)
    store.go_down()
    await asyncio.sleep(0.15)  # it ends here, and the save fails
    assert channel.timer.status is Status.FINISHED and store.records["talk"]["status"] == "running"
    store.come_back()
    await settled()
    assert (store.records["talk"]["status"], store.records["talk"]["version"]) == ("finished", 3)
    assert client.states()[-1] == ("finished", 3)
    registry.shut_down()


async def test_an_idle_timer_nobody_watches_leaves_memory_and_a_pristine_one_the_store_too() -> None:
    store = FakeStore()
    registry = await registry_on(store)
    passing, kept = FakeClient(), FakeClient()
    await registry.join("passing", passing, "controller")
    channel = await registry.join("kept", kept, "controller")
    await registry.execute(channel, SetTimer(Settings(Mode.COUNTDOWN, duration_ms=60_000)))
    registry.leave(registry.get("passing"), passing)  # type: ignore[arg-type]
    registry.leave(channel, kept)
    await settled()
    assert registry.get("passing") is None and registry.get("kept") is None
    assert store.forgotten == ["passing"] and set(store.records) == {"default", "kept"}
    again = await registry.join("kept", FakeClient(), "controller")
    assert again.timer.mode is Mode.COUNTDOWN and again.timer.version == 1
    registry.shut_down()


async def test_restoring_keeps_the_active_timers_up_to_the_limit_the_default_first() -> None:
    store = FakeStore()
    now = LoopClock().now_ms()
    for name in ("a", "b", "c"):
        store.elsewhere(Timer.create(name, Settings(Mode.STOPWATCH), 1000).apply(Command.START, now), publish=False)
    store.elsewhere(Timer.create("idle-one", Settings(Mode.STOPWATCH), 1000), publish=False)
    registry = await registry_on(store, max_timers=3)
    assert registry.restored == 2 and "default" in {channel.name for channel in registry}
    assert len(registry) == 3 and registry.get("idle-one") is None
    with pytest.raises(TooManyTimers):
        await registry.join("one-more", FakeClient(), "controller")
    registry.shut_down()


async def test_the_default_timer_autostarts_once_however_many_processes_open() -> None:
    store = FakeStore()
    first = await registry_on(store, autostart=True)
    second = await registry_on(store, autostart=True)
    assert first.default.timer.status is Status.RUNNING and second.default.timer.version == 1
    assert store.records["default"]["version"] == 1
    first.shut_down()
    second.shut_down()
