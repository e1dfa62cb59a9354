"""The buttons follow the `allowed` list of the server's last state: the page keeps no table of its own."""

from __future__ import annotations

import json
import re
import time
from typing import Any

# What the controls show: each button's disabled flag, the Pause button's label, the countdown form's submit.
READ_CONTROLS = """() => {
    const disabled = (selector) => document.querySelector(selector).disabled;
    return { start: disabled("#start"), pause: disabled("#pause"), reset: disabled("#reset"),
             stopwatch: disabled("#stopwatch"), submit: disabled("#set-countdown button[type=submit]"),
             pauseLabel: document.getElementById("pause").textContent };
}"""


def controls(tab: Any) -> dict[str, Any]:
    result: dict[str, Any] = tab.page.evaluate(READ_CONTROLS)
    return result


def expected(
    *enabled: str, label: str = "Pause", of: tuple[str, ...] = ("start", "pause", "reset", "stopwatch", "submit")
) -> dict[str, Any]:
    """The controls with only `enabled` enabled, and the Pause button reading `label`."""
    return {**{name: name not in enabled for name in of}, "pauseLabel": label}


def inject_state(tab: Any, status: str, allowed: list[str] | None, mode: str = "stopwatch") -> None:
    """Hand the page a `state` for its own timer, as if the server had sent it; `allowed` None leaves it out."""
    tab.page.evaluate(
        """([status, allowed, mode]) => {
            const held = TornadoTimer.app.timer;
            const timer = { name: held.name, mode, status, duration_ms: mode === "countdown" ? 60000 : null,
                            elapsed_ms: 1000, remaining_ms: mode === "countdown" ? 59000 : null,
                            interval_ms: held.interval_ms, initial_ms: 0, version: held.version + 1 };
            const state = { type: "state", protocol: 1, timer, server_time: Date.now() };
            if (allowed !== null) state.allowed = allowed;
            TornadoTimer.app.handleMessage(state);
        }""",
        [status, allowed, mode],
    )


def keep_commands(page: Any) -> list[str]:
    """Put Playwright between the page and the server: pings go through, commands are kept here (their types,
    in order) and never reach the server, so the injected states stay the only ones the page sees."""
    commands: list[str] = []

    def route(socket: Any) -> None:
        server = socket.connect_to_server()

        def from_page(text: str | bytes) -> None:
            kind = json.loads(text)["type"]
            if kind == "ping":
                server.send(text)
            else:
                commands.append(kind)

        socket.on_message(from_page)

    page.route_web_socket(re.compile(r"/ws(/|$)"), route)
    return commands


