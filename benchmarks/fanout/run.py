"""Fan-out speed, side by side: our server, ours with the fast path off, and `websockets`' broadcast().

    python benchmarks/fanout/run.py            # N = 1,000 / 5,000 / 10,000 at 1 Hz and 10 Hz (about 15 minutes)
    python benchmarks/fanout/run.py --quick    # a smoke run: 100 clients, 10 Hz, a few seconds per server

For every N and rate, each server is started fresh on a free loopback port (pinned to CPU 0 with taskset), and
this process, the load generator (loadgen.py: raw asyncio protocols on uvloop, pinned to CPU 1), connects N
clients to it, then measures over a window:
- delay: each tick's receive time minus its `server_time` (p50 / p99 / max over every delivery);
- missed: ticks a client should have had (every grid point in the window, from `seq`) but did not get;
- CPU/tick: the server's CPU time (user + system) over the window divided by the ticks delivered; % core;
- memory per connection: the server's RSS after connecting N clients minus before, divided by N;
- conn/s: new connections per second the server accepted (handshakes completed) while broadcasting;
- control: one client sends commands (pause/resume on ours; any message on the peer), and the time from each
  command to its `state` reaching every client gives the p99 control latency;
- gen CPU: this generator's own CPU over the window, to show it was not the bottleneck.
Everything runs on 127.0.0.1, bounded in clients and seconds; servers are ended by their PID.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))

from crowd_c import CCrowd, compile_once  # noqa: E402
from loadgen import Client, Recorder, connect_many, loop_factory  # noqa: E402

HOST = "127.0.0.1"
SERVERS = {
    "ours": "tornado-timer (fast path)",
    "baseline": "tornado-timer --no-fast-fanout (write_message loop)",
    "peer": "websockets broadcast()",
    "ours-python": "tornado-timer --no-native-send (frames straight to each socket from Python)",
    "node": "Node.js ws (where node and npm ci's node_modules/ws exist)",
    "floor": "floor.c: one send() per client from C, nothing else (built with gcc)",
}
DEFAULT_SERVERS = ["ours", "baseline", "peer"]


@dataclass
class Result:
    server: str
    clients: int
    hz: float
    cpu_us_per_tick: float
    kernel_us_per_tick: float  # the part of cpu_us_per_tick the server spent in the kernel (send() and the rest)
    core_percent: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    delivered: int
    missed: int
    missed_percent: float
    kb_per_conn: float
    conn_per_s: float
    conn_failed: int
    control_p99_ms: float
    control_lost: int
    gen_core_percent: float
    connect_s: float
    other_core_percent: float  # everything else on the machine during the window: should be near 0


def server_command(kind: str, hz: float, extra: list[str], nice: int = 0) -> list[str]:
    interval = f"{1.0 / hz:g}"
    if kind == "peer":
        command = [sys.executable, str(HERE / "peer_server.py"), "--interval", interval]
    elif kind == "node":
        command = ["node", str(HERE / "peer_ws.mjs"), "--interval", interval]
    elif kind == "floor":
        command = [str(compile_once("floor")), "--interval", interval, "--sndbuf", "65536"]  # our sockets' send buffer
    else:
        fanout = {"ours": ["--fast-fanout"], "ours-python": ["--fast-fanout", "--no-native-send"],
                  "baseline": ["--no-fast-fanout"]}[kind]
        command = [sys.executable, "-m", "tornado_timer", "--host", HOST, "--port", "0", "--interval", interval,
                   "--no-state", "--log-level", "error", *fanout, *extra]
    if shutil.which("taskset") and (os.cpu_count() or 1) > 1:
        command = ["taskset", "-c", "0", *command]
    if nice:
        command = ["nice", "-n", str(nice), *command]
    return command


def missing_peers(servers: list[str], generator: str) -> list[str]:
    """The servers of `servers` this machine cannot run, each with why."""
    why = []
    if "node" in servers and not (shutil.which("node") and (ROOT / "node_modules" / "ws").is_dir()):
        why.append("node: needs Node.js and `npm ci` (for node_modules/ws)")
    if "floor" in servers and not shutil.which("gcc"):
        why.append("floor: needs gcc")
    if generator == "c" and not shutil.which("gcc"):
        why.append("--generator c: needs gcc")
    return why


def start_server(kind: str, hz: float, extra: list[str], source: Path, nice: int) -> tuple[subprocess.Popen[str], int]:
    process = subprocess.Popen(server_command(kind, hz, extra, nice), cwd=source, stdout=subprocess.PIPE, text=True,
                               env={**os.environ, "PYTHONPATH": str(source)})
    assert process.stdout is not None
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        if "ws://" in line:
            return process, int(line.split("ws://", 1)[1].split("/", 1)[0].rsplit(":", 1)[1])
    process.kill()
    raise RuntimeError(f"{kind} server did not start")


def rss_bytes(pid: int) -> int:
    """Resident memory of `pid` (Linux /proc; no psutil needed)."""
    return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def cpu_seconds(pid: int) -> float:
    """CPU time of every thread of `pid` (user + system), in nanosecond resolution from schedstat."""
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(OSError):
            total += int((task / "schedstat").read_text().split()[0])
    return total / 1e9


def start_profiler(folder: Path | None, pid: int, name: str, seconds: float) -> subprocess.Popen[bytes] | None:
    """py-spy on the server for the window (collapsed stacks, then summarised by profile_summary.py)."""
    if folder is None:
        return None
    folder.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(["py-spy", "record", "--pid", str(pid), "--duration", str(max(1, int(seconds))),
                             "--rate", "200", "--format", "raw", "--nonblocking", "-o", str(folder / f"{name}.txt")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def kernel_seconds(pid: int) -> float:
    """CPU time `pid` (all its threads) spent in the kernel: stime of /proc/PID/stat, in clock ticks (10 ms)."""
    after_name = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(after_name[12]) / os.sysconf("SC_CLK_TCK")


def machine_busy_seconds() -> float:
    """CPU time the whole machine spent busy (all cores), from /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


