"""Several screens on one timer: the same value at the same moment, a pause seen everywhere, a countdown's end."""

from __future__ import annotations

import itertools
import time
from typing import Any

# Two tabs' readings, brought to one instant, may differ by this much. The page aims at a few ms; the margin is
# for a busy 2-core machine.
AGREEMENT_MS = 100


def value_at(reading: dict[str, float], instant: float) -> float:
    """What a running display showed at `instant`: its value when drawn plus the time since (ms)."""
    return reading["elapsed"] + (instant - reading["renderedAt"])


def test_two_pages_agree_and_a_pause_reaches_both(
    timer_server: Any, open_page: Any, page: Any, timer_name: str
) -> None:
    first = open_page(timer_server.page_url(timer=timer_name))
    second = open_page(timer_server.page_url(timer=timer_name), page=page.context.new_page())
    first.wait_connected()
    second.wait_connected()

    first.page.click("#start")
    for tab in (first, second):
        tab.wait_status("running")
        tab.wait("TornadoTimer.app.clock.samples >= 3", timeout=3000)  # the clock sync has its samples
    time.sleep(0.3)

    for _ in range(5):  # several samples, each pair read as close together as the test can
        a, b = first.reading(), second.reading()
        instant = a["now"]
        difference = value_at(a, instant) - value_at(b, instant)
        assert abs(difference) < AGREEMENT_MS, f"the two pages disagree by {difference:.1f} ms"
        assert a["elapsed"] > 0
        time.sleep(0.05)

    second.page.click("#pause")
    for tab in (first, second):
        tab.wait_status("paused", timeout=2000)
        # Screen readers hear the change once, in the polite live region (not every tick).
        tab.wait("document.getElementById('announcer').textContent.startsWith('Paused at')", timeout=2000)
    assert first.clock_text() == second.clock_text()
    assert first.reading()["elapsed"] == second.reading()["elapsed"] == timer_server.snapshot(timer_name)["elapsed_ms"]


def test_named_timers_stay_apart(timer_server: Any, open_page: Any, page: Any, timer_name: str) -> None:
    mine = open_page(timer_server.page_url(timer=timer_name))
    other_name = timer_name[:50] + "-other"
    other = open_page(timer_server.page_url(timer=other_name), page=page.context.new_page())
    mine.wait_connected()
    other.wait_connected()
    assert mine.page.text_content("#timer-name") == timer_name
    assert other.page.text_content("#timer-name") == other_name

    mine.page.click("#start")
    mine.wait_status("running")
    time.sleep(0.3)
    assert other.status == "idle"
    assert timer_server.snapshot(other_name)["status"] == "idle"
    assert timer_server.snapshot()["status"] == "running"  # the default timer: untouched by either


def test_countdown_set_from_the_page_finishes_at_zero(timer_server: Any, open_page: Any, timer_name: str) -> None:
    tab = open_page(timer_server.page_url(timer=timer_name))
    tab.wait_connected()
    tab.page.fill("#minutes", "0")
    tab.page.fill("#seconds", "3")
    tab.page.click("#set-countdown button[type=submit]")
    tab.wait("document.body.dataset.mode === 'countdown' && document.body.dataset.status === 'idle'")
    assert tab.clock_text() == "00:03.0"  # tenths: this server ticks every 100 ms

    # Record every value the display shows, to check it never runs backwards.
    tab.page.evaluate(
        """() => {
            window.shownRemaining = [];
            const clock = document.getElementById("clock");
            new MutationObserver(() => {
                if (document.body.dataset.status !== "running") return;
                window.shownRemaining.push(Number(clock.dataset.remainingMs));
            }).observe(clock, { attributes: true, attributeFilter: ["data-remaining-ms"] });
        }"""
    )
    started = time.monotonic()
    tab.page.click("#start")
    tab.wait_status("finished", timeout=8000)
    took = time.monotonic() - started
    assert 2.5 < took < 8, f"a 3 s countdown finished after {took:.2f} s"

    assert tab.clock_text() == "00:00.0"
    assert tab.page.title().startswith("00:00.0 (finished)")
    assert tab.page.text_content("#timer-status") == "Finished"
    color = tab.page.evaluate("getComputedStyle(document.getElementById('clock')).color")
    idle_color = tab.page.evaluate("getComputedStyle(document.getElementById('timer-name')).color")
    assert color != idle_color  # the finished state has its own colour
    animation = "getComputedStyle(document.getElementById('clock')).animationName"
    assert tab.page.evaluate(animation) == "flash"
    tab.page.emulate_media(reduced_motion="reduce")  # no flashing for those who asked for less motion
    assert tab.page.evaluate(animation) == "none"
    shown = tab.page.evaluate("window.shownRemaining")
    assert len(shown) > 20
    assert all(later <= earlier for earlier, later in itertools.pairwise(shown)), "ran backwards"
    assert min(shown) >= 0
    time.sleep(0.3)
    assert tab.clock_text() == "00:00.0"  # no overtime
