"""The Python client and the widget with a rundown, against the real server: the agenda as a list or as lines, the
moves between cues and their refusals (each matched to the call that caused it), what another client's change
looks like, an auto-advance hand-over, and NOW/NEXT in the widget."""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

import pytest
from helpers import IN_CI, Serve, eventually

from tornado_timer.client import TimerClient, TimerError

try:
    from tornado_timer import widget
except ImportError as exc:  # ipywidgets missing: a skip here, a failure under CI=true
    if IN_CI:
        raise
    pytest.skip(f"needs ipywidgets (the notebooks extra): {exc}", allow_module_level=True)

AGENDA = """# the morning
Welcome, 5m
Keynote, 20m, slides on the left screen

Q&A, 10:00, take questions from the room
"""


def titles(client: TimerClient) -> list[str]:
    return [cue["title"] for cue in client.cues]


async def test_a_rundown_from_a_list_and_from_lines(serve: Serve) -> None:
    server = await serve(autostart=False, max_messages_per_second=1000)
    async with TimerClient(server.ws_url("day")) as client:
        assert client.cues == [] and client.auto_advance is None and client.current_cue is None
        await client.rundown([("Welcome", 300), ("Keynote", "20m", "slides on the left screen"),
                              {"title": "Q&A", "duration_ms": 600_000}], auto_advance=True)
        assert client.cues == [
            {"id": "c1", "title": "Welcome", "duration_ms": 300_000, "note": ""},
            {"id": "c2", "title": "Keynote", "duration_ms": 1_200_000, "note": "slides on the left screen"},
            {"id": "c3", "title": "Q&A", "duration_ms": 600_000, "note": ""}]
        assert client.auto_advance is True and client.planned_ms == 2_100_000
        assert client.current_cue is None and client.next_cue is None and client.schedule_offset_ms is None
        assert {"next", "cue"} <= client.allowed and "previous" not in client.allowed

        await client.rundown(AGENDA.replace("Welcome, 5m", "Break, 15m"), auto_advance=False)
        assert titles(client) == ["Break", "Keynote", "Q&A"] and client.auto_advance is False
        assert [cue["id"] for cue in client.cues] == ["c1", "c2", "c3"], "lines keep the ids of their cues"
        assert client.cues[2]["note"] == "take questions from the room"

        kept = client.cues
        await client.rundown([*kept[1:], ("Lunch", 3600)])
        assert [cue["id"] for cue in client.cues] == ["c2", "c3", "c4"], "cues sent back with their ids keep them"

        for bad, says in [("Welcome, 5m\nKeynote, 20\n", "line 2: 'Keynote, 20': '20' has no unit"),
                          ("Welcome\n", "line 1: 'Welcome' has no duration"),
                          ([("Welcome", 0.5)], "cue 0: a cue lasts from 1 s to 24 h"),
                          ([("Welcome",)], "cue 0: a tuple is (title, seconds)"),
                          ([("Welcome", "soon")], "cue 0: not a duration"),
                          ([{"title": "", "duration_ms": 60_000}], "cue 0: a cue's title is 1 to 120")]:
            with pytest.raises(TimerError) as refused:
                await client.rundown(bad)
            assert refused.value.code == "invalid_message" and refused.value.message.startswith(says), bad
        assert [cue["id"] for cue in client.cues] == ["c2", "c3", "c4"], "a refused rundown changes nothing"
        with pytest.raises(TypeError):
            await client.rundown({"title": "Welcome"})  # type: ignore[arg-type]

        await client.rundown([])
        assert client.cues == [] and client.planned_ms == 0 and not {"next", "cue"} & client.allowed


async def test_next_previous_and_cue_load_a_cue_and_start_it(serve: Serve) -> None:
    server = await serve(autostart=False, max_messages_per_second=1000)
    async with TimerClient(server.ws_url("day")) as client:
        await client.set_countdown(30, warning=10)
        await client.rundown(AGENDA)
        timer = await client.next()
        assert (timer["mode"], timer["status"], timer["duration_ms"], timer["warning_ms"]) == (
            "countdown", "idle", 300_000, 10_000), "a cue loads as a countdown, its thresholds kept"
        assert client.current_cue == {"index": 0, "id": "c1", "title": "Welcome", "note": ""}
        assert client.next_cue == {"index": 1, "id": "c2", "title": "Keynote"}
        assert "previous" not in client.allowed
        timer = await client.cue(1, start=True)
        assert timer["status"] == "running" and timer["duration_ms"] == 1_200_000
        assert client.current_cue is not None and client.current_cue["note"] == "slides on the left screen"
        assert client.schedule_offset_ms is not None and abs(client.schedule_offset_ms) < 5000, "the plan is fixed"
        timer = await client.previous()
        assert timer["status"] == "idle" and client.current_cue is not None and client.current_cue["index"] == 0
        assert client.schedule_offset_ms is None, "back to the first cue: a new schedule, not begun yet"
        timer = await client.next(start=True)
        assert timer["status"] == "running" and client.current_cue is not None and client.current_cue["index"] == 1
        assert client.schedule_offset_ms is not None and abs(client.schedule_offset_ms) < 5000
        timer = await client.cue(2, start=True)
        assert timer["status"] == "running" and client.current_cue is not None and client.current_cue["id"] == "c3"
        assert client.next_cue is None and "next" not in client.allowed
        timer = await client.cue(id="c2")
        assert timer["status"] == "idle" and client.next_cue == {"index": 2, "id": "c3", "title": "Q&A"}
        timer = await client.previous(start=True)
        assert timer["status"] == "running" and client.current_cue is not None and client.current_cue["index"] == 0


