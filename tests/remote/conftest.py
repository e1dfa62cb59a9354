"""Fixtures for the walkthrough as it runs on a JupyterHub: a real Jupyter server with jupyter-server-proxy, set up
as a hub sets up a user's server, and Debian's Chromium reaching it by a name that is not this machine's.

The Jupyter server serves under `/user/ann/` with `JUPYTERHUB_SERVICE_PREFIX=/user/ann/` in its environment (and
so in its kernels'), answers any Host name (`allow_remote_access`, as behind a hub's proxy), and is opened as
`http://hub.test:PORT/user/ann/`: Chromium maps `hub.test` to 127.0.0.1, so every request carries a Host header
that is not loopback, as a hub's do. The same server is also reachable as `127.0.0.1:PORT`, a laptop's Jupyter.
Everything it writes goes to temporary folders. Under CI=true a missing part (jupyter-server-proxy, this
package's entry point, Playwright, Chromium) fails the tests.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers import CHROMIUM, CHROMIUM_ARGS, ROOT, chromium_environment, free_port, missing, wait_until
from remote_support import HUB_NAME, PREFIX, TOKEN, Hub, jupyter_environment, require_jupyter_server_proxy, status

TEST_TIMEOUT_S = 150  # a hard bound on any one test here, on top of the waits' own timeouts


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    """Jupyter Notebook 7 (a Jupyter server with jupyter-server-proxy) as a hub starts a user's server."""
    require_jupyter_server_proxy()
    base = tmp_path_factory.mktemp("hub")
    root = base / "notebooks"
    root.mkdir()
    (base / "home").mkdir()
    shutil.copy(ROOT / "notebooks" / "06-widget.ipynb", root)  # autosave must not touch the repo
    port, log = free_port(), base / "jupyter.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "notebook", "--no-browser", "--allow-root", "--ip=127.0.0.1",
             f"--port={port}", "--ServerApp.port_retries=0", f"--IdentityProvider.token={TOKEN}",
             f"--ServerApp.root_dir={root}", f"--ServerApp.base_url={PREFIX}", "--ServerApp.allow_remote_access=True"],
            stdout=out, stderr=subprocess.STDOUT, env=jupyter_environment(base), cwd=base,
        )  # fmt: skip
    hub = Hub(process, port, root, log)
    try:
        answers = f"{hub.loopback_url}api/status?token={TOKEN}"
        assert wait_until(lambda: status(answers) or process.poll() is not None, 60), "Jupyter did not answer in 60 s"
        assert process.poll() is None, "Jupyter exited:\n" + hub.log_tail()
        yield hub
    finally:
        process.send_signal(signal.SIGTERM)  # it stops its kernels and the servers it proxies for
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


@pytest.fixture(scope="module")
def chromium(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Debian's Chromium, resolving hub.test to this machine (a hub's name, for Host and Origin headers)."""
    if not Path(CHROMIUM).exists():
        missing(f"Chromium is not at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("playwright is not installed")
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=[*CHROMIUM_ARGS, f"--host-resolver-rules=MAP {HUB_NAME} 127.0.0.1"],
            env=chromium_environment(tmp_path_factory.mktemp("chromium-home")),
        )  # fmt: skip
        yield browser
        browser.close()
    finally:
        playwright.stop()


@pytest.fixture
def signed_in(chromium: Any, hub: Hub) -> Iterator[Any]:
    """A browser context logged in to Jupyter under both its names (the token sets Jupyter's login cookie)."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(20_000)
    page = context.new_page()
    for url in (hub.url, hub.loopback_url):
        assert page.goto(f"{url}api/status?token={TOKEN}").status == 200
    page.close()
    yield context
    context.close()


@pytest.fixture(autouse=True)
def _bounded_test(request: pytest.FixtureRequest) -> Iterator[None]:
    """No test may hang the suite: SIGALRM after TEST_TIMEOUT_S (or its module's own TEST_TIMEOUT_S)."""
    if not hasattr(signal, "SIGALRM"):
        yield
        return
    seconds = int(getattr(request.module, "TEST_TIMEOUT_S", TEST_TIMEOUT_S))

    def expire(signum: int, frame: object) -> None:
        raise TimeoutError(f"{request.node.nodeid} took more than {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
