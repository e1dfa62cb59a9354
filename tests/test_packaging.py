"""The wheel, installed elsewhere, serves the page: static/ is mapped into the package at build time."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import urllib.request
import venv
import zipfile
from pathlib import Path

import pytest
from helpers import ROOT, SERVING

# What a build leaves or never needs: the wheel is built from a copy without these, so that the build's own
# build/ and *.egg-info/ land in the test's temporary folder, not in the checkout.
NOT_SOURCE = shutil.ignore_patterns(".git", "build", "dist", "*.egg-info", "artifacts", ".venv", "node_modules",
                                    "__pycache__", ".*_cache", ".hypothesis", ".benchmarks", "*.so")


def has_send_loop(wheel: Path) -> bool:
    """True if the wheel holds the built C send loop (not just its source)."""
    return any(Path(name).name.startswith("_speedups.") and name.endswith((".so", ".pyd"))
               for name in zipfile.ZipFile(wheel).namelist())


def clean_environment(tmp_path: Path) -> dict[str, str]:
    """This environment without PYTHONPATH (other tests may point it at the checkout), pip's cache in the test's
    folder."""
    clean = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    clean["PIP_CACHE_DIR"] = str(tmp_path / "pip-cache")
    return clean


def build_wheel(tmp_path: Path, env: dict[str, str]) -> Path:
    """A wheel built from a copy of the checkout (so the build's leftovers stay in the test's folder)."""
    source = tmp_path / "source"
    shutil.copytree(ROOT, source, ignore=NOT_SOURCE)
    wheels = tmp_path / "wheels"
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-v", "-w", str(wheels),
         str(source)],
        timeout=180, env=env, capture_output=True, text=True,
    )
    assert built.returncode == 0, built.stderr[-3000:]
    return next(wheels.glob("tornado_timer-*.whl"))


def install_in_new_venv(wheel: Path, tmp_path: Path, env: dict[str, str]) -> tuple[Path, Path]:
    """A clean venv (not this one's site-packages, where an editable install of the checkout would win) with the
    wheel and its dependencies from the package index, as a user's `pip install` gets them: (venv, its python)."""
    environment = tmp_path / "venv"
    venv.create(environment, system_site_packages=False, with_pip=False)
    python = environment / "bin" / "python"
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--disable-pip-version-check",
         str(wheel)],
        check=True, timeout=300, env=env,
    )
    return environment, python


@pytest.mark.slow
def test_an_installed_wheel_serves_the_page_from_any_directory(tmp_path: Path) -> None:
    clean = clean_environment(tmp_path)
    wheel = build_wheel(tmp_path, clean)
    assert has_send_loop(wheel), "the C send loop was built"
    environment, python = install_in_new_venv(wheel, tmp_path, clean)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    where = subprocess.run([python, "-c", "import tornado_timer; print(tornado_timer.__file__)"],
                           cwd=elsewhere, capture_output=True, text=True, env=clean)
    assert where.returncode == 0, where.stderr
    assert where.stdout.startswith(str(environment)), where.stdout
    server = subprocess.Popen([python, "-m", "tornado_timer", "--host", "127.0.0.1", "--port", "0"],
                              cwd=elsewhere, stdout=subprocess.PIPE, text=True, env=clean)
    try:
        assert server.stdout is not None
        match = SERVING.search(server.stdout.readline())
        assert match, "the installed server did not start"
        for path, marker in [("", b"<html"), ("index.html", b"<html")]:
            with urllib.request.urlopen(match.group(1) + path, timeout=5) as response:
                assert marker in response.read().lower()
        packaged = sorted(p.name for p in (environment / "lib").glob("python*/site-packages/tornado_timer/static/*"))
        assert "index.html" in packaged
        assert packaged == sorted(p.name for p in (ROOT / "static").iterdir() if not p.name.startswith("."))
    finally:
        server.terminate()
        server.wait(5)


@pytest.mark.slow
def test_without_a_c_compiler_the_install_succeeds_and_the_server_runs_pure_python(tmp_path: Path) -> None:
    clean = clean_environment(tmp_path)
    wheel = build_wheel(tmp_path, {**clean, "CC": "/bin/false"})
    assert not has_send_loop(wheel)
    _, python = install_in_new_venv(wheel, tmp_path, clean)
    server = subprocess.Popen([python, "-m", "tornado_timer", "--host", "127.0.0.1", "--port", "0", "--no-state"],
                              cwd=tmp_path, stdout=subprocess.PIPE, text=True, env=clean)
    try:
        assert server.stdout is not None
        match = SERVING.search(server.stdout.readline())
        assert match, "the installed server did not start"
        assert "the C send loop is not built here" in server.stdout.readline()
        with urllib.request.urlopen(match.group(1) + "metrics", timeout=5) as response:
            assert b"tornado_timer_native_send 0.0" in response.read()
    finally:
        server.terminate()
        server.wait(5)
