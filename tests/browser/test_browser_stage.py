"""A countdown on stage: its phases (colour, word, symbol, announcement), overtime counting up with a plus, the
-1 min / +1 min buttons and keys, the countdown form's overtime and thresholds, and what each status allows.

All against the real server (a subprocess, no control token: every page controls). Timings are asserted with margins
that hold on a busy 2-core machine: nothing may happen early, lateness is bounded loosely.
"""

from __future__ import annotations

import json
import re
import time
from typing import Any

# Every change of <body data-phase>, with what the display showed at that moment, in window.phases; every text
# given to the aria-live region in window.announced.
RECORD = """() => {
    window.phases = [];
    window.announced = [];
    const clock = document.getElementById("clock");
    let last = document.body.dataset.phase;
    new MutationObserver(() => {
        if (document.body.dataset.phase === last) return; // set again to the same value: not a change
        last = document.body.dataset.phase;
        window.phases.push({ phase: last, remaining: Number(clock.dataset.remainingMs), text: clock.textContent });
    }).observe(document.body, { attributes: true, attributeFilter: ["data-phase"] });
    const announcer = document.getElementById("announcer");
    new MutationObserver(() => { if (announcer.textContent) window.announced.push(announcer.textContent); })
        .observe(announcer, { childList: true, characterData: true, subtree: true });
}"""

# The colour a CSS custom property resolves to on this page right now, as getComputedStyle writes colours.
CSS_COLOR = """(name) => {
    const probe = document.createElement("span");
    probe.style.color = `var(${name})`;
    document.body.append(probe);
    const color = getComputedStyle(probe).color;
    probe.remove();
    return color;
}"""

READ_PHASE = """() => {
    const phase = document.getElementById("phase");
    return { shown: phase.checkVisibility(), words: document.getElementById("phase-text").textContent,
             icon: document.getElementById("phase-icon").getAttribute("href"),
             clockColor: getComputedStyle(document.getElementById("clock")).color,
             wordColor: getComputedStyle(phase).color,
             background: getComputedStyle(document.body).backgroundColor };
}"""


def css_color(tab: Any, name: str) -> str:
    color: str = tab.page.evaluate(CSS_COLOR, name)
    return color


def read_phase(tab: Any) -> dict[str, Any]:
    result: dict[str, Any] = tab.page.evaluate(READ_PHASE)
    return result


def set_countdown(
    tab: Any, minutes: str, seconds: str, *, overtime: bool = False, warning: str = "", danger: str = ""
) -> None:
    """Fill the new-countdown form as a user does (opening its options) and submit it."""
    page = tab.page
    page.fill("#minutes", minutes)
    page.fill("#seconds", seconds)
    if not page.evaluate("document.getElementById('countdown-options').open"):
        page.click("#countdown-options summary")
    page.set_checked("#overtime", overtime)
    page.fill("#warning-at", warning)
    page.fill("#danger-at", danger)
    page.click("#set-countdown button[type=submit]")


def adjusted(tab: Any) -> int:
    value: int = tab.page.evaluate("TornadoTimer.app.timer.adjusted_ms")
    return value


