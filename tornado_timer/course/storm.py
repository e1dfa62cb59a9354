"""A reconnect storm, measured (notebook 7): many clients of one server, the server stopped and started again,
and every client's reconnect attempts timed. Without jitter in their backoff they all try at the same instants."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from dataclasses import dataclass, field

from ..client import Backoff, ConnectionStatus, TimerClient
from ..server import start_server


@dataclass(frozen=True)
class FunctionBackoff(Backoff):
    """A backoff whose delays come from a function of (attempt, rng), for trying one of your own."""

    function: Callable[[int, random.Random], float] = field(default=lambda attempt, rng: 0.1)

    def delay(self, attempt: int, rng: random.Random | None = None) -> float:
        return float(self.function(attempt, rng or random.Random()))


@dataclass(frozen=True)
class Storm:
    """What one storm looked like: times in ms after the server stopped."""

    label: str
    clients: int
    restart_ms: float
    attempts_ms: list[float]  # every reconnect attempt, failed or not
    back_ms: list[float]  # when each client had the timer's state again

    def peak(self, window_ms: float = 20.0, attempts: bool = False) -> int:
        """The most reconnections the server answered (or, with `attempts`, tries the clients made) within any
        `window_ms`."""
        times = sorted(self.attempts_ms if attempts else self.back_ms)
        return max((sum(1 for t in times[i:] if t - start < window_ms) for i, start in enumerate(times)), default=0)

    def spread_ms(self) -> float:
        """From the first reconnection to the last."""
        return max(self.back_ms) - min(self.back_ms) if self.back_ms else 0.0


async def reconnect_storm(label: str, backoff: Backoff, clients: int = 100, down_s: float = 0.5,
                          timeout_s: float = 15.0) -> Storm:
    """Connect `clients` to a server of its own, stop the server, start it again on the same port `down_s` later,
    and time every client's attempts until all are back (or `timeout_s`)."""
    server = start_server(interval=1.0, autostart=False)
    await server.ready()
    loop = asyncio.get_running_loop()
    stopped_at: list[float] = []
    attempts: list[float] = []
    back: list[float] = []

    def watch(status: ConnectionStatus, detail: str) -> None:
        if not stopped_at:
            return
        if detail.startswith("attempt"):
            attempts.append((loop.time() - stopped_at[0]) * 1000.0)
        elif status is ConnectionStatus.CONNECTED:
            back.append((loop.time() - stopped_at[0]) * 1000.0)

    crowd = [TimerClient(server.ws_url("storm"), backoff=backoff, seed=i) for i in range(clients)]
    for client in crowd:
        client.add_status_listener(watch)
    try:
        await asyncio.gather(*(client.connect() for client in crowd))
        stopped_at.append(loop.time())
        server.stop()
        await asyncio.sleep(down_s)
        server = start_server(port=server.port, interval=1.0, autostart=False)
        restart_ms = (loop.time() - stopped_at[0]) * 1000.0
        deadline = loop.time() + timeout_s
        while len(back) < clients and loop.time() < deadline:
            await asyncio.sleep(0.02)
    finally:
        await asyncio.gather(*(client.aclose() for client in crowd), return_exceptions=True)
        server.stop()
        await server.drain(0.3)
    return Storm(label, clients, restart_ms, sorted(attempts), sorted(back))
