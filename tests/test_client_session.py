"""The client's side of one connection, driven with plain strings: text in, events out (no socket, no clock)."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from tornado_timer.core.client_session import Answered, ClientSession, Connected, Ignored, MessageReceived
from tornado_timer.core.commands import Control, GoToCue, Ping, SetTimer, apply, parse_command
from tornado_timer.core.errors import ProtocolError
from tornado_timer.core.messages import Error, Snapshot, State, encode_state
from tornado_timer.core.model import Command, Mode, RundownUpdate, Settings, Timer
from tornado_timer.core.rundown import CueSpec
from tornado_timer.core.server_session import Execute, Reply, Role, ServerSession

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


# ---- The rundown ------------------------------------------------------------------------------------------------

CUES = [{"id": "c1", "title": "Welcome", "duration_ms": 300_000, "note": ""},
        {"id": "c2", "title": "Keynote", "duration_ms": 1_200_000, "note": "slides on the left screen"}]


def rundown(current: int | None = 1, offset_ms: int | None = 2000, **changes: Any) -> str:
    message = {"type": "rundown", "timer": "talk", "cues": CUES, "auto_advance": True, "current": current,
               "planned_ms": 1_500_000, "offset_ms": offset_ms, "server_time": 1000, **changes}
    return json.dumps(message)


def cue_state(status: str = "running", offset_ms: int | None = 2000, last: bool = False, **changes: Any) -> str:
    """A state with the cue on: Keynote (the last), or Welcome with Keynote next."""
    on = {"index": 1, "id": "c2", "title": "Keynote", "note": "slides on the left screen"} if last else (
        {"index": 0, "id": "c1", "title": "Welcome", "note": ""})
    document = json.loads(state(status=status, **changes))
    document.update(cue=on, next_cue=None if last else {"index": 1, "id": "c2", "title": "Keynote"},
                    planned_ms=1_500_000, offset_ms=offset_ms)
    return json.dumps(document)


def test_the_rundown_the_cue_on_and_the_schedule_come_from_the_servers_messages() -> None:
    session = connected_session()
    assert session.rundown is None and session.cue is None and session.schedule.offset_ms is None
    session.receive(cue_state(offset_ms=-500), 10.0)
    session.receive(rundown(current=0, offset_ms=-400), 11.0)
    assert session.rundown is not None and [cue.title for cue in session.rundown.cues] == ["Welcome", "Keynote"]
    assert session.rundown.auto_advance and session.rundown.current == 0
    assert session.cue is not None and (session.cue.id, session.cue.note) == ("c1", "")
    assert session.next_cue is not None and session.next_cue.title == "Keynote"
    assert (session.schedule.planned_ms, session.schedule.offset_ms, session.schedule_at) == (1_500_000, -400, 11.0)
    session.receive(rundown(current=0, timer="elsewhere", cues=[]), 12.0)
    assert session.rundown.cues, "another timer's rundown is not ours"
    session.receive(state(), 13.0)  # planned_ms 0: the rundown was removed (a client that was away hears no more)
    assert session.rundown.cues == () and session.cue is None and session.next_cue is None


def test_the_schedule_offset_is_carried_forward_by_the_one_rule() -> None:
    session = connected_session()
    assert session.schedule_offset_ms(5.0) is None, "no schedule before a cue has run"
    session.receive(cue_state("running", offset_ms=2000), 100.0)
    assert session.schedule_offset_ms(5100.0) == 2000, "a cue counting down as planned keeps the offset"
    session.receive(cue_state("paused", offset_ms=2500), 200.0)
    assert session.schedule_offset_ms(1200.5) == 3500, "paused: every ms is a ms late"
    session.receive(cue_state("running", offset_ms=3000, phase="overtime"), 300.0)
    assert session.schedule_offset_ms(800.0) == 3500, "overtime: late too"
    session.receive(cue_state("finished", offset_ms=4000, last=True), 400.0)
    assert session.schedule_offset_ms(9400.0) == 4000, "the last cue finished: the rundown is over"
    session.receive(cue_state("finished", offset_ms=4000), 500.0)
    assert session.schedule_offset_ms(600.0) == 4100, "a cue that is not the last finished: the day waits"


def pong(request_id: str | int | float | None) -> str:
    return json.dumps({"type": "pong", "client_time": 1.0, "server_time": 2.0, "id": request_id})


def error(code: str, request_id: str | None) -> str:
    return json.dumps({"type": "error", "code": code, "message": "no", "id": request_id})


def test_a_cue_command_goes_out_between_two_pings_and_is_answered_by_the_second() -> None:
    session = connected_session()
    request = session.command(GoToCue(index=1, start=True), 10.0)
    opening, command, closing = (parse_command(text) for text in request.texts)
    assert command == GoToCue(index=1, start=True) and '"id"' not in request.texts[1]
    assert isinstance(opening, Ping) and isinstance(closing, Ping) and len({opening.id, closing.id}) == 2
    assert session.receive(pong(opening.id), 11.0)[1:] == [], "the opening pong only opens the window"
    assert session.receive(cue_state(), 12.0)[1:] == []
    assert session.receive(pong(closing.id), 13.0)[1:] == [Answered(request.id)]
    assert list(session.samples) == [], "neither ping is a clock sample"


def test_a_cue_by_index_is_answered_by_the_error_without_id_between_its_pings() -> None:
    session = connected_session()
    session.note_sent('{"type": "bogus"}', 9.0)  # a raw frame before it: its error has no id either
    request = session.command(GoToCue(index=7), 10.0)
    opening, _, closing = (parse_command(text) for text in request.texts)
    assert session.receive(error("unknown_type", None), 11.0)[1:] == [], "before the opening pong: not its answer"
    session.receive(pong(opening.id), 12.0)
    [answered] = session.receive(error("not_found", None), 13.0)[1:]
    assert isinstance(answered, Answered) and answered.request_id == request.id
    assert answered.error is not None and answered.error.code == "not_found"
    assert session.receive(pong(closing.id), 14.0)[1:] == []
    assert [e.code for e in session.errors] == ["unknown_type"]


def test_a_cue_by_id_is_answered_by_the_error_carrying_the_cues_id_each_by_its_own() -> None:
    session = connected_session()
    first, second = session.command(GoToCue(cue_id="c9"), 10.0), session.command(GoToCue(cue_id="c9"), 10.0)
    assert all(json.loads(r.texts[1]) == {"type": "cue", "id": "c9"} for r in (first, second))
    outcomes = []
    for request, answer in ((first, error("not_found", "c9")), (second, error("invalid_state", "c9"))):
        opening, _, closing = (parse_command(text) for text in request.texts)
        session.receive(pong(opening.id), 11.0)
        outcomes += session.receive(answer, 12.0)[1:]
        assert session.receive(pong(closing.id), 13.0)[1:] == []
    assert [(a.request_id, a.error and a.error.code) for a in outcomes if isinstance(a, Answered)] == [
        (first.id, "not_found"), (second.id, "invalid_state")]
    assert list(session.errors) == []


def test_a_command_behind_a_cue_command_keeps_its_own_answer() -> None:
    session = connected_session()
    cue = session.command(GoToCue(index=0), 10.0)
    pause = session.command(Control(Command.PAUSE), 10.0)
    opening, _, closing = (parse_command(text) for text in cue.texts)
    session.receive(pong(opening.id), 11.0)
    assert session.receive(pong(closing.id), 12.0)[1:] == [Answered(cue.id)]
    [answered] = session.receive(error("invalid_state", pause.id), 13.0)[1:]
    assert isinstance(answered, Answered) and answered.request_id == pause.id
    assert session.receive(error("rate_limited", None), 14.0)[1:] == [], "no window open: nobody's answer"


def test_a_lost_connection_closes_a_cue_commands_window() -> None:
    session = connected_session()
    request = session.command(GoToCue(index=0), 1.0)
    session.receive(pong(parse_command(request.texts[0]).id), 2.0)
    assert session.connection_lost() == [request.id]
    session.connection_opened()
    assert session.receive(error("not_found", None), 3.0)[1:] == [] and len(session.errors) == 1


def test_the_two_sessions_agree_on_which_cue_command_was_refused() -> None:
    """Text from the client session through the server session and the model, and the answers back."""
    server, client = ServerSession(Role.CONTROLLER, 1000.0), ClientSession()
    timer = Timer.create("talk", Settings(Mode.COUNTDOWN, duration_ms=60_000), 1000)
    timer = timer.apply(Command.RUNDOWN, 0.0, RundownUpdate((CueSpec("Welcome", 5000), CueSpec("Keynote", 9000))))
    client.connection_opened()
    client.receive(encode_state(timer, 0.0, 1000.0, Role.CONTROLLER), 1.0)
    requests = [client.command(c, 2.0) for c in (GoToCue(cue_id="c2", start=True), GoToCue(index=5),
                                                  GoToCue(cue_id="nope"), Control(Command.PAUSE))]
    answers: dict[str, Answered] = {}
    for text in [text for request in requests for text in request.texts]:
        for action in server.receive_text(text, 3.0, 1003.0):
            if isinstance(action, Execute):
                try:
                    timer = apply(timer, action.command, 3.0)
                    replies = [encode_state(timer, 3.0, 1003.0)]
                except ProtocolError as refused:
                    replies = [reply.text for reply in server.outcome(action.command, refused)
                               if isinstance(reply, Reply)]
            else:
                replies = [action.text] if isinstance(action, Reply) else []
            for reply in replies:
                answers.update({e.request_id: e for e in client.receive(reply, 4.0) if isinstance(e, Answered)})
    codes = [(answers[r.id].error or Error("ok", "")).code for r in requests]
    assert codes == ["ok", "not_found", "not_found", "ok"]
    assert client.cue is not None and client.cue.title == "Keynote" and client.snapshot is not None
    assert client.snapshot.status == "paused" and list(client.errors) == []
