"""Fixtures for every test: the real server in the test's own event loop (`serve`) or as a separate process
(`start_server_process`), a real Redis, a free port; a time bound on every async test; the browser tests last.

The helpers these use, and tests use directly, are in helpers.py.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import shutil
import tempfile
from collections.abc import AsyncIterator, Callable, Coroutine, Generator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import helpers
import pytest
from helpers import RedisServer, Serve, ServerProcess, launch, missing
from hypothesis.configuration import set_hypothesis_home_dir
from user_state import UserStateGuard, isolate

if TYPE_CHECKING:
    from tornado_timer import RunningServer

#: How long an async test may take unless it is marked `@pytest.mark.async_timeout(seconds)`.
ASYNC_TEST_TIMEOUT = 30.0


HYPOTHESIS_HOME = pytest.StashKey[str]()
STATE_HOME = pytest.StashKey[str]()
USER_STATE = pytest.StashKey[UserStateGuard]()


def pytest_configure(config: pytest.Config) -> None:
    """Hypothesis keeps its example database and caches in .hypothesis/ of the working directory (the checkout),
    some of them while tests are collected; tests write only into temporary folders, so it gets one. So does every
    server's default state file (XDG_STATE_HOME, for this process and every one it starts; user_state.py)."""
    config.stash[HYPOTHESIS_HOME] = tempfile.mkdtemp(prefix="tornado-timer-hypothesis-")
    set_hypothesis_home_dir(config.stash[HYPOTHESIS_HOME])
    config.stash[STATE_HOME] = tempfile.mkdtemp(prefix="tornado-timer-state-home-")
    config.stash[USER_STATE] = isolate(Path(config.stash[STATE_HOME]))


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Fail the run, loudly, if it wrote into the user's own state directory anyway."""
    guard = session.config.stash.get(USER_STATE, None)
    report = guard.report() if guard is not None else None
    if report is not None:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_sep("!", "user state directory written", red=True, bold=True)
            reporter.write_line(report, red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_unconfigure(config: pytest.Config) -> None:
    for key in (HYPOTHESIS_HOME, STATE_HOME):
        home = config.stash.get(key, None)
        if home is not None:
            shutil.rmtree(home, ignore_errors=True)


# ---- The server in the test's event loop -----------------------------------------------------------------


@pytest.fixture
async def serve() -> AsyncIterator[Serve]:
    """`server = await serve(interval=0.1, ...)`: the real server (tornado_timer.start_server) in this test's event
    loop on an ephemeral loopback port, ready (saved timers restored, the default timer there): a RunningServer with
    `http_url`, `ws_url(name)` and `.app`. Takes a ServerConfig, or its fields (host 127.0.0.1 and port 0 unless
    given: a test that restarts a server passes the port it had). Every server started is stopped (clients closed
    with 1001) and drained at the end; stopping one earlier, as a test of reconnecting does, is fine."""
    try:
        from tornado_timer import ServerConfig, start_server
    except ImportError as error:
        missing(f"tornado_timer.start_server is not importable: {error}")
    started: list[RunningServer] = []

    async def start(config: ServerConfig | None = None, **fields: Any) -> RunningServer:
        server = start_server(config or ServerConfig(**{"host": "127.0.0.1", "port": 0, **fields}))
        started.append(server)
        await server.ready()
        return server

    yield start
    for server in started:
        server.stop()
    for server in started:
        await server.drain()


# ---- The server as a process -----------------------------------------------------------------------------


@pytest.fixture
def start_server_process() -> Iterator[Callable[..., ServerProcess]]:
    """`start_server_process(*args, env=...)`: `python -m tornado_timer` on a free port (see helpers.launch),
    stopped at the end."""
    started: list[ServerProcess] = []

    def start(*args: str, env: dict[str, str] | None = None, **options: Any) -> ServerProcess:
        server = launch(list(args), env, **options)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


# ---- Redis, ports ----------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """A real redis-server for the session; required under CI, skipped elsewhere if it is not installed."""
    if shutil.which("redis-server") is None:
        missing("redis-server is not installed (apt-get install redis-server; scripts/test.sh installs it)")
    server = RedisServer(str(tmp_path_factory.mktemp("redis")))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def redis_url(redis_server: RedisServer) -> str:
    """The session's Redis, emptied for this test."""
    redis_server.flush()
    return redis_server.url


@pytest.fixture(name="free_port")
def free_port_fixture() -> int:
    """A loopback port nothing listens on right now (helpers.free_port)."""
    return helpers.free_port()


# ---- A bound on every async test -------------------------------------------------------------------------


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    """Run each async test under a time limit, so a hang fails that test instead of stalling the suite: the
    default ASYNC_TEST_TIMEOUT, or the seconds of its `async_timeout` mark. Fixtures are not counted."""
    test = getattr(item, "obj", None)
    if not (isinstance(item, pytest.Function) and inspect.iscoroutinefunction(test)):
        return (yield)
    mark = item.get_closest_marker("async_timeout")
    seconds = float(mark.args[0]) if mark else ASYNC_TEST_TIMEOUT
    item.obj = _bounded(test, seconds, item.nodeid)
    try:
        return (yield)
    finally:
        item.obj = test


def _bounded(test: Callable[..., Coroutine[Any, Any, Any]], seconds: float, nodeid: str) -> Callable[..., Any]:
    @functools.wraps(test)
    async def bounded(*args: Any, **kwargs: Any) -> Any:
        task = asyncio.ensure_future(test(*args, **kwargs))
        done, _ = await asyncio.wait({task}, timeout=seconds)
        if not done:
            task.cancel()
            await asyncio.wait({task}, timeout=1.0)
            pytest.fail(f"{nodeid} did not finish within {seconds:g} s", pytrace=False)
        return task.result()

    return bounded


# ---- Order -----------------------------------------------------------------------------------------------


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run tests/browser last: pytest-playwright keeps Playwright's sync API, and with it an event loop, running
    for the rest of the session, and no asyncio or Tornado test can run its own loop after that."""
    browser = [item for item in items if "tests/browser/" in item.nodeid or item.nodeid.startswith("browser/")]
    others = [item for item in items if item not in browser]
    items[:] = others + browser
