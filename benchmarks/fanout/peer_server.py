"""The reference peer: the `websockets` library's `broadcast()` sending the same tick on the same grid as ours.

    python benchmarks/fanout/peer_server.py --interval 0.1 [--port 0]

One timer, ticking every `interval` seconds on its own grid (tick k at start + k x interval, re-armed from the
clock so nothing accumulates), the tick text built once and handed to `websockets.broadcast()`. Each client gets a
`state` when it connects; any message a client sends bumps the version and broadcasts a new `state` (what the
benchmark's control-latency probe measures). Defaults as a user would have them, except compression, which is off
as on our server (a 100-byte tick gains nothing from it). Prints the same "serving ... (WebSocket ws://...)" line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import time
from typing import Any

from websockets.asyncio.server import ServerConnection, broadcast, serve
from websockets.exceptions import ConnectionClosed


class PeerTimer:
    """A running stopwatch, its clients, and the one callback that ticks it."""

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self.loop = asyncio.get_running_loop()
        self.clients: set[ServerConnection] = set()
        self.started = self.loop.time()
        self.started_wall = time.time() * 1000.0
        self.version = 1
        self.next_seq = 1
        self.loop.call_at(self.started + interval, self.tick)

    def state(self) -> str:
        elapsed = (self.loop.time() - self.started) * 1000.0
        timer: dict[str, Any] = {
            "name": "default", "mode": "stopwatch", "status": "running", "duration_ms": None,
            "elapsed_ms": round(elapsed), "remaining_ms": None, "interval_ms": round(self.interval * 1000),
            "initial_ms": 0, "version": self.version, "started_at": round(self.started_wall),
        }
        return json.dumps({"type": "state", "protocol": 1, "timer": timer, "server_time": round(time.time() * 1000)},
                          separators=(",", ":"))

    def tick(self) -> None:
        now = self.loop.time()
        seq = max(self.next_seq, int((now - self.started) / self.interval))
        tick = {
            "type": "tick", "timer": "default", "seq": seq, "elapsed_ms": round((now - self.started) * 1000.0),
            "remaining_ms": None, "status": "running", "server_time": round(time.time() * 1000.0),
        }
        broadcast(self.clients, json.dumps(tick, separators=(",", ":")))
        self.next_seq = seq + 1
        self.loop.call_at(self.started + self.next_seq * self.interval, self.tick)

    async def handler(self, connection: ServerConnection) -> None:
        self.clients.add(connection)
        try:
            await connection.send(self.state())
            async for _ in connection:
                self.version += 1
                broadcast(self.clients, self.state())
        except ConnectionClosed:
            pass  # the generator aborts its clients at the end of a run
        finally:
            self.clients.discard(connection)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--interval", type=float, default=1.0)
    args = parser.parse_args()
    timer = PeerTimer(args.interval)
    stop = asyncio.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        asyncio.get_running_loop().add_signal_handler(signum, stop.set)
    async with serve(timer.handler, args.host, args.port, compression=None) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        print(f"serving http://{args.host}:{port}/ (WebSocket ws://{args.host}:{port}/ws)", flush=True)
        await stop.wait()


if __name__ == "__main__":
    asyncio.run(main())
