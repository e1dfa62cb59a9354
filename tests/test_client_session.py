"""The client's side of one connection, driven with plain strings: text in, events out (no socket, no clock)."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from tornado_timer.core.client_session import Answered, ClientSession, Connected, Ignored, MessageReceived
from tornado_timer.core.commands import Control, Ping, SetTimer, parse_command
from tornado_timer.core.messages import Snapshot, State, encode_state
from tornado_timer.core.model import Command, Mode, Settings, Timer
from tornado_timer.core.server_session import Reply, Role, ServerSession

SNAPSHOT = {"name": "talk", "mode": "countdown", "status": "idle", "duration_ms": 60_000, "elapsed_ms": 0,
            "remaining_ms": 60_000, "interval_ms": 1000, "initial_ms": 0, "version": 3}


def state(role: str | None = None, **changes: Any) -> str:
    message: dict[str, Any] = {"type": "state", "protocol": 1, "timer": {**SNAPSHOT, **changes},
                               "allowed": ["start", "reset", "set"], "server_time": 1000}
    if role:
        message["role"] = role
    return json.dumps(message)


def connected_session() -> ClientSession:
    session = ClientSession()
    session.connection_opened()
    session.receive(state("controller"), 1.0)
    return session


def test_the_first_state_makes_the_client_current_and_says_the_role() -> None:
    session = ClientSession()
    session.connection_opened()
    events = session.receive(state("viewer"), 5.0)
    assert [type(event) for event in events] == [MessageReceived, Connected]
    assert session.current and session.role == "viewer" and session.allowed == {"start", "reset", "set"}
    assert session.snapshot == Snapshot.from_json(SNAPSHOT)
    assert [type(event) for event in session.receive(state(status="running"), 6.0)] == [MessageReceived]
    assert session.snapshot is not None and session.snapshot.status == "running" and session.role == "viewer"


def test_ticks_keep_the_snapshot_current_and_other_timers_ticks_are_ignored() -> None:
    session = connected_session()
    tick = {"type": "tick", "timer": "talk", "seq": 2, "elapsed_ms": 2001, "remaining_ms": 57_999,
            "status": "running", "server_time": 3}
    session.receive(json.dumps(tick), 2.0)
    assert session.snapshot is not None
    assert (session.snapshot.elapsed_ms, session.snapshot.remaining_ms, session.snapshot.status) == (
        2001, 57_999, "running")
    session.receive(json.dumps({**tick, "timer": "other", "elapsed_ms": 5}), 3.0)
    assert session.snapshot.elapsed_ms == 2001 and session.last_tick is not None and session.last_tick.timer == "other"


def test_a_command_goes_out_with_an_id_and_a_barrier_ping_behind_it() -> None:
    session = connected_session()
    request = session.command(Control(Command.PAUSE), 10.0)
    command, barrier = (parse_command(text) for text in request.texts)
    assert command == Control(Command.PAUSE, request.id)
    assert isinstance(barrier, Ping) and barrier.id != request.id and barrier.client_time == 10.0
    assert [sent.raw for sent in session.sent] == list(request.texts)


def test_a_command_is_answered_by_the_barriers_pong_once_its_state_has_arrived() -> None:
    session = connected_session()
    request = session.command(SetTimer(Settings(Mode.STOPWATCH)), 10.0)
    barrier = parse_command(request.texts[1])
    assert session.receive(state(mode="stopwatch"), 11.0)[1:] == []
    pong = {"type": "pong", "client_time": 10.0, "server_time": 12.0, "id": barrier.id}
    assert session.receive(json.dumps(pong), 13.0)[1:] == [Answered(request.id)]
    assert session.samples == type(session.samples)()  # a barrier is no clock sample


def test_a_refused_command_is_answered_by_its_error_and_its_barrier_then_ignored() -> None:
    session = connected_session()
    request = session.command(Control(Command.RESUME), 10.0)
    barrier = parse_command(request.texts[1])
    error = {"type": "error", "code": "invalid_state", "message": "cannot resume: the timer is idle",
             "id": request.id}
    [answered] = session.receive(json.dumps(error), 11.0)[1:]
    assert isinstance(answered, Answered) and answered.request_id == request.id
    assert answered.error is not None and answered.error.code == "invalid_state"
    pong = {"type": "pong", "client_time": 10.0, "server_time": 12.0, "id": barrier.id}
    assert session.receive(json.dumps(pong), 13.0)[1:] == []
    assert list(session.errors) == []  # it answered our command: not an unsolicited error


def test_a_ping_is_answered_with_a_clock_sample() -> None:
    session = connected_session()
    request = session.ping(100.0)
    pong = {"type": "pong", "client_time": 100.0, "server_time": 1105.5, "id": request.id}
    [answered] = session.receive(json.dumps(pong), 102.0)[1:]
    assert isinstance(answered, Answered) and answered.sample is not None
    assert (answered.sample.rtt, answered.sample.offset) == (2.0, 1004.5)
    assert list(session.samples) == [answered.sample]


def test_errors_that_answer_nothing_of_ours_are_kept_and_notices_say_degraded() -> None:
    session = connected_session()
    session.receive('{"type": "error", "code": "unknown_type", "message": "no", "id": null}', 1.0)
    session.receive('{"type": "server", "degraded": true, "message": "store down"}', 2.0)
    assert [error.code for error in session.errors] == ["unknown_type"] and session.degraded
    session.connection_opened()
    assert not session.degraded and session.role is None and not session.current


def test_unknown_types_reach_listeners_and_unreadable_text_is_ignored() -> None:
    session = connected_session()
    [event] = session.receive('{"type": "confetti", "colour": "gold"}', 1.0)
    assert isinstance(event, MessageReceived) and event.typed is None and event.received.message["colour"] == "gold"
    assert isinstance(session.receive("not json", 2.0)[0], Ignored)
    assert isinstance(session.receive('{"type": "state", "timer": 5}', 3.0)[0], Ignored)
    assert session.history[-1].message["type"] == "confetti"


def test_a_lost_connection_leaves_no_request_waiting() -> None:
    session = connected_session()
    command, ping = session.command(Control(Command.START), 1.0), session.ping(2.0)
    assert sorted(session.connection_lost()) == sorted([command.id, ping.id])
    late = {"type": "pong", "client_time": 2.0, "server_time": 3.0, "id": ping.id}
    assert session.receive(json.dumps(late), 4.0)[1:] == []


def test_the_two_sessions_speak_to_each_other() -> None:
    server, client = ServerSession(Role.CONTROLLER, 20.0), ClientSession()
    client.connection_opened()
    timer = Timer.create("talk", Settings(Mode.COUNTDOWN, duration_ms=60_000), 1000)
    client.receive(encode_state(timer, 0.0, 1000.0, Role.CONTROLLER), 1.0)
    request = client.ping(5.0)
    [reply] = server.receive_text(request.texts[0], 0.0, 1006.0)
    assert isinstance(reply, Reply)
    [answered] = client.receive(reply.text, 7.0)[1:]
    assert isinstance(answered, Answered) and answered.sample is not None and answered.sample.offset == 1000.0
    assert client.role == "controller" and client.allowed == {"start", "reset", "set", "message", "rundown"}


@given(st.text(max_size=200))
def test_any_text_from_a_server_is_an_event_never_an_exception(text: str) -> None:
    events = connected_session().receive(text, 1.0)
    assert events and isinstance(events[0], (MessageReceived, Ignored))


def test_a_state_the_server_encodes_is_the_state_the_client_reads() -> None:
    timer = Timer.create("talk", Settings(Mode.COUNTDOWN, duration_ms=60_000), 1000).apply(Command.START, 0.0)
    text = encode_state(timer, 1500.0, 2_000_000.0, "viewer")
    assert State.from_json(json.loads(text)) == State.of(timer, 1500.0, 2_000_000.0, "viewer")
