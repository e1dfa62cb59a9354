"""Small helpers shared by the integration tests: the server as a process, and a JSON client."""

from __future__ import annotations

import asyncio
import json
import os
import re
import select
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from typing import IO, Any

from tornado.httpclient import HTTPRequest
from tornado.websocket import WebSocketClientConnection, websocket_connect

Message = dict[str, Any]

SERVING = re.compile(r"serving (http://\S+/) \(WebSocket (ws://\S+)\)")


@dataclass
class ServerProcess:
    process: subprocess.Popen[str]
    http_url: str
    ws_url: str
    stderr: IO[str]

    def stderr_text(self) -> str:
        self.stderr.seek(0)
        return self.stderr.read()

    @property
    def port(self) -> int:
        return int(self.http_url.rsplit(":", 1)[1].strip("/"))

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


def launch(args: list[str], env: dict[str, str] | None = None, timeout: float = 10.0) -> ServerProcess:
    """Start `python -m tornado_timer ARGS` and wait for the line that says where it serves."""
    # A file, not a pipe: a chatty server can never stall on it. Closed with the ServerProcess.
    stderr = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115
    process = subprocess.Popen(
        [sys.executable, "-m", "tornado_timer", "--host", "127.0.0.1", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=stderr,
        text=True,
        env={**os.environ, **(env or {})},
    )
    assert process.stdout is not None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not select.select([process.stdout], [], [], max(0.0, deadline - time.monotonic()))[0]:
            break  # nothing printed in time: a server that hangs must fail the test, not stall the suite
        line = process.stdout.readline()
        if not line:
            break
        match = SERVING.search(line)
        if match:
            return ServerProcess(process, match.group(1), match.group(2), stderr)
    process.kill()
    process.wait(5)
    stderr.seek(0)
    raise RuntimeError(f"the server did not start: {stderr.read()}")



class JsonClient:
    """A test client that reads JSON messages, optionally skipping the ticks in between."""

    def __init__(self, connection: WebSocketClientConnection) -> None:
        self.connection = connection

    @classmethod
    async def connect(cls, url: str, headers: dict[str, str] | None = None) -> JsonClient:
        return cls(await websocket_connect(HTTPRequest(url, headers=headers or {})))

    def send(self, message: Any) -> None:
        text = message if isinstance(message, str) else json.dumps(message)
        self.connection.write_message(text)

    async def next(self, timeout: float = 2.0) -> Message:
        text = await asyncio.wait_for(self.connection.read_message(), timeout)
        assert text is not None, f"connection closed ({self.connection.close_code})"
        assert isinstance(text, str)
        result: Message = json.loads(text)
        return result

    async def next_of(self, *types: str, timeout: float = 2.0) -> Message:
        """The next message of one of `types`, skipping others (ticks, usually)."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            remaining = deadline - asyncio.get_running_loop().time()
            message = await self.next(timeout=max(remaining, 0.001))
            if message["type"] in types:
                return message

    async def command(self, message: Message, timeout: float = 2.0) -> Message:
        """Send a command and return the state or error it caused for this client."""
        self.send(message)
        return await self.next_of("state", "error", timeout=timeout)

    async def silent_for(self, seconds: float, types: tuple[str, ...] = ("state", "error", "pong")) -> bool:
        """True if no message of `types` arrives within `seconds`."""
        try:
            await self.next_of(*types, timeout=seconds)
        except asyncio.TimeoutError:
            return True
        return False

    def close(self) -> None:
        self.connection.close()


class RedisServer:
    """A real redis-server on a free loopback port, started and stopped by the tests (by its PID)."""

    def __init__(self, directory: str) -> None:
        self.directory = directory
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", self.directory, "--loglevel", "warning"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as probe:
                    probe.sendall(b"PING\r\n")
                    if probe.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.02)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(5)

    def flush(self) -> None:
        with socket.create_connection(("127.0.0.1", self.port), timeout=2) as connection:
            connection.sendall(b"FLUSHALL\r\n")
            assert connection.recv(16).startswith(b"+OK")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port
