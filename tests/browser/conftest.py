"""Fixtures for the browser tests: the real server as a subprocess, and Debian's Chromium through Playwright.

The sync Playwright API cannot run inside a running asyncio loop, so the server always runs in its own process
(helpers.launch), on an ephemeral port (or, to test a restart, on the port it had before). Pages use one host
string, 127.0.0.1, everywhere: the server accepts same-origin pages only when the Origin's host equals the Host
header. These tests are sync on purpose: pytest-playwright's `page` is Playwright's sync API.

Screenshots go to a temporary folder, or to PAGE_SCREENSHOT_DIR when it is set (to look at them, or keep them as
CI artifacts); UPDATE_PAGE_SCREENSHOT=1 also refreshes docs/img/page.png, the README's picture of the page.
"""

from __future__ import annotations

import json
import os
import re
import signal
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers import CHROMIUM, CHROMIUM_ARGS, IN_CI, ROOT, ServerProcess, chromium_environment, launch, missing

STATIC = ROOT / "static"
HOST = "127.0.0.1"
TEST_TIMEOUT_S = 45  # a hard bound on any one test, on top of Playwright's own timeouts
PAGE_TIMEOUT_MS = 10_000

try:
    import playwright.sync_api  # noqa: F401
    import pytest_playwright  # noqa: F401

    PLAYWRIGHT_MISSING = None
except ImportError as error:
    PLAYWRIGHT_MISSING = f"the browser tests need playwright and pytest-playwright ({error})"

if PLAYWRIGHT_MISSING and not IN_CI:
    # Nothing here can run; outside CI say so in the header instead of failing. In CI the test modules'
    # imports fail, so a missing browser can never pass for a green run.
    collect_ignore_glob = ["test_*.py"]


def pytest_report_header(config: pytest.Config) -> str | None:
    if PLAYWRIGHT_MISSING and not IN_CI:
        return f"tests/browser not collected: {PLAYWRIGHT_MISSING}"
    return None


# ---- Chromium through pytest-playwright ------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser_type_launch_args(
    browser_type_launch_args: dict[str, Any], tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, Any]:
    """Debian's Chromium, not a browser Playwright downloads (that download fails here), with the files it writes
    besides its temporary profile in a temporary home."""
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        missing(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS, "headless": True,
            "env": chromium_environment(tmp_path_factory.mktemp("chromium-home"))}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_context_args, "viewport": {"width": 1280, "height": 800}}


@pytest.fixture(autouse=True)
def _page_defaults(request: pytest.FixtureRequest) -> None:
    if "page" in request.fixturenames:
        request.getfixturevalue("page").set_default_timeout(PAGE_TIMEOUT_MS)


@pytest.fixture(autouse=True)
def _bounded_test(request: pytest.FixtureRequest) -> Iterator[None]:
    """No test may hang the suite: SIGALRM after TEST_TIMEOUT_S (unless pytest-timeout is in charge)."""
    if request.config.pluginmanager.hasplugin("timeout") or not hasattr(signal, "SIGALRM"):
        yield
        return

    def expire(signum: int, frame: object) -> None:
        raise TimeoutError(f"{request.node.nodeid} took more than {TEST_TIMEOUT_S} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(TEST_TIMEOUT_S)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


# ---- The server ------------------------------------------------------------------------------------------


class TimerServer:
    """`python -m tornado_timer` in a subprocess (helpers.launch); `start()` after `stop()` brings it back on the
    same port."""

    def __init__(self, args: list[str], log: Path, control_token: str | None = None) -> None:
        self.args = args
        self.control_token = control_token  # the --control-token in `args`, if any, for the tests to present
        self.log_path = log
        # A restart is on a fixed port, and the CLI then keeps its state file in $XDG_STATE_HOME: keep it here.
        self.state_home = log.parent / f"{log.stem}-state"
        self.server: ServerProcess | None = None
        self.port = 0
        self.start()

    def start(self, *args: str) -> None:
        """Start (again), on the same port once one has been picked; `args` replace the initial options."""
        if args:
            self.args = list(args)
        self.server = launch(self.args, {"XDG_STATE_HOME": str(self.state_home)}, timeout=15, port=self.port,
                             log=self.log_path)
        self.port = self.server.port

    def stop(self) -> None:
        """SIGTERM, as a user's Ctrl+C or a service manager would; kill only if it hangs."""
        server, self.server = self.server, None
        if server is not None:
            server.stop()

    def freeze(self) -> None:
        """SIGSTOP: the sockets stay open but nothing answers, like a peer behind a sleeping laptop's Wi-Fi."""
        assert self.server is not None
        self.server.process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        assert self.server is not None
        self.server.process.send_signal(signal.SIGCONT)

    @property
    def http_url(self) -> str:
        return f"http://{HOST}:{self.port}/"

    @property
    def ws_address(self) -> str:
        return f"ws://{HOST}:{self.port}"

    def page_url(self, **query: str) -> str:
        return self.http_url + ("?" + urllib.parse.urlencode(query) if query else "")

    def snapshot(self, name: str = "default") -> dict[str, Any]:
        """The timer as the server sees it, over plain HTTP."""
        with urllib.request.urlopen(f"{self.http_url}api/timers/{name}", timeout=5) as response:
            timer: dict[str, Any] = json.load(response)["timer"]
            return timer


@pytest.fixture(scope="session")
def timer_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TimerServer]:
    """One server for the tests that only use their own named timers: ticks every 100 ms."""
    server = TimerServer(["--interval", "0.1"], tmp_path_factory.mktemp("server") / "server.log")
    yield server
    server.stop()


CONTROL_TOKEN = "SOMETOKEN12"


