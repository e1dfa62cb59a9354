"""One rule for the displayed time, in both languages.

Every case of tests/data/display_cases.json goes through Python's `tornado_timer.core.display.clock_text` and
through `clockText` of the page's own static/format.js, run by Node (one process for the whole table), and both
must give the table's text. Under CI=true a missing `node` fails the JavaScript half; elsewhere it is skipped.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tornado_timer.core.display import clock_text

ROOT = Path(__file__).resolve().parents[1]
CASES_FILE = ROOT / "tests" / "data" / "display_cases.json"
FORMAT_JS = ROOT / "static" / "format.js"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

CASES: list[dict[str, Any]] = json.loads(CASES_FILE.read_text(encoding="utf-8"))
IDS = [f"{index:02d}-{case['timer']['mode']}-{case['elapsed_ms']}-{case['text']}" for index, case in enumerate(CASES)]

# Loads format.js as the browser does (a classic script that adds itself to globalThis.TornadoTimer), then writes,
# for each case read from stdin, [clockText(timer, elapsed_ms), clockText(timer)] as JSON.
NODE_SCRIPT = """
const fs = require("node:fs");
const vm = require("node:vm");
const file = process.argv[1];
vm.runInThisContext(fs.readFileSync(file, "utf8"), { filename: file });
const { clockText } = globalThis.TornadoTimer.format;
const cases = JSON.parse(fs.readFileSync(0, "utf8"));
process.stdout.write(JSON.stringify(cases.map((c) => [clockText(c.timer, c.elapsed_ms), clockText(c.timer)])));
"""


@pytest.fixture(scope="module")
def javascript_texts() -> list[list[str]]:
    """What format.js shows for each case: [at the case's elapsed_ms, at the snapshot's own elapsed_ms]."""
    node = shutil.which("node")
    if node is None:
        reason = "node is not installed, so static/format.js is not checked against the table"
        if IN_CI:
            pytest.fail(f"{reason} (CI=true: it must be)", pytrace=False)
        pytest.skip(reason)
    result = subprocess.run(
        [node, "-e", NODE_SCRIPT, str(FORMAT_JS)],
        input=CASES_FILE.read_text(encoding="utf-8"),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, f"node failed on {FORMAT_JS}: {result.stderr}"
    texts: list[list[str]] = json.loads(result.stdout)
    assert len(texts) == len(CASES)
    return texts


def test_the_table_covers_the_rule() -> None:
    assert len(CASES) >= 40
    for case in CASES:
        assert set(case) >= {"timer", "elapsed_ms", "text"}
        assert {"mode", "duration_ms", "interval_ms", "elapsed_ms"} <= set(case["timer"]) <= {
            "mode", "duration_ms", "interval_ms", "elapsed_ms", "overtime", "adjusted_ms"}
    modes = {case["timer"]["mode"] for case in CASES}
    assert modes == {"countdown", "stopwatch"}
    texts = [case["text"] for case in CASES]
    assert any("." in text for text in texts) and any("." not in text for text in texts)  # tenths on and off
    assert any(text.count(":") == 2 for text in texts) and any(text.count(":") == 1 for text in texts)  # hours
    assert any(isinstance(case["elapsed_ms"], float) for case in CASES)  # fractional milliseconds
    assert any(case["elapsed_ms"] < 0 for case in CASES)  # clamped to zero
    assert any(case["text"].startswith("+") for case in CASES)  # overtime
    assert any(case["timer"].get("adjusted_ms") for case in CASES)  # adjustments


@pytest.mark.parametrize("index", range(len(CASES)), ids=IDS)
def test_python(index: int) -> None:
    case = CASES[index]
    assert clock_text(case["timer"], case["elapsed_ms"]) == case["text"], case.get("note")


@pytest.mark.parametrize("index", range(len(CASES)), ids=IDS)
def test_javascript(index: int, javascript_texts: list[list[str]]) -> None:
    case = CASES[index]
    assert javascript_texts[index][0] == case["text"], case.get("note")


def test_both_default_to_the_snapshots_own_elapsed_ms(javascript_texts: list[list[str]]) -> None:
    for case, (_, javascript_default) in zip(CASES, javascript_texts, strict=True):
        expected = clock_text(case["timer"], case["timer"]["elapsed_ms"])
        assert clock_text(case["timer"]) == expected
        assert javascript_default == expected
