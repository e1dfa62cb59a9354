"""CPU time per WebSocket handshake, ours against the `websockets` peer: a figure the machine's load barely moves.

    python benchmarks/fanout/handshakes.py                       # ours and peer, 5 rounds each, alternating 3 times
    python benchmarks/fanout/handshakes.py --source /tmp/snap --servers ours
    python benchmarks/fanout/handshakes.py --servers ours --repeat 1 --profile /tmp/hs   # where the time goes

run.py's conn/s column is wall-clock: on a shared machine it moves with whatever else runs. This counts the server's
own CPU time (from /proc/PID/task/*/schedstat) for rounds of `--connections` new connections (100 in flight,
closed after each round), on servers started as run.py starts them (10 Hz ticks, pinned to CPU 0), and prints
the median microseconds per handshake and the median conn/s of each server's rounds.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from loadgen import Recorder, connect_many, loop_factory  # noqa: E402
from run import HOST, ROOT, become_generator, cpu_seconds, start_profiler, start_server  # noqa: E402


async def measure(kind: str, options: argparse.Namespace) -> tuple[list[float], list[float]]:
    """(CPU us per handshake, conn/s) of each round."""
    process, port = start_server(kind, 10.0, [], options.source, options.nice)
    per_handshake: list[float] = []
    rates: list[float] = []
    try:
        await asyncio.sleep(0.5)
        profiler = start_profiler(options.profile, process.pid, f"handshakes-{kind}-{process.pid}",
                                  options.rounds * 1.2)
        for _ in range(options.rounds):
            before = cpu_seconds(process.pid)
            clients, seconds, _ = await connect_many(Recorder(), HOST, port, options.connections)
            spent = cpu_seconds(process.pid) - before
            per_handshake.append(spent / max(len(clients), 1) * 1e6)
            rates.append(len(clients) / seconds)
            for client in clients:
                client.close()
            await asyncio.sleep(0.7)
        if profiler is not None:
            await asyncio.to_thread(profiler.wait, 30)
    finally:
        process.kill()  # our own child, by PID
        process.wait(timeout=10)
    return per_handshake, rates


async def run_all(options: argparse.Namespace) -> dict[str, tuple[list[float], list[float]]]:
    results: dict[str, tuple[list[float], list[float]]] = {kind: ([], []) for kind in options.servers}
    for _ in range(options.repeat):
        for kind in options.servers:
            cpu, rates = await measure(kind, options)
            results[kind][0].extend(cpu)
            results[kind][1].extend(rates)
            print(f"  {kind}: {statistics.median(cpu):.0f} us/handshake, {statistics.median(rates):,.0f} conn/s",
                  file=sys.stderr, flush=True)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--servers", nargs="+", choices=("ours", "baseline", "peer"), default=["ours", "peer"])
    parser.add_argument("--connections", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=3, help="servers started afresh, alternating")
    parser.add_argument("--nice", type=int, default=-10 if os.geteuid() == 0 else 0)
    parser.add_argument("--source", type=Path, default=ROOT)
    parser.add_argument("--profile", type=Path, metavar="DIR",
                        help="record each server with py-spy over its rounds (collapsed stacks in DIR)")
    options = parser.parse_args(argv)
    become_generator(2 * options.connections + 1000, options.nice)
    factory, _ = loop_factory()
    with asyncio.Runner(loop_factory=factory) as runner:
        results = runner.run(run_all(options))
    print("| server | CPU us per handshake: median (min-max of rounds) | conn/s: median (min-max) |")
    print("|---|---|---|")
    for kind, (cpu, rates) in results.items():
        print(f"| {kind} | {statistics.median(cpu):.0f} ({min(cpu):.0f}-{max(cpu):.0f}) "
              f"| {statistics.median(rates):,.0f} ({min(rates):,.0f}-{max(rates):,.0f}) |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
