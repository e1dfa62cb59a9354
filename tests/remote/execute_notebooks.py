"""Execute notebooks top to bottom, each in a fresh kernel of the Python that runs this script, and write what
happened as JSON: `python execute_notebooks.py OUT.json NOTEBOOK...`.

Run by tests/remote/test_binder.py with the Binder environment's Python, so that nothing of the test suite's own
environment (its packages, the checkout on a path) takes part. One extra cell at the end says which Python and
which tornado_timer the kernel used.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellControlSignal, CellExecutionError, DeadKernelError

BUDGET_S = 60
WHERE = "import sys, tornado_timer; print('__WHERE__', sys.prefix, tornado_timer.__file__)"


def execute(path: Path) -> dict[str, object]:
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(WHERE))
    client = NotebookClient(nb, timeout=BUDGET_S, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    started = time.monotonic()
    error = None
    try:
        client.execute()
    except (CellExecutionError, CellControlSignal, DeadKernelError) as exc:  # a cell raised, hung, or the kernel died
        error = f"{type(exc).__name__}: {str(exc)[:3000]}"
    seconds = time.monotonic() - started
    printed = "".join(o.get("text", "") for o in nb.cells[-1].get("outputs", []) if o.get("output_type") == "stream")
    where = printed.split("__WHERE__", 1)[1].split() if "__WHERE__" in printed else []
    return {"seconds": round(seconds, 1), "error": error, "where": where}


def main() -> int:
    out, *paths = sys.argv[1:]
    results = {Path(p).name: execute(Path(p)) for p in paths}
    Path(out).write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
