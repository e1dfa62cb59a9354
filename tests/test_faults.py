"""Faults, each bounded in time, against the real server process on loopback."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
from collections.abc import Callable
from pathlib import Path

from helpers import JsonClient, ServerProcess, eventually, health, state_of, upgrade_request, wait_until

Launcher = Callable[..., ServerProcess]


def connections(server: ServerProcess) -> int:
    """How many WebSockets the server counts, from /healthz (which must answer 200)."""
    status, body = health(server)
    assert status == 200, body
    count: int = body["connections"]
    return count


def raw_handshake(server: ServerProcess) -> socket.socket:
    """A WebSocket opened by hand, so the test can then misbehave at the byte level."""
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=5)
    sock.sendall(upgrade_request(server.port))
    assert sock.recv(4096).startswith(b"HTTP/1.1 101")
    return sock


async def test_kill_9_mid_countdown_and_restart_keeps_the_remaining_time(
    tmp_path: Path, start_server_process: Launcher,
) -> None:
    state_file = str(tmp_path / "state.json")
    server = start_server_process("--no-autostart", "--state-file", state_file, "--interval", "0.1")
    await state_of(server.ws_url(), {"type": "set", "mode": "countdown", "duration_ms": 10_000})
    before = (await state_of(server.ws_url(), {"type": "start"}))["timer"]
    await asyncio.sleep(0.7)
    server.process.send_signal(signal.SIGKILL)
    server.process.wait(5)
    server.stop()
    restarted = start_server_process("--no-autostart", "--state-file", state_file, "--interval", "0.1")
    state = await state_of(restarted.ws_url())
    after = state["timer"]
    assert after["status"] == "running"
    assert abs(after["ends_at"] - before["ends_at"]) <= 50
    expected_remaining = before["ends_at"] - state["server_time"]
    assert abs(after["remaining_ms"] - expected_remaining) <= 50


async def test_sigterm_saves_state_and_a_restart_restores_it(tmp_path: Path, start_server_process: Launcher) -> None:
    state_file = str(tmp_path / "state.json")
    server = start_server_process("--no-autostart", "--state-file", state_file)
    await state_of(server.ws_url("kept"), {"type": "start"})
    await state_of(server.ws_url("kept"), {"type": "pause"})
    server.process.send_signal(signal.SIGTERM)
    assert server.process.wait(5) == 0
    restarted = start_server_process("--no-autostart", "--state-file", state_file)
    timer = (await state_of(restarted.ws_url("kept")))["timer"]
    assert (timer["status"], timer["version"]) == ("paused", 2)


async def test_a_garbage_state_file_is_reported_and_moved_aside_and_the_server_starts(
    tmp_path: Path, start_server_process: Launcher,
) -> None:
    path = tmp_path / "state.json"
    path.write_bytes(b'{"format": "tornado-timer-state", "version": 1, "timers": [{"name": "trunc')
    server = start_server_process("--state-file", str(path))
    assert (await state_of(server.ws_url()))["timer"]["status"] == "running"
    aside = list(tmp_path.glob("state.json.corrupt-*"))
    assert len(aside) == 1
    assert await eventually(path.exists, 3), "a fresh state file is written after the first change"
    server.stop()
    assert "is not valid JSON" in server.stderr_text()


async def test_a_client_that_vanishes_mid_frame_harms_nobody(start_server_process: Launcher) -> None:
    server = start_server_process("--interval", "0.1")
    watcher = await JsonClient.connect(server.ws_url())
    await watcher.next()
    for _ in range(5):
        sock = raw_handshake(server)
        sock.sendall(bytes([0x81, 0x80 | 100]) + os.urandom(4) + b'{"type": "pa')  # 100 promised, 12 sent
        sock.close()
    ticks = [await watcher.next_of("tick") for _ in range(5)]
    assert [t["seq"] for t in ticks] == list(range(ticks[0]["seq"], ticks[0]["seq"] + 5))
    assert connections(server) == 1, "the vanished clients are gone, the watcher stays"
    watcher.close()
    await asyncio.sleep(0.2)
    assert wait_until(lambda: connections(server) == 0, 3)


def test_half_open_connections_are_reaped_by_the_keepalive(start_server_process: Launcher) -> None:
    server = start_server_process("--ping-interval", "0.3", "--ping-timeout", "0.3")
    silent = [raw_handshake(server) for _ in range(3)]  # never read, never answer a ping
    try:
        assert connections(server) == 3
        # Tornado closes after a missed pong, then waits 5 s for a close frame a dead peer never sends.
        assert wait_until(lambda: connections(server) == 0, 0.3 + 0.3 + 5 + 3)
    finally:
        for sock in silent:
            sock.close()
