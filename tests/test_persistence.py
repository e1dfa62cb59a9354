"""Timer state survives a restart: records, the state file, restoring through the app and the server process."""

from __future__ import annotations

import asyncio
import json
import logging
import signal
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import JsonClient, Serve, ServerProcess, run_cli, state_of
from hypothesis import given
from hypothesis import strategies as st

from tornado_timer import ServerConfig, make_app
from tornado_timer.core.model import Command, Mode, Settings, Status, Timer
from tornado_timer.core.record import BadRecord, from_record, to_record
from tornado_timer.store.statefile import StateFile

WALL_OFFSET = 1_790_000_000_000.0  # wall clock = monotonic + this, in these tests


def countdown(duration_ms: int = 10_000) -> Timer:
    return Timer.create("talk", Settings(Mode.COUNTDOWN, duration_ms=duration_ms), 1000)


def test_a_running_timer_is_anchored_on_the_wall_clock_and_rebuilt_on_another_monotonic_clock() -> None:
    running = countdown().apply(Command.START, now_ms=5000)
    record = to_record(running, now_ms=7000, wall_ms=7000 + WALL_OFFSET)
    assert record["run_started_at"] == 5000 + WALL_OFFSET
    elsewhere = from_record(json.loads(json.dumps(record)), now_ms=100_000, wall_ms=9000 + WALL_OFFSET)
    assert elsewhere.remaining_ms(100_000) == pytest.approx(6000)
    assert elsewhere.version == running.version


def test_a_countdown_that_ended_while_down_comes_back_finished_after_settling() -> None:
    running = countdown(3000).apply(Command.START, now_ms=0)
    record = to_record(running, now_ms=1000, wall_ms=1000 + WALL_OFFSET)
    restored = from_record(record, now_ms=50, wall_ms=60_000 + WALL_OFFSET)
    assert restored.settle(50).status is Status.FINISHED


@given(st.lists(st.sampled_from([Command.START, Command.PAUSE, Command.RESUME, Command.RESET]), max_size=8),
       st.floats(0, 1e6), st.floats(-1e6, 1e6))
def test_records_round_trip(commands: list[Command], now: float, clock_shift: float) -> None:
    timer = countdown()
    for step, command in enumerate(commands):
        try:
            timer = timer.apply(command, float(step * 100))
        except Exception:  # an illegal move: skip it
            continue
    later = now + 1000
    record = json.loads(json.dumps(to_record(timer, later, later + WALL_OFFSET)))
    back = from_record(record, later + clock_shift, later + WALL_OFFSET)
    assert (back.status, back.version, back.mode, back.duration_ms) == (
        timer.status, timer.version, timer.mode, timer.duration_ms)
    assert back.elapsed_ms(later + clock_shift) == pytest.approx(timer.elapsed_ms(later), abs=1e-3)


@pytest.mark.parametrize(
    "change",
    [
        {"name": "bad name!"}, {"mode": "egg"}, {"status": "sleeping"}, {"interval_ms": 0}, {"version": -1},
        {"version": 1.5}, {"duration_ms": None}, {"banked_ms": 20_000}, {"banked_ms": "3"},
        {"run_started_at": 5.0}, {"extra": 1},
    ],
)
def test_bad_records_are_refused_whole(change: dict[str, object]) -> None:
    record = {**to_record(countdown(), 0, WALL_OFFSET), **change}
    with pytest.raises(BadRecord):
        from_record(record, 0, WALL_OFFSET)


def test_the_state_file_is_replaced_atomically_and_read_back(tmp_path: Path) -> None:
    state = StateFile(tmp_path / "deep" / "state.json")
    assert state.read() == []
    record = to_record(countdown(), 0, WALL_OFFSET)
    state.write([record])
    state.write([record, {**record, "name": "other"}])
    assert [r["name"] for r in state.read()] == ["talk", "other"]
    assert [p.name for p in (tmp_path / "deep").iterdir()] == ["state.json"], "no temporary files left behind"


@pytest.mark.parametrize(
    "content",
    [b"", b"{\"format\": \"tornado-timer-state\", \"vers", b"\x00\xff garbage \xfe", b"[1, 2]",
     b'{"format": "something-else", "version": 1, "timers": []}'],
)
def test_a_corrupt_state_file_is_reported_and_moved_aside_not_overwritten(
    tmp_path: Path, content: bytes, caplog: pytest.LogCaptureFixture,
) -> None:
    path = tmp_path / "state.json"
    path.write_bytes(content)
    with caplog.at_level(logging.ERROR, logger="tornado_timer.state"):
        assert StateFile(path).read() == []
    aside = list(tmp_path.glob("state.json.corrupt-*"))
    assert len(aside) == 1 and aside[0].read_bytes() == content
    assert not path.exists()
    assert "moved it to" in caplog.text


