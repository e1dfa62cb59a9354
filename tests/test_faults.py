"""Faults, each bounded in time, against the real server process on loopback."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import signal
import socket
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from support import JsonClient, ServerProcess, launch


def health(server: ServerProcess) -> dict[str, Any]:
    with urllib.request.urlopen(server.http_url + "healthz", timeout=5) as response:
        result: dict[str, Any] = json.loads(response.read())
        return result


def raw_handshake(server: ServerProcess) -> socket.socket:
    """A WebSocket opened by hand, so the test can then misbehave at the byte level."""
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=5)
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall((f"GET /ws HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nUpgrade: websocket\r\n"
                  f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
    assert sock.recv(4096).startswith(b"HTTP/1.1 101")
    return sock


def wait_until(condition: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


async def state_of(url: str, command: dict[str, Any] | None = None) -> dict[str, Any]:
    client = await JsonClient.connect(url)
    state = await client.next()
    if command:
        state = await client.command(command)
    client.close()
    return state


def test_kill_9_mid_countdown_and_restart_keeps_the_remaining_time(tmp_path: Path) -> None:
    state_file = str(tmp_path / "state.json")
    server = launch(["--no-autostart", "--state-file", state_file, "--interval", "0.1"])
    try:
        asyncio.run(state_of(server.ws_url, {"type": "set", "mode": "countdown", "duration_ms": 10_000}))
        before = asyncio.run(state_of(server.ws_url, {"type": "start"}))["timer"]
        time.sleep(0.7)
        server.process.send_signal(signal.SIGKILL)
        server.process.wait(5)
    finally:
        server.stop()
    restarted = launch(["--no-autostart", "--state-file", state_file, "--interval", "0.1"])
    try:
        state = asyncio.run(state_of(restarted.ws_url))
        after = state["timer"]
        assert after["status"] == "running"
        assert abs(after["ends_at"] - before["ends_at"]) <= 50
        expected_remaining = before["ends_at"] - state["server_time"]
        assert abs(after["remaining_ms"] - expected_remaining) <= 50
    finally:
        restarted.stop()


def test_sigterm_saves_state_and_a_restart_restores_it(tmp_path: Path) -> None:
    state_file = str(tmp_path / "state.json")
    server = launch(["--no-autostart", "--state-file", state_file])
    asyncio.run(state_of(server.ws_url.replace("/ws", "/ws/kept"), {"type": "start"}))
    asyncio.run(state_of(server.ws_url.replace("/ws", "/ws/kept"), {"type": "pause"}))
    server.process.send_signal(signal.SIGTERM)
    assert server.process.wait(5) == 0
    restarted = launch(["--no-autostart", "--state-file", state_file])
    try:
        timer = asyncio.run(state_of(restarted.ws_url.replace("/ws", "/ws/kept")))["timer"]
        assert (timer["status"], timer["version"]) == ("paused", 2)
    finally:
        restarted.stop()


def test_a_garbage_state_file_is_reported_and_moved_aside_and_the_server_starts(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    path.write_bytes(b'{"format": "tornado-timer-state", "version": 1, "timers": [{"name": "trunc')
    server = launch(["--state-file", str(path)])
    try:
        assert asyncio.run(state_of(server.ws_url))["timer"]["status"] == "running"
        aside = list(tmp_path.glob("state.json.corrupt-*"))
        assert len(aside) == 1
        assert wait_until(path.exists, 3), "a fresh state file is written after the first change"
    finally:
        server.stop()
    assert "is not valid JSON" in server.stderr_text()


def test_a_client_that_vanishes_mid_frame_harms_nobody(start_server_process: Callable[..., ServerProcess]) -> None:
    server = start_server_process("--interval", "0.1")

    async def scenario() -> None:
        watcher = await JsonClient.connect(server.ws_url)
        await watcher.next()
        for _ in range(5):
            sock = raw_handshake(server)
            sock.sendall(bytes([0x81, 0x80 | 100]) + os.urandom(4) + b'{"type": "pa')  # 100 promised, 12 sent
            sock.close()
        ticks = [await watcher.next_of("tick") for _ in range(5)]
        assert [t["seq"] for t in ticks] == list(range(ticks[0]["seq"], ticks[0]["seq"] + 5))
        assert health(server)["connections"] == 1, "the vanished clients are gone, the watcher stays"
        watcher.close()
        await asyncio.sleep(0.2)

    asyncio.run(scenario())
    assert wait_until(lambda: health(server)["connections"] == 0, 3)


def test_half_open_connections_are_reaped_by_the_keepalive(
    start_server_process: Callable[..., ServerProcess],
) -> None:
    server = start_server_process("--ping-interval", "0.3", "--ping-timeout", "0.3")
    silent = [raw_handshake(server) for _ in range(3)]  # never read, never answer a ping
    try:
        assert health(server)["connections"] == 3
        # Tornado closes after a missed pong, then waits 5 s for a close frame a dead peer never sends.
        assert wait_until(lambda: health(server)["connections"] == 0, 0.3 + 0.3 + 5 + 3)
    finally:
        for sock in silent:
            sock.close()
