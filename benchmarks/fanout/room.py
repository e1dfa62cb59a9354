"""A room comes back: N screens connected, the server restarted, every screen reconnecting as the page does.

    python benchmarks/fanout/room.py                     # 5,000 clients
    python benchmarks/fanout/room.py --clients 1000 --runs 3

Our server runs with a state file on a fixed loopback port (pinned to CPU 0, as in run.py); N clients
(loadgen.py's raw protocol, pinned to CPU 1) connect and get their state. Then the server is restarted the way an
operator or systemd does it: SIGTERM (it closes every socket with 1001 and saves), wait for it to exit, start it
again on the same port with the same state file (`--kill` sends SIGKILL instead: a crash). Every client
reconnects with the page's own schedule, read from static/connection.js so that the two cannot drift apart: after
a drop, wait backoffDelay(attempt) (doubling from backoffBaseMs up to backoffCapMs, "equal jitter": between half
and all of it), attempt + 1; attempt goes back to 0 only once the server has sent a message; a handshake
unanswered after connectTimeoutMs is abandoned. Printed: the seconds from the restart until every client has its
state again, percentiles over the clients, how long the server took to listen again, and how many attempts were
refused. Loopback only, bounded (--deadline), and only our own server process is ended, by its PID.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))

from loadgen import Client, Recorder, loop_factory  # noqa: E402

HOST = "127.0.0.1"
CONNECTION_JS = ROOT / "static" / "connection.js"
# The page's backoff, as it is written in connection.js; page_schedule() refuses to run if it reads otherwise.
CEILING_JS = "Math.min(capMs, baseMs * 2 ** attempt)"
JITTER_JS = "ceiling / 2 + (random() * ceiling) / 2"


@dataclass(frozen=True)
class Schedule:
    """The page's reconnect timings (ms), from static/connection.js."""

    base_ms: float
    cap_ms: float
    connect_timeout_ms: float

    def delay_ms(self, attempt: int, rng: random.Random) -> float:
        """connection.js backoffDelay(): the wait before reconnect attempt number `attempt` (0, 1, 2, ...)."""
        ceiling = min(self.cap_ms, self.base_ms * 2**attempt)
        return ceiling / 2 + (rng.random() * ceiling) / 2


def page_schedule(source: Path = CONNECTION_JS) -> Schedule:
    """Read the page's DEFAULT_SETTINGS and check its backoffDelay() is still the formula `delay_ms` implements."""
    text = source.read_text(encoding="utf-8")
    for expression in (CEILING_JS, JITTER_JS):
        if expression not in text:
            raise ValueError(f"{source}: backoffDelay() no longer computes {expression!r}: update room.py to match")
    settings = text[text.index("const DEFAULT_SETTINGS"):]
    settings = settings[: settings.index("};")]

    def setting(name: str) -> float:
        match = re.search(rf"\b{name}:\s*(\d+)", settings)
        if match is None:
            raise ValueError(f"{source}: DEFAULT_SETTINGS has no {name}")
        return float(match.group(1))

    return Schedule(setting("backoffBaseMs"), setting("backoffCapMs"), setting("connectTimeoutMs"))


class PageClient(Client):
    """loadgen's client, telling when its first state came and when its connection was lost (no polling: one
    process runs thousands of them)."""

    __slots__ = ("has_state", "lost")

    def __init__(self, recorder: Recorder, host: str, port: int, path: str) -> None:
        super().__init__(recorder, host, port, path)
        loop = asyncio.get_running_loop()
        self.has_state: asyncio.Future[None] = loop.create_future()
        self.lost: asyncio.Future[None] = loop.create_future()

    def on_text(self, payload: bytes, now_ms: float) -> None:
        super().on_text(payload, now_ms)
        if self.last_state is not None and not self.has_state.done():
            self.has_state.set_result(None)

    def connection_lost(self, exc: Exception | None) -> None:
        super().connection_lost(exc)
        for future in (self.has_state, self.lost):
            if not future.done():
                future.set_result(None)


class Screen:
    """One page: a connection that reconnects on the page's schedule, and when it had its state back."""

    def __init__(self, port: int, schedule: Schedule, rng: random.Random, recorder: Recorder) -> None:
        self.port = port
        self.schedule = schedule
        self.rng = rng
        self.recorder = recorder
        self.attempt = 0
        self.client: PageClient | None = None
        self.back_at: float | None = None  # perf_counter time of the first state after the restart
        self.restarted_at: float | None = None
        self.refused = 0
        self.retries = 0  # attempts after the first that it took to come back

    async def connect_once(self) -> PageClient | None:
        """One attempt: the connected client once its first message (the state) arrived, or None."""
        loop = asyncio.get_running_loop()
        client: PageClient | None = None
        try:
            async with asyncio.timeout(self.schedule.connect_timeout_ms / 1000.0):
                _, client = await loop.create_connection(lambda: PageClient(self.recorder, HOST, self.port, "/ws"),
                                                         HOST, self.port)
                await client.handshake
                await client.has_state
        except (OSError, ConnectionError, TimeoutError):
            self.refused += 1
            if client is not None:
                client.close()
            return None
        return None if client.closed else client

    async def live(self, stop: asyncio.Event) -> None:
        """Stay connected as the page does until `stop`: reconnect after every drop, with its backoff."""
        while not stop.is_set():
            client = await self.connect_once()
            if client is not None:
                if self.restarted_at is not None and self.back_at is None:
                    self.back_at = time.perf_counter()
                    self.retries = self.attempt
                self.attempt = 0  # the server spoke: the page resets its backoff
                self.client = client
                await client.lost  # the benchmark ends by cancelling this task

            delay = self.schedule.delay_ms(self.attempt, self.rng)
            self.attempt += 1
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), delay / 1000.0)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def start_server(source: Path, port: int, state_file: Path, nice: int) -> tuple[subprocess.Popen[str], float]:
    """Our server on `port` with `state_file`; returns it once it listens, and how long that took (seconds)."""
    command = [sys.executable, "-m", "tornado_timer", "--host", HOST, "--port", str(port), "--state-file",
               str(state_file), "--log-level", "error"]
    if (os.cpu_count() or 1) > 1:
        command = ["taskset", "-c", "0", *command]
    if nice:
        command = ["nice", "-n", str(nice), *command]
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=source, stdout=subprocess.PIPE, text=True,
                               env={**os.environ, "PYTHONPATH": str(source)})
    assert process.stdout is not None
    for line in process.stdout:
        if "ws://" in line:
            return process, time.perf_counter() - started
    process.kill()
    raise RuntimeError("the server did not start")


