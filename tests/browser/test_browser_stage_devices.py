"""What the page asks of the device: the screen kept on while a timer runs (Screen Wake Lock), and the optional chime
at zero (WebAudio, behind "Sound on", remembered).

Headless Chromium grants no real wake lock, so the tests hand the page a stand-in for navigator.wakeLock (before its
scripts run) that records what it is asked; the chime runs on Chromium's real WebAudio, counted by a spy.
"""

from __future__ import annotations

import time
from typing import Any

# A stand-in for navigator.wakeLock: window.wakeLog records "request" and "release"; window.setHidden(bool) plays the
# page being hidden (the browser then releases the lock itself, as real browsers do) or shown again.
FAKE_WAKE_LOCK = """
(() => {
    window.wakeLog = [];
    let hidden = false;
    let held = null;
    Object.defineProperty(Document.prototype, "visibilityState", { get: () => (hidden ? "hidden" : "visible") });
    Object.defineProperty(Document.prototype, "hidden", { get: () => hidden });
    const wakeLock = {
        async request(type) {
            window.wakeLog.push(`request ${type}`);
            const sentinel = new EventTarget();
            sentinel.released = false;
            sentinel.type = type;
            sentinel.release = async () => {
                if (sentinel.released) return;
                sentinel.released = true;
                window.wakeLog.push("release");
                sentinel.dispatchEvent(new Event("release"));
            };
            held = sentinel;
            return sentinel;
        },
    };
    Object.defineProperty(Navigator.prototype, "wakeLock", { get: () => wakeLock, configurable: true });
    window.setHidden = (value) => {
        hidden = value;
        if (hidden && held && !held.released) {  // the browser lets the lock go when the page is hidden
            held.released = true;
            window.wakeLog.push("released by the browser");
            held.dispatchEvent(new Event("release"));
        }
        document.dispatchEvent(new Event("visibilitychange"));
    };
})();
"""

NO_WAKE_LOCK = "Object.defineProperty(Navigator.prototype, 'wakeLock', { get: () => undefined });"
REFUSING_WAKE_LOCK = """Object.defineProperty(Navigator.prototype, "wakeLock", { get: () => ({
    request: () => Promise.reject(new DOMException("Wake Lock permission request denied", "NotAllowedError")),
}) });"""

# Counts the oscillators the page makes: each chime is made of notes, each note an oscillator.
COUNT_OSCILLATORS = """
window.oscillators = 0;
const createOscillator = AudioContext.prototype.createOscillator;
AudioContext.prototype.createOscillator = function () { window.oscillators += 1; return createOscillator.call(this); };
"""


def wake_log(tab: Any) -> list[str]:
    log: list[str] = tab.page.evaluate("window.wakeLog")
    return log


def test_the_screen_stays_on_while_the_timer_runs(
    timer_server: Any, open_page: Any, timer_name: str, page: Any, page_problems: list[str]
) -> None:
    page.add_init_script(FAKE_WAKE_LOCK)
    tab = open_page(timer_server.page_url(timer=timer_name))
    tab.wait_connected()
    assert tab.body("wake-lock") == "off" and wake_log(tab) == []  # idle: nothing asked

    tab.page.click("#start")
    tab.wait("document.body.dataset.wakeLock === 'held'")
    assert wake_log(tab) == ["request screen"]
    tab.page.click("#pause")
    tab.wait("document.body.dataset.wakeLock === 'off'")
    assert wake_log(tab) == ["request screen", "release"]

    tab.page.click("#pause")  # Resume
    tab.wait("document.body.dataset.wakeLock === 'held'")
    tab.page.evaluate("window.setHidden(true)")  # another tab in front: the browser lets the lock go
    tab.wait("document.body.dataset.wakeLock === 'off'")
    time.sleep(0.3)
    assert wake_log(tab)[-1] == "released by the browser"  # and the page asks for none while hidden
    tab.page.evaluate("window.setHidden(false)")  # back: asked for again
    tab.wait("document.body.dataset.wakeLock === 'held'")
    assert wake_log(tab) == ["request screen", "release", "request screen", "released by the browser", "request screen"]

    tab.page.click("#reset")
    tab.wait("document.body.dataset.wakeLock === 'off'")
    assert wake_log(tab)[-1] == "release"
    assert page_problems == []


