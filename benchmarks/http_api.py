"""How long does the HTTP API take to answer? Reads and actions against a real server, over loopback.

    python benchmarks/http_api.py [--requests 500] [--watchers 100]

Starts `python -m tornado_timer` as a separate process on a free port (rate limit raised out of the way), opens
`--watchers` WebSocket clients on the timer (an action is sent to all of them before it is answered), then times
each kind of request one after another: on one kept-alive connection (a script), and on a new connection each
(a Stream Deck key, a Companion button). Prints the median, the 99th percentile and the worst, in milliseconds.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import multiprocessing
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from typing import Any

from tornado.websocket import websocket_connect

CASES: list[tuple[str, str, str, bytes | None]] = [
    ("read", "GET", "/api/v1/timers/bench", None),
    ("list", "GET", "/api/v1/timers", None),
    ("toggle", "GET", "/api/v1/timers/bench/toggle", None),
    ("adjust", "GET", "/api/v1/timers/bench/adjust?delta=1s", None),
    ("message", "POST", "/api/v1/timers/bench/message", b'{"text": "Wrap up", "visible": true}'),
]


def start_server() -> tuple[subprocess.Popen[str], int]:
    process = subprocess.Popen(
        [sys.executable, "-m", "tornado_timer", "--host", "127.0.0.1", "--port", "0", "--no-state",
         "--max-messages-per-second", "1000000", "--interval", "0.1"], stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    for line in process.stdout:
        if "serving http://" in line:
            return process, int(line.split("serving http://", 1)[1].split("/", 1)[0].rsplit(":", 1)[1])
    raise RuntimeError("the server did not start")


def timed(port: int, count: int, method: str, path: str, body: bytes | None, keep_alive: bool) -> list[float]:
    """Milliseconds for each of `count` requests, from sending to the whole answer read."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    times = []
    for _ in range(count):
        if not keep_alive:
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        started = time.perf_counter()
        connection.request(method, path, body=body)
        response = connection.getresponse()
        response.read()
        times.append((time.perf_counter() - started) * 1000)
        assert response.status == 200, (path, response.status)
    connection.close()
    return times


def watch(port: int, watchers: int, ready: Any, stop: Any) -> None:
    """`watchers` WebSocket clients on the timer, reading everything, until `stop` (in a process of their own, so
    that they do not hold the measuring process's GIL)."""

    async def main() -> None:
        clients = [await websocket_connect(f"ws://127.0.0.1:{port}/ws/bench") for _ in range(watchers)]

        async def drain(client: object) -> None:
            while await client.read_message() is not None:  # type: ignore[attr-defined]
                pass

        tasks = [asyncio.ensure_future(drain(client)) for client in clients]
        ready.set()
        while not stop.is_set():
            await asyncio.sleep(0.05)
        for client in clients:
            client.close()
        if tasks:
            await asyncio.wait(tasks, timeout=2)

    asyncio.run(main())


def report(name: str, times: list[float], printer: Callable[[str], None] = print) -> None:
    ordered = sorted(times)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    printer(f"{name:<28} median {statistics.median(ordered):6.2f}  p99 {p99:6.2f}  max {ordered[-1]:6.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--watchers", type=int, default=100)
    args = parser.parse_args()
    process, port = start_server()
    urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/timers/bench/set?duration=1h", timeout=5).read()
    ready, stop = multiprocessing.Event(), multiprocessing.Event()
    watcher = multiprocessing.Process(target=watch, args=(port, args.watchers, ready, stop), daemon=True)
    watcher.start()
    try:
        ready.wait(30)
        print(f"{args.requests} requests of each kind, one after another; {args.watchers} WebSocket clients "
              "watching the timer; milliseconds")
        for keep_alive in (True, False):
            print("one kept-alive connection:" if keep_alive else "a new connection for each request:")
            for name, method, path, body in CASES:
                report(f"  {method} {name}", timed(port, args.requests, method, path, body, keep_alive))
    finally:
        stop.set()
        watcher.join(5)
        process.terminate()
        process.wait(5)


if __name__ == "__main__":
    main()
