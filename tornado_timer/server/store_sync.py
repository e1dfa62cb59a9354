"""Keeping this process's timers in step with the store: the one place that talks to it.

Every change is a compare-and-set on the timer's version, so two processes racing can't both win; changes made
elsewhere arrive through the store's listener and are shown if they are newer; after an outage everything shown is
read again. A version is sent to clients once, whichever comes first: our own write returning, or the store telling
us of it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine, Iterator
from typing import Any, Protocol

from ..core.commands import TimerCommand, apply
from ..core.messages import ServerNotice, encode
from ..core.model import Timer
from ..core.record import BadRecord, Record, from_record, to_record
from ..store import StoreUnavailable, TimerStore, VersionConflict
from .channel import LoopClock, TimerChannel

log = logging.getLogger("tornado_timer.registry")
MAX_ATTEMPTS = 8  # compare-and-set retries before a command gives up under contention


class Channels(Protocol):
    """The local timers, as the sync sees them."""

    def get(self, name: str) -> TimerChannel | None: ...

    def __iter__(self) -> Iterator[TimerChannel]: ...


class StoreSync:
    """Reads, writes and listens to the store on behalf of the local timers (`channels`)."""

    def __init__(self, store: TimerStore, channels: Channels, clock: LoopClock) -> None:
        self.store = store
        self.channels = channels
        self.clock = clock
        self._versions: dict[str, int] = {}  # the version the store holds of each local timer, as far as we know
        self._background: set[asyncio.Future[None]] = set()

    async def open(self) -> list[Record]:
        """Start listening; the records stored so far."""
        return await self.store.open(self.on_remote_change, self.on_availability)

    async def close(self) -> None:
        if self._background:
            await asyncio.wait(self._background, timeout=1.0)
        await self.store.close()

    def learn(self, name: str, version: int) -> None:
        """The store holds `version` of timer `name` (or a newer one: versions only grow)."""
        self._versions[name] = max(version, self._versions.get(name, version))

    def decode(self, record: Record) -> Timer:
        """The timer of a record, on this process's clocks (raises BadRecord)."""
        return from_record(record, self.clock.now_ms(), self.clock.wall_ms())

    async def load(self, name: str) -> Timer | None:
        """Timer `name` as stored, or None (raises BadRecord for a record that cannot be a timer)."""
        record = await self.store.get(name)
        return None if record is None else self.decode(record)

    async def create(self, timer: Timer) -> bool:
        """Store a new timer; False if another process created it first."""
        try:
            await self.store.put(self._record(timer), expected_version=None)
        except VersionConflict:
            return False
        self.learn(timer.name, timer.version)
        return True

    async def execute(self, channel: TimerChannel, command: TimerCommand) -> None:
        """Apply a command atomically in the store, then show it to every client of this process.

        Raises IllegalTransition (nothing changes) or StoreUnavailable.
        """
        for _ in range(MAX_ATTEMPTS):
            now_ms = self.clock.now_ms()
            current = channel.timer.settle(now_ms)
            changed = apply(current, command, now_ms)
            if changed is current:
                return  # nothing to change (a cue move pressed twice at once): nothing to write
            try:
                await self.store.put(self._record(changed), expected_version=self._versions.get(channel.name))
            except VersionConflict:
                await self.refresh(channel)
                continue
            self.learn(channel.name, changed.version)
            if channel.timer.version < changed.version:  # else the store told us already, and clients know it
                channel.adopt(changed)
            return
        raise StoreUnavailable(f"the timer {channel.name!r} kept changing under this command; try again")

    async def refresh(self, channel: TimerChannel) -> None:
        """Read a timer again after a conflict (someone else changed it first)."""
        record = await self.store.get(channel.name)
        if record is not None:
            self.on_remote_change(record)

    def on_remote_change(self, record: Record) -> None:
        """A change made elsewhere (another process): show it if it is newer than what we show."""
        name = record.get("name")
        channel = self.channels.get(name) if isinstance(name, str) else None
        if channel is None:
            return
        try:
            timer = self.decode(record)
        except BadRecord as error:
            log.error("ignored a bad record of timer %r from the store: %s", channel.name, error)
            return
        self.learn(channel.name, timer.version)
        shown = channel.timer
        if timer.version > shown.version or (timer.version == shown.version and timer.differs_from(shown)):
            channel.adopt(timer)

    def on_availability(self, available: bool) -> None:
        """The store went away or came back: tell every client, and read everything again once it is back."""
        notice = encode(ServerNotice.of(degraded=not available))
        for channel in self.channels:
            channel.broadcast(notice)
        if available:
            self.spawn(self.resync())

    async def resync(self) -> None:
        """After an outage: adopt what changed meanwhile, and put back what a restarted, empty store lost."""
        for channel in self.channels:
            try:
                await self._resync_one(channel)
            except VersionConflict:
                await self.refresh(channel)
            except StoreUnavailable:
                return  # gone again; the next recovery resyncs

    async def _resync_one(self, channel: TimerChannel) -> None:
        record = await self.store.get(channel.name)
        if record is None:
            await self.store.put(self._record(channel.timer), expected_version=None)
            self._versions.pop(channel.name, None)  # the store lost it: what we knew of its versions is void
            self.learn(channel.name, channel.timer.version)
            return
        self.on_remote_change(record)
        stored_version = self._versions.get(channel.name, 0)
        if channel.timer.version > stored_version:  # an end (or a cue's hand-over) it could not save meanwhile
            await self._save_finish(channel, channel.timer, stored_version)

    def settle(self, channel: TimerChannel) -> None:
        """A countdown that ended while nobody looked (the server was down) is shown finished (or on the cue that
        auto-advance has reached meanwhile), and saved so."""
        running = channel.timer
        settled = running.settle(self.clock.now_ms())
        if settled is not running:
            channel.adopt(settled)
            self.finished(channel, running.version)

    def finished(self, channel: TimerChannel, since_version: int) -> None:
        """A countdown reached zero here (version `since_version` ran): record how it ended, finished or handed
        over to the next cue (every process computes the same record)."""
        self.spawn(self._save_finish(channel, channel.timer, since_version))

    async def _save_finish(self, channel: TimerChannel, finished: Timer, since_version: int) -> None:
        """Save `finished` over the running record it came from, unless something newer happened meanwhile."""
        if channel.timer is not finished:
            return
        try:
            await self.store.put(self._record(finished), expected_version=since_version)
            self.learn(channel.name, finished.version)
        except VersionConflict:
            await self.refresh(channel)
        except StoreUnavailable as error:
            log.warning("could not record that %r finished: %s", channel.name, error)

    def forget(self, name: str, pristine: bool) -> None:
        """Timer `name` left this process; a `pristine` one (never changed) leaves the store too."""
        self._versions.pop(name, None)
        if pristine:
            self.spawn(self._forget_stored(name))

    async def _forget_stored(self, name: str) -> None:
        if self.channels.get(name) is not None:
            return  # someone joined it again in the meantime
        try:
            await self.store.forget(name)
        except StoreUnavailable as error:
            log.warning("could not forget timer %r: %s", name, error)

    def spawn(self, work: Coroutine[Any, Any, None]) -> None:
        """Run `work` in the background, holding a reference so it is not collected half-way."""
        task = asyncio.ensure_future(work)
        self._background.add(task)
        task.add_done_callback(self._background_done)

    def _background_done(self, task: asyncio.Future[None]) -> None:
        self._background.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("background work on the timer store failed", exc_info=task.exception())

    def _record(self, timer: Timer) -> Record:
        return to_record(timer, self.clock.now_ms(), self.clock.wall_ms())
