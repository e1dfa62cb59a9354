"""What the tests share, each in one place: free ports, waiting for a condition, the server as a process, a JSON
WebSocket client, HTTP and handshake probes, a real Redis, Chromium's settings, and CI-strict skipping.

The server inside a test's own event loop comes from the `serve` fixture in conftest.py; as a separate process,
from `launch` here (or the `start_server_process` fixture, which stops what it started).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import re
import select
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, NoReturn, Protocol, TypeVar

import pytest
from tornado.httpclient import AsyncHTTPClient, HTTPClientError, HTTPRequest, HTTPResponse
from tornado.websocket import WebSocketClientConnection, websocket_connect

from tornado_timer.server.sendloop import SendToAll, native_send_to_all

if TYPE_CHECKING:
    from tornado_timer import RunningServer

ROOT = Path(__file__).resolve().parents[1]
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

Message = dict[str, Any]
T = TypeVar("T")
#: The type of the `serve` fixture (conftest.py): `await serve(ServerConfig fields...)` -> a RunningServer.
Serve = Callable[..., Awaitable["RunningServer"]]


def missing(reason: str) -> NoReturn:
    """Skip on a developer's machine, fail under CI: a missing required part is a failure there."""
    if IN_CI:
        pytest.fail(f"required under CI: {reason}", pytrace=False)
    pytest.skip(reason)


# ---- Ports and waiting -----------------------------------------------------------------------------------


def native_send_loop() -> SendToAll:
    """The C send loop: built by `pip install -e .` wherever the test suite runs (required under CI)."""
    native = native_send_to_all()
    if native is None:
        missing("the C send loop (tornado_timer/server/_speedups.c) is not built: pip install -e . with gcc")
    return native


def free_port() -> int:
    """A loopback port nothing listens on right now (bound and released at once), for a server that comes later."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def wait_until(condition: Callable[[], T], timeout: float, interval: float = 0.05) -> T:
    """Poll `condition` until it is truthy or `timeout` seconds have passed; return its last value.

    For sync tests and blocking probes (HTTP to a server process, files). Use as `assert wait_until(...), why`.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    return condition()