async def test_refusals_answer_the_call_that_caused_them(serve: Serve) -> None:
    server = await serve(autostart=False, max_messages_per_second=1000)
    async with TimerClient(server.ws_url("day")) as client:
        with pytest.raises(TimerError) as no_rundown:
            await client.next()
        assert no_rundown.value.code == "invalid_state" and "no rundown" in no_rundown.value.message
        await client.rundown(AGENDA)
        await client.cue(2)
        with pytest.raises(TimerError) as past_the_last:
            await client.next()
        assert past_the_last.value.code == "invalid_state" and "last cue" in past_the_last.value.message
        await client.cue(0)
        with pytest.raises(TimerError) as before_the_first:
            await client.previous()
        assert before_the_first.value.code == "invalid_state"
        with pytest.raises(TimerError) as unknown:
            await client.cue(id="c99")
        assert (unknown.value.code, unknown.value.id) == ("not_found", "c99")
        with pytest.raises(TimerError) as beyond:
            await client.cue(7)
        assert (beyond.value.code, beyond.value.id) == ("not_found", None) and "0 to 2" in beyond.value.message
        with pytest.raises(TimerError) as negative:
            await client.cue(-1)
        assert negative.value.code == "invalid_message", "checked before it is sent"
        assert client.errors == [], "every refusal answered its own call"

        outcomes = await asyncio.gather(client.cue(id="nope"), client.cue(1), client.cue(9), client.next(),
                                        client.previous(start=True), client.cue(id="c3", start=True), client.next(),
                                        client.cue(0), return_exceptions=True)
        assert [outcome.code if isinstance(outcome, TimerError) else outcome["status"] for outcome in outcomes] == [
            "not_found", "idle", "not_found", "idle", "running", "running", "invalid_state", "idle"]
        assert client.current_cue is not None and client.current_cue["index"] == 0 and client.errors == []

        await client.send({"type": "cue", "index": 50})  # no id: its refusal answers nobody's call
        timer = await client.cue(1)
        assert timer["status"] == "idle" and client.current_cue is not None and client.current_cue["index"] == 1
        assert await eventually(lambda: [error["code"] for error in client.errors] == ["not_found"])


async def test_a_viewers_moves_are_forbidden_and_answer_its_calls(serve: Serve) -> None:
    server = await serve(autostart=False, control_token="s3cret-token")
    async with TimerClient(server.ws_url("day"), token="s3cret-token") as boss, TimerClient(
            server.ws_url("day")) as viewer:
        await boss.rundown(AGENDA)
        for move in (viewer.cue(id="c2"), viewer.cue(1), viewer.next(), viewer.rundown([])):
            with pytest.raises(TimerError) as refused:
                await move
            assert refused.value.code == "forbidden"
        assert viewer.errors == [] and titles(viewer) == ["Welcome", "Keynote", "Q&A"]


