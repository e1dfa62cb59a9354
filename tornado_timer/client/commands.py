"""The command API of the client: each method builds a typed command of the protocol and waits for its outcome."""

from __future__ import annotations

import asyncio
from typing import Any

from ..core.clocksync import Estimate, Sample, estimate
from ..core.commands import Control, SetTimer, TimerCommand
from ..core.model import Command, Mode, Settings

Snapshot = dict[str, Any]


class TimerCommands:
    """start, pause, resume, reset, set and clock sync, over `command` and `ping` (the client's)."""

    async def command(self, command: TimerCommand | dict[str, Any], *, timeout: float | None = None) -> Snapshot:
        raise NotImplementedError

    async def ping(self, *, timeout: float | None = None) -> Sample:
        raise NotImplementedError

    async def start(self) -> Snapshot:
        """Start (idle or finished: from the beginning; paused: resume)."""
        return await self.command(Control(Command.START))

    async def pause(self) -> Snapshot:
        """Pause a running timer."""
        return await self.command(Control(Command.PAUSE))

    async def resume(self) -> Snapshot:
        """Resume a paused timer."""
        return await self.command(Control(Command.RESUME))

    async def reset(self) -> Snapshot:
        """Back to idle at the initial value."""
        return await self.command(Control(Command.RESET))

    async def set_countdown(self, duration: float, interval: float | None = None) -> Snapshot:
        """Make the timer an idle countdown of `duration` seconds (tick `interval` seconds, or kept)."""
        settings = Settings(Mode.COUNTDOWN, duration_ms=_ms(duration), interval_ms=_ms_or_none(interval))
        return await self.command(SetTimer(settings))

    async def set_stopwatch(self, initial: float = 0.0, interval: float | None = None) -> Snapshot:
        """Make the timer an idle stopwatch from `initial` seconds (tick `interval` seconds, or kept)."""
        settings = Settings(Mode.STOPWATCH, initial_ms=_ms(initial), interval_ms=_ms_or_none(interval))
        return await self.command(SetTimer(settings))

    async def sync_clock(self, samples: int = 8, keep: int = 3, spacing: float = 0.02) -> Estimate:
        """Ping `samples` times and estimate the server's clock offset from the `keep` fastest round trips."""
        taken: list[Sample] = []
        for i in range(samples):
            if i:
                await asyncio.sleep(spacing)
            taken.append(await self.ping())
        return estimate(taken, keep)


def _ms(seconds: float) -> int:
    return round(seconds * 1000)


def _ms_or_none(seconds: float | None) -> int | None:
    return None if seconds is None else _ms(seconds)
