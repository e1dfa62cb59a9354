"""Parsing and encoding the wire protocol: every kind of bad input gets its error, and only that."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tornado_timer.core import messages, protocol
from tornado_timer.core.commands import Control, Ping, SetTimer
from tornado_timer.core.commands import parse_command as parse
from tornado_timer.core.errors import ProtocolError
from tornado_timer.core.model import Command, Mode, Settings, Timer


def error_of(text: str) -> ProtocolError:
    with pytest.raises(ProtocolError) as caught:
        parse(text)
    return caught.value


@pytest.mark.parametrize("kind", ["start", "pause", "resume", "reset"])
def test_controls(kind: str) -> None:
    assert parse(json.dumps({"type": kind, "id": 7})) == Control(Command(kind), 7)


def test_set_countdown_and_stopwatch() -> None:
    message = parse('{"type": "set", "mode": "countdown", "duration_ms": 2500.4, "interval_ms": 100, "id": "a"}')
    assert message == SetTimer(Settings(Mode.COUNTDOWN, duration_ms=2500, interval_ms=100), "a")
    message = parse('{"type": "set", "mode": "stopwatch", "initial_ms": 60000, "duration_ms": null}')
    assert message == SetTimer(Settings(Mode.STOPWATCH, initial_ms=60000))


def test_ping() -> None:
    assert parse('{"type": "ping", "client_time": 123.5, "id": 1}') == Ping(123.5, 1)


@pytest.mark.parametrize(
    ("text", "code", "words"),
    [
        ("", "invalid_json", "not valid JSON"),
        ("{nope", "invalid_json", "not valid JSON"),
        ('{"type": "set", "mode": "countdown", "duration_ms": NaN}', "invalid_json", "NaN"),
        ('{"type": "ping", "client_time": Infinity}', "invalid_json", "Infinity"),
        ("[" * 9 + "]" * 9, "invalid_json", "nested deeper than 8"),
        ('{"a": ' * 200 + "1" + "}" * 200, "invalid_json", "nested deeper"),
        ("[1, 2]", "invalid_message", "JSON object, not an array"),
        ('"start"', "invalid_message", "not a string"),
        ("42", "invalid_message", "not the number 42"),
        ("null", "invalid_message", "not null"),
        ("{}", "unknown_type", 'needs a "type"'),
        ('{"type": 5}', "unknown_type", 'needs a "type"'),
        ('{"type": "explode"}', "unknown_type", "unknown type 'explode'"),
        ('{"type": "start", "force": true}', "invalid_message", "unknown field 'force'"),
        ('{"type": "set"}', "invalid_message", '"mode": "countdown" or "stopwatch"'),
        ('{"type": "set", "mode": "egg"}', "invalid_message", '"mode"'),
        ('{"type": "set", "mode": "countdown"}', "invalid_message", '"duration_ms" is required'),
        ('{"type": "set", "mode": "countdown", "duration_ms": "60"}', "invalid_message", "finite number, not a string"),
        ('{"type": "set", "mode": "countdown", "duration_ms": true}', "invalid_message", "not a boolean"),
        ('{"type": "set", "mode": "countdown", "duration_ms": 0}', "invalid_message", "between 1 and"),
        ('{"type": "set", "mode": "countdown", "duration_ms": -5}', "invalid_message", "between 1 and"),
        ('{"type": "set", "mode": "countdown", "duration_ms": 1e300}', "invalid_message", "between 1 and"),
        ('{"type": "set", "mode": "countdown", "duration_ms": 1e999}', "invalid_message", "finite number"),
        ('{"type": "set", "mode": "countdown", "duration_ms": 9, "interval_ms": 1}', "invalid_message", "between 10"),
        ('{"type": "set", "mode": "countdown", "duration_ms": 9, "interval_ms": 1e12}', "invalid_message", "3,600,000"),
        ('{"type": "set", "mode": "stopwatch", "duration_ms": 5}', "invalid_message", "a stopwatch has no"),
        ('{"type": "set", "mode": "stopwatch", "initial_ms": -1}', "invalid_message", "between 0 and"),
        ('{"type": "set", "mode": "countdown", "duration_ms": 9, "initial_ms": 1}', "invalid_message", "'initial_ms'"),
        ('{"type": "ping"}', "invalid_message", '"client_time" is required'),
        ('{"type": "ping", "client_time": [1]}', "invalid_message", "not an array"),
        ('{"type": "start", "id": {"a": 1}}', "invalid_message", '"id" must be'),
        ('{"type": "start", "id": "' + "x" * 65 + '"}', "invalid_message", '"id" must be'),
    ],
)
def test_bad_input_gets_a_stable_code_and_a_helpful_message(text: str, code: str, words: str) -> None:
    error = error_of(text)
    assert (error.code, words in error.message) == (code, True), error.message


def test_errors_carry_the_id_of_the_message_that_caused_them() -> None:
    assert error_of('{"type": "nope", "id": "req-1"}').message_id == "req-1"
    assert error_of('{"type": "set", "mode": "countdown", "id": 9}').message_id == 9
    assert error_of('{"type": "start", "id": [1]}').message_id is None


def test_brackets_inside_strings_do_not_count_as_nesting() -> None:
    assert parse('{"type": "start", "id": "[[[[[[[[[[[[{{{{{{{{{\\"]]]"}') == Control(
        Command.START, '[[[[[[[[[[[[{{{{{{{{{"]]]'
    )


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=20,
)
FIELDS = ["type", "id", "mode", "duration_ms", "interval_ms", "initial_ms", "client_time"]
TYPES = ["start", "pause", "resume", "reset", "set", "ping", "stop", ""]
near_messages = st.dictionaries(
    st.sampled_from(FIELDS),
    st.sampled_from(TYPES) | st.sampled_from(["countdown", "stopwatch"]) | json_values,
    max_size=6,
)


def parse_only_raises_protocol_errors(text: str) -> None:
    try:
        message = parse(text)
    except ProtocolError as error:
        assert error.code in {"invalid_json", "invalid_message", "unknown_type"}
        assert error.message
        return
    assert isinstance(message, (Control, SetTimer, Ping))


@given(st.text(max_size=200))
def test_any_text_parses_or_raises_a_protocol_error(text: str) -> None:
    parse_only_raises_protocol_errors(text)


@given(json_values)
def test_any_json_parses_or_raises_a_protocol_error(value: Any) -> None:
    parse_only_raises_protocol_errors(json.dumps(value))


@given(near_messages)
def test_almost_valid_messages_parse_or_raise_a_protocol_error(value: dict[str, Any]) -> None:
    parse_only_raises_protocol_errors(json.dumps(value))


@given(st.sampled_from([{"type": "set", "mode": "countdown", "duration_ms": 5}, {"type": "ping", "client_time": 1},
                        {"type": "start"}]),
       st.sampled_from(FIELDS), json_values)
def test_valid_messages_with_one_field_replaced_parse_or_raise_a_protocol_error(
    base: dict[str, Any], field: str, value: Any,
) -> None:
    parse_only_raises_protocol_errors(json.dumps({**base, field: value}))


def test_an_unhashable_mode_is_an_error_not_a_crash() -> None:
    assert error_of('{"type": "set", "mode": [1], "duration_ms": 5}').code == "invalid_message"


VALID = ['{"type": "set", "mode": "countdown", "duration_ms": 100}', '{"type": "ping", "client_time": 1}']


@given(st.sampled_from(VALID), st.integers(0, 60), st.characters())
def test_mutated_messages_parse_or_raise_a_protocol_error(text: str, position: int, char: str) -> None:
    position = min(position, len(text))
    parse_only_raises_protocol_errors(text[:position] + char + text[position + 1 :])


def test_state_snapshot_while_running_carries_started_at_and_ends_at() -> None:
    timer = Timer.create("t", Settings(Mode.COUNTDOWN, duration_ms=60_000), 1000).apply(Command.START, 1000)
    state = json.loads(messages.encode_state(timer, now_ms=3500, wall_ms=1_700_000_002_500))
    assert state == {
        "type": "state",
        "protocol": 1,
        "server_time": 1_700_000_002_500,
        "timer": {
            "name": "t", "mode": "countdown", "status": "running", "duration_ms": 60_000, "elapsed_ms": 2500,
            "remaining_ms": 57_500, "interval_ms": 1000, "initial_ms": 0, "version": 1,
            "overtime": False, "warning_ms": None, "danger_ms": None, "adjusted_ms": 0, "phase": "normal",
            "started_at": 1_700_000_000_000, "ends_at": 1_700_000_060_000,
        },
        "allowed": ["pause", "reset", "set", "adjust", "message", "rundown"],
        "message": {"text": "", "visible": False, "blink": False, "blackout": False},
        "cue": None, "next_cue": None, "planned_ms": 0, "offset_ms": None,
    }


def test_a_stopped_snapshot_has_no_started_at_and_a_stopwatch_no_remaining() -> None:
    timer = Timer.create("s", Settings(Mode.STOPWATCH, initial_ms=5000), 1000)
    snapshot = messages.Snapshot.of(timer, 0, 0).to_json()
    assert "started_at" not in snapshot and "ends_at" not in snapshot
    assert (snapshot["remaining_ms"], snapshot["duration_ms"], snapshot["elapsed_ms"]) == (None, None, 5000)


def test_tick_pong_and_error_encoding() -> None:
    timer = Timer.create("t", Settings(Mode.STOPWATCH), 100).apply(Command.START, 0)
    assert json.loads(messages.encode_tick(timer, 3, 300.4, 1e12)) == {
        "type": "tick", "timer": "t", "seq": 3, "elapsed_ms": 300, "remaining_ms": None, "status": "running",
        "phase": "normal", "server_time": 1_000_000_000_000,
    }
    assert json.loads(messages.encode(messages.Pong(5.5, 10.2004, "x"))) == {
        "type": "pong", "client_time": 5.5, "server_time": 10.2, "id": "x",
    }
    assert json.loads(messages.encode(messages.Error("invalid_state", "no", 3))) == {
        "type": "error", "code": "invalid_state", "message": "no", "id": 3,
    }


@pytest.mark.parametrize("name", ["default", "a", "Room-12_b", "x" * 64])
def test_valid_timer_names(name: str) -> None:
    assert protocol.is_valid_timer_name(name)


@pytest.mark.parametrize("name", ["", "x" * 65, "a b", "café", "a/b", "a.b", "a\n"])
def test_invalid_timer_names(name: str) -> None:
    assert not protocol.is_valid_timer_name(name)
