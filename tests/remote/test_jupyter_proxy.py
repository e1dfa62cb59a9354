"""The timer's page where most learners open the walkthrough: on a JupyterHub, through jupyter-server-proxy.

A real Jupyter server (set up as a hub sets up a user's: conftest.py) and Debian's Chromium: the page of a server
started beside the kernel opens at `{base_url}proxy/PORT/`, connects, ticks and controls its timer; the Host
check still refuses the hub's name until the server is told to answer it; the launcher's entry starts a timer
server at `{base_url}tornado-timer/`; and notebook 6, run in Notebook 7, embeds its page through the proxy.
"""

from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from helpers import ServerProcess, wait_until
from remote_support import HUB_NAME, PREFIX, TOKEN, Hub

pytestmark = pytest.mark.slow

LAST_OUTPUT = re.compile(r"running \| connected \| \d\d:\d\d\.\d \| serving http://127\.0\.0\.1:(\d+)/")
CONNECTED = "document.body.dataset.connection === 'connected' && document.body.dataset.status !== 'none'"


def _status(port: int, timer: str = "default") -> str | None:
    """The timer's status, as the server itself says over plain HTTP (not through any proxy)."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/timers/{timer}", timeout=2) as response:
            status: str = json.load(response)["timer"]["status"]
            return status
    except (OSError, KeyError, ValueError):
        return None


def _wait_ticking(tab: Any) -> None:
    """The clock on the page (a page or a frame) changes by itself: the ticks arrive."""
    first = tab.locator("#clock").text_content()
    tab.locator("#clock").filter(has_not_text=first).wait_for(timeout=10_000)


def _start_and_pause(tab: Any, port: int, timer: str) -> None:
    """Press Start, then Pause, on the page, and see each arrive at the server."""
    tab.locator("#start").click()
    assert wait_until(lambda: _status(port, timer) == "running", 10), "Start did not reach the server"
    _wait_ticking(tab)
    tab.locator("#pause").click()
    assert wait_until(lambda: _status(port, timer) == "paused", 10), "Pause did not reach the server"


def test_a_laptops_jupyter_proxies_the_page_as_it_is(
    hub: Hub, signed_in: Any, start_server_process: Callable[..., ServerProcess],
) -> None:
    """Jupyter on loopback: the proxy forwards Host 127.0.0.1:J, which the Host check accepts without options."""
    server = start_server_process("--interval", "0.1")
    tab = signed_in.new_page()
    tab.goto(f"{hub.loopback_url}proxy/{server.port}/?timer=laptop")
    tab.wait_for_function(CONNECTED)
    assert tab.locator("#server-url").text_content() == f"ws://127.0.0.1:{hub.port}{PREFIX}proxy/{server.port}/ws/laptop"
    _start_and_pause(tab, server.port, "laptop")


def test_on_a_hub_the_page_works_once_the_server_answers_the_hubs_name(
    hub: Hub, signed_in: Any, start_server_process: Callable[..., ServerProcess],
) -> None:
    """Through a hub the proxy forwards the hub's own Host: refused (DNS rebinding looks the same) until the
    server is told the name; then the page connects, ticks and controls, and its links keep the prefix."""
    # Without the name: the proxy opens the browser's socket, then drops it when the server refuses; the page
    # asks the server why over plain HTTP (through the proxy, with Jupyter's cookie) and says so.
    plain = start_server_process("--interval", "0.1")
    refused = signed_in.new_page()
    refused.goto(f"{hub.url}proxy/{plain.port}/")
    problem = refused.locator("#problem").filter(has_text="HTTP 403").filter(has_text="Host header refused")
    problem.filter(has_text="--allow-host").wait_for(timeout=15_000)
    assert refused.evaluate("document.body.dataset.connection") != "connected"

    allowed = start_server_process("--interval", "0.1", "--allow-host", HUB_NAME)
    tab = signed_in.new_page()
    tab.goto(f"{hub.url}proxy/{allowed.port}/?timer=hub")
    tab.wait_for_function(CONNECTED)
    base = f"{HUB_NAME}:{hub.port}{PREFIX}proxy/{allowed.port}/"
    assert tab.locator("#server-url").text_content() == f"ws://{base}ws/hub"
    _start_and_pause(tab, allowed.port, "hub")
    tab.locator("#share-toggle").click()
    assert tab.locator("#share-view-url").text_content() == f"http://{base}?timer=hub"


def _launcher_server_port(hub: Hub) -> int | None:
    """The port of the timer server Jupyter started for the launcher: a child process of Jupyter's (read from
    /proc, as `ps` would)."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            command = (stat.parent / "cmdline").read_bytes().decode(errors="replace").split("\0")
        except (OSError, IndexError, ValueError):
            continue  # gone meanwhile
        if parent == hub.process.pid and "tornado_timer" in command and "--port" in command:
            return int(command[command.index("--port") + 1])
    return None


