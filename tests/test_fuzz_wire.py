"""Fuzz the protocol over a real connection: random and mutated messages never crash the server, never
change a timer except through a valid command, and always get an error when they are invalid."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from websockets.sync.client import ClientConnection, connect

from tornado_timer import RunningServer, start_server
from tornado_timer.core.commands import parse_command
from tornado_timer.core.errors import ProtocolError

VALID = [
    {"type": "start"}, {"type": "pause"}, {"type": "resume"}, {"type": "reset"},
    {"type": "set", "mode": "countdown", "duration_ms": 5000, "interval_ms": 500},
    {"type": "set", "mode": "stopwatch", "initial_ms": 1000},
    {"type": "set", "mode": "countdown", "duration_ms": 3000, "overtime": True, "warning_ms": 2000, "danger_ms": 900},
    {"type": "adjust", "delta_ms": 1500}, {"type": "adjust", "delta_ms": -60000},
    {"type": "message", "text": "wrap up", "visible": True, "blink": False, "blackout": False},
]


@pytest.fixture(scope="module")
def server() -> Iterator[RunningServer]:
    """The real server on its own event loop in a thread, so the sync client and hypothesis drive it.

    Not the `serve` fixture on purpose: hypothesis runs each example synchronously and the `websockets` sync
    client blocks while it waits for a reply, so the server cannot share the test's (unrunning) event loop.
    """
    loop = asyncio.new_event_loop()
    started: list[RunningServer] = []
    ready = threading.Event()

    def run() -> None:
        asyncio.set_event_loop(loop)

        async def serve() -> None:
            started.append(start_server(autostart=False, max_messages_per_second=10_000))
            await started[0].ready()
            ready.set()

        loop.run_until_complete(serve())
        loop.run_forever()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert ready.wait(10)
    yield started[0]
    loop.call_soon_threadsafe(started[0].stop)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(5)


@pytest.fixture(scope="module")
def client(server: RunningServer) -> Iterator[ClientConnection]:
    with connect(server.ws_url("fuzz"), max_size=None) as connection:
        assert json.loads(connection.recv(timeout=5))["type"] == "state"
        yield connection


def answer(connection: ClientConnection) -> dict[str, Any]:
    """The reply to what was just sent: skipping ticks, the next state, error or pong."""
    while True:
        message: dict[str, Any] = json.loads(connection.recv(timeout=5))
        if message["type"] != "tick":
            return message


def is_valid(text: str) -> bool:
    try:
        parse_command(text)
    except ProtocolError:
        return False
    return True


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=12,
)
near_messages = st.builds(
    lambda base, key, value: json.dumps({**base, key: value}),
    st.sampled_from(VALID),
    st.sampled_from(["type", "mode", "duration_ms", "interval_ms", "initial_ms", "id", "client_time", "x", "overtime",
                     "warning_ms", "danger_ms", "delta_ms", "text", "visible", "blink", "blackout"]),
    json_values,
)
mutated = st.builds(
    lambda base, position, char: (lambda text: text[:position] + char + text[position + 1:])(json.dumps(base)),
    st.sampled_from(VALID), st.integers(0, 70), st.characters(),
)
messages = st.text(max_size=60) | json_values.map(json.dumps) | near_messages | mutated


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=messages)
def test_random_messages_get_an_error_or_act_as_a_valid_command(
    server: RunningServer, client: ClientConnection, text: str,
) -> None:
    channel = server.app.registry.get("fuzz")
    assert channel is not None, (client.close_code, client.close_reason, [c.name for c in server.app.registry])
    version = channel.timer.version
    client.send(text)
    reply = answer(client)
    if is_valid(text):
        assert reply["type"] in ("state", "error", "pong", "message")
        if reply["type"] == "error":
            assert reply["code"] == "invalid_state"
            assert channel.timer.version == version
    else:
        assert reply["type"] == "error", (text, reply)
        assert reply["code"] in {"invalid_json", "invalid_message", "unknown_type"}
        assert channel.timer.version == version, "an invalid message changed the timer"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(payload=st.binary(max_size=100))
def test_binary_frames_get_an_error(server: RunningServer, client: ClientConnection, payload: bytes) -> None:
    client.send(payload)
    assert answer(client)["code"] == "binary_frame"


def test_the_server_still_serves_after_the_fuzzing(client: ClientConnection) -> None:
    client.send(json.dumps({"type": "ping", "client_time": 7}))
    assert answer(client)["client_time"] == 7
    client.send(json.dumps({"type": "reset"}))
    assert answer(client)["timer"]["status"] == "idle"
