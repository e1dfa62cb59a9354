"""The notebooks are committed in one reviewed form: without outputs (docs/notebooks.md says why).

Also the structure every notebook promises: numbered 01-09, opening with what it teaches, what it needs and how
long it takes; its own server on a free port in the kernel, exactly one clearly marked line to use your own server
instead, logic imported from `tornado_timer`, short cells, exercises checked by `tornado_timer.course` with their
solutions shown only when asked for, links that resolve.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from notebook_support import NOTEBOOKS

EXPECTED = [
    "01-handshake.ipynb",
    "02-frames.ipynb",
    "03-full-duplex.ipynb",
    "04-drift.ipynb",
    "05-many-clients.ipynb",
    "06-widget.ipynb",
    "07-robustness.ipynb",
    "08-security.ipynb",
    "09-server-side.ipynb",
]
MAX_CELL_LINES = 30
OWN_SERVER_MARK = "# <- YOUR OWN SERVER"


def _load(name: str) -> dict[str, Any]:
    path = NOTEBOOKS / name
    assert path.exists(), f"{name} is missing"
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return document


def test_the_nine_numbered_notebooks_are_there() -> None:
    assert sorted(p.name for p in NOTEBOOKS.glob("*.ipynb")) == EXPECTED


@pytest.mark.parametrize("name", EXPECTED)
def test_committed_without_outputs(name: str) -> None:
    nb = _load(name)
    for index, cell in enumerate(nb["cells"]):
        if cell["cell_type"] == "code":
            assert cell.get("outputs") == [], f"{name} cell {index} has outputs: clear them before committing"
            assert cell.get("execution_count") is None, f"{name} cell {index} has an execution count"
        assert not cell.get("metadata"), f"{name} cell {index} carries metadata (collapsed, scrolled, tags...)"
        assert "attachments" not in cell, f"{name} cell {index} has attachments"
    assert set(nb["metadata"]) <= {"kernelspec", "language_info"}, f"{name}: strip widget state and other metadata"
    assert nb["metadata"]["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("name", EXPECTED)
def test_valid_nbformat(name: str) -> None:
    nbformat = pytest.importorskip("nbformat")
    nbformat.validate(nbformat.read(NOTEBOOKS / name, as_version=4))


@pytest.mark.parametrize("name", EXPECTED)
def test_starts_its_own_server_with_one_marked_cell_for_yours(name: str) -> None:
    cells = [c for c in _load(name)["cells"] if c["cell_type"] == "code"]
    sources = ["".join(c["source"]) for c in cells]
    marked = [s for s in sources if OWN_SERVER_MARK in s]
    assert len(marked) == 1, f"{name}: exactly one cell marks where to point at your own server"
    assert sum(s.count(OWN_SERVER_MARK) for s in sources) == 1
    assert "start_server(" in marked[0], f"{name}: the marked cell starts the notebook's own server"
    assert "port=" not in marked[0].split("start_server(", 1)[1].split(")", 1)[0], "a free port (the default 0)"
    assert marked[0] in sources[:2], f"{name}: the server cell comes first"


@pytest.mark.parametrize("name", EXPECTED)
def test_imports_its_logic_from_the_package_and_keeps_cells_short(name: str) -> None:
    cells = _load(name)["cells"]
    code = ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]
    assert any("from tornado_timer" in s for s in code)
    assert not any(re.search(r"^class \w+", s, re.MULTILINE) for s in code), "classes belong in the package"
    too_long = [s.splitlines()[0] for s in code if len(s.splitlines()) > MAX_CELL_LINES]
    assert not too_long, f"{name}: cells over {MAX_CELL_LINES} lines: {too_long}"
    kinds = [c["cell_type"] for c in cells]
    assert kinds[0] == "markdown" and kinds[-1] == "markdown", "open and close with prose"
    runs = max(len(m) for m in re.findall(r"(?:c)+", "".join(k[0] for k in kinds)))
    assert runs <= 3, f"{name}: more than 3 code cells in a row without prose between them"


@pytest.mark.parametrize("name", EXPECTED)
def test_opens_with_what_you_learn_what_you_need_and_how_long(name: str) -> None:
    first = "".join(_load(name)["cells"][0]["source"])
    assert first.startswith("# "), f"{name}: a title first"
    for part in ("**You will learn**", "**You need**", "**Time**"):
        assert part in first, f"{name}: the first cell says {part}"
    assert re.search(r"\*\*Time\*\* about \d+ minutes", first), f"{name}: how long it takes, in minutes"


@pytest.mark.parametrize("name", EXPECTED)
def test_has_exercises_checked_with_solutions_kept_out_of_sight(name: str) -> None:
    course = pytest.importorskip("tornado_timer.course")
    number = int(name[:2])
    keys = [exercise.key for exercise in course.exercises_of(number)]
    assert len(keys) >= 2, f"{name}: at least two exercises"
    cells = _load(name)["cells"]
    code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    prose = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    checked = re.findall(r'await course\.check\("(\d+\.\d+)", \w+\)', code)
    assert checked == keys, f"{name}: every exercise checked once, in order: {checked} vs {keys}"
    assert "## Exercises" in prose and f'solution("{keys[0]}")' in prose, f"{name}: says how to see a solution"
    assert "solution(" not in code, f"{name}: no solution shown unasked"
    for key in keys:
        body = course.solution(key).source.splitlines()[2:]  # past the signature and the docstring
        assert not any(line.strip() and line in code for line in body if len(line.strip()) > 25), (
            f"{name}: a line of the solution to {key} is in the notebook")


@pytest.mark.parametrize("name", EXPECTED)
def test_links_between_notebooks_resolve(name: str) -> None:
    text = "".join("".join(c["source"]) for c in _load(name)["cells"] if c["cell_type"] == "markdown")
    for target in re.findall(r"\]\(([^)#\s]+\.ipynb)\)", text):
        assert (NOTEBOOKS / target).exists(), f"{name} links to missing {target}"


def test_docs_explain_the_committed_form() -> None:
    doc = Path(NOTEBOOKS.parent / "docs" / "notebooks.md")
    assert doc.exists(), "docs/notebooks.md explains how the notebooks are committed"
    assert "without outputs" in doc.read_text(encoding="utf-8")
