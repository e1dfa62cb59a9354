"""`python -m tornado_timer` as a user runs it: options, environment variables, errors, signals."""

from __future__ import annotations

import asyncio
import importlib.util
import signal
import socket
import time
import urllib.request
from collections.abc import Callable

import pytest
from helpers import ServerProcess, run_cli, state_of
from tornado.websocket import websocket_connect


def test_help_documents_every_option_and_the_environment() -> None:
    result = run_cli("--help")
    assert result.returncode == 0
    for option in ["--host", "--port", "--interval", "--start", "--mode", "--duration", "--autostart",
                   "--no-autostart", "--max-timers", "--allow-origin", "--allow-host", "--warning", "--danger",
                   "--overtime", "TORNADO_TIMER_"]:
        assert option in result.stdout, option


@pytest.mark.parametrize(
    ("args", "env", "words"),
    [
        (["--interval", "0"], {}, "--interval must be between 0.01 and 3600 seconds"),
        (["--interval", "nan"], {}, "--interval must be between"),
        (["--interval", "soon"], {}, "invalid float value: 'soon'"),
        (["--port", "70000"], {}, "--port must be between 0 and 65535"),
        (["--mode", "countdown"], {}, "--mode countdown needs --duration"),
        (["--mode", "egg"], {}, "invalid choice: 'egg'"),
        (["--duration", "10"], {}, "--duration is for --mode countdown"),
        (["--mode", "countdown", "--duration", "-3"], {}, "--duration must be between 0.001 and 360000 seconds"),
        (["--start", "-1"], {}, "--start must be between 0 and"),
        (["--max-timers", "0"], {}, "--max-timers must be at least 1"),
        (["--allow-origin", "example.org"], {}, "--allow-origin takes an origin like https://example.org"),
        (["--allow-host", "https://hub.example.org"], {}, "--allow-host takes a host name like hub.example.org"),
        ([], {"TORNADO_TIMER_ALLOW_HOST": "hub.example.org hub:8000"}, "--allow-host takes a host name"),
        ([], {"TORNADO_TIMER_PORT": "eighty"}, "invalid int value: 'eighty'"),
        ([], {"TORNADO_TIMER_AUTOSTART": "maybe"}, "TORNADO_TIMER_AUTOSTART must be true or false"),
        (["--warning", "10"], {}, "--warning is for --mode countdown"),
        (["--overtime"], {}, "--overtime is for --mode countdown"),
        (["--mode", "countdown", "--duration", "60", "--warning", "5", "--danger", "10"], {},
         "--danger (10) must be less than --warning (5)"),
        (["--mode", "countdown", "--duration", "60", "--danger", "0"], {}, "--danger must be between 0.001"),
        ([], {"TORNADO_TIMER_OVERTIME": "sometimes"}, "TORNADO_TIMER_OVERTIME must be true or false"),
    ],
)
def test_invalid_values_exit_with_one_clear_line(args: list[str], env: dict[str, str], words: str) -> None:
    result = run_cli(*args, env=env)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1, result.stderr
    assert words in result.stderr and result.stderr.startswith("tornado-timer: error:")


def test_help_says_what_each_exit_status_means() -> None:
    text = " ".join(run_cli("--help").stdout.split())  # argparse wraps the epilog
    assert "Exit status: 0 after a clean stop" in text and "2 for a bad option or value" in text
    assert "1 for a failure at run time: the port is in use, the state file cannot be written" in text


@pytest.mark.skipif(importlib.util.find_spec("redis") is None, reason="needs the Redis client (the test extra)")
def test_a_store_that_cannot_be_reached_at_start_is_status_1() -> None:
    with socket.socket() as closed:  # a port with nothing listening: refused at once
        closed.bind(("127.0.0.1", 0))
        url = f"redis://127.0.0.1:{closed.getsockname()[1]}/0"
        result = run_cli("--host", "127.0.0.1", "--port", "0", "--store", url)
    assert result.returncode == 1, result
    assert result.stderr.startswith("tornado-timer: error: cannot reach Redis") and result.stderr.count("\n") == 1
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        url = f"redis://127.0.0.1:{closed.getsockname()[1]}/0"
        result = run_cli("--host", "127.0.0.1", "--port", "0", "--processes", "2", "--store", url, timeout=60)
    assert result.returncode == 1, result  # not the status of the signal that stopped the other process
    assert "cannot reach Redis" in result.stderr and "keeps failing" in result.stderr
    assert "Traceback" not in result.stderr, result.stderr


