"""The stage additions over real sockets: adjust, overtime, warning and danger phases, the message; their limits,
who may send them, and that they are saved with the timer and shared between processes."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from helpers import JsonClient, Serve, launch, state_of

COUNTDOWN = {"type": "set", "mode": "countdown", "duration_ms": 60_000, "interval_ms": 1000}


async def test_an_adjustment_reaches_every_client_and_moves_the_end_by_exactly_its_delta(serve: Serve) -> None:
    server = await serve(autostart=False)
    actor, watcher = await JsonClient.joined(server.ws_url("talk")), await JsonClient.joined(server.ws_url("talk"))
    await actor.command(COUNTDOWN)
    started = await actor.command({"type": "start"})
    await watcher.next_of("state")
    await watcher.next_of("state")
    adjusted = await actor.command({"type": "adjust", "delta_ms": 90_000})
    seen = await watcher.next_of("state")
    for state in (adjusted, seen):
        timer = state["timer"]
        assert (timer["adjusted_ms"], timer["status"], timer["duration_ms"]) == (90_000, "running", 60_000)
        assert timer["ends_at"] - started["timer"]["ends_at"] == 90_000
        assert timer["remaining_ms"] == 150_000 - timer["elapsed_ms"]
    back = await actor.command({"type": "adjust", "delta_ms": -30_000})
    assert back["timer"]["adjusted_ms"] == 60_000 and back["timer"]["ends_at"] - started["timer"]["ends_at"] == 60_000


async def test_bad_adjustments_are_refused_with_their_codes(serve: Serve) -> None:
    server = await serve(autostart=False)
    client = await JsonClient.joined(server.ws_url("talk"))
    for delta, words in [(0, "not 0"), (3_600_001, "3,600,000"), (1.5, "whole number"), ("60", "finite number")]:
        error = await client.command({"type": "adjust", "delta_ms": delta, "id": 1})
        assert (error["type"], error["code"], error["id"]) == ("error", "invalid_message", 1), error
        assert words in error["message"], error
    idle = await client.command({"type": "adjust", "delta_ms": 1000})
    assert (idle["code"], idle["message"]) == ("invalid_state", "cannot adjust: the timer is idle")


async def test_phase_changes_are_announced_between_ticks_and_overtime_counts_on(serve: Serve) -> None:
    server = await serve(autostart=False)
    client = await JsonClient.joined(server.ws_url("stage"))
    await client.command({"type": "set", "mode": "countdown", "duration_ms": 900, "interval_ms": 1000,
                          "overtime": True, "warning_ms": 600, "danger_ms": 300})
    started = (await client.command({"type": "start"}))["timer"]
    phases: list[tuple[str, float]] = []
    while len(phases) < 3:
        state = await client.next_of("state", timeout=3)
        phases.append((state["timer"]["phase"], state["server_time"] - started["started_at"]))
    assert [phase for phase, _ in phases] == ["warning", "danger", "overtime"]
    for (phase, at), boundary in zip(phases, (300, 600, 901), strict=True):
        assert boundary - 2 <= at < boundary + 500, f"{phase} announced at {at} ms, due at {boundary}"
    tick = await client.next_of("tick", timeout=3)
    assert (tick["status"], tick["phase"], tick["seq"]) == ("running", "overtime", 1)
    assert tick["remaining_ms"] == 900 - tick["elapsed_ms"] < 0


async def test_without_overtime_a_countdown_still_finishes_at_zero(serve: Serve) -> None:
    server = await serve(autostart=False)
    client = await JsonClient.joined(server.ws_url("short"))
    await client.command({"type": "set", "mode": "countdown", "duration_ms": 300, "interval_ms": 100,
                          "warning_ms": 200})
    await client.command({"type": "start"})
    warning = await client.next_of("state")
    finished = await client.next_of("state")
    assert warning["timer"]["phase"] == "warning"
    assert (finished["timer"]["status"], finished["timer"]["remaining_ms"]) == ("finished", 0)


async def test_the_message_goes_to_every_client_and_every_state_carries_it(serve: Serve) -> None:
    server = await serve(autostart=False)
    actor, watcher = await JsonClient.joined(server.ws_url("talk")), await JsonClient.joined(server.ws_url("talk"))
    text = '<img src=x onerror="alert(1)"> wrap up'
    actor.send({"type": "message", "text": text, "visible": True})
    for client in (actor, watcher):
        change = await client.next_of("message")
        assert change["timer"] == "talk" and isinstance(change["server_time"], int)
        assert change["message"] == {"text": text, "visible": True, "blink": False, "blackout": False}
    actor.send({"type": "message", "blackout": True})
    assert (await watcher.next_of("message"))["message"]["text"] == text, "a partial update keeps the rest"
    late = await state_of(server.ws_url("talk"))
    assert late["message"] == {"text": text, "visible": True, "blink": False, "blackout": True}


async def test_bad_messages_are_refused(serve: Serve) -> None:
    server = await serve(autostart=False)
    client = await JsonClient.joined(server.ws_url("talk"))
    for message, words in [({}, "at least one"), ({"text": "x" * 501}, "at most 500"), ({"visible": "yes"},
                           "true or false"), ({"colour": "red"}, "unknown field 'colour'"), ({"text": 5}, "string")]:
        error = await client.command({"type": "message", **message})
        assert (error["type"], error["code"]) == ("error", "invalid_message") and words in error["message"], error


async def test_viewers_may_send_none_of_them(serve: Serve) -> None:
    server = await serve(autostart=False, control_token="s3cret-control-token")
    viewer = await JsonClient.joined(server.ws_url("talk"))
    for command in ({"type": "adjust", "delta_ms": 60_000}, {"type": "message", "text": "hi"},
                    {**COUNTDOWN, "overtime": True, "warning_ms": 10_000}):
        error = await viewer.command(command)
        assert (error["type"], error["code"]) == ("error", "forbidden"), error


async def test_a_flood_of_adjustments_is_rate_limited_like_any_command(serve: Serve) -> None:
    server = await serve(autostart=False, max_messages_per_second=5)
    client = await JsonClient.joined(server.ws_url("talk"))
    await client.command(COUNTDOWN)
    await client.command({"type": "start"})
    for _ in range(12):
        client.send({"type": "adjust", "delta_ms": 1000})
    codes: list[str] = []
    while "rate_limited" not in codes:
        message = await client.next_of("state", "error")
        codes.append(message.get("code", "state"))
    assert codes.count("state") <= 10


async def test_thresholds_the_message_and_adjustments_are_saved_with_the_timer(serve: Serve, tmp_path: Path) -> None:
    state_file = str(tmp_path / "state.json")
    server = await serve(autostart=False, state_file=state_file)
    client = await JsonClient.joined(server.ws_url("talk"))
    await client.command({**COUNTDOWN, "overtime": True, "warning_ms": 20_000, "danger_ms": 5_000})
    await client.command({"type": "start"})
    await client.command({"type": "adjust", "delta_ms": 30_000})
    await client.command({"type": "pause"})
    client.send({"type": "message", "text": "back in five", "visible": True, "blink": True})
    await client.next_of("message")
    port = server.port
    server.stop()
    await server.drain()
    again = await serve(autostart=False, state_file=state_file, port=port)
    state = await state_of(again.ws_url("talk"))
    timer = state["timer"]
    assert (timer["status"], timer["overtime"], timer["warning_ms"], timer["danger_ms"], timer["adjusted_ms"]) == (
        "paused", True, 20_000, 5_000, 30_000)
    assert state["message"] == {"text": "back in five", "visible": True, "blink": True, "blackout": False}


@pytest.mark.async_timeout(60)
async def test_adjustments_and_messages_reach_the_clients_of_every_process(redis_url: str) -> None:
    args = ["--store", redis_url, "--no-autostart", "--interval", "0.1"]
    a, b = launch(args), launch(args)
    try:
        on_a, on_b = await JsonClient.joined(a.ws_url("shared")), await JsonClient.joined(b.ws_url("shared"))
        await on_a.command({**COUNTDOWN, "overtime": True, "warning_ms": 30_000})
        await on_a.command({"type": "start"})
        adjusted = await on_a.command({"type": "adjust", "delta_ms": -45_000})
        assert adjusted["timer"]["phase"] == "warning"
        seen: dict[str, Any] = {}

        async def heard() -> bool:
            message = await on_b.next_of("state", "message", timeout=5)
            seen[message["type"]] = message
            return "state" in seen and seen["state"]["timer"]["adjusted_ms"] == -45_000

        deadline = time.monotonic() + 10
        while not await heard():
            assert time.monotonic() < deadline, seen
        assert seen["state"]["timer"]["phase"] == "warning"
        assert abs(seen["state"]["timer"]["ends_at"] - adjusted["timer"]["ends_at"]) <= 2
        on_b.send({"type": "message", "text": "from B", "visible": True})
        change = await on_a.next_of("message", timeout=5)
        assert change["message"]["text"] == "from B"
        restated = await state_of(a.ws_url("shared"))
        assert restated["message"]["text"] == "from B" and restated["timer"]["adjusted_ms"] == -45_000
    finally:
        a.stop()
        b.stop()