@dataclass
class CpuWindow:
    """CPU seconds spent over a measuring window of `wall` seconds: by the server (`kernel` of it in the kernel),
    the generator, the machine."""

    server: float
    kernel: float
    generator: float
    machine: float
    wall: float

    def figures(self, delivered: int) -> dict[str, float]:
        """Result's CPU columns, for `delivered` ticks."""
        return {
            "cpu_us_per_tick": self.server / max(delivered, 1) * 1e6,
            "kernel_us_per_tick": self.kernel / max(delivered, 1) * 1e6,
            "core_percent": 100.0 * self.server / self.wall,
            "gen_core_percent": 100.0 * self.generator / self.wall,
            "other_core_percent": max(0.0, 100.0 * (self.machine - self.server - self.generator) / self.wall),
        }


async def cpu_over(seconds: float, server_pid: int, generator_seconds: Callable[[], float],
                   profiler: subprocess.Popen[bytes] | None = None) -> CpuWindow:
    """Wait `seconds` (and for `profiler`, if one records the window), measuring who spent what CPU."""
    server, kernel = cpu_seconds(server_pid), kernel_seconds(server_pid)
    generator, machine = generator_seconds(), machine_busy_seconds()
    started = time.perf_counter()
    await asyncio.sleep(seconds)
    if profiler is not None:
        await asyncio.to_thread(profiler.wait, 30)
    return CpuWindow(cpu_seconds(server_pid) - server, kernel_seconds(server_pid) - kernel,
                     generator_seconds() - generator, machine_busy_seconds() - machine, time.perf_counter() - started)


def percentile(ordered: list[float], fraction: float) -> float:
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


async def control_latency(controller: Client, recorder: Recorder, kind: str, commands: int, spacing: float,
                          listeners: int, settle: float) -> tuple[float, int]:
    """Send `commands` commands from one client; the p99 time until each one's state reached every client."""
    recorder.state_times = []
    recorder.record_states = True
    sent = await send_commands(controller, kind, commands, spacing, settle)
    recorder.record_states = False
    delays = sorted(at - sent[v] for v, at in recorder.state_times if v in sent)
    lost = commands * listeners - len(delays)
    return percentile(delays, 0.99), lost