async def test_another_clients_changes_reach_the_clients_view(serve: Serve) -> None:
    server = await serve(autostart=False, interval=0.1)
    async with TimerClient(server.ws_url("day")) as watcher, TimerClient(server.ws_url("day")) as operator:
        await operator.rundown(AGENDA, auto_advance=True)
        assert await eventually(lambda: titles(watcher) == ["Welcome", "Keynote", "Q&A"])
        assert watcher.auto_advance is True and watcher.planned_ms == 35 * 60_000
        await operator.cue(1, start=True)
        assert await eventually(lambda: (watcher.current_cue or {}).get("title") == "Keynote")
        assert watcher.current_cue == operator.current_cue and watcher.next_cue == operator.next_cue
        running = watcher.schedule_offset_ms
        assert running is not None and abs(running) < 5000, "the schedule began as planned"
        await asyncio.sleep(0.3)
        assert watcher.schedule_offset_ms == running, "a cue running as planned keeps the day on schedule"

        await operator.pause()
        assert await eventually(lambda: watcher.timer_status == "paused")
        paused, before = watcher.schedule_offset_ms, watcher.clock()
        await asyncio.sleep(0.6)
        grown, waited = (watcher.schedule_offset_ms or 0) - (paused or 0), watcher.clock() - before
        assert waited - 50 <= grown <= waited + 50, "paused, the day gets later as the clock runs"

        async with TimerClient(server.ws_url("day")) as late:
            assert titles(late) == titles(watcher) and late.current_cue == watcher.current_cue
            assert abs((late.schedule_offset_ms or 0) - (watcher.schedule_offset_ms or 0)) < 250

        await operator.rundown([])
        assert await eventually(lambda: watcher.cues == [] and watcher.current_cue is None)
        assert watcher.schedule_offset_ms is None


@pytest.mark.async_timeout(60)
async def test_auto_advance_hands_over_at_the_cues_end_without_a_gap(serve: Serve) -> None:
    server = await serve(autostart=False, interval=0.25)
    async with TimerClient(server.ws_url("chain")) as operator, TimerClient(server.ws_url("chain")) as client:
        await operator.rundown([("One", 1), ("Two", 1), ("Three", 1)], auto_advance=True)
        states: list[dict[str, Any]] = []
        client.add_listener(lambda message: states.append(message) if message["type"] == "state" else None)
        await operator.cue(0, start=True)
        assert await eventually(lambda: client.timer_status == "finished", timeout=15)
        running = [(m["cue"]["title"], m["timer"]["started_at"]) for m in states if m["timer"]["status"] == "running"]
        assert [title for title, _ in running] == ["One", "Two", "Three"], "one state per hand-over"
        starts = [started_at for _, started_at in running]
        assert [later - earlier for earlier, later in itertools.pairwise(starts)] == pytest.approx([1000, 1000], abs=2)
        assert client.current_cue is not None and client.current_cue["title"] == "Three" and client.next_cue is None
        offset = client.schedule_offset_ms
        assert offset is not None and abs(offset) <= 2, "the chain ended exactly as planned"
        await asyncio.sleep(0.3)
        assert client.schedule_offset_ms == offset, "the rundown is over: its offset stays"


async def test_the_widget_shows_now_and_next_and_moves_through_the_cues(serve: Serve) -> None:
    server = await serve(autostart=False, interval=0.1)
    operator = await TimerClient(server.ws_url()).connect()
    shown = widget.TimerWidget(server.ws_url())
    panel = shown.rundown_panel
    try:
        await shown.ready()
        assert panel.layout.display == "none", "no rundown: no panel"
        await operator.rundown(AGENDA)
        assert await eventually(lambda: panel.layout.display is None)
        assert (panel.now_label.value, panel.next_label.value) == ("NOW  —", "NEXT  Welcome")
        assert panel.buttons["previous"].disabled and not panel.buttons["next"].disabled
        panel.buttons["next"].click()
        assert await eventually(lambda: panel.now_label.value == "NOW  Welcome")
        assert (panel.note_label.value, panel.next_label.value) == ("", "NEXT  Keynote")
        assert panel.buttons["previous"].disabled and not panel.buttons["next"].disabled
        await operator.cue(2)
        assert await eventually(lambda: panel.now_label.value == "NOW  Q&A")
        assert panel.note_label.value == "take questions from the room" and panel.next_label.value == "NEXT  —"
        assert panel.buttons["next"].disabled and not panel.buttons["previous"].disabled
        panel.buttons["next"].click()  # disabled on a page; a programmatic click gets the server's refusal
        assert await eventually(lambda: shown.error_label.value.startswith("invalid_state"))
        panel.buttons["previous"].click()
        assert await eventually(lambda: panel.now_label.value == "NOW  Keynote")
        assert panel.note_label.value == "slides on the left screen" and panel.next_label.value == "NEXT  Q&A"
        assert await eventually(lambda: shown.error_label.value == ""), "a move that worked clears the error"

        assert panel.offset_label.value == "", "no cue has run: no schedule yet"
        await operator.cue(1, start=True)
        assert await eventually(lambda: panel.offset_label.value == "on schedule")
        await operator.pause()
        assert await eventually(lambda: panel.offset_label.value == "+0:01 behind", timeout=5), \
            "paused, the widget shows the day getting later between messages"
        await operator.rundown([])
        assert await eventually(lambda: panel.layout.display == "none")
    finally:
        shown.close()
        await operator.aclose()
        await shown.client.wait_closed()
