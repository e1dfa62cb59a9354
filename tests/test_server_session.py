"""The server's side of one connection, driven with plain strings: text in, actions out (no socket, no clock)."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from tornado_timer.core.commands import Control, SetTimer
from tornado_timer.core.errors import ErrorCode
from tornado_timer.core.model import Command, IllegalTransition, Mode, Settings, Status
from tornado_timer.core.server_session import Close, Execute, Reply, Role, ServerSession
from tornado_timer.store import StoreUnavailable

WALL = 1_700_000_000_000.25


def session(role: Role = Role.CONTROLLER, rate: float = 20.0) -> ServerSession:
    return ServerSession(role, rate)


def reply_of(actions: list[Any]) -> dict[str, Any]:
    """The one reply among `actions`, as JSON."""
    assert len(actions) == 1 and isinstance(actions[0], Reply), actions
    message: dict[str, Any] = json.loads(actions[0].text)
    return message


def test_a_ping_is_answered_at_once_with_the_server_time_to_the_microsecond() -> None:
    pong = reply_of(session().receive_text('{"type": "ping", "client_time": 12.5, "id": 7}', 0, WALL))
    assert pong == {"type": "pong", "client_time": 12.5, "server_time": WALL, "id": 7}


def test_a_controllers_command_is_to_be_executed_with_its_id() -> None:
    actions = session().receive_text('{"type": "start", "id": "a"}', 0, WALL)
    assert actions == [Execute(Control(Command.START, "a"))]
    actions = session().receive_text('{"type": "set", "mode": "countdown", "duration_ms": 5000}', 0, WALL)
    assert actions == [Execute(SetTimer(Settings(Mode.COUNTDOWN, duration_ms=5000)))]


def test_a_viewer_may_ping_but_its_commands_are_forbidden() -> None:
    viewer = session(Role.VIEWER)
    assert reply_of(viewer.receive_text('{"type": "ping", "client_time": 1}', 0, WALL))["type"] == "pong"
    actions = viewer.receive_text('{"type": "pause", "id": 3}', 0, WALL)
    error = reply_of(actions)
    assert (error["code"], error["id"], actions[0].error) == ("forbidden", 3, ErrorCode.FORBIDDEN)


def test_bad_input_is_answered_with_its_code_and_the_connection_stays() -> None:
    connection = session()
    for text, code in [("{nope", "invalid_json"), ("[]", "invalid_message"), ('{"type": "x"}', "unknown_type")]:
        assert reply_of(connection.receive_text(text, 0, WALL))["code"] == code
    assert reply_of(connection.receive_binary(0))["code"] == "binary_frame"
    assert connection.receive_text('{"type": "reset"}', 0, WALL) == [Execute(Control(Command.RESET))]


def test_the_rate_limit_warns_once_drops_the_rest_and_closes_a_client_that_keeps_going() -> None:
    connection = session(rate=2.0)  # bursts of 4
    ping = '{"type": "ping", "client_time": 1}'
    answers = [connection.receive_text(ping, 0, WALL) for _ in range(4)]
    assert all(reply_of(a)["type"] == "pong" for a in answers)
    assert reply_of(connection.receive_text(ping, 0, WALL))["code"] == "rate_limited"
    dropped = [connection.receive_text(ping, 0, WALL) for _ in range(18)]
    assert dropped == [[]] * 18
    assert connection.receive_text(ping, 0, WALL) == [Close(1008, "too many messages")]


def test_a_client_that_calms_down_gets_a_fresh_warning_later() -> None:
    connection = session(rate=2.0)
    ping = '{"type": "ping", "client_time": 1}'
    for _ in range(5):
        connection.receive_text(ping, 0, WALL)
    assert connection.strikes == 1
    assert reply_of(connection.receive_text(ping, 2000, WALL))["type"] == "pong"  # 2 s later: 4 tokens back
    assert connection.strikes == 0


def test_binary_frames_count_against_the_rate_too() -> None:
    connection = session(rate=1.0)
    assert [reply_of(connection.receive_binary(0))["code"] for _ in range(2)] == ["binary_frame"] * 2
    assert reply_of(connection.receive_binary(0))["code"] == "rate_limited"


def test_the_outcome_of_a_command_done_is_silent_and_of_one_refused_is_an_error_with_its_id() -> None:
    connection = session()
    command = Control(Command.PAUSE, "p-1")
    assert connection.outcome(command, None) == []
    refused = reply_of(connection.outcome(command, IllegalTransition(Command.PAUSE, Status.IDLE)))
    assert refused == {"type": "error", "code": "invalid_state", "message": "cannot pause: the timer is idle",
                       "id": "p-1"}
    down = reply_of(connection.outcome(command, StoreUnavailable("Redis is unreachable")))
    assert (down["code"], down["message"], down["id"]) == ("unavailable", "Redis is unreachable", "p-1")


@given(st.text(max_size=300), st.sampled_from(list(Role)))
def test_any_text_gives_exactly_one_action_and_never_raises(text: str, role: Role) -> None:
    actions = session(role).receive_text(text, 0, WALL)
    assert len(actions) == 1 and isinstance(actions[0], (Reply, Execute))
    if isinstance(actions[0], Execute):
        assert role is Role.CONTROLLER
