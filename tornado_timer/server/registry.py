"""This process's timers by name, each with its channel: created on first use, forgotten when idle and unwatched.

Keeping them in step with the store (other processes, restarts, outages) is `StoreSync`'s job; the registry decides
which timers this process holds and who watches them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Iterator

from ..core.commands import Control, TimerCommand
from ..core.errors import TornadoTimerError
from ..core.messages import ServerNotice, encode
from ..core.model import Command, IllegalTransition, Mode, Settings, Status, Timer
from ..core.protocol import DEFAULT_TIMER
from ..core.record import BadRecord, Record
from ..store import StoreUnavailable, TimerStore
from .channel import LoopClock, Subscriber, TimerChannel
from .metrics import Metrics
from .sendloop import SendToAll
from .store_sync import StoreSync

log = logging.getLogger("tornado_timer.registry")


class TooManyTimers(TornadoTimerError):
    """The server holds its maximum number of timers and a new name was asked for."""


class TimerRegistry:
    def __init__(self, store: TimerStore, default_settings: Settings, default_interval_ms: int, max_timers: int,
                 autostart: bool, metrics: Metrics, clock: LoopClock | None = None,
                 send_to_all: SendToAll | None = None) -> None:
        self.default_settings = default_settings
        self.default_interval_ms = default_interval_ms
        self.max_timers = max_timers
        self.autostart = autostart
        self.metrics = metrics
        self.send_to_all = send_to_all  # the C send loop for broadcasts, or None for the pure-Python path
        self.clock = clock or LoopClock()
        self.restored = 0
        self._channels: dict[str, TimerChannel] = {}
        self.sync = StoreSync(store, self, self.clock)
        self._opening: asyncio.Future[None] | None = None
        self._shutting_down = False
        self._borrowed: dict[str, int] = {}  # requests of the HTTP API working on a timer, by name
        self._loading: dict[str, int] = {}  # callers waiting for the store to load (or create) a timer, by name

    @property
    def store(self) -> TimerStore:
        return self.sync.store

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

    def knows(self, name: str) -> bool:
        """True if timer `name` is held, or being loaded: one more client of it needs no room for a new timer."""
        return name in self._channels or name in self._loading

    def timer_count(self) -> int:
        """Timers held, and those being loaded or created (the store may be slow): what `--max-timers` limits."""
        return len(self._channels) + sum(1 for name in self._loading if name not in self._channels)

    def has_room_for(self, name: str) -> bool:
        return self.knows(name) or self.timer_count() < self.max_timers

    async def lookup(self, name: str) -> Timer | None:
        """Timer `name` as this process shows it, or as the store has it (held by another process)."""
        channel = self._channels.get(name)
        if channel is not None:
            return channel.timer
        with contextlib.suppress(BadRecord):
            return await self.sync.load(name)
        return None

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
            subscriber.outbox.send(encode(ServerNotice.of(degraded=True)))
        return channel

    @contextlib.asynccontextmanager
    async def borrow(self, name: str) -> AsyncIterator[TimerChannel]:
        """The channel of timer `name` (created if new, like joining it) for a caller with no socket (the HTTP
        API); while borrowed it stays, and afterwards it is let go like any other if it is idle and unwatched.

        Raises TooManyTimers or StoreUnavailable, as `join` does."""
        await self.ready()
        channel = self._channels.get(name) or (await self._load_or_create(name))[0]
        self._borrowed[name] = self._borrowed.get(name, 0) + 1
        try:
            yield channel
        finally:
            self._borrowed[name] -= 1
            if not self._borrowed[name]:
                del self._borrowed[name]
            self._let_go_if_unused(channel)

    async def timers(self, limit: int) -> tuple[list[Timer], bool]:
        """At most `limit` timers by name: this process's, and the store's (other processes', saved ones), read
        in one bounded pass; True if there may be more. Raises StoreUnavailable."""
        await self.ready()
        found = {channel.name: channel.timer for channel in self}
        records, more = await self.store.list_records(limit)
        for record in records:
            name = record.get("name")
            if isinstance(name, str) and name not in found:
                with contextlib.suppress(BadRecord):
                    found[name] = self.sync.decode(record)
        return sorted(found.values(), key=lambda timer: timer.name)[:limit], more or len(found) > limit

    def leave(self, channel: TimerChannel, subscriber: Subscriber) -> None:
        """Let a client go, and the timer with it if nobody else uses it."""
        channel.leave(subscriber)
        self._let_go_if_unused(channel)

    def _let_go_if_unused(self, channel: TimerChannel) -> None:
        """An idle timer nobody watches or borrows leaves this process's memory (its record stays in the store,
        unless nobody ever changed it); not while shutting down, when every client leaves at once."""
        in_use = channel.subscribers or channel.name in self._borrowed
        if self._shutting_down or in_use or channel.name == DEFAULT_TIMER:
            return
        if channel.timer.status is Status.IDLE and self._channels.get(channel.name) is channel:
            channel.stop()
            del self._channels[channel.name]
            self.sync.forget(channel.name, pristine=channel.timer.version == 0)

    async def execute(self, channel: TimerChannel, command: TimerCommand) -> None:
        """Apply a command to `channel`'s timer everywhere. Raises IllegalTransition or StoreUnavailable."""
        await self.sync.execute(channel, command)

    def shut_down(self, code: int = 1001, reason: str = "the server is shutting down") -> None:
        """Stop every timer's callback and close every client's socket with `code`."""
        self._shutting_down = True
        for channel in self:
            channel.stop()
            for subscriber in list(channel.subscribers):
                subscriber.close(code, reason)

    async def close(self) -> None:
        await self.sync.close()

    async def _open(self) -> None:
        """Restore the timers that were running, paused or finished (idle ones come back when someone joins
        them), at most `max_timers`, and make sure the default timer exists (started, with autostart)."""
        self._restore(await self.sync.open())
        if DEFAULT_TIMER not in self._channels:
            channel, created = await self._load_or_create(DEFAULT_TIMER, self.default_settings)
            if self.autostart and created:
                with contextlib.suppress(IllegalTransition):  # another process may have started it first
                    await self.execute(channel, Control(Command.START))
        for channel in self:
            self.sync.settle(channel)

    def _restore(self, records: list[Record]) -> None:
        active = [r for r in records if r.get("status") != Status.IDLE.value or r.get("name") == DEFAULT_TIMER]
        active.sort(key=lambda record: record.get("name") != DEFAULT_TIMER)  # the default first: it always fits
        for record in active:
            room = self.max_timers - (0 if DEFAULT_TIMER in self._channels else 1)
            if len(self._channels) >= room:
                log.warning("restored %d timers, the maximum (--max-timers); the others stay saved",
                            len(self._channels))
                return
            try:
                timer = self.sync.decode(record)
            except BadRecord as error:
                log.error("skipped a saved timer that cannot be restored: %s", error)
                continue
            self._add(timer).adopt(timer)  # schedules a running timer's ticks
            self.restored += 1

    async def _load_or_create(self, name: str, settings: Settings | None = None) -> tuple[TimerChannel, bool]:
        """The channel of timer `name`: from the store, or new (then True: this call created it)."""
        while True:
            if not self.has_room_for(name):
                raise TooManyTimers(f"this server holds its maximum of {self.max_timers} timers")
            with self._holding_room(name):  # counted while the store answers, so concurrent callers can't overshoot
                stored, created = await self._load_or_make(name, settings)
            if stored is None and not created:
                continue  # another process created it first: load that one
            timer = stored or created
            assert timer is not None
            existing = self._channels.get(name)  # another client may have created it while we awaited
            return existing or self._add(timer), stored is None and existing is None

    async def _load_or_make(self, name: str, settings: Settings | None) -> tuple[Timer | None, Timer | None]:
        """(the stored timer, None), or (None, the timer this call stored), or (None, None) if another process
        stored one first."""
        try:
            stored = await self.sync.load(name)
        except BadRecord as error:
            raise StoreUnavailable(f"the stored record of timer {name!r} is corrupt ({error})") from None
        if stored is not None:
            return stored, None
        timer = Timer.create(name, settings or Settings(Mode.STOPWATCH), self.default_interval_ms)
        return None, timer if await self.sync.create(timer) else None

    @contextlib.contextmanager
    def _holding_room(self, name: str) -> Iterator[None]:
        self._loading[name] = self._loading.get(name, 0) + 1
        try:
            yield
        finally:
            self._loading[name] -= 1
            if not self._loading[name]:
                del self._loading[name]

    def _add(self, timer: Timer) -> TimerChannel:
        channel = TimerChannel(timer, self.clock, self.metrics, on_finished=self.sync.finished,
                               send_to_all=self.send_to_all)
        self._channels[timer.name] = channel
        self.sync.learn(timer.name, timer.version)
        return channel