def test_a_port_in_use_is_a_clear_error() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        result = run_cli("--host", "127.0.0.1", "--port", str(taken.getsockname()[1]))
    assert result.returncode == 1
    assert "cannot listen on 127.0.0.1" in result.stderr and "in use" in result.stderr


async def test_options_and_environment_variables_configure_the_default_timer(
    start_server_process: Callable[..., ServerProcess],
) -> None:
    server = start_server_process("--mode", "countdown", "--duration", "90", "--no-autostart",
                                  env={"TORNADO_TIMER_INTERVAL": "0.25"})
    timer = (await state_of(server.ws_url()))["timer"]
    assert (timer["mode"], timer["duration_ms"], timer["status"], timer["interval_ms"]) == (
        "countdown", 90_000, "idle", 250,
    )
    overridden = start_server_process("--interval", "0.5", env={"TORNADO_TIMER_INTERVAL": "0.25",
                                                                "TORNADO_TIMER_AUTOSTART": "false"})
    timer = (await state_of(overridden.ws_url()))["timer"]
    assert (timer["interval_ms"], timer["status"]) == (500, "idle")
    staged = start_server_process("--mode", "countdown", "--duration", "600", "--warning", "120", "--danger", "30",
                                  "--no-autostart", env={"TORNADO_TIMER_OVERTIME": "true"})
    timer = (await state_of(staged.ws_url()))["timer"]
    assert (timer["overtime"], timer["warning_ms"], timer["danger_ms"], timer["phase"]) == (
        True, 120_000, 30_000, "normal")


async def test_by_default_the_default_timer_runs_at_start_like_the_original(
    start_server_process: Callable[..., ServerProcess],
) -> None:
    server = start_server_process("--start", "10")
    timer = (await state_of(server.ws_url()))["timer"]
    assert (timer["status"], timer["interval_ms"], timer["mode"]) == ("running", 1000, "stopwatch")
    assert 10_000 <= int(timer["elapsed_ms"]) < 15_000


def test_it_serves_the_page_at_the_root(start_server_process: Callable[..., ServerProcess]) -> None:
    server = start_server_process()
    with urllib.request.urlopen(server.http_url, timeout=5) as response:
        assert response.status == 200
        assert b"<html" in response.read().lower()


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
async def test_a_signal_closes_every_socket_with_1001_and_exits_within_a_second(
    start_server_process: Callable[..., ServerProcess], signum: signal.Signals,
) -> None:
    server = start_server_process("--interval", "0.1")
    clients = [await websocket_connect(server.ws_url()) for _ in range(3)]
    for client in clients:
        await client.read_message()
    sent = time.monotonic()
    server.process.send_signal(signum)
    for client in clients:
        while await asyncio.wait_for(client.read_message(), 2) is not None:
            pass
    await asyncio.get_running_loop().run_in_executor(None, server.process.wait, 5)
    codes, took = [client.close_code for client in clients], time.monotonic() - sent
    assert codes == [1001, 1001, 1001]
    assert server.process.returncode == 0
    assert took < 1.0
    assert server.process.stdout is not None and "stopped" in server.process.stdout.read()


@pytest.mark.parametrize(
    ("env", "words"),
    [
        ({"TORNADO_TIMER_LOG_LEVEL": "verbose"}, "invalid choice: 'verbose'"),
        ({"TORNADO_TIMER_MAX_TIMERS": "1.5"}, "(from TORNADO_TIMER_MAX_TIMERS)"),
        ({"TORNADO_TIMER_PING_TIMEOUT": "30"}, "--ping-timeout (30) must not exceed --ping-interval"),
    ],
)
def test_bad_environment_values_are_one_clear_line(env: dict[str, str], words: str) -> None:
    result = run_cli("--port", "0", env=env)
    assert result.returncode == 2
    assert words in result.stderr and result.stderr.count("\n") == 1, result.stderr