def test_buttons_follow_allowed_even_against_the_status(
    timer_server: Any, open_page: Any, timer_name: str, page: Any, page_problems: list[str]
) -> None:
    """States whose `allowed` contradicts their status: a page with its own status table would get these wrong."""
    commands = keep_commands(page)
    tab = open_page(timer_server.page_url(timer=timer_name))
    tab.wait_connected()
    idle = ["start", "reset", "set", "message", "rundown"]  # real, idle: no rundown, so no next, previous or cue
    assert tab.page.evaluate("TornadoTimer.app.timer.allowed") == idle

    cases = [
        # (status, mode, allowed, what is enabled, the Pause button's label)
        ("idle", "stopwatch", ["pause"], ["pause"], "Pause"),
        ("idle", "stopwatch", ["resume"], ["pause"], "Resume"),
        ("running", "stopwatch", ["start", "reset", "set"], ["start", "reset", "stopwatch", "submit"], "Pause"),
        ("paused", "countdown", [], [], "Pause"),
        ("paused", "countdown", ["pause", "set"], ["pause", "stopwatch", "submit"], "Pause"),
        ("finished", "countdown", ["start", "resume"], ["pause"], "Resume"),
        ("running", "countdown", ["start", "pause", "resume", "reset", "set"],
         ["pause", "reset", "stopwatch", "submit"], "Resume"),
        # The two rules of the page's own: an idle timer is not reset, an idle stopwatch not switched to a stopwatch.
        ("idle", "stopwatch", ["start", "reset", "set"], ["start", "submit"], "Pause"),
        ("idle", "countdown", ["set"], ["stopwatch", "submit"], "Pause"),
    ]  # fmt: skip
    for status, mode, allowed, enabled, label in cases:
        inject_state(tab, status, allowed, mode)
        assert tab.status == status
        assert controls(tab) == expected(*enabled, label=label), (status, mode, allowed)
        assert tab.page.evaluate("TornadoTimer.app.timer.allowed") == allowed

    # A state without `allowed` (a server from before it existed) offers nothing.
    inject_state(tab, "paused", None)
    assert controls(tab) == expected()

    # A tick leaves `allowed` as the last state said.
    inject_state(tab, "running", ["reset"])
    tick = {"type": "tick", "timer": timer_name, "seq": 20, "elapsed_ms": 2000, "remaining_ms": None,
            "status": "running", "server_time": time.time() * 1000}  # fmt: skip
    tab.page.evaluate("(tick) => TornadoTimer.app.handleMessage(tick)", tick)
    assert tab.page.evaluate("TornadoTimer.app.timer.elapsed_ms") == 2000
    assert tab.page.evaluate("TornadoTimer.app.timer.allowed") == ["reset"]
    assert controls(tab) == expected("reset")

    # The Pause button sends whichever of pause and resume is allowed; Space and R press the buttons.
    assert commands == []
    inject_state(tab, "idle", ["pause"])
    tab.page.click("#pause")
    inject_state(tab, "running", ["resume"])
    tab.page.click("#pause")
    tab.page.evaluate("document.activeElement.blur()")  # Space on a focused button would press that button
    inject_state(tab, "paused", ["start", "pause"])
    tab.page.keyboard.press(" ")  # Start is enabled: Space presses it
    tab.page.evaluate("document.activeElement.blur()")
    inject_state(tab, "paused", ["start", "resume"])
    tab.page.keyboard.press(" ")  # Start is not offered beside Resume: Space presses Resume
    inject_state(tab, "finished", ["pause", "reset"])
    tab.page.keyboard.press("r")
    deadline = time.monotonic() + 3
    while len(commands) < 5 and time.monotonic() < deadline:
        tab.page.wait_for_timeout(50)  # lets Playwright hand over what the page sent
    assert commands == ["pause", "resume", "start", "resume", "reset"]
    assert timer_server.snapshot(timer_name)["version"] == 0  # the server saw none of them
    assert page_problems == []


def test_buttons_for_each_status_from_a_real_server(timer_server: Any, open_page: Any, timer_name: str) -> None:
    """What a real server allows in each status, and the buttons the page offers for it."""
    tab = open_page(timer_server.page_url(timer=timer_name))
    tab.wait_connected()

    def check(status: str, allowed: list[str], *enabled: str, label: str = "Pause") -> None:
        tab.wait_status(status)
        assert tab.page.evaluate("TornadoTimer.app.timer.allowed") == allowed
        assert controls(tab) == expected(*enabled, label=label), status

    idle = ["start", "reset", "set", "message", "rundown"]  # also finished: a timer without a rundown
    running = ["pause", "reset", "set", "adjust", "message", "rundown"]
    paused = ["start", "resume", "reset", "set", "adjust", "message", "rundown"]
    # A new timer: an idle stopwatch (nothing to reset, already a stopwatch).
    check("idle", idle, "start", "submit")
    tab.page.click("#start")
    check("running", running, "pause", "reset", "stopwatch", "submit")
    tab.page.click("#pause")
    check("paused", paused, "pause", "reset", "stopwatch", "submit", label="Resume")
    tab.page.click("#pause")  # reads Resume, and resumes
    check("running", running, "pause", "reset", "stopwatch", "submit")

    tab.page.fill("#minutes", "0")
    tab.page.fill("#seconds", "1")
    tab.page.click("#set-countdown button[type=submit]")
    tab.wait("document.body.dataset.mode === 'countdown'")
    # an idle countdown may become a stopwatch
    check("idle", idle, "start", "stopwatch", "submit")
    tab.page.click("#start")
    check("finished", idle, "start", "reset", "stopwatch", "submit")
    tab.page.click("#reset")
    check("idle", idle, "start", "stopwatch", "submit")
