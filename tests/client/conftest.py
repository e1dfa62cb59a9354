"""Fixtures for the client tests: a real server in a fresh event loop per test, and CI-strict skipping."""

from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import Awaitable, Callable
from typing import Any, NoReturn

import pytest

Runner = Callable[[Callable[[], Awaitable[Any]]], Any]


def missing(reason: str) -> NoReturn:
    """Skip on a developer's machine, fail under CI=true: a missing required part is a failure there."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"required for CI: {reason}")
    pytest.skip(reason)


@pytest.fixture
def run() -> Runner:
    """Run an async test body in a new event loop, bounded so a hang fails instead of blocking the suite."""

    def runner(body: Callable[[], Awaitable[Any]], timeout: float = 30.0) -> Any:
        async def bounded() -> Any:
            return await asyncio.wait_for(body(), timeout)

        return asyncio.run(bounded())

    return runner


@pytest.fixture
def free_port() -> int:
    """A port nothing listens on right now (for a server that comes up later)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def start_server() -> Callable[..., Any]:
    """`tornado_timer.start_server`, or a skip (a failure under CI) if the server is not there."""
    try:
        from tornado_timer import start_server as start
    except ImportError as exc:
        missing(f"tornado_timer.start_server is not importable: {exc}")
    return start
