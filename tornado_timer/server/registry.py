"""All the timers of one server, by name, with a bound on how many there may be."""

from __future__ import annotations

from collections.abc import Iterator

from ..core.model import Mode, Settings, Status, Timer
from ..core.protocol import DEFAULT_TIMER
from .channel import Subscriber, TimerChannel


class TooManyTimers(Exception):
    """The server holds its maximum number of timers and a new name was asked for."""


class TimerRegistry:
    """Creates timers on first use and forgets idle ones nobody watches (except the default timer)."""

    def __init__(self, default_settings: Settings, default_interval_ms: int, max_timers: int) -> None:
        self.default_interval_ms = default_interval_ms
        self.max_timers = max_timers
        self._channels: dict[str, TimerChannel] = {}
        self._channels[DEFAULT_TIMER] = self._new_channel(DEFAULT_TIMER, default_settings)

    def __iter__(self) -> Iterator[TimerChannel]:
        return iter(list(self._channels.values()))

    def __len__(self) -> int:
        return len(self._channels)

    @property
    def default(self) -> TimerChannel:
        return self._channels[DEFAULT_TIMER]

    def get(self, name: str) -> TimerChannel | None:
        return self._channels.get(name)

    def has_room_for(self, name: str) -> bool:
        return name in self._channels or len(self._channels) < self.max_timers

    def join(self, name: str, subscriber: Subscriber) -> TimerChannel:
        """The channel of timer `name` (created if new), with `subscriber` added and sent the state."""
        channel = self._channels.get(name)
        if channel is None:
            if not self.has_room_for(name):
                raise TooManyTimers(f"this server holds its maximum of {self.max_timers} timers")
            channel = self._new_channel(name, None)
            self._channels[name] = channel
        channel.join(subscriber)
        return channel

    def leave(self, channel: TimerChannel, subscriber: Subscriber) -> None:
        channel.leave(subscriber)
        if not channel.subscribers and channel.timer.status is Status.IDLE and channel.name != DEFAULT_TIMER:
            channel.stop()
            self._channels.pop(channel.name, None)

    def connection_count(self) -> int:
        return sum(len(channel.subscribers) for channel in self)

    def shut_down(self, code: int = 1001, reason: str = "the server is shutting down") -> None:
        """Stop every timer's callback and close every client's socket with `code`."""
        for channel in self:
            channel.stop()
            for subscriber in list(channel.subscribers):
                subscriber.close(code, reason)

    def _new_channel(self, name: str, settings: Settings | None) -> TimerChannel:
        timer = Timer.create(name, settings or Settings(Mode.STOPWATCH), self.default_interval_ms)
        return TimerChannel(timer)
