"""Fixtures for the notebook tests: Jupyter kept in temp dirs, each notebook executed once per session."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from helpers import ROOT
from notebook_support import NotebookRunner


@pytest.fixture(scope="session")
def jupyter_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """Environment for kernels and Jupyter servers: temp dirs for their files, the checkout importable."""
    base = tmp_path_factory.mktemp("jupyter")
    env = {name: str(base / name.lower()) for name in ("JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "IPYTHONDIR")}
    env["JUPYTER_RUNTIME_DIR"] = str(base / "runtime")
    env["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    env["MPLCONFIGDIR"] = str(base / "matplotlib")  # its font cache and settings, not in ~/.cache and ~/.config
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
    saved = {name: os.environ.get(name) for name in env}
    os.environ.update(env)
    try:
        yield env
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


RUNNER = pytest.StashKey["NotebookRunner"]()


@pytest.fixture(scope="session")
def run_notebook(request: pytest.FixtureRequest, jupyter_env: dict[str, str]) -> NotebookRunner:
    """`run_notebook("01-handshake.ipynb", {"name": "expression", ...})` -> Executed (run once per session)."""
    runner = NotebookRunner()
    request.config.stash[RUNNER] = runner
    return runner


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    """One line per executed notebook with its run time, to keep an eye on the 60 s budget."""
    runner = config.stash.get(RUNNER, None)
    if runner is None or not runner.done:
        return
    terminalreporter.section("notebook run times")
    for name, run in sorted(runner.done.items()):
        state = "errors" if run.errors else "ok"
        terminalreporter.write_line(f"{name:28} {run.seconds:5.1f} s  {state}")
