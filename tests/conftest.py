"""Fixtures shared by the tests: the real server as a separate process, on a free port."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from support import ServerProcess, launch


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