async def send_commands(controller: Client, kind: str, commands: int, spacing: float,
                        settle: float) -> dict[int, float]:
    """Send `commands` commands `spacing` apart, then wait `settle`: {the version each makes: when it was sent}."""
    state = controller.last_state or {}
    version = int(state.get("timer", state).get("version", 0))
    sent: dict[int, float] = {}
    for k in range(commands):
        version += 1
        ours = kind in ("ours", "ours-python", "baseline")
        message = {"type": "pause" if k % 2 == 0 else "resume"} if ours else {"type": "poke"}
        sent[version] = time.time() * 1000.0
        controller.send_text(json.dumps(message))
        await asyncio.sleep(spacing)
    await asyncio.sleep(max(settle, spacing))
    return sent


async def measure(kind: str, clients_wanted: int, hz: float, options: argparse.Namespace) -> Result:
    if options.generator == "c":
        return await measure_with_c_crowd(kind, clients_wanted, hz, options)
    process, port = start_server(kind, hz, options.server_arg or [], options.source, options.nice)
    clients: list[Client] = []
    extras: list[Client] = []
    try:
        await asyncio.sleep(0.5)
        rss_before = rss_bytes(process.pid)
        recorder = Recorder()
        clients, connect_s, failed = await connect_many(recorder, HOST, port, clients_wanted)
        if failed:
            print(f"  warning: {failed} of {clients_wanted} clients failed to connect", file=sys.stderr)
        await asyncio.sleep(1.0 + 2.0 / hz)
        n = len(clients)
        kb_per_conn = (rss_bytes(process.pid) - rss_before) / max(n, 1) / 1024

        start_ms = time.time() * 1000.0 + 50.0
        end_ms = start_ms + options.seconds * 1000.0
        recorder.reset(start_ms, end_ms)
        for client in clients:
            client.in_window = 0
        await asyncio.sleep(0.05)
        profiler = start_profiler(options.profile, process.pid, f"{kind}-{n}-{hz:g}hz", options.seconds)
        cpu = await cpu_over(options.seconds, process.pid, time.process_time, profiler)
        await asyncio.sleep(max(options.grace, 2.0 / hz))  # late ticks of the window count as late, not missed
        delivered = len(recorder.delays)
        expected_each = recorder.seq_high - recorder.seq_low + 1 if recorder.seq_high >= 0 else 0
        missed = sum(max(0, expected_each - client.in_window) for client in clients if not client.closed)
        ordered = sorted(recorder.delays)

        extras, conn_s, conn_failed = await connect_many(recorder, HOST, port, options.new_connections)
        conn_per_s = len(extras) / conn_s if conn_s > 0 else float("nan")
        for extra in extras:
            extra.close()
        await asyncio.sleep(0.5)

        control_p99, control_lost = await control_latency(
            clients[0], recorder, kind, options.commands, max(0.25, 3.0 * n * 15e-6), n, options.grace)
        return Result(
            server=kind, clients=n, hz=hz, **cpu.figures(delivered),
            p50_ms=percentile(ordered, 0.50), p99_ms=percentile(ordered, 0.99), max_ms=ordered[-1] if ordered else 0,
            delivered=delivered, missed=missed,
            missed_percent=100.0 * missed / max(expected_each * n, 1),
            kb_per_conn=kb_per_conn, conn_per_s=conn_per_s, conn_failed=conn_failed,
            control_p99_ms=control_p99, control_lost=control_lost, connect_s=connect_s,
        )
    finally:
        process.kill()  # our own child, by PID
        process.wait(timeout=10)
        for client in clients + extras:
            client.close()
        await asyncio.sleep(0.3)


