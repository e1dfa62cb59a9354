"""All the timers of one server, by name: created on first use, changed through the store, forgotten when
idle and unwatched. The one place that talks to the store; handlers and channels never do."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Coroutine, Iterator
from typing import Any

from ..core.model import Command, IllegalTransition, Mode, Settings, Status, Timer
from ..core.protocol import DEFAULT_TIMER, encode_server
from ..core.record import BadRecord, Record, from_record, is_sound, to_record
from ..store import StoreUnavailable, TimerStore, VersionConflict
from .channel import LoopClock, Subscriber, TimerChannel
from .metrics import Metrics

log = logging.getLogger("tornado_timer.registry")
MAX_ATTEMPTS = 8  # compare-and-set retries before a command gives up under contention


class TooManyTimers(Exception):
    """The server holds its maximum number of timers and a new name was asked for."""


class TimerRegistry:
    def __init__(self, store: TimerStore, default_settings: Settings, default_interval_ms: int, max_timers: int,
                 autostart: bool, metrics: Metrics, clock: LoopClock | None = None) -> None:
        self.store = store
        self.default_settings = default_settings
        self.default_interval_ms = default_interval_ms
        self.max_timers = max_timers
        self.autostart = autostart
        self.metrics = metrics
        self.clock = clock or LoopClock()
        self.restored = 0
        self._channels: dict[str, TimerChannel] = {}
        self._opening: asyncio.Future[None] | None = None
        self._background: set[asyncio.Future[None]] = set()
        self._shutting_down = False

    def __iter__(self) -> Iterator[TimerChannel]:
        return iter(list(self._channels.values()))

    def __len__(self) -> int:
        return len(self._channels)

    def get(self, name: str) -> TimerChannel | None:
        return self._channels.get(name)

    @property
    def default(self) -> TimerChannel:
        return self._channels[DEFAULT_TIMER]

    def connection_count(self) -> int:
        return sum(len(channel.subscribers) for channel in self._channels.values())

    async def lookup(self, name: str) -> Timer | None:
        """Timer `name` as this process shows it, or as the store has it (held by another process)."""
        channel = self._channels.get(name)
        if channel is not None:
            return channel.timer
        record = await self.store.get(name)
        return None if record is None or not is_sound(record) else self._timer(record)

    def has_room_for(self, name: str) -> bool:
        return name in self._channels or len(self._channels) < self.max_timers

    @property
    def is_ready(self) -> bool:
        opening = self._opening
        return opening is not None and opening.done() and not opening.cancelled() and opening.exception() is None

    def ready(self) -> asyncio.Future[None]:
        """Open the store and restore its timers, once; every caller awaits the same opening."""
        if self._opening is None or (self._opening.done() and self._opening.exception() is not None):
            self._opening = asyncio.ensure_future(self._open())  # a failed opening is tried again
        return self._opening

    async def join(self, name: str, subscriber: Subscriber, role: str) -> TimerChannel:
        """The channel of timer `name` (created if new), with `subscriber` added and sent the state."""
        await self.ready()
        channel = self._channels.get(name) or (await self._load_or_create(name))[0]
        channel.join(subscriber, role)
        if not self.store.available:
            subscriber.outbox.send(encode_server(degraded=True))
        return channel

    def leave(self, channel: TimerChannel, subscriber: Subscriber) -> None:
        """Let a client go. An idle timer nobody watches leaves this process's memory (its record stays in the
        store, unless nobody ever changed it); not while shutting down, when every client leaves at once."""
        channel.leave(subscriber)
        if self._shutting_down or channel.subscribers or channel.name == DEFAULT_TIMER:
            return
        if channel.timer.status is Status.IDLE and self._channels.get(channel.name) is channel:
            channel.stop()
            del self._channels[channel.name]
            if channel.timer.version == 0:
                self._spawn(self._forget(channel.name))

    async def execute(self, channel: TimerChannel, command: Command, settings: Settings | None = None) -> None:
        """Apply a command atomically in the store, then show it to every client of this process.

        Raises IllegalTransition (nothing changes) or StoreUnavailable.
        """
        for _ in range(MAX_ATTEMPTS):
            now_ms = self.clock.now_ms()
            changed = channel.timer.settle(now_ms).apply(command, now_ms, settings)
            try:
                await self.store.put(self._record(changed), expected_version=channel.stored_version)
            except VersionConflict:
                await self.refresh(channel)
                continue
            channel.stored_version = changed.version
            channel.adopt(changed)
            return
        raise StoreUnavailable(f"the timer {channel.name!r} kept changing under this command; try again")

    async def refresh(self, channel: TimerChannel) -> None:
        """Re-read a timer from the store after a conflict (someone else changed it first)."""
        record = await self.store.get(channel.name)
        if record is not None:
            self.on_remote_change(record)

    def on_remote_change(self, record: Record) -> None:
        """A change made elsewhere (another process): adopt it if it is newer than what we show."""
        name = record.get("name")
        channel = self._channels.get(name) if isinstance(name, str) else None
        if channel is None:
            return
        try:
            timer = self._timer(record)
        except BadRecord as error:
            log.error("ignored a bad record of timer %r from the store: %s", channel.name, error)
            return
        channel.stored_version = timer.version
        shown = channel.timer
        differs = (timer.status, timer.mode, timer.banked_ms) != (shown.status, shown.mode, shown.banked_ms)
        if timer.version > shown.version or (timer.version == shown.version and differs):
            channel.adopt(timer)

    def on_availability(self, available: bool) -> None:
        """The store went away or came back: tell every client, and re-read everything once it is back."""
        message = encode_server(degraded=not available)
        for channel in self:
            channel.broadcast(message)
        if available:
            self._spawn(self.resync())

    async def resync(self) -> None:
        """After an outage: adopt what changed meanwhile, and put back what a restarted, empty store lost."""
        for channel in self:
            try:
                record = await self.store.get(channel.name)
                if record is None:
                    await self.store.put(self._record(channel.timer), expected_version=None)
                    channel.stored_version = channel.timer.version
                else:
                    self.on_remote_change(record)
                    finished_here = channel.timer.status is Status.FINISHED
                    if finished_here and channel.timer.version > (channel.stored_version or 0):
                        await self._save_finish(channel, channel.timer)  # the end it could not save meanwhile
            except VersionConflict:
                await self.refresh(channel)
            except StoreUnavailable:
                return  # gone again; the next recovery resyncs

    def shut_down(self, code: int = 1001, reason: str = "the server is shutting down") -> None:
        """Stop every timer's callback and close every client's socket with `code`."""
        self._shutting_down = True
        for channel in self:
            channel.stop()
            for subscriber in list(channel.subscribers):
                subscriber.close(code, reason)

    async def close(self) -> None:
        if self._background:
            await asyncio.wait(self._background, timeout=1.0)
        await self.store.close()

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        """Run `work` in the background, holding a reference so it is not collected half-way."""
        task = asyncio.ensure_future(work)
        self._background.add(task)
        task.add_done_callback(self._background_done)

    def _background_done(self, task: asyncio.Future[None]) -> None:
        self._background.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("background work on the timer store failed", exc_info=task.exception())

    async def _open(self) -> None:
        """Restore the timers that were running, paused or finished (idle ones come back when someone joins
        them), at most `max_timers`, and make sure the default timer exists."""
        records = await self.store.open(self.on_remote_change, self.on_availability)
        active = [r for r in records if r.get("status") != Status.IDLE.value or r.get("name") == DEFAULT_TIMER]
        active.sort(key=lambda record: record.get("name") != DEFAULT_TIMER)  # the default first: it always fits
        for record in active:
            room = self.max_timers - (0 if DEFAULT_TIMER in self._channels else 1)
            if len(self._channels) >= room:
                log.warning("restored %d timers, the maximum (--max-timers); the others stay saved",
                            len(self._channels))
                break
            try:
                timer = self._timer(record)
            except BadRecord as error:
                log.error("skipped a saved timer that cannot be restored: %s", error)
                continue
            channel = self._add(timer, stored_version=timer.version)
            channel.adopt(timer)  # schedules the ticks of a running timer, settles one that finished meanwhile
            self.restored += 1
        if DEFAULT_TIMER not in self._channels:
            channel, created = await self._load_or_create(DEFAULT_TIMER, self.default_settings)
            if self.autostart and created:
                with contextlib.suppress(IllegalTransition):  # another process may have started it first
                    await self.execute(channel, Command.START)
        for channel in self:
            self._settle_now(channel)

    async def _load_or_create(self, name: str, settings: Settings | None = None) -> tuple[TimerChannel, bool]:
        """The channel of timer `name`: from the store, or new (then True: this call created it)."""
        if not self.has_room_for(name):
            raise TooManyTimers(f"this server holds its maximum of {self.max_timers} timers")
        record = await self.store.get(name)
        if record is not None:
            try:
                timer = self._timer(record)
            except BadRecord as error:
                raise StoreUnavailable(f"the stored record of timer {name!r} is corrupt ({error})") from None
            existing = self._channels.get(name)  # another client may have created it while we awaited
            return existing or self._add(timer, stored_version=timer.version), False
        timer = Timer.create(name, settings or Settings(Mode.STOPWATCH), self.default_interval_ms)
        try:
            await self.store.put(self._record(timer), expected_version=None)
        except VersionConflict:
            return await self._load_or_create(name, settings)
        existing = self._channels.get(name)
        return existing or self._add(timer, stored_version=timer.version), existing is None

    def _add(self, timer: Timer, stored_version: int) -> TimerChannel:
        channel = TimerChannel(timer, self.clock, self.metrics, on_finished=self._finished)
        channel.stored_version = stored_version
        self._channels[timer.name] = channel
        return channel

    def _settle_now(self, channel: TimerChannel) -> None:
        """A countdown that ended while the server was down comes back finished, and is saved so."""
        settled = channel.timer.settle(self.clock.now_ms())
        if settled is not channel.timer:
            channel.adopt(settled)
            self._finished(channel)

    def _finished(self, channel: TimerChannel) -> None:
        """A countdown reached zero here: record it (every process computes the same record)."""
        self._spawn(self._save_finish(channel, channel.timer))

    async def _save_finish(self, channel: TimerChannel, finished: Timer) -> None:
        """Save `finished` over the running record it came from, unless something newer happened meanwhile."""
        if channel.timer is not finished:
            return
        try:
            await self.store.put(self._record(finished), expected_version=finished.version - 1)
            channel.stored_version = max(channel.stored_version or 0, finished.version)
        except VersionConflict:
            await self.refresh(channel)
        except StoreUnavailable as error:
            log.warning("could not record that %r finished: %s", channel.name, error)

    async def _forget(self, name: str) -> None:
        if name in self._channels:
            return  # someone joined it again in the meantime
        try:
            await self.store.forget(name)
        except StoreUnavailable as error:
            log.warning("could not forget timer %r: %s", name, error)

    def _record(self, timer: Timer) -> Record:
        return to_record(timer, self.clock.now_ms(), self.clock.wall_ms())

    def _timer(self, record: Record) -> Timer:
        return from_record(record, self.clock.now_ms(), self.clock.wall_ms())