def test_each_phase_has_its_colour_word_and_symbol(
    timer_server: Any, open_page: Any, timer_name: str, page_problems: list[str]
) -> None:
    tab = open_page(timer_server.page_url(timer=timer_name))  # no token on this server: a controller
    tab.wait_connected()
    set_countdown(tab, "0", "4", overtime=True, warning="0:03", danger="0:02")
    tab.wait("document.body.dataset.mode === 'countdown' && TornadoTimer.app.timer.warning_ms === 3000")
    snapshot = timer_server.snapshot(timer_name)
    assert (snapshot["overtime"], snapshot["warning_ms"], snapshot["danger_ms"]) == (True, 3000, 2000)
    normal = read_phase(tab)
    assert tab.body("phase") == "normal" and not normal["shown"]  # nothing to say yet
    warning_color, danger_color = css_color(tab, "--warning"), css_color(tab, "--danger")
    assert len({normal["clockColor"], warning_color, danger_color}) == 3

    tab.page.evaluate(RECORD)
    tab.page.click("#start")
    tab.wait("document.body.dataset.phase === 'warning'", timeout=10000)
    shown = read_phase(tab)
    assert shown["shown"] and shown["words"] == "Warning" and shown["icon"] == "#icon-warning"
    assert shown["clockColor"] == shown["wordColor"] == warning_color  # amber, and never amber alone
    assert shown["background"] != normal["background"]

    tab.wait("document.body.dataset.phase === 'danger'", timeout=10000)
    shown = read_phase(tab)
    assert (shown["words"], shown["icon"]) == ("Danger", "#icon-danger")
    assert shown["clockColor"] == shown["wordColor"] == danger_color

    tab.wait("document.body.dataset.phase === 'overtime'", timeout=10000)
    shown = read_phase(tab)
    assert (shown["words"], shown["icon"]) == ("Overtime", "#icon-overtime")
    assert shown["clockColor"] == danger_color  # red, with a plus and its own word
    tab.wait("/^\\+00:0[1-9]\\.\\d$/.test(document.getElementById('clock').textContent)", timeout=10000)
    assert tab.status == "running"  # overtime does not finish: it counts on
    assert tab.page.title().startswith("+00:0")

    phases = tab.page.evaluate("window.phases")
    assert [p["phase"] for p in phases] == ["warning", "danger", "overtime"]
    for entry, threshold in zip(phases, [3000, 2000, 0], strict=True):
        # Never early (beyond the clock sync's error); late by at most what a busy machine may add.
        assert threshold - 2000 < entry["remaining"] <= threshold + 150, entry
    assert phases[2]["text"].startswith("+") or phases[2]["text"] == "00:00.0"

    tab.wait("window.announced.some((text) => text.includes('Overtime:'))", timeout=10000)
    said = " | ".join(tab.page.evaluate("window.announced"))
    assert re.search(r"Warning: 00:0[0-3]\.\d left\.", said), said
    assert re.search(r"Danger: 00:0[0-2]\.\d left\.", said), said
    assert "Overtime: time is up, counting on." in said

    tab.page.click("#pause")
    tab.wait_status("paused")
    assert read_phase(tab)["words"] == "Overtime · Paused"
    assert page_problems == []


def test_overtime_counts_up_in_whole_seconds_with_a_plus(timer_server: Any, open_page: Any, timer_name: str) -> None:
    tab = open_page(timer_server.page_url(timer=timer_name))
    tab.wait_connected()
    # Whole seconds (a 1 s interval): what a stage shows. The form keeps the timer's interval, so send it directly.
    tab.page.evaluate("""TornadoTimer.app.send({ type: "set", mode: "countdown", duration_ms: 1000,
                                                 interval_ms: 1000, overtime: true })""")
    tab.wait("document.getElementById('clock').textContent === '00:01'")
    tab.page.evaluate(
        """() => {
            window.texts = [];
            const clock = document.getElementById("clock");
            new MutationObserver(() => window.texts.push(clock.textContent))
                .observe(clock, { childList: true, characterData: true, subtree: true });
        }"""
    )
    tab.page.click("#start")
    tab.wait("document.getElementById('clock').textContent === '+00:02'", timeout=12000)
    texts = tab.page.evaluate("window.texts")
    order = ["00:01", "00:00", "+00:00", "+00:01", "+00:02"]
    assert set(texts) <= set(order), texts
    assert [order.index(t) for t in texts] == sorted(order.index(t) for t in texts), f"ran backwards: {texts}"
    assert "+00:00" in texts and "+00:01" in texts  # the first second past zero reads +00:00, then +00:01
    assert tab.body("phase") == "overtime" and tab.status == "running"
    remaining = timer_server.snapshot(timer_name)["remaining_ms"]
    assert remaining < -1000  # the server agrees: below zero, still running


