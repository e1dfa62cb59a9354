"""The "a room comes back" benchmark (benchmarks/fanout/room.py) reconnects its clients on the page's own schedule:
its reading of static/connection.js must be what the page does. Node runs the page's backoffDelay() and DEFAULT_SETTINGS
(under CI=true a missing `node` fails; elsewhere that half is skipped)."""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CONNECTION_JS = ROOT / "static" / "connection.js"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
sys.path.insert(0, str(ROOT / "benchmarks" / "fanout"))

from room import Schedule, page_schedule  # noqa: E402

RANDOMS = [0.0, 0.25, 0.5, 0.999]

# Loads clock.js (connection.js needs its clientNow) and connection.js as the browser does, then writes the page's
# settings and backoffDelay(attempt) for attempts 0-7 and each of RANDOMS (from stdin) as JSON.
NODE_SCRIPT = """
const fs = require("node:fs");
const vm = require("node:vm");
for (const file of process.argv.slice(1)) vm.runInThisContext(fs.readFileSync(file, "utf8"), { filename: file });
const { backoffDelay, DEFAULT_SETTINGS } = globalThis.TornadoTimer.connection;
const randoms = JSON.parse(fs.readFileSync(0, "utf8"));
const { backoffBaseMs: baseMs, backoffCapMs: capMs } = DEFAULT_SETTINGS;
const delays = [];
for (let attempt = 0; attempt < 8; attempt++) {
  for (const r of randoms) delays.push(backoffDelay(attempt, { baseMs, capMs, random: () => r }));
}
process.stdout.write(JSON.stringify({ settings: DEFAULT_SETTINGS, delays }));
"""


class Fixed(random.Random):
    def __init__(self, value: float) -> None:
        super().__init__()
        self.value = value

    def random(self) -> float:
        return self.value


def test_the_benchmark_reads_the_pages_schedule() -> None:
    schedule = page_schedule()
    assert schedule.base_ms > 0 and schedule.cap_ms >= schedule.base_ms and schedule.connect_timeout_ms > 0


def test_a_changed_formula_stops_the_benchmark(tmp_path: Path) -> None:
    changed = tmp_path / "connection.js"
    changed.write_text(CONNECTION_JS.read_text(encoding="utf-8").replace("ceiling / 2 +", "ceiling / 3 +"))
    with pytest.raises(ValueError, match="backoffDelay"):
        page_schedule(changed)


def test_the_benchmarks_delays_are_the_pages() -> None:
    node = shutil.which("node")
    if node is None:
        reason = "node is not installed, so the page's backoff is not run"
        if IN_CI:
            pytest.fail(f"{reason} (CI=true: it must be)", pytrace=False)
        pytest.skip(reason)
    result = subprocess.run([node, "-e", NODE_SCRIPT, str(ROOT / "static" / "clock.js"), str(CONNECTION_JS)],
                            input=json.dumps(RANDOMS), capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    page = json.loads(result.stdout)
    schedule = page_schedule()
    settings = page["settings"]
    assert schedule == Schedule(settings["backoffBaseMs"], settings["backoffCapMs"], settings["connectTimeoutMs"])
    ours = [schedule.delay_ms(attempt, Fixed(r)) for attempt in range(8) for r in RANDOMS]
    assert ours == pytest.approx(page["delays"])
