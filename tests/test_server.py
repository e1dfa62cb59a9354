"""The real server on an ephemeral port, spoken to over real sockets with Tornado's client."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

import pytest
from helpers import JsonClient, Serve, handshake_status, http_at, http_get, ws_at
from tornado.websocket import websocket_connect

from tornado_timer import RunningServer
from tornado_timer.server import channel as channel_module

# A hang guard: each of these finishes in well under a second.
pytestmark = pytest.mark.async_timeout(5)

COUNTDOWN_250 = {"type": "set", "mode": "countdown", "duration_ms": 250, "interval_ms": 100}


@pytest.fixture
async def server(serve: Serve) -> RunningServer:
    return await serve(interval=0.1, autostart=False, max_timers=5)


class TestCommands:
    async def test_the_first_message_is_the_state_even_while_ticks_flow(self, server: RunningServer) -> None:
        starter = await JsonClient.joined(server.ws_url())
        await starter.command({"type": "start"})
        await starter.next_of("tick")
        connection = await websocket_connect(server.ws_url())
        first = json.loads(await connection.read_message())  # type: ignore[arg-type]
        assert (first["type"], first["protocol"], first["timer"]["status"]) == ("state", 1, "running")
        assert {"started_at", "version", "elapsed_ms", "interval_ms"} <= set(first["timer"])

    async def test_every_command_reaches_every_client_at_once(self, server: RunningServer) -> None:
        clients = [await JsonClient.joined(server.ws_url()) for _ in range(3)]
        sender, others = clients[0], clients[1:]
        script: list[tuple[dict[str, Any], str]] = [
            ({"type": "start"}, "running"),
            ({"type": "pause"}, "paused"),
            ({"type": "resume"}, "running"),
            ({"type": "reset"}, "idle"),
            (COUNTDOWN_250, "idle"),
            ({"type": "start"}, "running"),
            ({"type": "pause"}, "paused"),
            ({"type": "start"}, "running"),
        ]
        for command, status in script:
            sent_at = time.monotonic()
            mine = await sender.command(command)
            theirs = [await other.next_of("state") for other in others]
            assert time.monotonic() - sent_at < 0.5
            assert {(s["timer"]["status"], s["timer"]["version"]) for s in [mine, *theirs]} == {
                (status, mine["timer"]["version"])
            }, command

    async def test_set_changes_mode_duration_and_interval(self, server: RunningServer) -> None:
        client = await JsonClient.joined(server.ws_url())
        state = await client.command({"type": "set", "mode": "countdown", "duration_ms": 90_000, "interval_ms": 500})
        assert {k: state["timer"][k] for k in ("mode", "duration_ms", "remaining_ms", "interval_ms", "status")} == {
            "mode": "countdown", "duration_ms": 90_000, "remaining_ms": 90_000, "interval_ms": 500, "status": "idle",
        }
        state = await client.command({"type": "set", "mode": "stopwatch", "initial_ms": 5000})
        assert (state["timer"]["elapsed_ms"], state["timer"]["interval_ms"]) == (5000, 500)

    async def test_an_illegal_move_is_an_error_to_the_sender_alone_and_changes_nothing(
        self, server: RunningServer,
    ) -> None:
        sender, other = await JsonClient.joined(server.ws_url()), await JsonClient.joined(server.ws_url())
        error = await sender.command({"type": "pause", "id": "p1"})
        assert error == {"type": "error", "code": "invalid_state", "message": "cannot pause: the timer is idle",
                         "id": "p1"}
        assert await other.silent_for(0.3)
        state = await sender.command({"type": "start"})
        assert state["timer"]["version"] == 1

    async def test_ping_is_answered_to_the_sender_alone(self, server: RunningServer) -> None:
        sender, other = await JsonClient.joined(server.ws_url()), await JsonClient.joined(server.ws_url())
        before = time.time() * 1000
        sender.send({"type": "ping", "client_time": 42.5, "id": 3})
        pong = await sender.next_of("pong")
        assert (pong["client_time"], pong["id"]) == (42.5, 3)
        assert before - 5 <= pong["server_time"] <= time.time() * 1000 + 5
        assert await other.silent_for(0.2)

    async def test_named_timers_are_independent(self, server: RunningServer) -> None:
        room_a = await JsonClient.joined(server.ws_url("room-a"))
        room_b = await JsonClient.joined(server.ws_url("room_b"))
        default = await JsonClient.joined(server.ws_url())
        state = await room_a.command({"type": "start"})
        assert state["timer"]["name"] == "room-a"
        assert await room_b.silent_for(0.25, ("state", "tick"))
        assert await default.silent_for(0.05, ("state", "tick"))
        tick = await room_a.next_of("tick")
        assert tick["timer"] == "room-a"


class TestTicks:
    async def test_ticks_are_on_the_grid_after_pause_and_resume(self, server: RunningServer) -> None:
        client = await JsonClient.joined(server.ws_url())
        await client.command({"type": "start"})
        await asyncio.sleep(0.34)
        paused = await client.command({"type": "pause"})
        banked = paused["timer"]["elapsed_ms"]
        await asyncio.sleep(0.2)
        resumed_at = time.monotonic()
        await client.command({"type": "resume"})
        tick = await client.next_of("tick")
        waited_ms = (time.monotonic() - resumed_at) * 1000
        expected_seq = banked // 100 + 1
        assert tick["seq"] == expected_seq
        assert 0 <= tick["elapsed_ms"] - expected_seq * 100 <= 30
        assert abs(waited_ms - (expected_seq * 100 - banked)) <= 40

    async def test_ticks_are_not_late_and_carry_seq(self, server: RunningServer) -> None:
        client = await JsonClient.joined(server.ws_url())
        await client.command({"type": "start"})
        ticks = [await client.next_of("tick") for _ in range(8)]
        assert [t["seq"] for t in ticks] == list(range(1, 9))
        assert all(0 <= t["elapsed_ms"] - t["seq"] * 100 <= 25 for t in ticks), ticks

    async def test_a_countdown_finishes_off_grid_at_zero_and_then_stops_ticking(self, server: RunningServer) -> None:
        client = await JsonClient.joined(server.ws_url())
        await client.command(COUNTDOWN_250)
        started = time.monotonic()
        await client.command({"type": "start"})
        seen = []
        while True:
            message = await client.next_of("tick", "state")
            seen.append(message)
            if message["type"] == "state":
                break
        finished_after_ms = (time.monotonic() - started) * 1000
        assert [m["seq"] for m in seen[:-1]] == [1, 2]
        final = seen[-1]["timer"]
        assert (final["status"], final["remaining_ms"], final["elapsed_ms"]) == ("finished", 0, 250)
        assert 240 <= finished_after_ms <= 330
        assert await client.silent_for(0.3, ("tick", "state"))
        assert server.app.registry.default._pending is None

    async def test_one_callback_per_timer_and_one_encoding_per_tick(self, server: RunningServer) -> None:
        encoded: list[str] = []
        real = channel_module.encode_tick

        def counting(*args: Any) -> str:
            encoded.append(real(*args))
            return encoded[-1]

        channel_module.encode_tick = counting  # type: ignore[assignment]
        try:
            clients = [await JsonClient.joined(server.ws_url()) for _ in range(6)]
            await clients[0].command({"type": "start"})
            received = [[await c.next_of("tick") for _ in range(3)] for c in clients]
        finally:
            channel_module.encode_tick = real  # type: ignore[assignment]
        assert all(r == received[0] for r in received)
        assert len(encoded) <= 4, "a tick must be encoded once per timer, not once per client"

    async def test_nothing_is_scheduled_while_idle_or_paused(self, server: RunningServer) -> None:
        client = await JsonClient.joined(server.ws_url())
        channel = server.app.registry.default
        assert channel._pending is None
        await client.command({"type": "start"})
        assert channel._pending is not None
        await client.command({"type": "pause"})
        assert channel._pending is None
        assert await client.silent_for(0.3, ("tick",))


BAD_INPUTS = [
    ("not json", "invalid_json"),
    ('{"type": "start"', "invalid_json"),
    ("[1, 2, 3]", "invalid_message"),
    ('"start"', "invalid_message"),
    ("{}", "unknown_type"),
    ('{"type": "teleport"}', "unknown_type"),
    ('{"type": "set", "mode": "countdown", "duration_ms": "ten"}', "invalid_message"),
    ('{"type": "set", "mode": "countdown", "duration_ms": -1}', "invalid_message"),
    ('{"type": "set", "mode": "countdown", "duration_ms": 0}', "invalid_message"),
    ('{"type": "set", "mode": "countdown", "duration_ms": 1e15}', "invalid_message"),
    ('{"type": "set", "mode": "countdown", "duration_ms": 5000, "interval_ms": 0}', "invalid_message"),
    ('{"type": "set", "mode": "countdown", "duration_ms": 5000, "interval_ms": 1e10}', "invalid_message"),
    ('{"type": "set", "mode": "countdown", "duration_ms": NaN}', "invalid_json"),
    ('{"type": "set", "mode": "countdown", "duration_ms": Infinity}', "invalid_json"),
    ('{"type": "ping", "client_time": "now"}', "invalid_message"),
    ("[" * 50 + "]" * 50, "invalid_json"),
    ('{"type": "pause"}', "invalid_state"),
]


class TestBadInput:
    async def test_every_bad_input_gets_its_error_and_the_connection_stays_open(self, server: RunningServer) -> None:
        client, watcher = await JsonClient.joined(server.ws_url()), await JsonClient.joined(server.ws_url())
        for text, code in BAD_INPUTS:
            error = await client.command(text)
            assert (error["type"], error["code"]) == ("error", code), (text, error)
            assert error["message"]
        client.connection.write_message(b"\x01\x02", binary=True)
        assert (await client.next_of("error"))["code"] == "binary_frame"
        assert await watcher.silent_for(0.2)
        state = await client.command({"type": "start"})
        assert state["timer"]["version"] == 1, "bad input must not have changed the timer"

    async def test_a_message_over_the_size_limit_closes_with_1009(self, server: RunningServer) -> None:
        client = await JsonClient.joined(server.ws_url())
        client.send({"type": "ping", "client_time": 1, "id": "x" * 5000})
        assert await client.connection.read_message() is None
        assert client.connection.close_code == 1009
        other = await JsonClient.joined(server.ws_url())
        assert (await other.command({"type": "start"}))["timer"]["status"] == "running"


class TestHandshake:
    async def test_a_bad_timer_name_is_refused_with_400_and_a_reason(self, server: RunningServer) -> None:
        for path in ["/ws/" + "x" * 65, "/ws/a.b", "/ws/caf%C3%A9", "/ws/"]:
            status, body = await handshake_status(ws_at(server, path))
            assert status == 400, path
            assert "1-64 characters" in body

    async def test_timers_beyond_the_maximum_are_refused_with_503(self, server: RunningServer) -> None:
        kept = [await JsonClient.joined(server.ws_url(f"t{i}")) for i in range(4)]
        status, body = await handshake_status(ws_at(server, "/ws/one-too-many"))
        assert (status, "maximum of 5 timers" in body) == (503, True)
        assert (await handshake_status(ws_at(server, "/ws/t1")))[0] == 101, "existing timers stay reachable"
        kept[0].close()
        await asyncio.sleep(0.1)
        assert (await handshake_status(ws_at(server, "/ws/now-there-is-room")))[0] == 101

    async def test_origins(self, server: RunningServer) -> None:
        host = f"127.0.0.1:{server.port}"
        assert (await handshake_status(server.ws_url(), {"Origin": "https://evil.example"}))[0] == 403
        assert (await handshake_status(server.ws_url(), {"Origin": f"http://localhost:{server.port}"}))[0] == 403
        assert (await handshake_status(server.ws_url(), {"Origin": f"http://{host}"}))[0] == 101
        assert (await handshake_status(server.ws_url(), {"Origin": "null"}))[0] == 101
        assert (await handshake_status(server.ws_url()))[0] == 101

    async def test_idle_timers_nobody_watches_are_forgotten_running_ones_kept(self, server: RunningServer) -> None:
        idle = await JsonClient.joined(server.ws_url("idle"))
        running = await JsonClient.joined(server.ws_url("running"))
        await running.command({"type": "start"})
        idle.close()
        running.close()
        await asyncio.sleep(0.1)
        names = {channel.name for channel in server.app.registry}
        assert names == {"default", "running"}


class TestAllowOrigin:
    async def test_allowed_origins_are_accepted_others_refused(self, serve: Serve) -> None:
        server = await serve(autostart=False, allow_origins=("https://intranet.example",))
        assert (await handshake_status(server.ws_url(), {"Origin": "https://intranet.example"}))[0] == 101
        assert (await handshake_status(server.ws_url(), {"Origin": "https://intranet.example.evil"}))[0] == 403


class TestHttp:
    async def test_the_api_returns_the_snapshot_and_404_for_unknown_timers(self, server: RunningServer) -> None:
        response = await http_get(http_at(server, "/api/timers/default"))
        body = json.loads(response.body)
        assert (response.code, body["timer"]["name"], body["timer"]["status"]) == (200, "default", "idle")
        assert response.headers["Cache-Control"] == "no-store"
        assert (await http_get(http_at(server, "/api/timers/nope"))).code == 404
        assert [channel.name for channel in server.app.registry] == ["default"]


class TestAutostart:
    async def test_the_default_timer_runs_from_start_when_the_server_starts(self, serve: Serve) -> None:
        server = await serve(interval=0.1, start=90.0)
        client = await JsonClient.connect(server.ws_url())
        state = await client.next()
        assert state["timer"]["status"] == "running"
        assert 90_000 <= state["timer"]["elapsed_ms"] < 92_000
        tick = await client.next_of("tick")
        assert tick["seq"] >= 901