def test_minus_and_plus_one_minute_buttons_and_keys(timer_server: Any, open_page: Any, timer_name: str) -> None:
    tab = open_page(timer_server.page_url(timer=timer_name))
    tab.wait_connected()
    page = tab.page
    assert page.is_disabled("#adjust-minus") and page.is_disabled("#adjust-plus")  # idle: nothing to adjust
    set_countdown(tab, "5", "0")
    tab.wait("document.body.dataset.mode === 'countdown'")
    assert page.is_disabled("#adjust-plus")
    page.keyboard.press("+")  # pressing a disabled button sends nothing
    page.click("#start")
    tab.wait_status("running")
    assert "adjust" in page.evaluate("TornadoTimer.app.timer.allowed")
    page.evaluate(RECORD)

    page.click("#adjust-plus")
    tab.wait("TornadoTimer.app.timer.adjusted_ms === 60000")
    assert timer_server.snapshot(timer_name)["adjusted_ms"] == 60000
    assert page.text_content("#adjusted") == "adjusted +1:00"
    # Five minutes started a moment ago, plus one: about 6:00. A countdown shows its remaining time rounded up, so
    # within the first tenth of a second after the start it still shows 06:00.0.
    assert re.fullmatch(r"05:5\d\.\d|06:00\.0", tab.clock_text())
    tab.wait("window.announced.some((text) => text.includes('Time adjusted by +1:00'))", timeout=10000)

    page.evaluate("document.activeElement.blur()")
    page.keyboard.press("-")
    tab.wait("TornadoTimer.app.timer.adjusted_ms === 0")
    assert not page.is_visible("#adjusted")  # nothing adjusted any more
    page.keyboard.press("-")
    tab.wait("TornadoTimer.app.timer.adjusted_ms === -60000")
    assert page.text_content("#adjusted") == "adjusted \u22121:00"
    assert re.fullmatch(r"03:5\d\.\d|04:00\.0", tab.clock_text())
    page.keyboard.press("=")  # the + key without Shift
    tab.wait("TornadoTimer.app.timer.adjusted_ms === 0")

    # Typing a minus in a field is typing.
    page.focus("#warning-at")  # (set_countdown opened the form's options)
    page.keyboard.type("-+-")
    time.sleep(0.3)
    assert adjusted(tab) == 0 and timer_server.snapshot(timer_name)["adjusted_ms"] == 0

    page.click("#pause")  # paused, a timer may still be adjusted
    tab.wait_status("paused")
    before = tab.reading()["elapsed"]
    page.evaluate("document.activeElement.blur()")
    page.keyboard.press("+")
    tab.wait("TornadoTimer.app.timer.adjusted_ms === 60000")
    assert tab.status == "paused" and tab.reading()["elapsed"] == before  # the end moved, not the elapsed time
    page.click("#reset")
    tab.wait_status("idle")
    assert adjusted(tab) == 0 and page.is_disabled("#adjust-minus") and not page.is_visible("#adjusted")
    tab.wait("window.announced.some((text) => text.startsWith('Ready'))")
    said = [text for text in tab.page.evaluate("window.announced") if text.startswith("Ready")]
    assert not any("adjusted" in text for text in said), said  # a reset clears adjusted_ms: not an adjustment


def test_countdown_form_checks_overtime_and_thresholds(
    timer_server: Any, open_page: Any, timer_name: str, page: Any
) -> None:
    tab = open_page(timer_server.page_url(timer=timer_name))
    tab.wait_connected()
    version = timer_server.snapshot(timer_name)["version"]
    error = tab.page.locator("#countdown-error")

    cases = [
        # (warning, danger, the field marked, words of the message)
        ("2:00", "2:00", "danger-at", "Danger must be below warning"),
        ("0:30", "2:00", "danger-at", "Danger must be below warning"),
        ("two", "", "warning-at", "write the time left as minutes:seconds"),
        ("1:75", "", "warning-at", "write the time left as minutes:seconds"),
        ("0:00", "", "warning-at", "would never show"),
        ("", "6:00", "danger-at", "must be less than the countdown's length (05:00)"),
    ]
    for warning, danger, field, words in cases:
        set_countdown(tab, "5", "0", warning=warning, danger=danger)
        error.filter(has_text=words).wait_for(state="visible", timeout=10000)
        assert tab.page.get_attribute(f"#{field}", "aria-invalid") == "true", (warning, danger)
        assert tab.page.evaluate("document.activeElement.id") == field  # the field to fix has the focus
        tab.page.locator("#toast").filter(has_text=words).wait_for(state="visible")  # said aloud too (role=alert)
    time.sleep(0.3)
    assert timer_server.snapshot(timer_name)["version"] == version  # none of them was sent

    set_countdown(tab, "5", "0", overtime=True, warning="2:00", danger="0:30")
    tab.wait("TornadoTimer.app.timer.danger_ms === 30000")
    snapshot = timer_server.snapshot(timer_name)
    assert (snapshot["duration_ms"], snapshot["overtime"], snapshot["warning_ms"], snapshot["danger_ms"]) == (
        300000,
        True,
        120000,
        30000,
    )
    assert not error.is_visible()
    assert tab.page.get_attribute("#danger-at", "aria-invalid") is None

    # Another screen opened on this timer finds its settings in the form; its legend says what the closed options hold.
    other = open_page(timer_server.page_url(timer=timer_name), page=page.context.new_page())
    other.wait_connected()
    form = other.page.evaluate(
        """() => ({ open: document.getElementById("countdown-options").open,
                    overtime: document.getElementById("overtime").checked,
                    warning: document.getElementById("warning-at").value,
                    danger: document.getElementById("danger-at").value,
                    legend: document.querySelector("#set-countdown legend").textContent })"""
    )
    assert form == {
        "open": False,
        "overtime": True,
        "warning": "2:00",
        "danger": "0:30",
        "legend": "New countdown · overtime · warning 2:00 · danger 0:30",
    }

    # Empty thresholds and no overtime: a plain countdown again.
    set_countdown(other, "1", "0")
    other.wait("TornadoTimer.app.timer.duration_ms === 60000")
    snapshot = timer_server.snapshot(timer_name)
    assert (snapshot["overtime"], snapshot["warning_ms"], snapshot["danger_ms"]) == (False, None, None)