async def measure_with_c_crowd(kind: str, clients_wanted: int, hz: float, options: argparse.Namespace) -> Result:
    """`measure`, with the crowd held by loadgen.c on CPU 1; conn/s and the controller still come from here."""
    process, port = start_server(kind, hz, options.server_arg or [], options.source, options.nice)
    crowd: CCrowd | None = None
    extras: list[Client] = []
    try:
        await asyncio.sleep(0.5)
        rss_before = rss_bytes(process.pid)
        crowd = CCrowd(port, clients_wanted, 1 if (os.cpu_count() or 1) > 1 else None, options.nice)
        n, connect_s, failed = await asyncio.to_thread(crowd.connect)
        if failed:
            print(f"  warning: {failed} of {clients_wanted} clients failed to connect", file=sys.stderr)
        await asyncio.sleep(1.0 + 2.0 / hz)
        kb_per_conn = (rss_bytes(process.pid) - rss_before) / max(n, 1) / 1024
        crowd.window(options.seconds * 1000.0)
        await asyncio.sleep(0.05)
        generator_pid = crowd.pid
        profiler = start_profiler(options.profile, process.pid, f"{kind}-{n}-{hz:g}hz", options.seconds)
        cpu = await cpu_over(options.seconds, process.pid, lambda: cpu_seconds(generator_pid), profiler)
        await asyncio.sleep(max(options.grace, 2.0 / hz))

        recorder = Recorder()
        extras, conn_s, conn_failed = await connect_many(recorder, HOST, port, options.new_connections)
        conn_per_s = len(extras) / conn_s if conn_s > 0 else float("nan")
        controller, extras = extras[0], extras[1:]
        for extra in extras:
            extra.close()
        await asyncio.sleep(0.5)
        sent = await send_commands(controller, kind, options.commands, max(0.25, 3.0 * n * 15e-6), options.grace)
        figures = crowd.report()
        delays = sorted(at - sent[v] for v, at in figures.states if v in sent)
        return Result(
            server=kind, clients=n, hz=hz, **cpu.figures(figures.delivered),
            p50_ms=figures.p50_ms, p99_ms=figures.p99_ms, max_ms=figures.max_ms,
            delivered=figures.delivered, missed=figures.missed,
            missed_percent=100.0 * figures.missed / max(figures.expected_each * n, 1),
            kb_per_conn=kb_per_conn, conn_per_s=conn_per_s, conn_failed=conn_failed,
            control_p99_ms=percentile(delays, 0.99), control_lost=options.commands * n - len(delays),
            connect_s=connect_s,
        )
    finally:
        process.kill()  # our own children, by PID
        process.wait(timeout=10)
        if crowd is not None:
            crowd.close()
        for extra in extras:
            extra.close()
        await asyncio.sleep(0.3)


def median_result(results: list[Result]) -> Result:
    """Each figure's median over repeated runs."""
    first = results[0]
    fields = {}
    for name, value in asdict(first).items():
        if isinstance(value, (int, float)) and name not in ("clients", "hz"):
            fields[name] = type(value)(statistics.median(getattr(r, name) for r in results))
        else:
            fields[name] = value
    return Result(**fields)


def table(results: list[Result]) -> str:
    head = ("| server | N | Hz | CPU/tick us | of which kernel us | % core | p50 ms | p99 ms | max ms | missed "
            "| KB/conn | conn/s | control p99 ms | gen % core | others % core |")
    lines = [head, "|" + "---|" * 15]
    for r in results:
        missed = f"{r.missed} ({r.missed_percent:.1f}%)" if r.missed else "0"
        lost = f" ({r.control_lost} lost)" if r.control_lost else ""
        lines.append(
            f"| {r.server} | {r.clients:,} | {r.hz:g} | {r.cpu_us_per_tick:.1f} | {r.kernel_us_per_tick:.1f} "
            f"| {r.core_percent:.0f} "
            f"| {r.p50_ms:.1f} | {r.p99_ms:.1f} | {r.max_ms:.0f} | {missed} | {r.kb_per_conn:.1f} "
            f"| {r.conn_per_s:,.0f} | {r.control_p99_ms:.0f}{lost} | {r.gen_core_percent:.0f} "
            f"| {r.other_core_percent:.0f} |")
    return "\n".join(lines)


def ratios(results: list[Result], other: str = "peer") -> str:
    """Ours against `other`, cell by cell: below 1 is better for ours (but for conn/s, where above 1 is)."""
    lines = [f"| N | Hz | CPU/tick ours/{other} | p99 ours/{other} | KB/conn ours/{other} | conn/s ours/{other} |",
             "|---|---|---|---|---|---|"]
    by_key = {(r.server, r.clients, r.hz): r for r in results}
    for r in results:
        peer = by_key.get((other, r.clients, r.hz))
        if r.server != "ours" or peer is None:
            continue
        lines.append(
            f"| {r.clients:,} | {r.hz:g} | {r.cpu_us_per_tick / peer.cpu_us_per_tick:.2f} "
            f"| {r.p99_ms / peer.p99_ms:.2f} | {r.kb_per_conn / peer.kb_per_conn:.2f} "
            f"| {r.conn_per_s / peer.conn_per_s:.2f} |")
    return "\n".join(lines)


