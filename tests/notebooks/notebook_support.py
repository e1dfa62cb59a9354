"""Helpers to run the walkthrough notebooks headless and hand the tests what their cells produced.

Each notebook runs once per session in a fresh kernel (nbclient), with Jupyter's and IPython's files kept in a
temporary folder and the checkout first on the kernel's PYTHONPATH. Cells added to the in-memory copy (their ids
start with `test-`) read the kernel's real variables, so tests assert on those and not on scraped text, and the
notebooks carry nothing that exists only for the tests:

- a *probe* runs right after a given cell (by its id) and keeps the values of some expressions at that moment
  (a value that the notebook changes later, such as the widgets' status before the server is stopped);
- after the last cell, one cell checks every solution of the notebook's exercises in the kernel, against real
  servers, and one prints all the values asked for, as JSON.

`seconds` is the notebook's own run time (from starting the kernel to the end of its last cell), the figure the
60 s budget is about; the cells added after it are not counted. Set NOTEBOOK_OUTPUT_DIR to keep the executed
notebooks (for a person to look at, or as CI artifacts).
"""

from __future__ import annotations

import datetime
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from helpers import ROOT, missing

NOTEBOOKS = ROOT / "notebooks"
RESULT_TAG = "__NOTEBOOK_RESULTS__"
ADDED = "test-"  # the ids of the cells the runner adds
#: Every notebook must run top to bottom within this (the issue's budget).
NOTEBOOK_BUDGET_S = 60.0


@dataclass
class Executed:
    """One executed notebook: the cells with their outputs, the values asked for, and the run time."""

    name: str
    cells: list[Any]
    values: dict[str, Any]
    seconds: float
    errors: list[str] = field(default_factory=list)
    probes: dict[str, Any] = field(default_factory=dict)
    solutions: dict[str, list[str]] = field(default_factory=dict)  # key -> [outcome, what the check said]
    total_seconds: float = 0.0  # with the cells the runner added

    def outputs(self, kind: str) -> list[Any]:
        """Every output of `kind` (`stream`, `display_data`, ...) of every code cell, in order."""
        return [o for c in self.cells if c.cell_type == "code" for o in c.get("outputs", []) if o.output_type == kind]

    def text(self) -> str:
        """All the stream text the cells printed."""
        return "".join(o.get("text", "") for o in self.outputs("stream"))

    def images(self) -> int:
        """How many PNG figures the cells showed."""
        return sum(
            1 for kind in ("display_data", "execute_result") for o in self.outputs(kind) if "image/png" in o.data
        )


class NotebookRunner:
    """Executes each notebook at most once per session; tests of the same notebook share the run."""

    def __init__(self) -> None:
        self.done: dict[str, Executed] = {}

    def __call__(self, name: str, values: dict[str, str],
                 probes: dict[str, dict[str, str]] | None = None) -> Executed:
        """`values`: name -> expression, read after the last cell; `probes`: cell id -> {name: expression}, read
        right after that cell."""
        if name not in self.done:
            self.done[name] = self._execute(name, values, probes or {})
        return self.done[name]

    def _execute(self, name: str, values: dict[str, str], probes: dict[str, dict[str, str]]) -> Executed:
        try:
            import nbformat
            from nbclient import NotebookClient
            from nbclient.exceptions import CellControlSignal, CellExecutionError, DeadKernelError
        except ImportError as exc:
            missing(f"nbclient/nbformat are needed to run the notebooks: {exc}")
        path = NOTEBOOKS / name
        if not path.exists():
            missing(f"notebook {name} is missing")
        nb = nbformat.read(path, as_version=4)
        last_own = nb.cells[-1].id
        _add_cells(nb, probes, int(name[:2]), values)
        client = NotebookClient(
            nb, timeout=int(NOTEBOOK_BUDGET_S), kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS)}}
        )
        started_at = datetime.datetime.now(datetime.timezone.utc)
        started = time.monotonic()
        errors: list[str] = []
        try:
            client.execute()
        except (CellExecutionError, CellControlSignal, DeadKernelError) as exc:  # a cell raised, hung, or killed
            errors.append(f"{type(exc).__name__}: {str(exc)[:3000]}")
        total = time.monotonic() - started
        keep = os.environ.get("NOTEBOOK_OUTPUT_DIR")
        if keep:
            Path(keep).mkdir(parents=True, exist_ok=True)
            nbformat.write(nb, str(Path(keep) / name))
        results: dict[str, Any] = {}
        for output in nb.cells[-1].get("outputs", []):
            text = output.get("text", "")
            if RESULT_TAG in text:
                results = json.loads(text.split(RESULT_TAG, 1)[1])
        own = [cell for cell in nb.cells if not str(cell.get("id", "")).startswith(ADDED)]
        seconds = _seconds_until(nb, last_own, started_at) or total
        return Executed(name, own, results.pop("__values__", {}), seconds, errors, results.get("__probes__", {}),
                        results.get("__solutions__", {}), total)


def _add_cells(nb: Any, probes: dict[str, dict[str, str]], notebook: int, values: dict[str, str]) -> None:
    """Insert the probes after their cells; append the solutions' check and the values cell."""
    import nbformat

    def cell(key: str, source: str) -> Any:
        new = nbformat.v4.new_code_cell(source)
        new.id = f"{ADDED}{key}"
        return new

    ids = [c.id for c in nb.cells]
    for cell_id, expressions in probes.items():
        assert cell_id in ids, f"no cell {cell_id} to probe after"
        wanted = ", ".join(f"{key!r}: {expr}" for key, expr in expressions.items())
        index = [c.id for c in nb.cells].index(cell_id)
        source = f"globals().setdefault('_test_probes', {{}}).update({{{wanted}}})"
        nb.cells.insert(index + 1, cell(f"probe-{cell_id}", source))
    nb.cells.append(cell("solutions", "import tornado_timer.course as _test_course\n"
                                      f"_test_verdicts = await _test_course.check_solutions({notebook})"))
    wanted = ", ".join(f"{key!r}: {expr}" for key, expr in values.items())
    nb.cells.append(cell("values", (
        "import json as _json\n"
        "_test_results = {'__values__': {" + wanted + "}, '__probes__': globals().get('_test_probes', {}),\n"
        "    '__solutions__': {k: [v.outcome, str(v)] for k, v in _test_verdicts.items()}}\n"
        f"print({RESULT_TAG!r} + _json.dumps(_test_results, default=repr))")))


def _seconds_until(nb: Any, cell_id: str, started_at: datetime.datetime) -> float | None:
    """Seconds from `started_at` to the end of cell `cell_id` (nbclient records when each cell's reply came)."""
    index = [c.id for c in nb.cells].index(cell_id)
    for cell in reversed(nb.cells[: index + 1]):  # the last code cell up to it (a markdown cell has no timing)
        replied = cell.get("metadata", {}).get("execution", {}).get("shell.execute_reply")
        if replied:
            return (datetime.datetime.fromisoformat(replied.replace("Z", "+00:00")) - started_at).total_seconds()
    return None
