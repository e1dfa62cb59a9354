"""Fixtures shared by the tests: the real server as a separate process, on a free port."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest

SERVING = re.compile(r"serving (http://\S+/) \(WebSocket (ws://\S+)\)")


@dataclass
class ServerProcess:
    process: subprocess.Popen[str]
    http_url: str
    ws_url: str

    @property
    def port(self) -> int:
        return int(self.http_url.rsplit(":", 1)[1].strip("/"))

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=5)


def launch(args: list[str], env: dict[str, str] | None = None, timeout: float = 10.0) -> ServerProcess:
    """Start `python -m tornado_timer ARGS` and wait for the line that says where it serves."""
    process = subprocess.Popen(
        [sys.executable, "-m", "tornado_timer", "--host", "127.0.0.1", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )
    assert process.stdout is not None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        match = SERVING.search(line)
        if match:
            return ServerProcess(process, match.group(1), match.group(2))
    process.kill()
    raise RuntimeError(f"the server did not start: {process.communicate(timeout=5)}")


@pytest.fixture
def start_server_process() -> Iterator[Callable[..., ServerProcess]]:
    started: list[ServerProcess] = []

    def start(*args: str, env: dict[str, str] | None = None) -> ServerProcess:
        server = launch(list(args), env)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
