"""Soak: many clients connected for a long time with commands arriving; does anything leak or slip?

    python benchmarks/soak.py [--clients 1000] [--minutes 10] [--interval 0.5]

Starts the real server as a separate process on a free loopback port. Most clients watch the default
timer (running); the rest watch a second timer that a commander drives through every command every
couple of seconds; every client pings now and then. At the end it prints the server's memory at the
start and the end, ticks missed (gaps in `seq` between two states), errors received and connections lost.
Loopback only, bounded in time; it stops by itself.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import resource
import subprocess
import sys
import time
from dataclasses import dataclass, field

from tornado.websocket import WebSocketClientConnection, websocket_connect


@dataclass
class Tally:
    ticks: int = 0
    missed: int = 0
    errors: list[str] = field(default_factory=list)
    lost: int = 0
    pongs: int = 0


def rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


async def watch(url: str, tally: Tally, until: float) -> None:
    connection = await websocket_connect(url)
    last_seq: int | None = None
    next_ping = time.monotonic() + random.uniform(1, 10)
    while (left := until - time.monotonic()) > 0:
        if time.monotonic() >= next_ping:
            connection.write_message(json.dumps({"type": "ping", "client_time": time.time() * 1000}))
            next_ping = time.monotonic() + 10
        try:
            text = await asyncio.wait_for(connection.read_message(), min(left, 1.0))
        except asyncio.TimeoutError:
            continue
        if text is None:
            tally.lost += 1
            return
        message = json.loads(text)
        kind = message["type"]
        if kind == "tick":
            tally.ticks += 1
            if last_seq is not None and message["seq"] > last_seq + 1:
                tally.missed += message["seq"] - last_seq - 1
            last_seq = message["seq"]
        elif kind == "state":
            last_seq = None
        elif kind == "pong":
            tally.pongs += 1
        elif kind == "error":
            tally.errors.append(message["code"])
    connection.close()


async def command(url: str, tally: Tally, until: float) -> None:
    """Drive a timer through every command, legal moves only, every couple of seconds."""
    connection: WebSocketClientConnection = await websocket_connect(url)
    script = [{"type": "set", "mode": "countdown", "duration_ms": 60_000}, {"type": "start"}, {"type": "pause"},
              {"type": "resume"}, {"type": "reset"}, {"type": "set", "mode": "stopwatch"}, {"type": "start"}]
    step = 0
    while time.monotonic() < until:
        connection.write_message(json.dumps(script[step % len(script)]))
        step += 1
        deadline = time.monotonic() + 2.0
        while (left := deadline - time.monotonic()) > 0:
            try:
                text = await asyncio.wait_for(connection.read_message(), left)
            except asyncio.TimeoutError:
                break
            if text is None:
                tally.lost += 1
                return
            if json.loads(text)["type"] == "error":
                tally.errors.append(json.loads(text)["code"])
    connection.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--interval", type=float, default=0.5)
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, args.clients * 2 + 100)), hard))
    server = subprocess.Popen(
        [sys.executable, "-m", "tornado_timer", "--host", "127.0.0.1", "--port", "0", "--no-state",
         "--interval", str(args.interval)], stdout=subprocess.PIPE, text=True,
    )
    assert server.stdout is not None
    line = server.stdout.readline()
    base = line[line.index("ws://"):].split()[0].rstrip(")")
    tally = Tally()
    try:
        start = time.monotonic()
        until = start + args.minutes * 60
        controlled = max(1, args.clients // 10)
        watchers = [asyncio.ensure_future(watch(base if i >= controlled else base + "/room", tally, until))
                    for i in range(args.clients)]
        await asyncio.sleep(3)
        memory_start = rss_kib(server.pid)
        commander = asyncio.ensure_future(command(base + "/room", tally, until))
        await asyncio.gather(*watchers, commander)
        memory_end = rss_kib(server.pid)
    finally:
        server.terminate()
        server.wait(5)
    minutes = (time.monotonic() - start) / 60
    print("| clients | minutes | interval | ticks received | ticks missed | errors | connections lost | pongs | "
          "server RSS start | server RSS end | growth |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    print(f"| {args.clients} | {minutes:.1f} | {args.interval:g} s | {tally.ticks} | {tally.missed} | "
          f"{len(tally.errors)} | {tally.lost} | {tally.pongs} | {memory_start / 1024:.1f} MiB | "
          f"{memory_end / 1024:.1f} MiB | {(memory_end - memory_start) / 1024:+.1f} MiB |")
    if tally.errors:
        print("errors:", sorted(set(tally.errors)))
    healthy = tally.missed == 0 and not tally.errors and tally.lost == 0 and memory_end - memory_start < 20 * 1024
    print("soak:", "PASS" if healthy else "FAIL")
    sys.exit(0 if healthy else 1)


if __name__ == "__main__":
    asyncio.run(main())