async def eventually(condition: Callable[[], T], timeout: float = 5.0, interval: float = 0.01) -> T:
    """`wait_until` for async tests: poll `condition` without blocking the event loop; return its last value.

    Use as `assert await eventually(lambda: ...)`.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        value = condition()
        if value:
            return value
        await asyncio.sleep(interval)
    return condition()


# ---- Addresses -------------------------------------------------------------------------------------------


class Listening(Protocol):
    """A server in this process (tornado_timer.RunningServer) or a ServerProcess: both know their URLs."""

    @property
    def http_url(self) -> str: ...

    def ws_url(self, name: str = "default") -> str: ...


def ws_at(server: Listening, path: str) -> str:
    """`ws://host:port` + any `path` (/echo, /ws?token=..., names a timer could not have)."""
    return "ws" + server.http_url.rstrip("/").removeprefix("http") + path


def http_at(server: Listening, path: str) -> str:
    """`http://host:port` + `path` (/healthz, /metrics, /api/timers/NAME)."""
    return server.http_url.rstrip("/") + path


# ---- The server as a process -----------------------------------------------------------------------------

SERVING = re.compile(r"serving (http://\S+/) \(WebSocket (ws://\S+)\)")


def server_environment(env: dict[str, str] | None = None) -> dict[str, str]:
    """This environment without TORNADO_TIMER_* (a developer's own settings must not leak in), plus `env`."""
    return {**{k: v for k, v in os.environ.items() if not k.startswith("TORNADO_TIMER_")}, **(env or {})}


@dataclass
class ServerProcess:
    process: subprocess.Popen[str]
    http_url: str
    stderr: IO[str]
    _stderr_at_stop: str = field(default="", init=False, repr=False)

    def ws_url(self, name: str = "default") -> str:
        """The WebSocket of timer `name`, as tornado_timer.RunningServer.ws_url gives it."""
        base = ws_at(self, "/ws")
        return base if name == "default" else f"{base}/{name}"

    @property
    def port(self) -> int:
        return int(self.http_url.rsplit(":", 1)[1].strip("/"))

    def stderr_text(self) -> str:
        if self.stderr.closed:
            return self._stderr_at_stop
        self.stderr.seek(0)
        return self.stderr.read()

    def stop(self) -> None:
        """SIGTERM, as a user's Ctrl+C or a service manager would; SIGKILL only if it hangs."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)  # in case a test froze it
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        if self.process.stdout is not None:
            self.process.stdout.close()
        if not self.stderr.closed:
            self._stderr_at_stop = self.stderr_text()
            self.stderr.close()


#: How far `launch(..., ahead=True)` raises a server's priority over the machine's ordinary processes.
AHEAD_NICE = -10


def launch(args: Sequence[str], env: dict[str, str] | None = None, timeout: float = 10.0, *, port: int = 0,
           log: Path | None = None, entry: Sequence[str] = ("-m", "tornado_timer"),
           ahead: bool = False) -> ServerProcess:
    """Start `python -m tornado_timer --host 127.0.0.1 --port PORT ARGS` and wait for the line that says where it
    serves. `entry` replaces `-m tornado_timer` (a launcher script); stderr goes to `log` (appended) or to a
    temporary file, never to a pipe: a chatty server can never stall on it.

    `ahead`: the server runs ahead of ordinary processes where that is permitted (root, as in CI), so that a test
    that times the server measures the server, not whatever else keeps the machine's two cores busy."""
    stderr = log.open("a+") if log is not None else tempfile.TemporaryFile(mode="w+")  # noqa: SIM115
    process = subprocess.Popen(
        [sys.executable, *entry, "--host", "127.0.0.1", "--port", str(port), *args],
        stdout=subprocess.PIPE,
        stderr=stderr,
        text=True,
        env=server_environment(env),
    )
    if ahead:
        with contextlib.suppress(OSError):  # not permitted: it runs as an ordinary process
            os.setpriority(os.PRIO_PROCESS, process.pid, AHEAD_NICE)
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
            return ServerProcess(process, match.group(1), stderr)
    process.kill()
    process.wait(5)
    process.stdout.close()
    stderr.seek(0)
    text = stderr.read()
    stderr.close()
    raise RuntimeError(f"the server did not start: {text[-2000:]}")


@contextlib.contextmanager
def running_ahead() -> Iterator[None]:
    """Run this test process ahead of the machine's ordinary processes (where permitted, as `launch(ahead=True)`),
    and back at its own priority after: for a test whose own reading is part of what it measures (a load
    generator), so that it measures the server rather than whatever else keeps the two cores busy."""
    before = os.getpriority(os.PRIO_PROCESS, 0)
    with contextlib.suppress(OSError):  # not permitted: it runs as it was
        os.setpriority(os.PRIO_PROCESS, 0, AHEAD_NICE)
    try:
        yield
    finally:
        os.setpriority(os.PRIO_PROCESS, 0, before)


def run_cli(*args: str, env: dict[str, str] | None = None, timeout: float = 20) -> subprocess.CompletedProcess[str]:
    """`python -m tornado_timer ARGS` to its end (errors, --help), with its output."""
    return subprocess.run([sys.executable, "-m", "tornado_timer", *args], capture_output=True, text=True,
                          timeout=timeout, env=server_environment(env))


def health(server: Listening) -> tuple[int, dict[str, Any]]:
    """GET /healthz (blocking): the status code and the body, for 200 (ok, degraded) and 503 (starting) alike."""
    try:
        with urllib.request.urlopen(http_at(server, "/healthz"), timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


# ---- Talking to a server ---------------------------------------------------------------------------------


class JsonClient:
    """A test client that reads JSON messages, optionally skipping the ticks in between. It remembers the newest
    state version of each timer it has read, so that `command` can tell its answer from a state that was already
    on its way."""

    def __init__(self, connection: WebSocketClientConnection) -> None:
        self.connection = connection
        self.versions: dict[str, int] = {}  # timer name -> the newest version of its states read so far

    @classmethod
    async def connect(cls, url: str, headers: dict[str, str] | None = None) -> JsonClient:
        return cls(await websocket_connect(HTTPRequest(url, headers=headers or {})))

    @classmethod
    async def joined(cls, url: str, headers: dict[str, str] | None = None) -> JsonClient:
        """Connected, and past the first message, which must be the state."""
        client = await cls.connect(url, headers)
        first = await client.next()
        assert first["type"] == "state", first
        return client

    def send(self, message: Any) -> None:
        text = message if isinstance(message, str) else json.dumps(message)
        self.connection.write_message(text)

    async def next(self, timeout: float = 2.0) -> Message:
        text = await asyncio.wait_for(self.connection.read_message(), timeout)
        assert text is not None, f"connection closed ({self.connection.close_code})"
        assert isinstance(text, str)
        result: Message = json.loads(text)
        if result.get("type") == "state" and isinstance(result.get("timer"), dict):
            name, version = result["timer"].get("name"), result["timer"].get("version", -1)
            self.versions[name] = max(version, self.versions.get(name, version))
        return result

    async def next_of(self, *types: str, timeout: float = 2.0) -> Message:
        """The next message of one of `types`, skipping others (ticks, usually)."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            remaining = deadline - asyncio.get_running_loop().time()
            message = await self.next(timeout=max(remaining, 0.001))
            if message["type"] in types:
                return message

    async def command(self, message: Message | str, timeout: float = 2.0) -> Message:
        """Send a command and return the state or error it caused for this client: an error (with the command's
        `id`, or none), or the first state newer than any read before it was sent. A state of a version
        already read (the answer to an earlier command, or the same version heard again) is not the answer."""
        answered_by = message.get("id") if isinstance(message, dict) else None
        seen = dict(self.versions)
        self.send(message)
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            remaining = deadline - asyncio.get_running_loop().time()
            reply = await self.next_of("state", "error", timeout=max(remaining, 0.001))
            if reply["type"] == "error" and reply.get("id") in (None, answered_by):
                return reply
            timer = reply.get("timer") or {}
            if reply["type"] == "state" and timer.get("version", -1) > seen.get(timer.get("name"), -1):
                return reply

    async def silent_for(self, seconds: float, types: tuple[str, ...] = ("state", "error", "pong")) -> bool:
        """True if no message of `types` arrives within `seconds`."""
        try:
            await self.next_of(*types, timeout=seconds)
        except asyncio.TimeoutError:
            return True
        return False

    def close(self) -> None:
        self.connection.close()


async def state_of(url: str, command: Message | None = None) -> Message:
    """Connect, take the first state (or, with `command`, the state or error that command caused), disconnect."""
    client = await JsonClient.connect(url)
    state = await client.next()
    if command is not None:
        state = await client.command(command)
    client.close()
    return state


async def handshake_status(url: str, headers: dict[str, str] | None = None) -> tuple[int, str]:
    """The HTTP status of a WebSocket handshake (101 when accepted) and the body of a refusal."""
    try:
        connection = await websocket_connect(HTTPRequest(url, headers=headers or {}))
    except HTTPClientError as error:
        body = error.response.body.decode() if error.response and error.response.body else ""
        return error.code, body
    connection.close()
    return 101, ""


async def http_get(url: str, raise_error: bool = False, headers: dict[str, str] | None = None) -> HTTPResponse:
    """GET `url` in this event loop; an error status is returned (raised with `raise_error`)."""
    client = AsyncHTTPClient(force_instance=True)
    try:
        return await client.fetch(HTTPRequest(url, headers=headers or {}), raise_error=raise_error)
    finally:
        client.close()


def upgrade_request(port: int, extensions: str | None = None) -> bytes:
    """The bytes of a WebSocket handshake for /ws, for clients made of bare sockets (to misbehave on purpose)."""
    key = base64.b64encode(os.urandom(16)).decode()
    extension = f"Sec-WebSocket-Extensions: {extensions}\r\n" if extensions else ""
    return (f"GET /ws HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n{extension}\r\n").encode()


# ---- Redis -----------------------------------------------------------------------------------------------


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
        if not wait_until(self._answers_ping, 10, interval=0.02):
            raise RuntimeError("redis-server did not start")

    def _answers_ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as probe:
                probe.sendall(b"PING\r\n")
                return probe.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(5)

    def flush(self) -> None:
        with socket.create_connection(("127.0.0.1", self.port), timeout=2) as connection:
            connection.sendall(b"FLUSHALL\r\n")
            assert connection.recv(16).startswith(b"+OK")


# ---- Chromium --------------------------------------------------------------------------------------------

CHROMIUM = os.environ.get("TORNADO_TIMER_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",  # we run as root
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",  # else Chromium keeps trying hosts it cannot reach
    "--disable-component-update",
    "--no-first-run",
]


def chromium_environment(home: Path) -> dict[str, str]:
    """Chromium's environment with `home` for the files it writes even with a temporary profile."""
    return {**os.environ, "HOME": str(home), "XDG_CONFIG_HOME": str(home / "config"),
            "XDG_CACHE_HOME": str(home / "cache")}
