"""Regressions found in review: state across SIGTERM, unsound state files, Host checks, echo limits, metrics."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from support import JsonClient, launch
from test_server import ServerTestCase
from tornado.testing import gen_test

from tornado_timer import ServerConfig
from tornado_timer.core.model import Mode, Settings, Timer
from tornado_timer.server import auth, fanout
from tornado_timer.server.channel import LoopClock, TimerChannel
from tornado_timer.server.metrics import Metrics


async def first_state(url: str, command: dict[str, Any] | None = None) -> dict[str, Any]:
    client = await JsonClient.connect(url)
    state = await client.next()
    if command is not None:
        state = await client.command(command)
    client.close()
    return state


def test_sigterm_keeps_a_configured_idle_timer(tmp_path: Path) -> None:
    state_file = str(tmp_path / "state.json")
    server = launch(["--no-autostart", "--state-file", state_file])
    talk = server.ws_url + "/talk"
    asyncio.run(first_state(talk, {"type": "set", "mode": "countdown", "duration_ms": 600_000}))
    asyncio.run(first_state(server.ws_url + "/passing-by"))  # never changed: forgotten
    server.process.send_signal(signal.SIGTERM)
    assert server.process.wait(5) == 0
    saved = {record["name"] for record in json.loads(Path(state_file).read_text())["timers"]}
    assert saved == {"default", "talk"}
    again = launch(["--no-autostart", "--state-file", state_file])
    try:
        timer = asyncio.run(first_state(talk.replace(server.ws_url, again.ws_url)))["timer"]
        assert (timer["mode"], timer["duration_ms"], timer["status"]) == ("countdown", 600_000, "idle")
    finally:
        again.stop()


def test_unsound_records_are_kept_aside_and_the_rest_restored(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    good = {"name": "good", "mode": "stopwatch", "status": "paused", "duration_ms": None, "interval_ms": 1000,
            "initial_ms": 0, "banked_ms": 5000.0, "run_started_at": None, "version": 3}
    bad_default = {**good, "name": "default", "interval_ms": 5}
    path.write_text(json.dumps({"format": "tornado-timer-state", "version": 1,
                                "timers": [good, bad_default, {**good, "name": ["x"]}, "junk"]}))
    server = launch(["--no-autostart", "--state-file", str(path)])
    try:
        assert asyncio.run(first_state(server.ws_url + "/good"))["timer"]["elapsed_ms"] == 5000
        assert asyncio.run(first_state(server.ws_url))["timer"]["interval_ms"] == 1000  # a fresh default
        assert len(list(tmp_path.glob("state.json.corrupt-*"))) == 1
    finally:
        server.stop()
    assert "cannot be restored" in server.stderr_text()


def test_a_state_file_that_is_a_directory_is_a_clear_error_and_left_alone(tmp_path: Path) -> None:
    directory = tmp_path / "mine"
    directory.mkdir()
    result = subprocess.run([sys.executable, "-m", "tornado_timer", "--port", "0", "--state-file", str(directory)],
                            capture_output=True, text=True, timeout=20)
    assert result.returncode == 1
    assert "is a directory" in result.stderr and result.stderr.count("\n") == 1
    assert directory.is_dir() and not list(tmp_path.glob("mine.corrupt-*"))


class TestHostAndEcho(ServerTestCase):
    config = ServerConfig(host="127.0.0.1", port=0, autostart=False, max_connections=2)

    @gen_test
    async def test_a_rebound_dns_name_is_refused_on_loopback(self) -> None:
        status, reason = await self.handshake_status("/ws", {"Host": "evil.example", "Origin": "http://evil.example"})
        assert (status, "only answers requests to localhost" in reason) == (403, True)
        assert (await self.handshake_status("/ws", {"Host": f"localhost:{self.get_http_port()}"}))[0] == 101

    @gen_test
    async def test_echo_connections_count_against_the_limit(self) -> None:
        echo = await self.connect("/echo")
        echo.write_message("hello")
        assert await echo.read_message() == "hello"
        await self.client()
        assert (await self.handshake_status("/echo"))[0] == 503
        assert (await self.handshake_status("/ws"))[0] == 503


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


class TestHostBehindAProxy(ServerTestCase):
    config = ServerConfig(host="127.0.0.1", port=0, autostart=False, control_token="proxy-token-123")

    @gen_test
    async def test_with_a_token_the_proxys_host_header_is_accepted(self) -> None:
        public = {"Host": "timer.example.org", "Origin": "https://timer.example.org"}
        assert (await self.handshake_status("/ws", public))[0] == 101