@pytest.fixture(scope="session")
def token_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TimerServer]:
    """A server with a control token (CONTROL_TOKEN): pages without it are viewers. Ticks every 100 ms."""
    args = ["--interval", "0.1", "--control-token", CONTROL_TOKEN]
    server = TimerServer(args, tmp_path_factory.mktemp("server") / "server.log", control_token=CONTROL_TOKEN)
    yield server
    server.stop()


@pytest.fixture
def start_timer_server(tmp_path: Path) -> Iterator[Callable[..., TimerServer]]:
    """A server of the test's own, for tests that stop, restart or freeze it."""
    started: list[TimerServer] = []

    def start(*args: str) -> TimerServer:
        server = TimerServer(list(args), tmp_path / f"server{len(started)}.log")
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def timer_name(request: pytest.FixtureRequest) -> str:
    """A name no other test uses, so tests sharing a server stay apart."""
    stem = re.sub(r"[^A-Za-z0-9_-]", "-", request.node.name)[:40]
    return f"{stem}-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def page_problems(page: Any) -> list[str]:
    """Every console error and uncaught exception of `page`, collected while the test runs."""
    problems: list[str] = []

    def on_console(message: Any) -> None:
        if message.type == "error":
            problems.append(f"console error: {message.text}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(f"uncaught exception: {error}"))
    return problems


@pytest.fixture(scope="session")
def screenshot_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the screenshots go: PAGE_SCREENSHOT_DIR if set, else a temporary folder."""
    chosen = os.environ.get("PAGE_SCREENSHOT_DIR")
    if not chosen:
        return tmp_path_factory.mktemp("screenshots")
    directory = Path(chosen)
    directory.mkdir(parents=True, exist_ok=True)
    return directory


@pytest.fixture(scope="session")
def file_url() -> Callable[..., str]:
    """The URL of static/index.html opened straight from disk, with an optional query."""

    def make(**query: str) -> str:
        url = (STATIC / "index.html").as_uri()
        return url + ("?" + urllib.parse.urlencode(query, safe=":/") if query else "")

    return make


# ---- The page --------------------------------------------------------------------------------------------


class TimerPage:
    """A tab showing the timer page, read through what the page exposes: data-* attributes and TornadoTimer.app."""

    def __init__(self, page: Any) -> None:
        self.page = page

    def goto(self, url: str, settings: dict[str, Any] | None = None) -> TimerPage:
        if settings:  # read by app.js at start: shorter heartbeats and backoff for tests
            self.page.add_init_script(f"window.TornadoTimerSettings = {json.dumps(settings)};")
        self.page.goto(url)
        return self

    def body(self, name: str) -> str | None:
        value: str | None = self.page.get_attribute("body", f"data-{name}")
        return value

    @property
    def status(self) -> str | None:
        return self.body("status")

    @property
    def connection(self) -> str | None:
        return self.body("connection")

    def clock_text(self) -> str:
        return str(self.page.text_content("#clock"))

    def wait(self, condition: str, timeout: float = PAGE_TIMEOUT_MS) -> None:
        """Wait until the JavaScript expression `condition` is true in the page."""
        self.page.wait_for_function(condition, timeout=timeout)

    def wait_connected(self, timeout: float = PAGE_TIMEOUT_MS) -> None:
        self.wait(
            "document.body.dataset.connection === 'connected' && document.body.dataset.status !== 'none'", timeout
        )

    def wait_status(self, status: str, timeout: float = PAGE_TIMEOUT_MS) -> None:
        self.wait(f"document.body.dataset.status === {json.dumps(status)}", timeout)

    def wait_connection(self, kind: str, timeout: float = PAGE_TIMEOUT_MS) -> None:
        self.wait(f"document.body.dataset.connection === {json.dumps(kind)}", timeout)

    def reading(self) -> dict[str, float]:
        """The value on display, when it was drawn, and now (both on this page's clock, epoch ms)."""
        result: dict[str, float] = self.page.evaluate(
            """() => {
                const clock = document.getElementById("clock").dataset;
                return { elapsed: Number(clock.elapsedMs), renderedAt: Number(clock.renderedAt),
                         version: Number(clock.version), now: performance.timeOrigin + performance.now() };
            }"""
        )
        return result

    def open_share(self) -> None:
        """Open the Share panel the way a keyboard user would: focus its button, press Enter."""
        self.page.focus("#share-toggle")
        self.page.keyboard.press("Enter")
        self.page.locator("#share-panel").wait_for(state="visible")

    def share(self) -> dict[str, Any]:
        """What the Share panel offers: the links as shown (None for one not shown), its labels and notes."""
        result: dict[str, Any] = self.page.evaluate(
            """() => {
                const shown = (id) => { const node = document.getElementById(id);
                                        return node.checkVisibility() ? node.textContent.trim() : null; };
                return { view: shown("share-view-url"), control: shown("share-control-url"),
                         viewLabel: shown("share-view-label"), viewNote: shown("share-view-note"),
                         warning: document.querySelector(".share-warning").checkVisibility(),
                         loopback: shown("share-loopback"), status: shown("share-copy-status") };
            }"""
        )
        return result

    def disabled(self) -> dict[str, bool]:
        """Which controls are disabled, by id."""
        result: dict[str, bool] = self.page.evaluate(
            """() => Object.fromEntries(["start", "pause", "reset", "stopwatch"].map(
                (id) => [id, document.getElementById(id).disabled]))"""
        )
        return result


@pytest.fixture
def open_page(page: Any) -> Callable[..., TimerPage]:
    """open_page(url) shows `url` in the test's page; open_page(url, page=other) in another tab."""

    def open_(url: str, page: Any = page, settings: dict[str, Any] | None = None) -> TimerPage:
        page.set_default_timeout(PAGE_TIMEOUT_MS)
        return TimerPage(page).goto(url, settings)

    return open_
