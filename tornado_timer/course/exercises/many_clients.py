"""Notebook 5's exercises: a message for each error code, and the time a display shows between ticks."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

from ...client import TimerClient
from ..exercise import Exercise, Report, fresh_server

CODES = ("invalid_json", "invalid_message", "unknown_type", "invalid_state")
#: The notebook's own examples: the exercise asks for others.
SHOWN = frozenset({
    "pause please", "[1, 2, 3]", '{"duration_ms": 5000}', '{"type": "explode"}', '{"type": "resume"}',
    '{"type": "set", "mode": "countdown", "duraton_ms": 5000}',
    '{"type": "set", "mode": "countdown", "duration_ms": -5}',
    '{"type": "set", "mode": "countdown", "duration_ms": NaN}',
    '{"type": "set", "mode": "stopwatch", "interval_ms": 1}',
})


def bad_messages() -> dict[str, str]:
    """One message text for each error code, none of them the notebook's examples."""
    return {
        "invalid_json": '{"type": "pause"',  # the closing brace is missing
        "invalid_message": '{"type": "adjust", "delta_ms": "a minute"}',  # a string where a number belongs
        "unknown_type": '{"type": "PAUSE"}',  # types are case-sensitive
        "invalid_state": '{"type": "pause"}',  # the timer in the check is idle: nothing to pause
    }


async def check_bad_messages(report: Report, answer: Callable[..., Any]) -> None:
    texts = await report.call(answer)
    report.expect(isinstance(texts, dict), f"return a dict of code -> message text, not {type(texts).__name__}")
    missing = [code for code in CODES if code not in texts]
    report.expect(not missing, f"no message for {', '.join(missing)}")
    async with fresh_server(interval=1.0, autostart=False) as server:
        client = await TimerClient(server.ws_url("exercise")).connect()
        try:
            for code in CODES:
                text = texts[code]
                report.expect(isinstance(text, str), f"the message for {code} should be text (a str)")
                report.expect(text.strip() not in SHOWN, f"{text!r} is one of the notebook's examples; find another")
                answer_to = client.expect(lambda m: m["type"] in ("error", "state"))
                await client.send_text(text)
                got = await asyncio.wait_for(answer_to, 5)
                said = got.get("code") if got["type"] == "error" else "no error: a state (the command was applied)"
                report.expect(said == code, f"{text!r} got {said}, not {code}",
                              f"{code}: {text!r} ({got.get('message')})")
            report.expect(client.connected and client.timer_status == "idle", "the connection or the timer changed")
        finally:
            await client.aclose()


def elapsed_at(timer: dict[str, Any], server_time_ms: float) -> float:
    """The elapsed time a display should show at `server_time_ms` (server clock), from a state's timer."""
    if timer["status"] == "running":
        return server_time_ms - float(timer["started_at"])
    return float(timer["elapsed_ms"])


async def check_elapsed_at(report: Report, answer: Callable[..., Any]) -> None:
    async with fresh_server(interval=0.2, autostart=True) as server:
        client = await TimerClient(server.ws_url()).connect()
        try:
            state = json.loads(next(r.raw for r in client.history if r.message["type"] == "state"))
            for _ in range(3):
                tick = await client.next_message("tick")
                guess = await report.call(answer, dict(state["timer"]), tick["server_time"])
                report.expect(abs(guess - tick["elapsed_ms"]) <= 3.0, f"at server time {tick['server_time']} the "
                              f"tick says {tick['elapsed_ms']} ms; from the state you said {guess:.1f}")
            report.ok("a running stopwatch: your time matched three ticks to within 3 ms, from the state alone")
            paused = await client.pause()
            later = await report.call(answer, dict(paused), paused.get("started_at", 0) + 10_000_000)
            report.expect(abs(later - paused["elapsed_ms"]) < 1e-6, f"paused at {paused['elapsed_ms']} ms, a display "
                          f"shows that until it resumes; you said {later}", "a paused timer shows its elapsed_ms")
        finally:
            await client.aclose()


EXERCISES = (
    Exercise("5.1", "a message for each error code", "bad_messages", check_bad_messages, bad_messages),
    Exercise("5.2", "the time a display shows between ticks", "elapsed_at", check_elapsed_at, elapsed_at),
)
