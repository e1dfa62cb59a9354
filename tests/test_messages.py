"""Both directions encode what the other side parses: commands (client to server) and messages (server to client)."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from tornado_timer.core.commands import CONTROLS, Control, Ping, SetTimer, encode_command, parse_command
from tornado_timer.core.messages import (
    Error,
    Pong,
    ServerNotice,
    State,
    Tick,
    encode,
    parse_server_message,
)
from tornado_timer.core.model import Command, Mode, Settings, Status, Timer
from tornado_timer.core.protocol import MAX_DURATION_MS, MAX_INTERVAL_MS, MIN_INTERVAL_MS

ids = st.none() | st.text(max_size=64) | st.integers(-(2**53), 2**53)
intervals = st.none() | st.integers(MIN_INTERVAL_MS, MAX_INTERVAL_MS)
settings = st.one_of(
    st.builds(lambda d, i: Settings(Mode.COUNTDOWN, duration_ms=d, interval_ms=i),
              st.integers(1, MAX_DURATION_MS), intervals),
    st.builds(lambda s, i: Settings(Mode.STOPWATCH, initial_ms=s, interval_ms=i),
              st.integers(0, MAX_DURATION_MS), intervals),
)
commands = st.one_of(
    st.builds(Control, st.sampled_from(list(CONTROLS.values())), ids),
    st.builds(SetTimer, settings, ids),
    st.builds(Ping, st.floats(allow_nan=False, allow_infinity=False), ids),
)


@given(commands)
def test_every_command_a_client_encodes_parses_back_to_itself(command: Control | SetTimer | Ping) -> None:
    assert parse_command(encode_command(command)) == command


timers = st.builds(
    lambda mode, duration, started: (
        Timer.create("t", Settings(mode, duration_ms=duration if mode is Mode.COUNTDOWN else None), 1000)
        .apply(Command.START, 0.0) if started else
        Timer.create("t", Settings(mode, duration_ms=duration if mode is Mode.COUNTDOWN else None), 1000)),
    st.sampled_from(list(Mode)), st.integers(1, MAX_DURATION_MS), st.booleans(),
)


@given(timers, st.floats(0, 1e7), st.sampled_from([None, "controller", "viewer"]))
def test_every_state_and_tick_the_server_encodes_parses_back_to_itself(timer: Timer, now: float,
                                                                        role: str | None) -> None:
    state = State.of(timer, now, 1.7e12 + now, role)
    assert parse_server_message(encode(state))[1] == state
    tick = Tick.of(timer, 3, now, 1.7e12 + now)
    assert parse_server_message(encode(tick))[1] == tick


def test_pong_error_and_notice_parse_back_and_unknown_types_are_kept_untyped() -> None:
    for message in (Pong(1.5, 2.25, "x"), Error("invalid_state", "no", 3), ServerNotice.of(degraded=True)):
        assert parse_server_message(encode(message))[1] == message
    document, typed = parse_server_message('{"type": "fireworks", "colour": "gold"}')
    assert typed is None and document["colour"] == "gold"


def test_the_allowed_list_is_the_model_table_in_command_order() -> None:
    expected = {Status.IDLE: ["start", "reset", "set", "message", "rundown"],
                Status.RUNNING: ["pause", "reset", "set", "adjust", "message", "rundown"],
                Status.PAUSED: ["start", "resume", "reset", "set", "adjust", "message", "rundown"],
                Status.FINISHED: ["start", "reset", "set", "message", "rundown"]}
    for status, allowed in expected.items():
        timer = Timer(name="t", status=status, anchor_ms=0.0 if status is Status.RUNNING else None)
        assert json.loads(encode(State.of(timer, 0.0, 0.0)))["allowed"] == allowed
