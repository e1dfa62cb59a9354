"""The Python client against a real server on a free port: every command, errors, broadcast, reconnect, close."""

from __future__ import annotations

import asyncio
import json
import random
from typing import Any

import pytest
from helpers import Serve, eventually

from tornado_timer.client import (
    Backoff,
    ConnectError,
    ConnectionLost,
    ConnectionStatus,
    TimerClient,
    TimerError,
    connect,
    wall_clock_ms,
)

FAST = Backoff(initial=0.05, factor=2.0, maximum=0.4, jitter=0.1)


async def test_connect_receives_the_state_first(serve: Serve) -> None:
    server = await serve(interval=0.05)
    async with TimerClient(server.ws_url()) as client:
        assert client.connected and client.status is ConnectionStatus.CONNECTED
        assert client.history[0].message["type"] == "state"
        assert client.timer is not None and client.timer["name"] == "default"
        assert client.timer_status == "running" and client.elapsed_ms is not None
        tick = await client.next_message("tick", timeout=5)
        assert tick["timer"] == "default" and client.last_tick == tick
        assert client.timer["elapsed_ms"] == tick["elapsed_ms"]
        assert "connected" in repr(client)


async def test_every_command_returns_the_state_after_it(serve: Serve) -> None:
    server = await serve(interval=0.05, autostart=False)
    client = await connect(server.ws_url("cmds"))
    try:
        assert client.timer_status == "idle"
        versions = [client.timer["version"]] if client.timer else []
        for action, status in [
            (client.start, "running"),
            (client.pause, "paused"),
            (client.resume, "running"),
            (client.pause, "paused"),
            (client.start, "running"),  # start while paused resumes
            (client.reset, "idle"),
        ]:
            snapshot = await action()
            assert snapshot["status"] == status, action.__name__
            versions.append(snapshot["version"])
        assert versions == sorted(set(versions)), "every change grows the version by one"
        snapshot = await client.set_countdown(1.5, interval=0.25)
        assert (snapshot["mode"], snapshot["status"], snapshot["duration_ms"], snapshot["interval_ms"]) == (
            "countdown",
            "idle",
            1500,
            250,
        )
        assert client.remaining_ms == 1500
        snapshot = await client.set_stopwatch(2.0)
        assert (snapshot["mode"], snapshot["initial_ms"], snapshot["elapsed_ms"]) == ("stopwatch", 2000, 2000)
        assert snapshot["interval_ms"] == 250, "set keeps the interval when none is given"
        assert client.remaining_ms is None
    finally:
        await client.aclose()


async def test_countdown_finishes_and_ticks_update_the_timer(serve: Serve) -> None:
    server = await serve(interval=0.05, autostart=False)
    async with TimerClient(server.ws_url("cd")) as client:
        await client.set_countdown(0.4, interval=0.1)
        await client.start()
        tick = await client.next_message("tick", timeout=5)
        assert tick["remaining_ms"] is not None and tick["remaining_ms"] < 400
        finished = await client.wait_for(
            lambda m: m.get("type") == "state" and m["timer"]["status"] == "finished", timeout=5
        )
        assert finished["timer"]["remaining_ms"] == 0
        assert client.timer_status == "finished" and client.remaining_ms == 0


async def test_refused_commands_raise_timer_error_and_keep_the_connection(serve: Serve) -> None:
    server = await serve(autostart=False)
    async with TimerClient(server.ws_url()) as client:
        with pytest.raises(TimerError) as info:
            await client.pause()
        assert info.value.code == "invalid_state" and "idle" in info.value.message
        assert isinstance(info.value.id, str) and info.value.id.startswith("py-")
        with pytest.raises(TimerError) as info:
            await client.command({"type": "set", "mode": "countdown", "duration_ms": -5})
        assert info.value.code == "invalid_message"
        with pytest.raises(TimerError) as info:
            await client.command({"type": "jump"})
        assert info.value.code == "unknown_type"
        assert client.connected and (await client.start())["status"] == "running"
        assert not client.errors, "answered errors are raised, not queued"


async def test_raw_bad_input_lands_in_errors(serve: Serve) -> None:
    server = await serve()
    async with TimerClient(server.ws_url()) as client:
        await client.send_text("this is not json")
        await client.send_binary(b"\x00\x01")
        await client.send({"type": "ping"})  # no client_time
        assert await eventually(lambda: len(client.errors) == 3)
        codes = [e["code"] for e in client.errors]
        assert codes == ["invalid_json", "binary_frame", "invalid_message"]
        assert all(e["id"] is None for e in client.errors)
        assert client.connected