async def run_all(options: argparse.Namespace) -> list[Result]:
    results: list[Result] = []
    for hz in options.hz:
        for n in options.clients:
            for kind in options.servers:
                runs = []
                for _ in range(options.repeat):
                    print(f"  {kind:8} N={n:<6} {hz:g} Hz ...", file=sys.stderr, flush=True)
                    runs.append(await measure(kind, n, hz, options))
                results.append(median_result(runs))
                print(table(results[-1:]).splitlines()[-1], file=sys.stderr, flush=True)
    return results


def raise_file_limit(needed: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < needed:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(needed, hard) if hard != resource.RLIM_INFINITY else needed,
                                                    hard))


def become_generator(files: int, nice: int) -> None:
    """Make this process the load generator: room for `files` sockets, on CPU 1 (the servers run on CPU 0), at
    priority `nice`."""
    raise_file_limit(files)
    if (os.cpu_count() or 1) > 1:
        with contextlib.suppress(OSError):
            os.sched_setaffinity(0, {1})
    if nice:
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, 0, nice)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run: 100 clients at 10 Hz, short windows")
    parser.add_argument("--clients", type=int, nargs="+", default=[1000, 5000, 10000])
    parser.add_argument("--hz", type=float, nargs="+", default=[1.0, 10.0])
    parser.add_argument("--servers", nargs="+", choices=list(SERVERS), default=DEFAULT_SERVERS,
                        help="which servers to measure (default: " + " ".join(DEFAULT_SERVERS) + "); also: "
                        + "; ".join(f"{name}: {what}" for name, what in SERVERS.items()
                                    if name not in DEFAULT_SERVERS))
    parser.add_argument("--seconds", type=float, default=10.0, help="the measuring window (default: 10)")
    parser.add_argument("--grace", type=float, default=2.0,
                        help="seconds to keep receiving after a window, so late ticks count as late, not missed")
    parser.add_argument("--repeat", type=int, default=1, help="runs per cell; the table shows medians")
    parser.add_argument("--new-connections", type=int, default=2000,
                        help="connections opened while broadcasting, for conn/s (default: 2000)")
    parser.add_argument("--commands", type=int, default=20, help="commands sent for the control latency")
    parser.add_argument("--server-arg", action="append", help="an extra argument for our server (repeatable)")
    parser.add_argument("--nice", type=int, default=-10 if os.geteuid() == 0 else 0,
                        help="scheduling priority of the servers and the generator (default: -10 as root, so other "
                        "work on a shared machine disturbs the measurement less; 0 to leave it)")
    parser.add_argument("--source", type=Path, default=ROOT,
                        help="the tree to run our server from, e.g. a `git archive` of a commit (default: this one)")
    parser.add_argument("--profile", type=Path, metavar="DIR",
                        help="record the server with py-spy during each window (collapsed stacks in DIR)")
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    parser.add_argument("--generator", choices=("python", "c"), default="python",
                        help="who holds the crowd: loadgen.py (default), or loadgen.c, built with gcc, for crowds "
                        "Python cannot keep up with (10,000 clients at 10 Hz); conn/s and control still come from "
                        "loadgen.py")
    options = parser.parse_args(argv)
    if options.quick:
        options.clients, options.hz, options.seconds, options.grace = [100], [10.0], 2.0, 0.5
        options.new_connections, options.commands = 100, 6
    return options


def main(argv: list[str] | None = None) -> int:
    options = parse_args(argv)
    cannot = missing_peers(options.servers, options.generator)
    if cannot:
        print("fan-out benchmark: cannot run " + "; ".join(cannot), file=sys.stderr)
        return 2
    become_generator(2 * max(options.clients) + options.new_connections + 1000, options.nice)
    factory, loop_name = loop_factory()
    print(f"fan-out benchmark: generator on {loop_name}, CPU {sorted(os.sched_getaffinity(0))}; "
          f"servers on CPU 0; nice {options.nice}; {options.seconds:g} s windows", file=sys.stderr)
    with asyncio.Runner(loop_factory=factory) as runner:
        results = runner.run(run_all(options))
    print(table(results))
    for other in ("peer", "node", "floor", "ours-python"):
        if other in options.servers and "ours" in options.servers:
            print()
            print(ratios(results, other))
    if options.json:
        options.json.write_text(json.dumps([asdict(r) for r in results], indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
