"""The HTTP API's pure parts: actions into protocol commands, the cross-site rule, the rate limit per address, the
status of each error code, and the answers."""

from __future__ import annotations

from typing import Any

import pytest

from tornado_timer.core import api_actions
from tornado_timer.core.address_limits import AddressLimits, RateLimited
from tornado_timer.core.api_actions import ACTIONS, gather, prepare
from tornado_timer.core.api_answers import error_answer, list_answer, timer_answer
from tornado_timer.core.commands import KNOWN_TYPES, Adjust, ChangeMessage, Control, SetTimer
from tornado_timer.core.cross_site import cross_site_refusal
from tornado_timer.core.errors import HTTP_STATUS, ErrorCode, ProtocolError
from tornado_timer.core.messages import State
from tornado_timer.core.model import Command, Mode, Settings, Status, Timer, allowed_commands
from tornado_timer.core.stage_message import MessageUpdate


def command(action: str, **parameters: Any) -> Any:
    return prepare(action, parameters).for_status(Status.IDLE)


def refused(action: str, **parameters: Any) -> ProtocolError:
    with pytest.raises(ProtocolError) as caught:
        prepare(action, parameters)
    return caught.value


class TestActions:
    def test_every_action_but_toggle_is_a_protocol_command(self) -> None:
        assert {a.command for a in ACTIONS.values()} - {"toggle"} <= set(KNOWN_TYPES)
        assert set(ACTIONS) == {"start", "pause", "resume", "toggle", "reset", "adjust", "set", "message", "next",
                                "previous", "cue"}

    def test_controls(self) -> None:
        for name in ("start", "pause", "resume", "reset"):
            assert command(name) == Control(Command(name))

    def test_toggle_follows_the_models_allowed_list(self) -> None:
        toggle = prepare("toggle", {})
        chosen = {status: toggle.for_status(status) for status in Status}
        assert chosen == {Status.IDLE: Control(Command.START), Status.RUNNING: Control(Command.PAUSE),
                          Status.PAUSED: Control(Command.RESUME), Status.FINISHED: Control(Command.START)}
        for status, picked in chosen.items():
            assert isinstance(picked, Control) and picked.command in allowed_commands(status)

    def test_adjust_takes_a_human_delta_or_milliseconds(self) -> None:
        assert command("adjust", delta="-1m") == Adjust(-60_000)
        assert command("adjust", delta="1:30") == Adjust(90_000)
        assert command("adjust", delta=90) == Adjust(90_000)  # a JSON number is seconds
        assert command("adjust", delta_ms=-5000) == Adjust(-5000)
        assert command("adjust", delta_ms="2500") == Adjust(2500)
        assert refused("adjust", delta="1m", delta_ms=60_000).message == "give delta or delta_ms, not both"

    def test_set_builds_the_protocols_settings(self) -> None:
        assert command("set", mode="countdown", duration="5m", warning="1m", danger="30", overtime="yes",
                       interval="0.5") == SetTimer(Settings(Mode.COUNTDOWN, duration_ms=300_000, interval_ms=500,
                                                            overtime=True, warning_ms=60_000, danger_ms=30_000))
        assert command("set", duration="1:30") == SetTimer(Settings(Mode.COUNTDOWN, duration_ms=90_000))
        assert command("set", mode="stopwatch", initial="1h") == SetTimer(Settings(Mode.STOPWATCH,
                                                                                  initial_ms=3_600_000))

    def test_message_flags_in_every_spelling(self) -> None:
        for yes, no in zip(("true", "1", "yes", "on", "TRUE", " On "), ("false", "0", "no", "off", "False", "OFF"),
                           strict=True):
            assert command("message", visible=yes, blink=no) == ChangeMessage(MessageUpdate(visible=True,
                                                                                            blink=False))
        assert command("message", text="Wrap up", blackout=True) == ChangeMessage(MessageUpdate(text="Wrap up",
                                                                                               blackout=True))
        assert command("message", text="") == ChangeMessage(MessageUpdate(text=""))

    @pytest.mark.parametrize(("action", "parameters", "code", "words"), [
        ("fly", {}, ErrorCode.UNKNOWN_TYPE, "unknown action 'fly'"),
        ("start", {"delta": "1m"}, ErrorCode.INVALID_MESSAGE, "unknown parameter 'delta' for 'start'"),
        ("adjust", {}, ErrorCode.INVALID_MESSAGE, '"delta_ms" is required'),
        ("adjust", {"delta": "soon"}, ErrorCode.INVALID_MESSAGE, "'delta': not a duration"),
        ("adjust", {"delta": "0"}, ErrorCode.INVALID_MESSAGE, "not 0"),
        ("adjust", {"delta": "2h"}, ErrorCode.INVALID_MESSAGE, "between -3,600,000 and 3,600,000"),
        ("adjust", {"delta_ms": "1.5"}, ErrorCode.INVALID_MESSAGE, "whole number"),
        ("adjust", {"delta_ms": "ten"}, ErrorCode.INVALID_MESSAGE, "number of milliseconds"),
        ("adjust", {"delta_ms": True}, ErrorCode.INVALID_MESSAGE, "number of milliseconds"),
        ("set", {}, ErrorCode.INVALID_MESSAGE, '"set" needs "mode"'),
        ("set", {"mode": "egg"}, ErrorCode.INVALID_MESSAGE, "'mode': must be one of stopwatch, countdown"),
        ("set", {"mode": "countdown"}, ErrorCode.INVALID_MESSAGE, '"duration_ms" is required'),
        ("set", {"duration": "-5m"}, ErrorCode.INVALID_MESSAGE, '"duration_ms" must be between 1'),
        ("set", {"duration": "101h"}, ErrorCode.INVALID_MESSAGE, '"duration_ms" must be between 1'),
        ("set", {"duration": "5m", "warning": "1m", "danger": "2m"}, ErrorCode.INVALID_MESSAGE, "below"),
        ("set", {"mode": "stopwatch", "overtime": "1"}, ErrorCode.INVALID_MESSAGE, "unknown field 'overtime'"),
        ("set", {"duration": "5m", "interval": "0.001"}, ErrorCode.INVALID_MESSAGE, '"interval_ms" must be'),
        ("message", {}, ErrorCode.INVALID_MESSAGE, "at least one of"),
        ("message", {"visible": "maybe"}, ErrorCode.INVALID_MESSAGE, "true or false"),
        ("message", {"visible": ""}, ErrorCode.INVALID_MESSAGE, "true or false"),
        ("message", {"text": 5}, ErrorCode.INVALID_MESSAGE, "must be a string"),
        ("message", {"text": "x" * 501}, ErrorCode.INVALID_MESSAGE, "at most 500"),
    ])
    def test_bad_requests_get_the_protocols_codes_and_messages(self, action: str, parameters: dict[str, Any],
                                                               code: ErrorCode, words: str) -> None:
        error = refused(action, **parameters)
        assert error.code is code
        assert words in error.message, error.message