async def test_a_command_from_one_client_reaches_all(serve: Serve) -> None:
    server = await serve(interval=0.05)
    clients = [await connect(server.ws_url("shared")) for _ in range(3)]
    other = await connect(server.ws_url("elsewhere"))
    try:
        await clients[0].start()
        waits = [
            c.wait_for(lambda m: m.get("type") == "state" and m["timer"]["status"] == "paused") for c in clients
        ]
        gathered = asyncio.gather(*waits)
        await asyncio.sleep(0)
        await clients[2].pause()
        states = await asyncio.wait_for(gathered, 5)
        assert len({s["timer"]["version"] for s in states}) == 1
        assert other.timer_status == "idle", "another timer is not touched"
    finally:
        for c in [*clients, other]:
            await c.aclose()


async def test_ping_gives_clock_sync_samples(serve: Serve) -> None:
    server = await serve()
    skew_ms = -1500.0  # this client's clock runs 1.5 s behind the server's

    def behind() -> float:
        return wall_clock_ms() + skew_ms

    async with TimerClient(server.ws_url(), clock=behind) as client:
        sample = await client.ping()
        assert 0 <= sample.rtt < 1000 and sample.t1 == sample.t2
        est = await client.sync_clock(samples=6, keep=3, spacing=0.01)
        assert est.total == 6 and len(est.used) == 3
        assert est.rtt == min(s.rtt for s in est.used)
        # the server rounds its time to whole ms: allow that on top of the error bound
        assert abs(est.offset - 1500.0) <= est.error_bound + 1.0 + 20.0


async def test_reconnects_after_the_server_restarts(serve: Serve) -> None:
    server = await serve(interval=0.05)
    port = server.port
    client = TimerClient(server.ws_url(), backoff=FAST, seed=1)
    seen: list[ConnectionStatus] = []
    client.add_status_listener(lambda status, detail: seen.append(status))
    await client.connect()
    try:
        await client.pause()
        server.stop()
        lost = await eventually(lambda: client.status is ConnectionStatus.RECONNECTING)
        assert lost and client.close_code == 1001, "the server closes with 1001 when it shuts down"
        with pytest.raises(ConnectionLost):
            await client.start()
        await asyncio.sleep(0.3)  # a few refused attempts, backing off
        await serve(port=port, interval=0.05)  # a new server on the same port
        await client.wait_connected(timeout=10)
        assert client.connections == 2 and client.timer_status == "running", "the new server's state arrived"
        assert (await client.pause())["status"] == "paused"
        assert seen[:2] == [ConnectionStatus.CONNECTING, ConnectionStatus.CONNECTED]
        assert ConnectionStatus.RECONNECTING in seen and seen[-1] is ConnectionStatus.CONNECTED
    finally:
        await client.aclose()


async def test_connect_retry_waits_for_a_server_that_comes_later(serve: Serve, free_port: int) -> None:
    client = TimerClient(f"ws://127.0.0.1:{free_port}/ws", backoff=FAST)
    connecting = asyncio.ensure_future(client.connect(retry=True))
    await asyncio.sleep(0.3)
    assert client.status is ConnectionStatus.CONNECTING and "retrying" in client.status_detail
    await serve(port=free_port)
    try:
        await asyncio.wait_for(connecting, 10)
        assert client.connected and client.connections == 1
    finally:
        await client.aclose()


async def test_close_is_clean_and_final(serve: Serve) -> None:
    server = await serve(interval=0.05)
    client = await connect(server.ws_url(), backoff=FAST)
    assert server.app.registry.connection_count() == 1
    await client.aclose()
    assert client.status is ConnectionStatus.CLOSED and client.close_code == 1000
    assert await eventually(lambda: server.app.registry.connection_count() == 0)
    await asyncio.sleep(0.3)
    assert client.connections == 1, "a closed client does not reconnect"
    with pytest.raises(ConnectionLost):
        await client.pause()
    with pytest.raises(RuntimeError):
        await client.connect()


async def test_close_while_reconnecting_stops_it(serve: Serve) -> None:
    server = await serve()
    client = await connect(server.ws_url(), backoff=FAST)
    server.stop()
    assert await eventually(lambda: client.status is ConnectionStatus.RECONNECTING)
    client.close()
    await client.wait_closed()
    assert client.status is ConnectionStatus.CLOSED


async def test_no_reconnect_when_turned_off(serve: Serve) -> None:
    server = await serve()
    client = await connect(server.ws_url(), reconnect=False)
    server.stop()
    await client.wait_closed()
    assert client.status is ConnectionStatus.CLOSED and client.close_code == 1001


async def test_connect_errors_are_surfaced(serve: Serve, free_port: int) -> None:
    with pytest.raises(ConnectError) as info:
        await connect(f"ws://127.0.0.1:{free_port}/ws", connect_timeout=2)
    assert info.value.status is None and "refused" in str(info.value).lower()
    server = await serve(max_timers=1)
    with pytest.raises(ConnectError) as info:
        await connect(server.ws_url("not%20valid"))
    assert info.value.status == 400
    with pytest.raises(ConnectError) as info:
        await connect(server.ws_url("second"))  # the default timer already fills max_timers=1
    assert info.value.status == 503