def test_what_each_status_allows_now_includes_adjust_and_message(
    timer_server: Any, open_page: Any, timer_name: str
) -> None:
    """The buttons of each status from a real server, with its `allowed` lists as they are now."""
    tab = open_page(timer_server.page_url(timer=timer_name))
    tab.wait_connected()
    read = """() => {
        const on = (...ids) => ids.every((id) => !document.getElementById(id).disabled);
        return { allowed: TornadoTimer.app.timer.allowed, adjust: on("adjust-minus", "adjust-plus"),
                 message: on("message-text", "message-show", "message-blink", "message-blackout") };
    }"""

    def check(status: str, allowed: list[str], adjust: bool) -> None:
        tab.wait_status(status)
        assert tab.page.evaluate(read) == {"allowed": allowed, "adjust": adjust, "message": True}, status

    check("idle", ["start", "reset", "set", "message", "rundown"], adjust=False)
    set_countdown(tab, "0", "2")
    tab.wait("document.body.dataset.mode === 'countdown'")
    tab.page.click("#start")
    check("running", ["pause", "reset", "set", "adjust", "message", "rundown"], adjust=True)
    tab.page.click("#pause")
    check("paused", ["start", "resume", "reset", "set", "adjust", "message", "rundown"], adjust=True)
    tab.page.click("#pause")
    check("finished", ["start", "reset", "set", "message", "rundown"], adjust=False)
    assert read_phase(tab)["words"] == "Time is up"


def test_a_tick_confirms_or_corrects_the_phase(timer_server: Any, open_page: Any, timer_name: str) -> None:
    """States announce phases; a tick that says otherwise (a page that missed one) is believed, and said."""
    tab = open_page(timer_server.page_url(timer=timer_name))
    tab.wait_connected()
    set_countdown(tab, "5", "0", warning="2:00")
    tab.wait("document.body.dataset.mode === 'countdown'")
    tab.page.click("#start")
    tab.wait_status("running")
    tab.page.evaluate(RECORD)
    tick = {
        "type": "tick",
        "timer": timer_name,
        "seq": 5,
        "elapsed_ms": 500,
        "remaining_ms": 299500,
        "status": "running",
        "phase": "warning",
        "server_time": time.time() * 1000,
    }
    shown = tab.page.evaluate(
        f"TornadoTimer.app.handleMessage({json.dumps(tick)}); document.getElementById('phase-text').textContent"
    )
    assert shown == "Warning"
    tab.wait("window.announced.some((text) => text.includes('Warning:'))", timeout=10000)
    # The server's next tick says "normal" again (a 5-minute countdown is far from 2:00 left), and is believed.
    tab.wait("document.body.dataset.phase === 'normal'", timeout=10000)
    tab.wait("window.announced.some((text) => text.includes('Back to normal'))", timeout=10000)
