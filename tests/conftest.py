"""Fixtures shared by the tests: the real server as a separate process, on a free port."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator

import pytest
from support import RedisServer, ServerProcess, launch


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


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """A real redis-server for the session; required under CI, skipped elsewhere if it is not installed."""
    if shutil.which("redis-server") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("redis-server is required under CI (scripts/test.sh installs it)")
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    server = RedisServer(str(tmp_path_factory.mktemp("redis")))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def redis_url(redis_server: RedisServer) -> str:
    """The session's Redis, emptied for this test."""
    redis_server.flush()
    return redis_server.url


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run tests/browser last: pytest-playwright keeps Playwright's sync API, and with it an event loop, running
    for the rest of the session, and no asyncio or Tornado test can run its own loop after that."""
    browser = [item for item in items if "tests/browser/" in item.nodeid or item.nodeid.startswith("browser/")]
    others = [item for item in items if item not in browser]
    items[:] = others + browser
