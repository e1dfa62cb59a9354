"""The course's exercise checks can fail: for every exercise, a plausible wrong answer is told it is wrong (against
real servers, where the exercise talks to one), and an untouched stub is told it is not done yet.

That the solutions pass is checked in the notebooks' own kernels (test_notebooks_run.py). The registry agrees with
the notebooks (test_notebooks_format.py); here it is checked on its own.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import random
import re
import socket
from collections.abc import Callable
from typing import Any

import pytest
from notebook_support import NOTEBOOKS

import tornado_timer.course as course
from tornado_timer.client import TimerClient
from tornado_timer.core import rfc6455
from tornado_timer.core.rfc6455 import Opcode

# ---- plausible mistakes, one (or two) per exercise ---------------------------------------------------------


def missing_key(address: str) -> bytes:
    return rfc6455.handshake_request(address, key="")  # the notebook's own example


def good_handshake(address: str) -> bytes:
    return rfc6455.handshake_request(address)


def trusts_the_status(response: rfc6455.HttpResponse, key: str) -> bool:
    return response.status == 101


def forgets_the_mask(hex_frame: str) -> str:
    data = bytes.fromhex(hex_frame)
    return data[6:].decode("latin-1")


def unmasked_fragments(command: str) -> list[bytes]:
    return [rfc6455.encode_frame(Opcode.TEXT, command[:5], fin=False),
            rfc6455.encode_frame(Opcode.CONTINUATION, command[5:10], fin=False),
            rfc6455.encode_frame(Opcode.PING, b"x"), rfc6455.encode_frame(Opcode.CONTINUATION, command[10:])]


def offset_on_the_wrong_clock(t0: float, offset: float, to_server: float, back: float) -> tuple[float, ...]:
    t1 = t0 + to_server + offset
    return t0, t1, t1, t1 + back  # t3 read on the server's clock


async def sign_error(client: TimerClient, pings: int) -> float:
    samples = [await client.ping() for _ in range(pings)]
    return -min(samples, key=lambda s: s.rtt).offset


async def sleeps_after_each_call(callback: Callable[[], None], interval: float, duration: float) -> int:
    loop = asyncio.get_running_loop()
    start, calls = loop.time(), 0
    while loop.time() - start < duration - interval / 2:
        await asyncio.sleep(interval)
        callback()
        calls += 1
    return calls


def forgets_the_banked_part(banked_ms: float, resumed_at_ms: float, interval_ms: int) -> tuple[float, int]:
    return resumed_at_ms + interval_ms, math.floor(banked_ms / interval_ms) + 1


def the_notebooks_examples() -> dict[str, str]:
    return {"invalid_json": "pause please", "invalid_message": "[1, 2, 3]", "unknown_type": '{"type": "explode"}',
            "invalid_state": '{"type": "resume"}'}


def ignores_started_at(timer: dict[str, Any], server_time_ms: float) -> float:
    return float(timer["elapsed_ms"])


def a_label_that_never_changes(client: TimerClient) -> Any:
    import ipywidgets as widgets

    return widgets.Label(f"{math.ceil((client.remaining_ms or 0) / 1000)} s")


def ten_minutes(client: TimerClient) -> Any:
    import ipywidgets as widgets

    button = widgets.Button(description="+10")
    button.on_click(lambda _: asyncio.ensure_future(client.adjust(600)))
    return button


async def reads_all_along(host: str, port: int, seconds: float) -> bytes:
    sock = socket.socket()  # the usual receive buffer: it takes minutes of ticks to fill
    sock.setblocking(False)
    loop = asyncio.get_running_loop()
    await loop.sock_connect(sock, (host, port))
    await loop.sock_sendall(sock, rfc6455.handshake_request(f"{host}:{port}"))
    await asyncio.sleep(seconds)
    data = b""
    while True:
        try:
            data += await asyncio.wait_for(loop.sock_recv(sock, 1 << 20), 0.3)
        except asyncio.TimeoutError:
            break
    sock.close()
    return data.split(b"\r\n\r\n", 1)[1]


def no_jitter(attempt: int, rng: random.Random) -> float:
    return min(2.0, 0.1 * 2**attempt)


def everything_on_loopback(host: str, origin: str | None) -> bool:
    return host.split(":")[0] in ("localhost", "127.0.0.1", "[") or host.startswith("[::1]")


async def token_in_the_url(url: str, token: str) -> str:
    async with TimerClient(f"{url}?token={token}") as client:
        return str((await client.pause())["status"])


async def the_original_loop(connection: Any) -> None:
    seq = 0
    while True:  # ConnectionClosed escapes when the client goes
        await connection.send(json.dumps({"path": connection.request.path, "seq": seq}))
        seq += 1
        await asyncio.sleep(0.05)


def ends_with_example_org(origin: str) -> bool:
    return origin.endswith("example.org")


MISTAKES: dict[str, list[Callable[..., Any]]] = {
    "1.1": [missing_key, good_handshake],
    "1.2": [trusts_the_status],
    "2.1": [forgets_the_mask],
    "2.2": [unmasked_fragments],
    "3.1": [offset_on_the_wrong_clock],
    "3.2": [sign_error],
    "4.1": [sleeps_after_each_call],
    "4.2": [forgets_the_banked_part],
    "5.1": [the_notebooks_examples],
    "5.2": [ignores_started_at],
    "6.1": [a_label_that_never_changes],
    "6.2": [ten_minutes],
    "7.1": [reads_all_along],
    "7.2": [no_jitter],
    "8.1": [everything_on_loopback],
    "8.2": [token_in_the_url],
    "9.1": [the_original_loop],
    "9.2": [ends_with_example_org],
}
ALL_KEYS = [e.key for n in course.MODULES for e in course.exercises_of(n)]


def test_every_exercise_has_a_mistake_to_catch() -> None:
    assert sorted(MISTAKES) == sorted(ALL_KEYS)


@pytest.mark.parametrize("key", sorted(MISTAKES))
@pytest.mark.async_timeout(60)
async def test_a_wrong_answer_is_told_so(key: str) -> None:
    for mistake in MISTAKES[key]:
        verdict = await course.check(key, mistake)
        assert verdict.outcome == "failed", f"{mistake.__name__} should fail {key}:\n{verdict}"
        assert "but:" in str(verdict) and f'solution("{key}")' in str(verdict)


@pytest.mark.parametrize("key", sorted(MISTAKES))
async def test_an_untouched_stub_is_not_done_yet(key: str) -> None:
    def stub(*args: Any) -> None: ...

    async def async_stub(*args: Any) -> None: ...

    for answer in (stub, async_stub):
        verdict = await course.check(key, answer)
        assert verdict.outcome == "not done", f"{key}: {verdict}"
        assert "NOT DONE YET" in verdict._repr_markdown_()


def test_solutions_show_as_source_and_can_be_called() -> None:
    shown = course.solution("2.1")
    assert shown.source.startswith("def unmask_hex(") and "```python" in shown._repr_markdown_()
    assert shown(rfc6455.encode_frame(Opcode.TEXT, "hi", mask=os.urandom(4)).hex()) == "hi"


def test_unknown_exercises_are_named_clearly() -> None:
    with pytest.raises(KeyError, match=re.escape("notebook 2 has exercises 2.1, 2.2")):
        course.exercise("2.7")
    with pytest.raises(KeyError, match=re.escape("named like '2.1'")):
        course.exercise("frames")
    with pytest.raises(KeyError, match="there is no notebook 12"):
        course.exercises_of(12)


def test_the_mystery_frame_in_notebook_2_is_the_one_checked() -> None:
    from tornado_timer.course.exercises.frames import MYSTERY_FRAME

    cells = json.loads((NOTEBOOKS / "02-frames.ipynb").read_text(encoding="utf-8"))["cells"]
    assert any(MYSTERY_FRAME in "".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
