"""The rundown over real sockets and in its wire form: the commands and their errors, the `rundown` message, the
hand-over from cue to cue, the size a controller may send, the text of an agenda, and two processes sharing it."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from helpers import JsonClient, Serve, launch, state_of
from hypothesis import given
from hypothesis import strategies as st

from tornado_timer.core.commands import encode_command, parse_command
from tornado_timer.core.errors import ProtocolError
from tornado_timer.core.rundown import CueSpec
from tornado_timer.core.rundown_text import format_lines, parse_lines
from tornado_timer.core.server_session import Close, Execute, Role, ServerSession

AGENDA = [{"title": "Welcome", "duration_ms": 300_000}, {"title": "Keynote", "duration_ms": 1_200_000,
                                                         "note": "slides on the left screen"},
          {"title": "Q&A", "duration_ms": 600_000}]


@pytest.mark.parametrize("message", [
    {"type": "rundown", "cues": AGENDA, "auto_advance": True},
    {"type": "rundown", "cues": [{**AGENDA[0], "id": "welcome"}], "id": 7},
    {"type": "rundown", "text": "Welcome, 5m\n", "auto_advance": False},
    {"type": "rundown", "auto_advance": True},
    {"type": "next"}, {"type": "previous", "start": True, "id": "r1"},
    {"type": "cue", "index": 2}, {"type": "cue", "id": "c3", "start": True},
])
def test_every_rundown_command_round_trips(message: dict[str, Any]) -> None:
    parsed = parse_command(json.dumps(message))
    assert parse_command(encode_command(parsed)) == parsed
    assert json.loads(encode_command(parsed)) == message


@pytest.mark.parametrize(("message", "words"), [
    ({"type": "rundown"}, '"cues" (a list) or "text"'),
    ({"type": "rundown", "cues": None, "text": None}, 'or "auto_advance" alone'),
    ({"type": "rundown", "cues": [], "text": ""}, '"cues" (a list) or "text"'),
    ({"type": "rundown", "cues": [{"title": "a", "duration_ms": 500}]}, "cue 0: a cue lasts from 1 s"),
    ({"type": "rundown", "cues": [AGENDA[0], {"title": "b", "duration_ms": 60_000, "colour": 1}]},
     "cue 1: unknown field 'colour'"),
    ({"type": "rundown", "cues": [AGENDA[0]] * 201}, "at most 200 cues"),
    ({"type": "rundown", "text": "Welcome, 5m\nKeynote 20m"}, "line 2: 'Keynote 20m' has no duration"),
    ({"type": "rundown", "cues": AGENDA, "auto_advance": "yes"}, "true or false"),
    ({"type": "cue"}, 'by "index" (from 0) or by "id"'),
    ({"type": "cue", "index": 1, "id": "c1"}, 'by "index" (from 0) or by "id"'),
    ({"type": "cue", "index": -1}, "whole number from 0"),
    ({"type": "next", "index": 1}, "unknown field 'index'"),
])
def test_bad_rundown_commands_say_what_is_wrong(message: dict[str, Any], words: str) -> None:
    with pytest.raises(ProtocolError) as refused:
        parse_command(json.dumps(message))
    assert refused.value.code.value == "invalid_message" and words in refused.value.message, refused.value.message


def test_the_text_of_an_agenda() -> None:
    cues = parse_lines("# the day\nWelcome, 5m\n\nQ&A, part 2, 10:00, questions, then coffee\nClose, 1h30m\n")
    assert [(c.title, c.duration_ms, c.note) for c in cues] == [
        ("Welcome", 300_000, ""), ("Q&A, part 2", 600_000, "questions, then coffee"), ("Close", 5_400_000, "")]
    for text, words in [("Keynote, 20", "line 1: 'Keynote, 20': '20' has no unit; write 20m"),
                        ("ok, 1m\n\nbad", "line 3: 'bad' has no duration"), ("x, 25h", "line 1: 'x, 25h': a cue lasts"),
                        (f"{'t' * 121}, 5m", "title is 1 to 120")]:
        with pytest.raises(ProtocolError, match=words):
            parse_lines(text)


titles = st.text(st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), min_size=1, max_size=40).filter(
    lambda t: t.strip() == t and t and not t.startswith("#"))


@given(st.lists(st.tuples(titles, st.integers(1000, 86_400_000), st.one_of(st.just(""), titles)), max_size=10))
def test_lines_written_from_cues_read_back_as_the_same_cues(cues: list[tuple[str, int, str]]) -> None:
    specs = []
    for title, duration, note in cues:
        try:
            specs.append(CueSpec(title, duration, note))
        except ValueError:
            return
    try:
        back = parse_lines(format_lines(tuple(specs)))
    except ProtocolError:
        assert any("," in title for title, _, _ in cues)  # only a title holding ", 5m" itself can't be told apart
        return
    if all("," not in title for title, _, _ in cues):
        assert [(c.title, c.duration_ms, c.note) for c in back] == [(c.title, c.duration_ms, c.note) for c in specs]


def test_only_a_controllers_rundown_may_be_large() -> None:
    big = json.dumps({"type": "rundown", "cues": [{"title": "t" * 120, "duration_ms": 60_000, "note": "n" * 500}]
                      * 200})
    assert len(big.encode()) > 100_000
    [action] = ServerSession(Role.CONTROLLER, 20).receive_text(big, 0, 0)
    assert isinstance(action, Execute)
    [closed] = ServerSession(Role.CONTROLLER, 20).receive_text(json.dumps({"type": "next", "id": "x" * 60}) +
                                                                " " * 5000, 0, 0)
    assert isinstance(closed, Close) and closed.code == 1009


async def test_every_client_gets_the_rundown_and_now_and_next(serve: Serve) -> None:
    server = await serve(autostart=False)
    actor, watcher = await JsonClient.joined(server.ws_url("day")), await JsonClient.joined(server.ws_url("day"))
    await actor.command({"type": "rundown", "cues": AGENDA})
    listing = await watcher.next_of("rundown")
    assert [cue["id"] for cue in listing["cues"]] == ["c1", "c2", "c3"]
    assert (listing["current"], listing["planned_ms"], listing["offset_ms"], listing["auto_advance"]) == (
        None, 2_100_000, None, False)
    loaded = await actor.command({"type": "next"})
    assert loaded["cue"] == {"index": 0, "id": "c1", "title": "Welcome", "note": ""}
    assert loaded["next_cue"] == {"index": 1, "id": "c2", "title": "Keynote"}
    assert (loaded["timer"]["mode"], loaded["timer"]["status"], loaded["timer"]["duration_ms"]) == (
        "countdown", "idle", 300_000)
    assert (await watcher.next_of("rundown"))["current"] == 0
    started = await actor.command({"type": "cue", "id": "c2", "start": True})
    assert started["cue"]["note"] == "slides on the left screen" and started["timer"]["status"] == "running"
    assert started["offset_ms"] == 0 and started["planned_ms"] == 2_100_000
    late = await JsonClient.connect(server.ws_url("day"))
    first, second = await late.next(), await late.next()
    assert (first["type"], first["cue"]["id"], second["type"], second["current"]) == ("state", "c2", "rundown", 1)


async def test_moves_without_a_cue_are_refused_with_their_codes_and_ids(serve: Serve) -> None:
    server = await serve(autostart=False)
    client = await JsonClient.joined(server.ws_url("day"))
    refused = await client.command({"type": "next", "id": "n1"})
    assert (refused["code"], refused["id"], refused["message"]) == (
        "invalid_state", "n1", "cannot next: the timer has no rundown")
    await client.command({"type": "rundown", "cues": AGENDA[:1]})
    await client.command({"type": "cue", "index": 0})
    last = await client.command({"type": "next", "id": 2})
    assert last["message"] == "cannot next: the last cue is on: there is no next one"
    missing = await client.command({"type": "cue", "id": "nope"})
    assert (missing["code"], missing["id"]) == ("not_found", "nope")
    viewer_server = await serve(autostart=False, control_token="secret-token")
    viewer = await JsonClient.joined(viewer_server.ws_url("day"))
    assert (await viewer.command({"type": "rundown", "cues": AGENDA}))["code"] == "forbidden"


async def test_auto_advance_hands_over_at_the_exact_end_of_each_cue(serve: Serve) -> None:
    server = await serve(autostart=False)
    client = await JsonClient.joined(server.ws_url("chain"))
    await client.command({"type": "rundown", "auto_advance": True, "cues": [
        {"title": f"part {n}", "duration_ms": 1000} for n in range(3)]})
    started = await client.command({"type": "next", "start": True})
    ends = [started["timer"]["ends_at"]]
    states = []
    while len(states) < 3:
        state = await client.next_of("state", timeout=3)
        states.append(state)
    assert [s["cue"]["index"] if s["cue"] else None for s in states] == [1, 2, 2]
    for state in states[:2]:
        assert abs(state["timer"]["started_at"] - ends[-1]) <= 1  # from the end before it, not from the callback
        ends.append(state["timer"]["ends_at"])
    assert states[2]["timer"]["status"] == "finished" and abs(states[2]["offset_ms"]) <= 2
    assert ends[-1] - started["timer"]["started_at"] == pytest.approx(3000, abs=2)


async def test_a_large_rundown_from_a_controller_reaches_a_viewer(serve: Serve) -> None:
    server = await serve(autostart=False, control_token="secret-token")
    controller = await JsonClient.joined(server.ws_url("big") + "?token=secret-token")
    viewer = await JsonClient.joined(server.ws_url("big"))
    cues = [{"title": f"{n:03} " + "é" * 100, "duration_ms": 60_000, "note": "☕" * 500} for n in range(200)]
    await controller.command({"type": "rundown", "cues": cues}, timeout=10)
    listing = await viewer.next_of("rundown", timeout=10)
    assert len(listing["cues"]) == 200 and listing["cues"][199]["note"] == "☕" * 500
    viewer.send({"type": "rundown", "cues": cues[:10]})  # 4 KiB is a viewer's limit
    assert await viewer.connection.read_message() is None and viewer.connection.close_code == 1009


async def test_the_rundown_is_saved_with_the_timer(tmp_path: Any) -> None:
    state_file = tmp_path / "state.json"
    args = ["--no-autostart", "--state-file", str(state_file)]
    first = launch(args)
    try:
        client = await JsonClient.joined(first.ws_url("saved"))
        await client.command({"type": "rundown", "cues": AGENDA, "auto_advance": True})
        await client.command({"type": "cue", "index": 1, "start": True})
    finally:
        first.stop()
    again = launch(args)
    try:
        state = await state_of(again.ws_url("saved"))
        assert (state["cue"]["id"], state["timer"]["status"], state["next_cue"]["title"]) == ("c2", "running", "Q&A")
        assert abs(state["offset_ms"]) < 5_000
    finally:
        again.stop()


async def test_next_pressed_on_two_processes_at_once_moves_one_cue(redis_url: str) -> None:
    args = ["--store", redis_url, "--no-autostart"]
    a, b = launch(args), launch(args)
    try:
        on_a, on_b = await JsonClient.joined(a.ws_url("shared")), await JsonClient.joined(b.ws_url("shared"))
        await on_a.command({"type": "rundown", "cues": AGENDA})
        for _ in range(3):
            heard = await on_b.next_of("state", "rundown", timeout=5)
            if heard["type"] == "rundown":
                break
        on_a.send({"type": "next", "start": True})
        on_b.send({"type": "next", "start": True})
        await asyncio.sleep(1.5)
        for url in (a.ws_url("shared"), b.ws_url("shared")):
            state = await state_of(url)
            assert (state["cue"]["index"], state["timer"]["status"]) == (0, "running"), state
        on_a.send({"type": "next"})  # a second on: a press of its own again
        for _ in range(50):
            later = await state_of(b.ws_url("shared"))
            if later["cue"]["index"] == 1:
                break
            await asyncio.sleep(0.1)
        assert later["cue"]["index"] == 1
    finally:
        a.stop()
        b.stop()