class TestGather:
    def test_query_and_body_merge_and_the_token_is_not_a_parameter(self) -> None:
        assert gather({"delta": ["5m"], "token": ["secret"]}, b"") == {"delta": "5m"}
        assert gather({"token": ["secret"]}, b'{"delta": 90}') == {"delta": 90}
        assert gather({}, b"  \n") == {}

    @pytest.mark.parametrize(("query", "body", "code"), [
        ({"delta": ["1m", "2m"]}, b"", ErrorCode.INVALID_MESSAGE),
        ({"delta": ["1m"]}, b'{"delta": "2m"}', ErrorCode.INVALID_MESSAGE),
        ({}, b"not json", ErrorCode.INVALID_JSON),
        ({}, b'{"delta": NaN}', ErrorCode.INVALID_JSON),
        ({}, b"[1]", ErrorCode.INVALID_MESSAGE),
        ({}, b"\xff\xfe", ErrorCode.INVALID_JSON),
        ({}, b"[" * 20 + b"]" * 20, ErrorCode.INVALID_JSON),
        ({}, b'{"text": "' + b"x" * 5000 + b'"}', ErrorCode.INVALID_MESSAGE),
    ])
    def test_what_gather_refuses(self, query: dict[str, list[str]], body: bytes, code: ErrorCode) -> None:
        with pytest.raises(ProtocolError) as caught:
            gather(query, body)
        assert caught.value.code is code