def test_no_wake_lock_or_a_refused_one_is_harmless(
    timer_server: Any, open_page: Any, timer_name: str, browser: Any
) -> None:
    for script, state in ((NO_WAKE_LOCK, "unsupported"), (REFUSING_WAKE_LOCK, "refused")):
        context = browser.new_context()
        page = context.new_page()
        problems: list[str] = []
        page.on("pageerror", lambda error, problems=problems: problems.append(str(error)))
        page.on("console", lambda m, problems=problems: problems.append(m.text) if m.type == "error" else None)
        page.add_init_script(script)
        tab = open_page(timer_server.page_url(timer=f"{timer_name}-{state}"), page=page)
        tab.wait_connected()
        tab.page.click("#start")
        tab.wait_status("running")
        tab.wait(f"document.body.dataset.wakeLock === '{state}'")
        tab.page.click("#pause")  # the page goes on working
        tab.wait_status("paused")
        assert problems == [], state
        context.close()


def test_the_chime_at_zero_is_off_by_default_and_remembered(
    timer_server: Any, open_page: Any, timer_name: str, page: Any, page_problems: list[str]
) -> None:
    page.add_init_script(COUNT_OSCILLATORS)
    tab = open_page(timer_server.page_url(timer=timer_name))
    tab.wait_connected()
    sound = tab.page.get_by_role("button", name="Sound on", exact=True)
    assert sound.get_attribute("aria-pressed") == "false" and tab.body("sound") == "off"

    def run_one_second_countdown(overtime: bool = False) -> None:
        flag = "true" if overtime else "false"
        tab.page.evaluate(f"""TornadoTimer.app.send({{ type: "set", mode: "countdown", duration_ms: 1000,
                                                      overtime: {flag} }})""")
        tab.wait("document.body.dataset.mode === 'countdown' && document.body.dataset.status === 'idle'")
        tab.page.click("#start")

    run_one_second_countdown()
    tab.wait_status("finished", timeout=10000)
    time.sleep(0.3)
    assert tab.body("chimes") == "0" and tab.page.evaluate("window.oscillators") == 0  # off: not a sound

    sound.click()  # a click: the browser now lets the page make sound; a soft preview says it works
    assert sound.get_attribute("aria-pressed") == "true" and tab.body("sound") == "on"
    assert tab.page.evaluate("localStorage.getItem('tornado-timer.sound')") == "on"
    tab.wait("window.oscillators >= 2")

    tab.page.reload()  # remembered in this browser
    tab.wait_connected()
    assert sound.get_attribute("aria-pressed") == "true"
    tab.page.mouse.click(5, 400)  # any click or key lets a page whose sound was on make sound
    run_one_second_countdown()
    tab.wait_status("finished", timeout=10000)
    tab.wait("document.body.dataset.chimes === '1'")
    assert tab.page.evaluate("window.oscillators") >= 2
    state = tab.page.evaluate("TornadoTimer.chime.enabled")
    assert state is True

    run_one_second_countdown(overtime=True)  # with overtime there is no finish: the chime marks zero all the same
    tab.wait("document.body.dataset.phase === 'overtime'", timeout=10000)
    tab.wait("document.body.dataset.chimes === '2'")
    time.sleep(1.2)
    assert tab.body("chimes") == "2"  # once, not on every tick of overtime

    sound.click()
    assert tab.page.evaluate("localStorage.getItem('tornado-timer.sound')") == "off"
    assert [p for p in page_problems if "AudioContext" not in p] == []