# A hang guard: this finishes in well under a second.
@pytest.mark.async_timeout(5)
async def test_every_timer_comes_back_as_it_was(serve: Serve, tmp_path: Path) -> None:
    """Two apps in a row on one state file: the second is the server after a restart."""
    config = ServerConfig(host="127.0.0.1", port=0, autostart=False, interval=0.1,
                          state_file=str(tmp_path / "state.json"))
    server = await serve(config)
    running, paused, finished = await JsonClient.joined(server.ws_url("running")), \
        await JsonClient.joined(server.ws_url("paused")), await JsonClient.joined(server.ws_url("short"))
    await running.command({"type": "set", "mode": "countdown", "duration_ms": 60_000})
    await running.command({"type": "start"})
    await paused.command({"type": "start"})
    await paused.command({"type": "pause"})
    await finished.command({"type": "set", "mode": "countdown", "duration_ms": 300})
    await finished.command({"type": "start"})
    await server.app.registry.close()  # what a clean shutdown does; a crash is tested in test_faults
    before = {c.name: c.timer for c in server.app.registry}
    server.app.registry.shut_down()

    restarted = make_app(config)
    try:
        await restarted.registry.ready()
        await asyncio.sleep(0.4)  # long enough for the short countdown to have ended
        after = {c.name: c.timer for c in restarted.registry}
        assert set(after) == {"default", "running", "paused", "short"}
        assert after["running"].status is Status.RUNNING
        assert after["paused"].status is Status.PAUSED
        assert after["paused"].banked_ms == before["paused"].banked_ms
        assert after["short"].status is Status.FINISHED
        now = restarted.registry.clock.now_ms()
        remaining = after["running"].remaining_ms(now)
        assert remaining is not None and 59_000 < remaining < 60_000
    finally:
        restarted.registry.shut_down()


# The server as a process, stopped and started again on one state file.


async def test_sigterm_keeps_a_configured_idle_timer(
    tmp_path: Path, start_server_process: Callable[..., ServerProcess],
) -> None:
    state_file = str(tmp_path / "state.json")
    server = start_server_process("--no-autostart", "--state-file", state_file)
    await state_of(server.ws_url("talk"), {"type": "set", "mode": "countdown", "duration_ms": 600_000})
    await state_of(server.ws_url("passing-by"))  # never changed: forgotten
    server.process.send_signal(signal.SIGTERM)
    assert server.process.wait(5) == 0
    saved = {record["name"] for record in json.loads(Path(state_file).read_text())["timers"]}
    assert saved == {"default", "talk"}
    again = start_server_process("--no-autostart", "--state-file", state_file)
    timer = (await state_of(again.ws_url("talk")))["timer"]
    assert (timer["mode"], timer["duration_ms"], timer["status"]) == ("countdown", 600_000, "idle")


async def test_unsound_records_are_kept_aside_and_the_rest_restored(
    tmp_path: Path, start_server_process: Callable[..., ServerProcess],
) -> None:
    path = tmp_path / "state.json"
    good = {"name": "good", "mode": "stopwatch", "status": "paused", "duration_ms": None, "interval_ms": 1000,
            "initial_ms": 0, "banked_ms": 5000.0, "run_started_at": None, "version": 3}
    bad_default = {**good, "name": "default", "interval_ms": 5}
    path.write_text(json.dumps({"format": "tornado-timer-state", "version": 1,
                                "timers": [good, bad_default, {**good, "name": ["x"]}, "junk"]}))
    server = start_server_process("--no-autostart", "--state-file", str(path))
    assert (await state_of(server.ws_url("good")))["timer"]["elapsed_ms"] == 5000
    assert (await state_of(server.ws_url()))["timer"]["interval_ms"] == 1000  # a fresh default
    assert len(list(tmp_path.glob("state.json.corrupt-*"))) == 1
    server.stop()
    assert "cannot be restored" in server.stderr_text()


def test_a_state_file_that_is_a_directory_is_a_clear_error_and_left_alone(tmp_path: Path) -> None:
    directory = tmp_path / "mine"
    directory.mkdir()
    result = run_cli("--port", "0", "--state-file", str(directory))
    assert result.returncode == 1
    assert "is a directory" in result.stderr and result.stderr.count("\n") == 1
    assert directory.is_dir() and not list(tmp_path.glob("mine.corrupt-*"))