def test_the_launcher_starts_a_timer_server_that_only_jupyters_users_control(hub: Hub, signed_in: Any) -> None:
    # The tile: what JupyterLab's launcher reads to draw it (title, icon, where it leads).
    info = json.load(urllib.request.urlopen(f"{hub.loopback_url}server-proxy/servers-info?token={TOKEN}", timeout=5))
    entry = next(s for s in info["server_processes"] if s["name"] == "tornado-timer")
    tile = entry["launcher_entry"]
    assert (tile["title"], tile["enabled"], tile["path_info"]) == ("Tornado Timer", True, "tornado-timer/")
    icon = urllib.request.urlopen(f"http://127.0.0.1:{hub.port}{tile['icon_url']}?token={TOKEN}", timeout=5)
    assert icon.headers["Content-Type"] == "image/svg+xml" and icon.read().startswith(b"<svg")

    tab = signed_in.new_page()
    tab.goto(f"{hub.url}{tile['path_info']}")  # where the tile leads: the first request starts the server
    tab.wait_for_function(CONNECTED, timeout=60_000)
    assert tab.locator("#server-url").text_content() == f"ws://{HUB_NAME}:{hub.port}{PREFIX}tornado-timer/ws"
    _wait_ticking(tab)  # the default timer runs from the start
    port = _launcher_server_port(hub)
    assert port is not None, "no timer server among Jupyter's child processes"
    tab.locator("#pause").click()  # a controller, through Jupyter: the proxy added the control token
    assert wait_until(lambda: _status(port) == "paused", 10), "Pause did not reach the launcher's server"
    # Straight to its port, without Jupyter's login, one only watches: an action is refused.
    request = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/timers/default/resume", method="POST")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=5)
    assert refused.value.code == 403
    assert _status(port) == "paused"


def test_notebook_6_embeds_its_page_through_the_proxy(hub: Hub, signed_in: Any) -> None:
    """Run All in Notebook 7 on the hub: the frame shows the server's page at {base_url}proxy/PORT/, ticking."""
    page = signed_in.new_page()
    page.set_viewport_size({"width": 1280, "height": 2000})
    page.goto(f"{hub.url}notebooks/06-widget.ipynb")
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60_000)
    _run_all(page, hub)
    last = page.locator(".jp-OutputArea-output", has_text=LAST_OUTPUT)
    last.wait_for(timeout=90_000)
    port = int(LAST_OUTPUT.search(str(last.inner_text())).group(1))  # type: ignore[union-attr]
    page.locator("iframe").scroll_into_view_if_needed()
    assert page.locator("iframe").get_attribute("src") == f"{PREFIX}proxy/{port}/"
    printed = page.locator(".jp-OutputArea-output", has_text="the page:")
    assert printed.inner_text().strip() == f"the page: {PREFIX}proxy/{port}/"
    frame = page.frame_locator("iframe")
    frame.locator("body[data-connection='connected']").wait_for(timeout=20_000)
    _wait_ticking(frame)  # the notebook's last cell left a countdown running
    frame.locator("#pause").click()
    assert wait_until(lambda: _status(port) == "paused", 10), "the embedded page's Pause did not reach the server"


def _run_all(page: Any, hub: Hub) -> None:
    """Run All Cells, once the kernel is there (a Run All sent while the page still connects can be lost)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    kernels = f"{hub.loopback_url}api/kernels?token={TOKEN}"
    assert wait_until(lambda: any(k.get("execution_state") == "idle" for k in _json(kernels) or []), 60)
    executed = page.locator(".jp-InputPrompt", has_text=re.compile(r"\[(\*|\d+)\]"))
    for attempt in range(2):
        page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
        item = page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$"))
        item.wait_for(timeout=10_000)
        item.click()
        try:
            executed.first.wait_for(timeout=20_000)
            return
        except PlaywrightTimeout:
            if attempt:
                raise
            time.sleep(1)


def _json(url: str) -> Any:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return json.loads(response.read())
    except OSError:
        return None
