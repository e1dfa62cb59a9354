"""One connection to a timer, as a client speaks the protocol: text in, events out.

No sockets, no clock (the caller passes the time in). The session holds what the client knows (the timer's latest
snapshot, what its status allows, the connection's role, the server's health), the requests still waiting for their
answer, and the clock-sync samples; the Python client (`tornado_timer/client/`) is a thin reconnecting shell that
moves text between a WebSocket and this object. Tested with plain strings (tests/test_client_session.py).

A command's outcome: the server handles one connection's messages in order, so a `ping` sent right behind a command
is answered only after the command's `error` or new `state` was sent. The command is answered by its `error`, or
else by the pong of that barrier ping, by which time the new state has arrived.

A `cue` command cannot carry a request's id: its `id` names the cue, so its error carries the cue's id, and a `cue`
by index carries none. So it goes out between two pings, the three frames back to back: an error that arrives
after the first pong and before the second, carrying the cue's id or no id at all, is its answer (nothing else was
sent between them), and the second pong says it was carried out.
"""

from __future__ import annotations

import collections
import itertools
from dataclasses import dataclass, replace
from typing import Any, Union

from . import messages
from .clocksync import Sample
from .commands import GoToCue, Ping, TimerCommand, encode_command, with_id
from .cue_messages import CueOn, RundownMessage, Schedule
from .errors import MessageId, ProtocolError
from .messages import Error, MessageChanged, Pong, ServerMessage, ServerNotice, Snapshot, State, Tick
from .schedule_offset import offset_now
from .stage_message import StageMessage

MAX_SAMPLES = 64  # clock-sync samples kept: old ones age out, so estimates follow the clocks' drift


@dataclass(frozen=True)
class Received:
    """A message as it arrived: the client's clock reading (epoch ms), the parsed JSON and the raw text."""

    at: float
    message: dict[str, Any]
    raw: str


@dataclass(frozen=True)
class Sent:
    """A message as it was sent: the client's clock reading (epoch ms) and the text (or bytes) of the frame."""

    at: float
    raw: str | bytes


@dataclass(frozen=True)
class Request:
    """What to send for one request (`texts`, in order, back to back), and the id its `Answered` event will name."""

    id: str
    texts: tuple[str, ...]


@dataclass(frozen=True)
class Bracket:
    """A `cue` command between two pings: from the `opening` ping's pong to the closing one's, an error with
    `error_id` (the cue's id; None for a cue by index) or with no id is its answer."""

    request_id: str
    opening: str
    error_id: MessageId


@dataclass(frozen=True)
class MessageReceived:
    """Any message (for listeners); `typed` is None for a type this client does not know."""

    received: Received
    typed: ServerMessage | None


@dataclass(frozen=True)
class Connected:
    """The first state of this connection arrived: the client is current."""

    state: State


@dataclass(frozen=True)
class Answered:
    """Request `request_id` has its answer: `error` if the server refused it, `pong` (and `sample`) for a ping."""

    request_id: str
    error: Error | None = None
    pong: Pong | None = None
    sample: Sample | None = None


@dataclass(frozen=True)
class Ignored:
    """A message that could not be read (not JSON, or a malformed known message)."""

    raw: str
    reason: str


Event = Union[MessageReceived, Connected, Answered, Ignored]  # noqa: UP007 (a runtime alias on Python 3.10)