def percentile(ordered: list[float], fraction: float) -> float:
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))] if ordered else float("nan")


async def one_run(options: argparse.Namespace, schedule: Schedule, seed: int) -> dict[str, float]:
    port = free_port()
    folder = Path(tempfile.mkdtemp(prefix="tornado-timer-room-"))
    state_file = folder / "state.json"
    process, _ = start_server(options.source, port, state_file, options.nice)
    stop = asyncio.Event()
    recorder = Recorder()
    rng = random.Random(seed)
    screens = [Screen(port, schedule, random.Random(rng.random()), recorder) for _ in range(options.clients)]
    tasks: list[asyncio.Task[None]] = []
    try:
        for k in range(0, len(screens), options.in_flight):  # connect the room, a batch at a time
            batch = screens[k: k + options.in_flight]
            tasks += [asyncio.ensure_future(screen.live(stop)) for screen in batch]
            await wait_for(lambda b=batch: all(s.client is not None for s in b), options.deadline)  # type: ignore[misc]
        await asyncio.sleep(1.0)
        for screen in screens:
            screen.refused = 0
        restarted = time.perf_counter()
        for screen in screens:
            screen.restarted_at = restarted
        process.send_signal(signal.SIGKILL if options.kill else signal.SIGTERM)
        await asyncio.to_thread(process.wait, 30)
        down_s = time.perf_counter() - restarted
        process, listen_s = await asyncio.to_thread(start_server, options.source, port, state_file, options.nice)
        await wait_for(lambda: all(s.back_at is not None for s in screens), options.deadline)
        back = sorted(s.back_at - restarted for s in screens if s.back_at is not None)
        return {"clients": len(screens), "back": len(back), "all_s": back[-1] if len(back) == len(screens) else
                float("inf"), "p50_s": percentile(back, 0.5), "p90_s": percentile(back, 0.9),
                "p99_s": percentile(back, 0.99), "down_s": down_s, "listen_s": down_s + listen_s,
                "refused": sum(s.refused for s in screens),
                "attempts_max": max(s.retries for s in screens)}
    finally:
        stop.set()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        process.kill()  # our own server, by its PID
        process.wait(timeout=10)
        for screen in screens:
            if screen.client is not None:
                screen.client.close()
        with contextlib.suppress(OSError):
            state_file.unlink()
            folder.rmdir()


async def wait_for(condition: object, deadline: float) -> None:
    end = time.perf_counter() + deadline
    while not condition():  # type: ignore[operator]
        if time.perf_counter() > end:
            return
        await asyncio.sleep(0.01)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=1, help="restarts to measure; medians are printed too")
    parser.add_argument("--kill", action="store_true", help="SIGKILL instead of SIGTERM: a crash, not a restart")
    parser.add_argument("--in-flight", type=int, default=100, help="handshakes at once while the room first connects")
    parser.add_argument("--deadline", type=float, default=60.0, help="give up waiting after this many seconds")
    parser.add_argument("--seed", type=int, default=1, help="for the jitter: runs with the same seed are the same")
    parser.add_argument("--nice", type=int, default=-10 if os.geteuid() == 0 else 0)
    parser.add_argument("--source", type=Path, default=ROOT, help="the tree to run our server from")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    options = parse_args(argv)
    schedule = page_schedule()
    from run import become_generator

    become_generator(2 * options.clients + 1000, options.nice)
    print(f"a room comes back: {options.clients} clients, the page's backoff {schedule.base_ms:g} ms doubling to "
          f"{schedule.cap_ms:g} ms (equal jitter), handshake timeout {schedule.connect_timeout_ms:g} ms; "
          f"{'SIGKILL' if options.kill else 'SIGTERM'} and restart", file=sys.stderr)
    factory, _ = loop_factory()
    results = []
    with asyncio.Runner(loop_factory=factory) as runner:
        for run in range(options.runs):
            result = runner.run(one_run(options, schedule, options.seed + run))
            results.append(result)
            print(f"run {run + 1}: all {result['back']:.0f}/{result['clients']:.0f} back in {result['all_s']:.2f} s "
                  f"(p50 {result['p50_s']:.2f}, p90 {result['p90_s']:.2f}, p99 {result['p99_s']:.2f}); the server "
                  f"was down {result['down_s']:.2f} s and listening again {result['listen_s']:.2f} s after the "
                  f"restart; {result['refused']:.0f} attempts refused, at most {result['attempts_max']:.0f} "
                  "retries for one client", flush=True)
    if len(results) > 1:
        print(f"median of {len(results)}: all back in {statistics.median(r['all_s'] for r in results):.2f} s, "
              f"p99 {statistics.median(r['p99_s'] for r in results):.2f} s")
    return 0 if all(r["back"] == r["clients"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