async def test_a_failing_listener_does_not_stop_the_client(serve: Serve) -> None:
    server = await serve(interval=0.05)
    async with TimerClient(server.ws_url()) as client:
        got: list[str] = []

        def broken(message: dict[str, Any]) -> None:
            raise ValueError("listener bug")

        client.add_listener(broken)
        remove = client.add_listener(lambda m: got.append(m["type"]))
        await client.next_message("tick", timeout=5)
        remove()
        count = len(got)
        await client.next_message("tick", timeout=5)
        assert count >= 1 and len(got) == count and client.connected
        with pytest.raises(asyncio.TimeoutError):
            await client.next_message("pong", timeout=0.1)


def test_backoff_grows_caps_and_jitters() -> None:
    plain = Backoff(initial=0.1, factor=2, maximum=1.0, jitter=0)
    assert [plain.delay(n) for n in range(6)] == [0.1, 0.2, 0.4, 0.8, 1.0, 1.0]
    jittery = Backoff(initial=1.0, factor=2, maximum=5.0, jitter=0.2)
    rng = random.Random(3)
    delays = [jittery.delay(1, rng) for _ in range(200)]
    assert all(1.6 <= d <= 2.4 for d in delays) and len(set(delays)) > 100
    assert plain.delay(10_000) == 1.0, "hours of retrying stay at the maximum (no float overflow)"


async def test_expect_catches_fast_answers_and_sent_is_recorded(serve: Serve) -> None:
    server = await serve(autostart=False)
    async with TimerClient(server.ws_url()) as client:
        answer = client.expect(lambda m: m.get("type") == "error")
        await client.send_text("[]")
        error = await asyncio.wait_for(answer, 5)
        assert error["code"] == "invalid_message"
        await client.start()
        kinds = [s.raw if isinstance(s.raw, str) else "" for s in client.sent]
        assert kinds[0] == "[]" and json.loads(kinds[1])["type"] == "start"
        assert json.loads(kinds[2])["type"] == "ping"
        times = [s.at for s in client.sent]
        assert times == sorted(times)


async def test_control_token_makes_a_controller_and_none_a_viewer(serve: Serve) -> None:
    try:
        server = await serve(control_token="s3cret-token", autostart=False)
    except TypeError:
        pytest.skip("this server has no control tokens")
    async with TimerClient(server.ws_url(), token="s3cret-token") as boss:
        assert boss.role == "controller"
        assert (await boss.start())["status"] == "running"
    async with TimerClient(server.ws_url()) as viewer:
        assert viewer.role == "viewer"
        with pytest.raises(TimerError) as info:
            await viewer.pause()
        assert info.value.code == "forbidden"
        assert (await viewer.ping()).rtt >= 0, "a viewer may still ping"
    with pytest.raises(ConnectError) as refused:
        await connect(server.ws_url(), token="wrong-token")
    assert refused.value.status == 403


async def test_connect_gives_up_when_no_state_comes() -> None:
    from tornado_timer.legacy import start_naive_server  # speaks WebSocket, but never sends a state

    naive = start_naive_server(interval=0.05)
    client = TimerClient(naive.ws_url(), connect_timeout=0.5)
    try:
        with pytest.raises(ConnectError) as info:
            await client.connect()
        assert "no state" in str(info.value) and client.status is ConnectionStatus.CLOSED
    finally:
        naive.stop()


async def test_connect_reports_a_server_that_closes_before_the_state(free_port: int) -> None:
    from tornado.httpserver import HTTPServer
    from tornado.web import Application
    from tornado.websocket import WebSocketHandler

    class Full(WebSocketHandler):
        def open(self, *args: Any, **kwargs: Any) -> None:
            self.close(1013, "try again later")

    server = HTTPServer(Application([(r"/ws", Full)]))
    server.listen(free_port, "127.0.0.1")
    client = TimerClient(f"ws://127.0.0.1:{free_port}/ws", connect_timeout=5)
    started = asyncio.get_running_loop().time()
    with pytest.raises(ConnectError) as info:
        await client.connect()
    assert "1013" in str(info.value) and asyncio.get_running_loop().time() - started < 4
    assert client.status is ConnectionStatus.CLOSED and client.connections == 1, "no retrying"


async def test_connect_times_out_on_a_silent_server() -> None:
    import socket

    with socket.socket() as silent:  # accepts TCP connections (backlog) but never answers the handshake
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        port = silent.getsockname()[1]
        with pytest.raises(ConnectError) as info:
            await connect(f"ws://127.0.0.1:{port}/ws", connect_timeout=0.5)
        assert info.value.status is None and "timeout" in str(info.value).lower()

