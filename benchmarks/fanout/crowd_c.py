"""The crowd held by the C load generator (loadgen.c), driven over its stdin and stdout.

For crowds the Python generator cannot keep up with: it answers the same questions as loadgen.py's clients and
Recorder (who connected, the window's delays and missed ticks, when each `state` arrived) for run.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent


@dataclass
class WindowFigures:
    alive: int
    delivered: int
    expected_each: int
    missed: int
    p50_ms: float
    p99_ms: float
    max_ms: float
    states: list[tuple[int, float]]  # (version, received at: wall ms), every client's


def compile_once(name: str) -> Path:
    """Build `name`.c of this folder with gcc -O2, once per run: into the folder $FANOUT_<NAME>_DIR, made
    temporary for this run (and its children) if unset."""
    variable = f"FANOUT_{name.upper()}_DIR"
    binary = Path(os.environ.setdefault(variable, tempfile.mkdtemp(prefix=f"fanout-{name}-"))) / name
    if not binary.exists():
        subprocess.run(["gcc", "-O2", "-o", str(binary), str(HERE / f"{name}.c")], check=True)
    return binary


class CCrowd:
    """N clients in one C process pinned to `cpu`; `connect()` first, then `window()` and `report()`."""

    def __init__(self, port: int, clients: int, cpu: int | None, nice: int) -> None:
        command = [str(compile_once("loadgen")), "--port", str(port), "--clients", str(clients)]
        if cpu is not None:
            command = ["taskset", "-c", str(cpu), *command]
        if nice:
            command = ["nice", "-n", str(nice), *command]
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    @property
    def pid(self) -> int:
        return self.process.pid

    def connect(self) -> tuple[int, float, int]:
        """Wait until every client has finished its handshake: (connected, seconds, failed)."""
        assert self.process.stdout is not None
        words = self.process.stdout.readline().split()  # connected N failed F seconds S
        if len(words) != 6:
            raise RuntimeError("the C load generator stopped before connecting its clients")
        return int(words[1]), float(words[5]), int(words[3])

    def command(self, line: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()

    def window(self, milliseconds: float) -> None:
        """Count the ticks whose server_time falls in the next `milliseconds` (starting 50 ms from now)."""
        self.command(f"window {milliseconds:.0f}")

    def report(self) -> WindowFigures:
        self.command("report")
        assert self.process.stdout is not None
        figures = json.loads(self.process.stdout.readline())
        figures.pop("cpu_s")
        figures["states"] = [tuple(pair) for pair in figures["states"]]
        return WindowFigures(**figures)

    def close(self) -> None:
        """End the generator (our own child, by PID): its clients close with it."""
        self.process.kill()
        self.process.wait(timeout=10)
