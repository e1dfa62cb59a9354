"""Binder's set-up as repo2docker carries it out: binder/requirements.txt installed from the repository's top folder
into a fresh virtual environment, then every notebook executed there, each in a fresh kernel of that environment
(the package as installed, not the checkout). And the README's badge leads there.

The installer is uv (fast: the whole set in seconds, where pip takes a minute resolving against the index); it
reads the same requirements file the same way (local paths from the working folder, as pip and Binder do). Its
cache, the copy of the repository and the environment all live in the test's temporary folder.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

import pytest
from helpers import ROOT, missing

pytestmark = pytest.mark.slow

TEST_TIMEOUT_S = 600  # conftest.py's bound on this module's test: the install, then every notebook
NOTEBOOK_BUDGET_S = 60
NOT_SOURCE = shutil.ignore_patterns(".git", "build", "dist", "*.egg-info", "artifacts", ".venv", "node_modules",
                                    "__pycache__", ".*_cache", ".hypothesis", ".benchmarks")


def _uv() -> str:
    try:
        import uv
    except ImportError:
        missing("uv is not installed (pip install -e '.[test]')")
    return str(uv.find_uv_bin())


def _clean_environment(tmp_path: Path) -> dict[str, str]:
    """This environment without what would let the suite's own packages or settings in, and with Jupyter's,
    IPython's, matplotlib's and uv's files in the test's folder."""
    skip = ("PYTHONPATH", "VIRTUAL_ENV", "JUPYTER", "JPY_", "TORNADO_TIMER_", "UV_", "PIP_REQUIRE_VIRTUALENV")
    env = {k: v for k, v in os.environ.items() if not k.startswith(skip)}
    for name in ("JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR", "IPYTHONDIR", "MPLCONFIGDIR",
                 "UV_CACHE_DIR"):
        env[name] = str(tmp_path / name.lower())
    env["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    return env


def test_the_binder_requirements_run_every_notebook(tmp_path: Path) -> None:
    uv = _uv()
    env = _clean_environment(tmp_path)
    source = tmp_path / "repo"  # Binder copies the repository in, then installs from its top folder
    shutil.copytree(ROOT, source, ignore=NOT_SOURCE)
    python = tmp_path / "venv" / "bin" / "python"
    subprocess.run([uv, "venv", "--quiet", "--python", sys.executable, str(python.parent.parent)],
                   check=True, env=env, timeout=60)
    started = time.monotonic()
    installed = subprocess.run([uv, "pip", "install", "--python", str(python), "-r", "binder/requirements.txt"],
                               cwd=source, env=env, capture_output=True, text=True, timeout=300)
    assert installed.returncode == 0, f"installing binder/requirements.txt failed:\n{installed.stderr[-3000:]}"
    print(f"\nbinder: installed binder/requirements.txt in {time.monotonic() - started:.1f} s")

    extension = subprocess.run(
        [str(python), "-c", "import jupyter_server_proxy; from importlib.metadata import entry_points; "
         "print(sorted(e.name for e in entry_points(group='jupyter_serverproxy_servers')))"],
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert extension.stdout.strip() == "['tornado-timer']", extension.stderr

    notebooks = sorted((source / "notebooks").glob("*.ipynb"))
    assert notebooks, "no notebooks to run"
    report = tmp_path / "report.json"
    ran = subprocess.run(
        [str(python), str(ROOT / "tests" / "remote" / "execute_notebooks.py"), str(report), *map(str, notebooks)],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60 + NOTEBOOK_BUDGET_S * len(notebooks),
    )  # fmt: skip
    assert ran.returncode == 0, ran.stderr[-3000:]
    results = json.loads(report.read_text())
    print("\n".join(f"binder: {name:28} {r['seconds']:5.1f} s  {r['error'] or 'ok'}" for name, r in results.items()))
    for name, result in results.items():
        assert result["error"] is None, f"{name} failed in the Binder environment:\n{result['error']}"
        assert result["seconds"] < NOTEBOOK_BUDGET_S, f"{name} took {result['seconds']} s"
        prefix, package = result["where"]
        assert Path(prefix) == python.parent.parent, f"{name} ran in {prefix}, not the Binder environment"
        assert "site-packages" in package and not package.startswith(str(source)), f"{name} imported {package}"


def test_the_readmes_badge_launches_this_repository_on_binder() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    badge = re.search(r"\[!\[[^]]*Binder[^]]*\]\((?P<image>[^)]+)\)\]\((?P<link>https://mybinder\.org/[^)]+)\)", readme)
    assert badge, "the README has no launch-Binder badge"
    link = urllib.parse.urlsplit(badge["link"])
    repository = re.search(r'^Repository = "([^"]+)"', (ROOT / "pyproject.toml").read_text(), re.MULTILINE)
    assert repository, "pyproject.toml names no Repository under [project.urls]"
    owner_name = urllib.parse.urlsplit(repository[1]).path.strip("/")
    assert link.path == f"/v2/gh/{owner_name}/HEAD", link.path
    opened = urllib.parse.parse_qs(link.query)["labpath"][0]
    assert (ROOT / opened).is_file(), f"the badge opens {opened}, which is not in the repository"
    assert (ROOT / "binder" / "requirements.txt").is_file()
