"""Regressions found in review: state across SIGTERM, unsound state files, Host checks, echo limits, metrics."""

from __future__ import annotations

import json
import signal
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import JsonClient, Serve, ServerProcess, handshake_status, run_cli, state_of, ws_at
from tornado.websocket import websocket_connect

from tornado_timer import RunningServer
from tornado_timer.core.model import Mode, Settings, Timer
from tornado_timer.server import auth, fanout
from tornado_timer.server.channel import LoopClock, TimerChannel
from tornado_timer.server.metrics import Metrics


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


# What tornado.testing.gen_test allowed the tests of this class before they became plain async tests.
@pytest.mark.async_timeout(5)
class TestHostAndEcho:
    @pytest.fixture
    async def server(self, serve: Serve) -> RunningServer:
        return await serve(autostart=False, max_connections=2)

    async def test_a_rebound_dns_name_is_refused_on_loopback(self, server: RunningServer) -> None:
        status, reason = await handshake_status(server.ws_url(), {"Host": "evil.example", "Origin": "http://evil.example"})
        assert (status, "only answers requests to localhost" in reason) == (403, True)
        assert (await handshake_status(server.ws_url(), {"Host": f"localhost:{server.port}"}))[0] == 101

    async def test_echo_connections_count_against_the_limit(self, server: RunningServer) -> None:
        echo = await websocket_connect(ws_at(server, "/echo"))
        echo.write_message("hello")
        assert await echo.read_message() == "hello"
        await JsonClient.joined(server.ws_url())
        assert (await handshake_status(ws_at(server, "/echo")))[0] == 503
        assert (await handshake_status(server.ws_url()))[0] == 503


def test_host_headers() -> None:
    for host in ["localhost", "localhost:8080", "127.0.0.1:1", "[::1]:8080", "app.localhost:3000"]:
        assert auth.is_loopback_host_header(host), host
    for host in ["evil.example", "evil.example:8080", "10.0.0.1", "[2001:db8::1]:80", "localhost.evil.example"]:
        assert not auth.is_loopback_host_header(host), host


class _Held:
    """A subscriber whose outbox holds every tick back (a slow reader)."""

    def __init__(self, accepts: bool) -> None:
        self.outbox = self
        self.accepts = accepts

    def deliver(self, frame: bytes, text: str, droppable: bool) -> bool:
        return self.accepts

    def close(self, code: int | None = None, reason: str | None = None) -> None:
        pass


def test_ticks_held_back_from_slow_clients_are_counted_as_dropped() -> None:
    metrics = Metrics()
    channel = TimerChannel(Timer.create("t", Settings(Mode.STOPWATCH), 1000), LoopClock(), metrics, lambda c: None)
    channel.subscribers.update({_Held(True), _Held(False), _Held(False)})  # type: ignore[arg-type]
    channel.broadcast('{"type":"tick"}', droppable=True)
    channel.broadcast('{"type":"state"}')
    assert metrics.dropped_ticks._value.get() == 2
    assert metrics.messages_out._value.get() == 1 + 1
    assert fanout.frame_text("x") == b"\x81\x01x"


# What tornado.testing.gen_test allowed the test of this class before it became a plain async test.
@pytest.mark.async_timeout(5)
class TestHostBehindAProxy:
    async def test_with_a_token_the_proxys_host_header_is_accepted(self, serve: Serve) -> None:
        server = await serve(autostart=False, control_token="proxy-token-123")
        public = {"Host": "timer.example.org", "Origin": "https://timer.example.org"}
        assert (await handshake_status(server.ws_url(), public))[0] == 101
