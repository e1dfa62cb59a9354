"""The client's requests: commands and pings sent with an id, each waiting for its answer, and the command API
(start, pause, ...) built from the protocol's typed commands."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

from tornado.websocket import WebSocketClientConnection, WebSocketClosedError

from ..core.client_session import Answered, ClientSession, Request
from ..core.clocksync import Estimate, Sample, estimate
from ..core.commands import Adjust, ChangeMessage, Control, Ping, SetTimer, TimerCommand, parse_command
from ..core.errors import ProtocolError
from ..core.model import Command, Mode, Settings
from ..core.stage_message import MessageUpdate
from .errors import ConnectionLost, TimerError

Snapshot = dict[str, Any]


class TimerCommands:
    """Requests over the client's socket (`_socket`, `_write`), answered through `_answer` by its reader."""

    session: ClientSession
    clock: Callable[[], float]
    command_timeout: float

    def __init__(self) -> None:
        super().__init__()
        self._answers: dict[str, asyncio.Future[Answered]] = {}

    def _socket(self) -> WebSocketClientConnection:
        raise NotImplementedError

    async def send(self, message: dict[str, Any]) -> None:
        """Send one message as it is (no id added, no answer awaited); errors it causes land in `errors`."""
        await self.send_text(json.dumps(message))

    async def send_text(self, text: str | bytes, binary: bool = False) -> None:
        """Send a raw frame, even one that is not valid protocol (to see the server's error)."""
        ws = self._socket()
        self.session.note_sent(text, self.clock())
        try:
            await ws.write_message(text, binary=binary)
        except WebSocketClosedError as exc:
            raise ConnectionLost(str(exc) or "connection closed") from exc

    async def send_binary(self, data: bytes) -> None:
        """Send a binary frame (the protocol refuses them with `binary_frame`)."""
        await self.send_text(data, binary=True)

    async def _write(self, texts: tuple[str, ...]) -> None:
        """Write a request's frames back to back, so nothing else goes between them (a `cue` between its pings)."""
        writes: list[asyncio.Future[None]] = []
        try:
            ws = self._socket()
            for text in texts:
                writes.append(ws.write_message(text))
            await asyncio.gather(*writes)
        except WebSocketClosedError as exc:
            await asyncio.gather(*writes, return_exceptions=True)  # every write's outcome collected
            raise ConnectionLost(str(exc) or "connection closed") from exc

    async def command(self, command: TimerCommand | dict[str, Any], *, timeout: float | None = None) -> Snapshot:
        """Send a command (typed, or a message as a dict) and wait until the server has handled it; return the
        snapshot after it. Raises `TimerError` if it was refused (a malformed one before it is even sent)."""
        if isinstance(command, dict):
            command = _typed(command)
        self._socket()
        answer = await self._request(self.session.command(command, self.clock()), timeout)
        if answer.error is not None:
            raise TimerError(answer.error.code, answer.error.message, answer.error.id)
        if self.session.snapshot is None:
            raise ConnectionLost("no state received")
        return self.session.snapshot.to_json()

    async def ping(self, *, timeout: float | None = None) -> Sample:
        """One protocol ping: a clock-sync sample (t0 and t3 on `clock`, t1 = t2 = the server's time)."""
        self._socket()
        answer = await self._request(self.session.ping(self.clock()), timeout)
        assert answer.sample is not None
        return answer.sample

    async def _request(self, request: Request, timeout: float | None) -> Answered:
        """Send a request's frames and wait for its answer."""
        answer: asyncio.Future[Answered] = asyncio.get_running_loop().create_future()
        self._answers[request.id] = answer
        try:
            await self._write(request.texts)
            return await asyncio.wait_for(answer, timeout if timeout is not None else self.command_timeout)
        finally:
            self._answers.pop(request.id, None)

    def _answer(self, answered: Answered) -> None:
        future = self._answers.get(answered.request_id)
        if future is not None and not future.done():
            future.set_result(answered)

    def _fail_answers(self, error: Exception) -> None:
        for future in self._answers.values():
            if not future.done():
                future.set_exception(error)

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

    async def set_countdown(self, duration: float, interval: float | None = None, *, overtime: bool = False,
                            warning: float | None = None, danger: float | None = None) -> Snapshot:
        """Make the timer an idle countdown of `duration` seconds (tick `interval` seconds, or kept): with
        `overtime` it counts on past zero; `warning` and `danger` are seconds left when its phase changes."""
        settings = Settings(Mode.COUNTDOWN, duration_ms=_ms(duration), interval_ms=_ms_or_none(interval),
                            overtime=overtime, warning_ms=_ms_or_none(warning), danger_ms=_ms_or_none(danger))
        return await self.command(SetTimer(settings))

    async def adjust(self, seconds: float) -> Snapshot:
        """Add time (or take it, with a negative number): a countdown's remaining time, a stopwatch's elapsed."""
        return await self.command(Adjust(_ms(seconds)))

    async def message(self, text: str | None = None, *, visible: bool | None = None, blink: bool | None = None,
                      blackout: bool | None = None) -> Snapshot:
        """Change the timer's message on every screen: only what is given changes."""
        return await self.command(ChangeMessage(MessageUpdate(text, visible, blink, blackout)))

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


def _typed(document: dict[str, Any]) -> TimerCommand:
    """A command given as a dict, checked by the same parser the server uses (its error, without the round trip)."""
    try:
        message = parse_command(json.dumps(document))
    except ProtocolError as error:
        raise TimerError(error.code.value, error.message, error.message_id) from None
    if isinstance(message, Ping):
        raise TypeError("a ping is not a command: use ping()")
    return message


def _ms(seconds: float) -> int:
    return round(seconds * 1000)


def _ms_or_none(seconds: float | None) -> int | None:
    return None if seconds is None else _ms(seconds)
