"""Helpers to run the walkthrough notebooks headless and hand the tests what their cells produced.

Each notebook runs once per session in a fresh kernel (nbclient), with Jupyter's and IPython's files kept in a
temporary folder and the checkout first on the kernel's PYTHONPATH. A cell appended to the in-memory copy prints
the values a test asks for as JSON, so tests assert on the kernel's real variables, not on scraped text.
Set NOTEBOOK_OUTPUT_DIR to keep the executed notebooks (for a person to look at, or as CI artifacts).
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from helpers import ROOT, missing

NOTEBOOKS = ROOT / "notebooks"
RESULT_TAG = "__NOTEBOOK_RESULTS__"
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

    def __call__(self, name: str, values: dict[str, str]) -> Executed:
        if name not in self.done:
            self.done[name] = self._execute(name, values)
        return self.done[name]

    def _execute(self, name: str, values: dict[str, str]) -> Executed:
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
        wanted = ", ".join(f"{key!r}: {expr}" for key, expr in values.items())
        nb.cells.append(
            nbformat.v4.new_code_cell(
                f"import json as _json\nprint({RESULT_TAG!r} + _json.dumps({{{wanted}}}, default=repr))"
            )
        )
        client = NotebookClient(
            nb, timeout=int(NOTEBOOK_BUDGET_S), kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS)}}
        )
        started = time.monotonic()
        errors: list[str] = []
        try:
            client.execute()
        except (CellExecutionError, CellControlSignal, DeadKernelError) as exc:  # a cell raised, hung, or killed
            errors.append(f"{type(exc).__name__}: {str(exc)[:3000]}")
        seconds = time.monotonic() - started
        keep = os.environ.get("NOTEBOOK_OUTPUT_DIR")
        if keep:
            Path(keep).mkdir(parents=True, exist_ok=True)
            nbformat.write(nb, str(Path(keep) / name))
        results: dict[str, Any] = {}
        for output in nb.cells[-1].get("outputs", []):
            text = output.get("text", "")
            if RESULT_TAG in text:
                results = json.loads(text.split(RESULT_TAG, 1)[1])
        return Executed(name, nb.cells[:-1], results, seconds, errors)
