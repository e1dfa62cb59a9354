"""The widget notebook as a person uses it: Jupyter Notebook 7, headless Chromium, Run All, then watch and click.

Checks what only a real front end can: the widget is drawn, its time display keeps changing while the kernel is
idle (the ticks reach the page through the kernel's event loop), a click on a widget button goes page -> kernel
-> WebSocket -> server, and the timer's own web page in the notebook's frame follows the widget (and back).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers import CHROMIUM, CHROMIUM_ARGS, chromium_environment, free_port, missing, wait_until
from notebook_support import NOTEBOOKS

TIME_SHOWN = re.compile(r"^\d\d:\d\d\.\d$")
LAST_OUTPUT = re.compile(r"running \| connected \| \d\d:\d\d\.\d \| serving http://127\.0\.0\.1:(\d+)/")


def _get_json(url: str) -> Any:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return json.loads(response.read())
    except OSError:
        return None


@pytest.fixture
def jupyter(jupyter_env: dict[str, str], tmp_path: Path) -> Iterator[tuple[str, str]]:
    """A Jupyter Notebook 7 server on a free port, serving a copy of the widget notebook: (base URL, token)."""
    if importlib_missing("notebook"):
        missing("Jupyter Notebook 7 (the notebook package) is not installed")
    root = tmp_path / "nb"
    root.mkdir()
    shutil.copy(NOTEBOOKS / "06-widget.ipynb", root / "06-widget.ipynb")  # autosave must not touch the repo
    port, token = free_port(), "tornado-timer-test"
    log = (tmp_path / "jupyter.log").open("wb")
    process = subprocess.Popen(
        [
            sys.executable, "-m", "jupyter", "notebook", "--no-browser", "--allow-root", "--ip=127.0.0.1",
            f"--port={port}", "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={root}",
        ],
        stdout=log, stderr=subprocess.STDOUT, env=os.environ.copy(),
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        up = wait_until(lambda: _get_json(f"{base}/api/status?token={token}") or process.poll() is not None, 60)
        assert up, "Jupyter did not answer within 60 s"
        if process.poll() is not None:
            raise AssertionError("Jupyter exited: " + (tmp_path / "jupyter.log").read_text()[-2000:])
        yield base, token
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
        log.close()


def _status(api: str) -> Any:
    """The timer's status from the server's JSON API, or None while it does not answer."""
    return (_get_json(api) or {}).get("timer", {}).get("status")


def _kernel_idle(base: str, token: str) -> bool:
    kernels = _get_json(f"{base}/api/kernels?token={token}") or []
    return any(k.get("execution_state") == "idle" for k in kernels)


def importlib_missing(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is None


def test_widget_notebook_in_a_real_browser(jupyter: tuple[str, str], tmp_path: Path) -> None:
    if not Path(CHROMIUM).exists():
        missing(f"Chromium is not at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("playwright is not installed")
    base, token = jupyter
    shots = Path(os.environ.get("NOTEBOOK_OUTPUT_DIR") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS,
                                    env=chromium_environment(tmp_path / "chromium-home"))
        page = browser.new_page(viewport={"width": 1280, "height": 2000})
        try:
            _drive(page, base, token, shots)
        except Exception:
            page.screenshot(path=str(shots / "06-widget-failure.png"), full_page=True)
            raise
        finally:
            browser.close()


def _drive(page: Any, base: str, token: str, shots: Path) -> None:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page.goto(f"{base}/notebooks/06-widget.ipynb?token={token}")
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60_000)
    assert wait_until(lambda: _kernel_idle(base, token), 60), "the notebook's kernel did not start within 60 s"
    executed = page.locator(".jp-InputPrompt", has_text=re.compile(r"\[(\*|\d+)\]"))
    for attempt in range(2):  # a Run All sent while the page still connects to the kernel can be lost
        page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
        item = page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$"))
        item.wait_for(timeout=10_000)
        item.click()
        try:
            executed.first.wait_for(timeout=20_000)
            break
        except PlaywrightTimeout:
            if attempt:
                raise

    # the last cell prints the countdown and the server's URL; then the kernel is idle
    last = page.locator(".jp-OutputArea-output", has_text=LAST_OUTPUT)
    last.wait_for(timeout=90_000)
    port = int(LAST_OUTPUT.search(last.inner_text()).group(1))  # type: ignore[union-attr]
    assert wait_until(lambda: _kernel_idle(base, token), 30), "the kernel was not idle within 30 s of Run All"
    api = f"http://127.0.0.1:{port}/api/timers/default"

    # the widget is drawn, and its display changes while the kernel does nothing
    displays = page.locator("div.widget-label", has_text=TIME_SHOWN)
    assert wait_until(lambda: displays.count() >= 2, 20), "no two live widgets' time displays within 20 s"
    before = displays.first.inner_text()
    time.sleep(1.2)
    after = displays.first.inner_text()
    assert TIME_SHOWN.match(before) and before != after, f"the display should tick while idle: {before} -> {after}"
    displays.first.scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "06-widget-running.png"))

    # a click on the widget's pause button reaches the server
    page.locator("button.jupyter-widgets", has_text=re.compile(r"^pause$")).first.click()
    assert wait_until(lambda: _status(api) == "paused", 10), "the server did not pause within 10 s"
    status_labels = page.locator("div.widget-label", has_text=re.compile(r"^paused \| connected$"))
    assert wait_until(lambda: status_labels.count() >= 2, 10), "both widgets did not show paused within 10 s"

    # the server's own page, in the notebook's frame, follows the widget ...
    frame = page.frame_locator("iframe")
    body = frame.locator("body")
    assert wait_until(lambda: body.get_attribute("data-status") == "paused", 15), "the page did not show paused in 15 s"
    # ... and the widget follows the page
    frame.locator("#pause", has_text="Resume").click()  # the page's pause button reads Resume while paused
    assert wait_until(lambda: _status(api) == "running", 10), "the page's resume did not reach the server in 10 s"
    running = page.locator("div.widget-label", has_text=re.compile(r"^running \| connected$"))
    assert wait_until(lambda: running.count() >= 2, 10), "the widgets did not show running again within 10 s"
    page.locator("iframe").scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "06-widget-synced.png"))
