"""Scaling out: the same clients spread over N server processes on one Redis (N = 1, 2), side by side.

    python benchmarks/scale.py [--clients 4000] [--hz 10] [--seconds 10] [--processes 1 2]

For each N: a fresh `redis-server` on a free loopback port, `python -m tornado_timer --processes N --store
redis://...` on one port (the kernel spreads the connections), and the lean load generator of
benchmarks/fanout/loadgen.py holding every client. Prints, per N: deliveries per second, delivery delay (receive
time minus the tick's `server_time`: p50 / p99 / max), missed ticks (from `seq`), the servers' CPU (all N
processes together, % of one core) and the generator's. On a 2-core machine the generator shares the cores with
the servers, so N = 2 shows what a second process buys when the first is saturated, not a clean 2x.
Loopback only, bounded in clients and seconds; every process started here is ended by its PID.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "fanout"))

from loadgen import Recorder, connect_many, loop_factory

HOST = "127.0.0.1"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


def start_redis(directory: str) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    process = subprocess.Popen(["redis-server", "--port", str(port), "--bind", HOST, "--save", "", "--appendonly",
                                "no", "--dir", directory], stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((HOST, port), timeout=1):
                return process, port
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("redis-server did not start")


def start_server(processes: int, redis_port: int, hz: float) -> tuple[subprocess.Popen[str], int]:
    server = subprocess.Popen(
        [sys.executable, "-m", "tornado_timer", "--host", HOST, "--port", "0", "--no-autostart", "--no-state",
         "--store", f"redis://{HOST}:{redis_port}/0", "--processes", str(processes), "--interval", str(1 / hz),
         "--max-connections", "100000", "--max-connections-per-timer", "100000"],
        stdout=subprocess.PIPE, text=True,
    )
    assert server.stdout is not None
    line = server.stdout.readline()
    port = int(line.split("http://")[1].split("/")[0].rsplit(":", 1)[1])
    return server, port


def cpu_seconds(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    return total


def family(pid: int) -> list[int]:
    """The supervisor and its children (the server processes)."""
    with open(f"/proc/{pid}/task/{pid}/children") as children:
        return [pid, *map(int, children.read().split())]


async def measure(processes: int, clients: int, hz: float, seconds: float) -> dict[str, float]:
    directory = tempfile.mkdtemp(prefix="scale-redis-")
    redis, redis_port = start_redis(directory)
    server, port = start_server(processes, redis_port, hz)
    recorder = Recorder()
    try:
        await asyncio.sleep(1.0)  # every process has restored the timers and subscribed
        connected, took, failed = await connect_many(recorder, HOST, port, clients)
        control = connected[0]
        control.send_text(json.dumps({"type": "start"}))
        await asyncio.sleep(1.5)
        pids = family(server.pid)
        start_ms = time.time() * 1000 + 200
        recorder.reset(start_ms, start_ms + seconds * 1000)
        server_cpu, gen_cpu = cpu_seconds(pids), time.process_time()
        await asyncio.sleep(seconds + 0.2)
        server_cpu, gen_cpu = cpu_seconds(pids) - server_cpu, time.process_time() - gen_cpu
        await asyncio.sleep(1.0)  # the window's last ticks arrive
        delays = sorted(recorder.delays)
        expected = len(connected) * len(range(recorder.seq_low, recorder.seq_high + 1)) if delays else 0
        for client in connected:
            client.close()
        return {
            "processes": processes, "clients": len(connected), "failed": failed, "hz": hz,
            "deliveries_per_s": len(delays) / seconds,
            "p50_ms": statistics.median(delays) if delays else float("nan"),
            "p99_ms": delays[int(len(delays) * 0.99) - 1] if delays else float("nan"),
            "max_ms": delays[-1] if delays else float("nan"),
            "missed": max(0, expected - len(delays)),
            "server_core_percent": 100 * server_cpu / seconds, "generator_core_percent": 100 * gen_cpu / seconds,
            "connect_s": took,
        }
    finally:
        server.terminate()
        server.wait(10)
        redis.kill()
        redis.wait(5)
        shutil.rmtree(directory, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=4000)
    parser.add_argument("--hz", type=float, default=10.0)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, args.clients * 2 + 1000)), hard))
    new_loop, loop_name = loop_factory()
    rows = []
    for processes in args.processes:
        loop = new_loop()
        try:
            rows.append(loop.run_until_complete(measure(processes, args.clients, args.hz, args.seconds)))
        finally:
            loop.close()
    print(f"{args.clients} clients at {args.hz:g} Hz for {args.seconds:g} s, generator on {loop_name}, "
          f"{os.cpu_count()} cores")
    print("| processes | clients | deliveries/s | p50 ms | p99 ms | max ms | missed | servers' CPU (% of a core) "
          "| generator CPU |")
    print("|---|---|---|---|---|---|---|---|---|")
    for row in rows:
        print(f"| {row['processes']} | {row['clients']} | {row['deliveries_per_s']:,.0f} | {row['p50_ms']:.1f} | "
              f"{row['p99_ms']:.1f} | {row['max_ms']:.1f} | {row['missed']} | {row['server_core_percent']:.0f}% | "
              f"{row['generator_core_percent']:.0f}% |")


if __name__ == "__main__":
    main()
