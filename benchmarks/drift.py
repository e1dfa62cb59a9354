"""How far do ticks land from their grid points? Ours against the original demo's design, side by side.

    python benchmarks/drift.py [--seconds 60] [--interval 0.1]

Starts two real servers as separate processes on free loopback ports: tornado-timer, and the original
design (tornado_timer/legacy.py: one loop per connection that sends, then sleeps). One client on each
records every tick. The k-th tick belongs at elapsed = k x interval; we print how far from that it was
sent (the server's own elapsed_ms) and received (the client's wall clock against the timer's start).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import time
from typing import Any

from tornado.websocket import websocket_connect

NAIVE_SERVER = """
import asyncio, sys
from tornado_timer.legacy import start_naive_server
async def main():
    server = start_naive_server(interval=float(sys.argv[1]))
    print(f"serving ws://127.0.0.1:{server.port}/ws", flush=True)
    await asyncio.Event().wait()
asyncio.run(main())
"""


def spawn(command: list[str]) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    for line in process.stdout:
        if "ws://" in line:
            url = line[line.index("ws://"):].split()[0].rstrip(")")
            return process, url
    raise RuntimeError(f"{command} did not start")


async def record(url: str, seconds: float) -> list[tuple[dict[str, Any], float]]:
    """Every message for `seconds`, with the wall-clock time it arrived (ms since the epoch)."""
    connection = await websocket_connect(url)
    received: list[tuple[dict[str, Any], float]] = []
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        try:
            text = await asyncio.wait_for(connection.read_message(), left)
        except asyncio.TimeoutError:
            break
        if text is None:
            break
        received.append((json.loads(text), time.time() * 1000))
    connection.close()
    return received


def ours(messages: list[tuple[dict[str, Any], float]], interval_ms: float) -> tuple[list[float], list[float]]:
    started_at = messages[0][0]["timer"]["started_at"]
    ticks = [(m, at) for m, at in messages if m["type"] == "tick"]
    sent = [m["elapsed_ms"] - m["seq"] * interval_ms for m, _ in ticks]
    arrived = [at - (started_at + m["seq"] * interval_ms) for m, at in ticks]
    return sent, arrived


def naive(messages: list[tuple[dict[str, Any], float]], interval_ms: float) -> tuple[list[float], list[float]]:
    first_server_time = messages[0][0]["server_time"]
    sent = [m["elapsed_ms"] - m["seq"] * interval_ms for m, _ in messages]
    arrived = [at - (first_server_time + m["seq"] * interval_ms) for m, at in messages]
    return sent, arrived


def row(name: str, offsets: list[float], count: int) -> str:
    ordered = sorted(abs(x) for x in offsets)
    p50 = statistics.median(ordered)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return (f"| {name} | {count} | {p50:.2f} | {p99:.2f} | {max(ordered):.2f} | {offsets[0]:+.2f} | "
            f"{offsets[-1]:+.2f} |")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--interval", type=float, default=0.1)
    args = parser.parse_args()
    interval_ms = args.interval * 1000
    ours_process, ours_url = spawn([sys.executable, "-m", "tornado_timer", "--host", "127.0.0.1", "--port", "0",
                                    "--interval", str(args.interval), "--no-autostart"])
    naive_process, naive_url = spawn([sys.executable, "-c", NAIVE_SERVER, str(args.interval)])
    try:
        starter = await websocket_connect(ours_url)
        await starter.read_message()
        starter.write_message(json.dumps({"type": "start"}))
        results = await asyncio.gather(record(ours_url, args.seconds), record(naive_url, args.seconds))
        starter.close()
    finally:
        for process in (ours_process, naive_process):
            process.terminate()
            process.wait(5)
    ours_messages = [(m, at) for m, at in results[0] if m["type"] in ("state", "tick")]
    ours_messages = [p for p in ours_messages if p[0]["type"] == "tick" or "started_at" in p[0].get("timer", {})]
    our_sent, our_arrived = ours(ours_messages, interval_ms)
    naive_sent, naive_arrived = naive(results[1], interval_ms)
    print(f"Ticks over {args.seconds:g} s at {interval_ms:g} ms: distance from the grid point k x interval, in ms")
    print("| design, measured where | ticks | p50 | p99 | max | first | last |")
    print("|---|---|---|---|---|---|---|")
    print(row("tornado-timer, sent (server elapsed_ms)", our_sent, len(our_sent)))
    print(row("tornado-timer, received (client clock)", our_arrived, len(our_arrived)))
    print(row("original design, sent (server elapsed_ms)", naive_sent, len(naive_sent)))
    print(row("original design, received (client clock)", naive_arrived, len(naive_arrived)))
    expected = int(args.seconds * 1000 / interval_ms)
    print(f"expected about {expected} ticks; the original design sent {len(naive_sent)} "
          f"({expected - len(naive_sent)} fewer: each period is interval + the time spent sending)")


if __name__ == "__main__":
    asyncio.run(main())