class TestCrossSite:
    HOST = "127.0.0.1:8080"

    @pytest.mark.parametrize(("origin", "site"), [
        (None, None), (None, "same-origin"), (None, "none"), ("http://127.0.0.1:8080", None),
        ("http://127.0.0.1:8080", "same-origin"), ("HTTP://127.0.0.1:8080", "same-origin"),
        ("https://intranet.example", "cross-site"),  # an allowed origin
    ])
    def test_passes(self, origin: str | None, site: str | None) -> None:
        assert cross_site_refusal(self.HOST, origin, site, ("https://intranet.example",)) is None

    @pytest.mark.parametrize(("origin", "site"), [
        ("https://evil.example", None), ("https://evil.example", "cross-site"), ("null", None),
        ("http://localhost:8080", None), ("http://127.0.0.1:9999", "same-site"), (None, "cross-site"),
        (None, "same-site"), (None, "Cross-Site"), ("http://127.0.0.1:8080", "cross-site"), ("::::", None),
        ("https://intranet.example.evil", None), (None, "garbage"),
    ])
    def test_refused(self, origin: str | None, site: str | None) -> None:
        reason = cross_site_refusal(self.HOST, origin, site, ("https://intranet.example",))
        assert reason is not None and "another site" in reason


class TestAddressLimits:
    def test_a_burst_of_twice_the_rate_then_retry_after(self) -> None:
        limits = AddressLimits(rate=5)
        for _ in range(10):
            limits.check("10.0.0.1", 0.0)
        with pytest.raises(RateLimited) as caught:
            limits.check("10.0.0.1", 0.0)
        assert (caught.value.code, caught.value.retry_after) == (ErrorCode.RATE_LIMITED, 1)
        limits.check("10.0.0.2", 0.0)  # another address has its own bucket
        limits.check("10.0.0.1", 250.0)  # a quarter of a second later: one more token

    def test_retry_after_is_whole_seconds_until_the_next_token(self) -> None:
        limits = AddressLimits(rate=0.5)  # a burst of one
        limits.check("a", 0.0)
        with pytest.raises(RateLimited) as caught:
            limits.check("a", 0.0)
        assert caught.value.retry_after == 2
        limits.check("a", 2000.0)

    def test_the_table_is_bounded_and_forgets_the_least_recently_seen(self) -> None:
        limits = AddressLimits(rate=1, max_addresses=3)
        for address in ("a", "b", "a"):
            limits.check(address, 0.0)
        limits.check("c", 0.0)
        limits.check("d", 0.0)  # b, seen least recently, leaves
        assert len(limits) == 3
        with pytest.raises(RateLimited):
            limits.check("a", 0.0)  # a kept its (empty) bucket
        limits.check("b", 0.0)  # b starts afresh
        for number in range(1000):
            limits.check(f"10.1.{number // 256}.{number % 256}", 0.0)
        assert len(limits) == 3


class TestAnswers:
    def test_every_code_has_one_status(self) -> None:
        assert set(HTTP_STATUS) == set(ErrorCode)
        assert {code.value: HTTP_STATUS[code] for code in ErrorCode if code is not ErrorCode.BINARY_FRAME} == {
            "invalid_json": 400, "invalid_message": 400, "unknown_type": 400, "forbidden": 403, "not_found": 404,
            "invalid_state": 409, "rate_limited": 429, "unavailable": 503}

    def test_a_timer_answer_is_the_websockets_state(self) -> None:
        timer = Timer.create("t", Settings(Mode.COUNTDOWN, duration_ms=60_000), 1000).apply(Command.START, 0.0)
        state = State.of(timer, 1500.0, 1_000_000.0).to_json()
        answer = timer_answer(timer, 1500.0, 1_000_000.0, command="start")
        del state["type"], state["protocol"]
        assert answer == {"ok": True, **state, "command": "start"}

    def test_a_list_is_sorted_and_bounded(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr("tornado_timer.core.api_answers.MAX_LISTED", 2)
        timers = [Timer(name) for name in ("c", "a", "b")]
        answer = list_answer(timers, False, 0.0, 0.0)
        assert [entry["timer"]["name"] for entry in answer["timers"]] == ["a", "b"]
        assert answer["truncated"] is True
        assert list_answer(timers[:1], False, 0.0, 0.0)["truncated"] is False

    def test_an_error_answer(self) -> None:
        assert error_answer(ProtocolError(ErrorCode.INVALID_STATE, "cannot pause: the timer is idle")) == (
            409, {"ok": False, "error": {"code": "invalid_state", "message": "cannot pause: the timer is idle"}})


def test_the_module_has_no_mutable_state_of_its_own() -> None:
    """The table is read, never written: two prepares of the same request are equal and independent."""
    first, second = prepare("adjust", {"delta": "1m"}), prepare("adjust", {"delta": "1m"})
    assert first == second and api_actions.ACTIONS["adjust"].parameter("delta") is not None