class ClientSession:
    """What a client knows of its timer and its requests. `history` bounds the received and sent logs."""

    def __init__(self, history: int = 1000, id_prefix: str = "py") -> None:
        self.snapshot: Snapshot | None = None
        self.message = StageMessage()  # the timer's message, shown on its screens
        self.allowed: frozenset[str] = frozenset()
        self.role: str | None = None
        self.degraded = False
        self.last_tick: Tick | None = None
        self.history: collections.deque[Received] = collections.deque(maxlen=history)
        self.sent: collections.deque[Sent] = collections.deque(maxlen=history)
        self.errors: collections.deque[Error] = collections.deque(maxlen=100)  # answering none of our requests
        self.samples: collections.deque[Sample] = collections.deque(maxlen=MAX_SAMPLES)
        self.rundown: RundownMessage | None = None  # the latest `rundown` (None: the server has not sent one)
        self.cue: CueOn | None = None  # the cue on, with its note (from the latest state)
        self.next_cue: CueOn | None = None  # the cue after it (from the latest state)
        self.schedule = Schedule()  # planned_ms and offset_ms, from the latest state or rundown message
        self.schedule_at = 0.0  # when that message arrived (the client's clock): the offset is as of then
        self._ids = (f"{id_prefix}-{n}" for n in itertools.count(1))
        self._pending: dict[str, str] = {}  # the id an answer carries -> the request it answers
        self._brackets: dict[str, Bracket] = {}  # the cue commands waiting, by request id
        self._open: Bracket | None = None  # the cue command whose error may arrive now (its opening pong is in)
        self._current = False  # has this connection's first state arrived?

    @property
    def current(self) -> bool:
        """True once this connection's first state has arrived."""
        return self._current

    def connection_opened(self) -> None:
        """A new connection: its first state will say the role; its server will say if it is degraded."""
        self._current = False
        self.role = None
        self.degraded = False

    def connection_lost(self) -> list[str]:
        """The connection ended: the requests still waiting will never be answered (their ids are returned)."""
        self._current = False
        lost = list(dict.fromkeys(self._pending.values()))
        self._pending.clear()
        self._brackets.clear()
        self._open = None
        return lost

    def command(self, command: TimerCommand, now: float) -> Request:
        """A command with a fresh id and the barrier ping behind it; a `cue` command between two pings (see the
        module's docstring). The texts must go out back to back, in order."""
        request_id, barrier_id = next(self._ids), next(self._ids)
        self._pending[barrier_id] = request_id
        texts: tuple[str, ...] = (encode_command(with_id(command, request_id)), encode_command(Ping(now, barrier_id)))
        if isinstance(command, GoToCue):
            bracket = Bracket(request_id, next(self._ids), command.id)
            self._brackets[request_id], self._pending[bracket.opening] = bracket, request_id
            texts = (encode_command(Ping(now, bracket.opening)), *texts)
        else:
            self._pending[request_id] = request_id  # its error carries its id
        return self._sending(Request(request_id, texts), now)

    def ping(self, now: float) -> Request:
        """A protocol ping: its pong is a clock-sync sample."""
        request_id = next(self._ids)
        self._pending[request_id] = request_id
        return self._sending(Request(request_id, (encode_command(Ping(now, request_id)),)), now)

    def note_sent(self, raw: str | bytes, now: float) -> None:
        """Log a frame sent outside a request (a raw message, to see what the server answers)."""
        self.sent.append(Sent(now, raw))

    def _sending(self, request: Request, now: float) -> Request:
        for text in request.texts:
            self.note_sent(text, now)
        return request

    def receive(self, text: str, now: float) -> list[Event]:
        """A text frame arrived at `now` (the client's clock, epoch ms)."""
        try:
            document, typed = messages.parse_server_message(text)
        except ProtocolError as error:
            return [Ignored(text, error.message)]
        received = Received(now, document, text)
        self.history.append(received)
        events: list[Event] = self._apply(typed, now)
        return [MessageReceived(received, typed), *events]

    def _apply(self, message: ServerMessage | None, now: float) -> list[Event]:
        if isinstance(message, State):
            return self._on_state(message, now)
        if isinstance(message, Tick):
            self._on_tick(message)
        elif isinstance(message, ServerNotice):
            self.degraded = message.degraded
        elif isinstance(message, MessageChanged):
            if self._ours(message.timer):
                self.message = message.message
        elif isinstance(message, RundownMessage):
            if self._ours(message.timer):
                self.rundown, self.schedule, self.schedule_at = message, message.schedule, now
        elif isinstance(message, Error):
            return self._on_error(message)
        elif isinstance(message, Pong):
            return self._on_pong(message, now)
        return []

    def _ours(self, timer: str) -> bool:
        return self.snapshot is not None and timer == self.snapshot.name

    def _on_state(self, state: State, now: float) -> list[Event]:
        self.snapshot, self.allowed, self.message = state.timer, frozenset(state.allowed), state.message
        self.cue, self.next_cue, self.schedule, self.schedule_at = state.cue, state.next_cue, state.schedule, now
        if state.schedule.planned_ms == 0 and self.rundown is not None and self.rundown.cues:
            self.rundown = replace(self.rundown, cues=(), current=None, schedule=state.schedule)  # removed meanwhile
        if state.role is not None:
            self.role = state.role
        if self._current:
            return []
        self._current = True
        return [Connected(state)]

    def schedule_offset_ms(self, now: float) -> int | None:
        """How much later (+) or earlier (-) than planned the rundown will end, carried forward to `now` (the
        client's clock) from the latest message by the one rule (`schedule_offset.py`); None: no schedule yet."""
        snapshot = self.snapshot
        if snapshot is None:
            return None
        last_cue_on = self.cue is not None and self.next_cue is None
        return offset_now(self.schedule.offset_ms, now - self.schedule_at, status=snapshot.status,
                          phase=snapshot.phase, last_cue_on=last_cue_on)

    def _on_tick(self, tick: Tick) -> None:
        self.last_tick = tick
        if self.snapshot is not None and tick.timer == self.snapshot.name:
            self.snapshot = replace(self.snapshot, elapsed_ms=tick.elapsed_ms, remaining_ms=tick.remaining_ms,
                                    status=tick.status, phase=tick.phase)

    def _on_error(self, error: Error) -> list[Event]:
        if self._open is not None and error.id in (None, self._open.error_id):
            request_id: str | None = self._open.request_id  # the cue command's answer: see the module's docstring
        else:
            request_id = self._pending.get(str(error.id)) if error.id is not None else None
        if request_id is None:
            self.errors.append(error)
            return []
        self._forget(request_id)  # its barrier ping too: the error is the whole answer
        return [Answered(request_id, error=error)]

    def _forget(self, request_id: str) -> None:
        for answer_id in [key for key, value in self._pending.items() if value == request_id]:
            del self._pending[answer_id]
        self._brackets.pop(request_id, None)
        if self._open is not None and self._open.request_id == request_id:
            self._open = None

    def _on_pong(self, pong: Pong, now: float) -> list[Event]:
        request_id = self._pending.get(str(pong.id)) if pong.id is not None else None
        if request_id is None:
            return []  # the barrier behind a command that its error already answered
        bracket = self._brackets.get(request_id)
        if bracket is not None and pong.id == bracket.opening:
            del self._pending[bracket.opening]
            self._open = bracket  # the cue command is being handled now: its error comes before the next pong
            return []
        self._forget(request_id)
        if request_id != pong.id:
            return [Answered(request_id)]  # the barrier behind a command: it was carried out
        sample = Sample.from_pong(float(pong.client_time), float(pong.server_time), now)
        self.samples.append(sample)
        return [Answered(request_id, pong=pong, sample=sample)]
