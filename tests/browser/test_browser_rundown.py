"""The controllers' rundown panel: an agenda pasted as lines appears on every page; a bad line is named beside the
box and what was typed is kept; Previous and Next by button and by key (N, P); a click on a cue; the auto-advance
switch; the schedule's offset ("+0:02 behind", "-0:57 ahead" with a true minus sign, "on schedule"), carried on
between messages.

Against the real server (the one without a token, ticking every 100 ms, unless a test needs viewers). What the server
holds is read over its HTTP API. The last test checks the page's pure helpers (lengths and lines as the server writes
them, the offset's words, where an error's line is) in a page opened from disk, against the server's own functions.
"""

from __future__ import annotations

import json
import re
import urllib.request
from typing import Any

from tornado_timer.core.durations import format_duration, parse_duration
from tornado_timer.core.rundown import Cue
from tornado_timer.core.rundown_text import format_line

AGENDA = "Welcome, 5m, doors close at nine\nKeynote, 20m\nQ&A, 10:00, take questions from the room\n"
MINUS = "\u2212"

# The panel as a user sees it.
READ_PANEL = """() => {
    const shown = (node) => node.checkVisibility();
    const text = (selector, root = document) => { const node = root.querySelector(selector);
                                                    return node && shown(node) ? node.textContent.trim() : null; };
    const rows = [...document.querySelectorAll("#cue-list .cue-row")].map((row) => ({
        title: text(".cue-name", row), note: text(".cue-note", row), length: text(".cue-length", row),
        badge: text(".cue-badge", row), current: row.getAttribute("aria-current") === "true",
        place: row.parentElement.dataset.place, disabled: row.disabled }));
    const error = document.getElementById("rundown-error");
    return {
        toggle: shown(document.getElementById("rundown-toggle")),
        panel: shown(document.getElementById("rundown-panel")),
        rows, offset: text("#rundown-offset"), kind: document.getElementById("rundown-offset").dataset.kind,
        summary: text("#rundown-summary"), empty: text("#rundown-empty"),
        previous: !document.getElementById("cue-previous").disabled,
        next: !document.getElementById("cue-next").disabled,
        autoAdvance: document.getElementById("auto-advance").checked,
        editor: document.getElementById("rundown-edit").open,
        lines: document.getElementById("rundown-text").value,
        error: shown(error) ? error.textContent : null,
        invalid: document.getElementById("rundown-text").getAttribute("aria-invalid"),
        now: text("#now-title"), nextCue: text("#next-title"), note: text("#now-note"),
    };
}"""


def panel(tab: Any) -> dict[str, Any]:
    result: dict[str, Any] = tab.page.evaluate(READ_PANEL)
    return result


def rundown_of(server: Any, name: str) -> dict[str, Any]:
    """The timer's rundown as the server holds it (GET /api/v1/timers/NAME/rundown)."""
    with urllib.request.urlopen(f"{server.http_url}api/v1/timers/{name}/rundown", timeout=5) as response:
        answer: dict[str, Any] = json.load(response)
        return answer


def open_panel(tab: Any) -> None:
    """Open the panel with the Rundown button in the bar, unless it is open already."""
    tab.wait("!document.getElementById('rundown-toggle').hidden")
    if tab.page.get_attribute("#rundown-toggle", "aria-expanded") != "true":
        tab.page.click("#rundown-toggle")
    tab.page.locator("#rundown-panel").wait_for(state="visible")


def load(tab: Any, text: str) -> None:
    """Paste `text` into the agenda box and press Load rundown, as an operator does."""
    if not tab.page.evaluate("document.getElementById('rundown-edit').open"):
        tab.page.click("#rundown-edit summary")
    tab.page.fill("#rundown-text", text)
    tab.page.click("#rundown-load")


def wait_cues(tab: Any, count: int) -> None:
    tab.wait(f"document.querySelectorAll('#cue-list .cue-row').length === {count}")


def wait_current(tab: Any, index: int | None) -> None:
    tab.wait(f"TornadoTimer.app.rundown.current === {json.dumps(index)}")


def press(tab: Any, key: str) -> None:
    """A key pressed with nothing focused, as on a page the operator just looks at."""
    tab.page.evaluate("document.activeElement.blur()")
    tab.page.keyboard.press(key)


def test_an_agenda_pasted_on_one_page_appears_on_every_page(
    token_server: Any, open_page: Any, timer_name: str, page: Any, page_problems: list[str]
) -> None:
    token = token_server.control_token
    first = open_page(token_server.page_url(timer=timer_name, token=token))
    second = open_page(token_server.page_url(timer=timer_name, token=token), page=page.context.new_page())
    viewer = open_page(token_server.page_url(timer=timer_name), page=page.context.new_page())
    for tab in (first, second, viewer):
        tab.wait_connected()
    assert panel(first)["toggle"] and not panel(first)["panel"]  # closed while the timer has no rundown
    assert not panel(viewer)["toggle"] and not panel(viewer)["panel"]

    open_panel(first)
    assert panel(first)["editor"] and panel(first)["empty"] is not None  # "No rundown yet: ..."
    load(first, AGENDA)
    wait_cues(first, 3)
    shown = panel(first)
    assert [(row["title"], row["length"], row["note"]) for row in shown["rows"]] == [
        ("Welcome", "5:00", "doors close at nine"),
        ("Keynote", "20:00", None),
        ("Q&A", "10:00", "take questions from the room"),
    ]
    assert shown["summary"] == "3 cues · 35:00 planned"
    assert (shown["offset"], shown["kind"]) == ("not started", "none")
    assert not any(row["current"] for row in shown["rows"])
    # The box now holds the server's own writing of the lines ("10:00" is "10m"), and closes on the list.
    assert shown["lines"] == "Welcome, 5m, doors close at nine\nKeynote, 20m\nQ&A, 10m, take questions from the room\n"
    assert not shown["editor"] and shown["error"] is None

    # The other controller's panel opens by itself on the new list, and its box follows; the viewer keeps the list
    # but shows no panel; a page that joins later gets the rundown as it connects.
    wait_cues(second, 3)
    assert panel(second)["panel"] and panel(second)["lines"] == shown["lines"]
    viewer.wait("TornadoTimer.app.rundown.cues.length === 3")
    assert not panel(viewer)["toggle"] and not panel(viewer)["panel"]
    late = open_page(token_server.page_url(timer=timer_name, token=token), page=page.context.new_page())
    late.wait_connected()
    wait_cues(late, 3)
    assert panel(late)["panel"]

    held = rundown_of(token_server, timer_name)
    assert [(cue["title"], cue["duration_ms"], cue["note"]) for cue in held["cues"]] == [
        ("Welcome", 300_000, "doors close at nine"), ("Keynote", 1_200_000, ""),
        ("Q&A", 600_000, "take questions from the room")]
    assert held["auto_advance"] is False and held["current"] is None

    # An edit from the other controller: the keynote runs 25 minutes. Every cue keeps its id.
    load(second, shown["lines"].replace("Keynote, 20m", "Keynote, 25m"))
    first.wait("document.querySelectorAll('#cue-list .cue-length')[1].textContent === '25:00'")
    assert [cue["id"] for cue in rundown_of(token_server, timer_name)["cues"]] == [cue["id"] for cue in held["cues"]]
    assert "Keynote, 25m" in panel(first)["lines"]  # the first page's box followed (its user had not touched it)
    assert viewer.page.evaluate("TornadoTimer.app.rundown.cues[1].duration_ms") == 1_500_000
    assert page_problems == []


def test_a_bad_line_is_named_beside_the_box_and_what_was_typed_is_kept(
    timer_server: Any, open_page: Any, timer_name: str, page_problems: list[str]
) -> None:
    tab = open_page(timer_server.page_url(timer=timer_name))
    tab.wait_connected()
    open_panel(tab)
    typed = "Welcome, 5m\nKeynote 20m\nQ&A, 10m\n"
    load(tab, typed)
    tab.page.locator("#rundown-error").wait_for(state="visible")
    shown = panel(tab)
    assert shown["error"].startswith("Not loaded: line 2: 'Keynote 20m' has no duration"), shown["error"]
    assert shown["invalid"] == "true" and shown["lines"] == typed and shown["rows"] == []
    # The line named is selected in the box, ready to be fixed.
    selection = tab.page.evaluate("""() => { const box = document.getElementById("rundown-text");
        return [document.activeElement === box, box.value.slice(box.selectionStart, box.selectionEnd)]; }""")
    assert selection == [True, "Keynote 20m"]
    assert not tab.page.locator("#toast").is_visible()  # said beside the box, not in a passing toast
    assert rundown_of(timer_server, timer_name)["cues"] == []

    load(tab, "# the day\nBreak, 15\n")
    tab.wait("document.getElementById('rundown-error').textContent.includes('line 2:')")
    assert "'15' has no unit" in panel(tab)["error"]

    load(tab, typed.replace("Keynote 20m", "Keynote, 20m"))
    wait_cues(tab, 3)
    assert panel(tab)["error"] is None and panel(tab)["invalid"] == "false"

    # No cue in the box: nothing is sent (that would remove the rundown; Remove does that).
    version = timer_server.snapshot(timer_name)["version"]
    load(tab, "# nothing yet\n\n")
    assert panel(tab)["error"].startswith("No cues to load")
    tab.page.wait_for_timeout(300)
    assert timer_server.snapshot(timer_name)["version"] == version

    # Remove takes the rundown off the timer and leaves the lines in the box, ready to load again.
    tab.page.fill("#rundown-text", "Welcome, 5m\nKeynote, 20m\nQ&A, 10m\n")
    tab.page.click("#rundown-remove")
    wait_cues(tab, 0)
    shown = panel(tab)
    assert shown["empty"] is not None and shown["editor"] and shown["lines"] == "Welcome, 5m\nKeynote, 20m\nQ&A, 10m\n"
    assert tab.page.is_disabled("#rundown-remove")
    assert rundown_of(timer_server, timer_name)["cues"] == []
    assert page_problems == []


def test_previous_and_next_by_button_and_key_and_a_click_on_a_cue(
    timer_server: Any, open_page: Any, timer_name: str, page_problems: list[str]
) -> None:
    tab = open_page(timer_server.page_url(timer=timer_name))
    tab.wait_connected()
    open_panel(tab)
    load(tab, "Welcome, 1m\nKeynote, 2m\nQ&A, 3m\n")
    wait_cues(tab, 3)
    shown = panel(tab)
    assert (shown["previous"], shown["next"], shown["now"]) == (False, True, None)  # nothing on yet: Next loads #1

    tab.page.click("#cue-next")
    wait_current(tab, 0)
    tab.wait("document.getElementById('clock').textContent.startsWith('01:00')")  # loaded: idle, its whole length
    shown = panel(tab)
    assert (shown["now"], shown["nextCue"], shown["previous"], shown["next"]) == ("Welcome", "Keynote", False, True)
    assert [row["current"] for row in shown["rows"]] == [True, False, False]
    assert [row["badge"] for row in shown["rows"]] == ["Now", "Next", None]
    assert tab.status == "idle" and timer_server.snapshot(timer_name)["duration_ms"] == 60_000

    tab.page.wait_for_timeout(1100)  # the same move within a second is the same press (docs/protocol.md)
    press(tab, "n")
    wait_current(tab, 1)
    assert panel(tab)["previous"] and panel(tab)["rows"][0]["place"] == "done"
    press(tab, "P")
    wait_current(tab, 0)
    press(tab, "N")
    wait_current(tab, 1)

    # Typing in the agenda box is typing, not a shortcut.
    tab.page.click("#rundown-edit summary")
    tab.page.focus("#rundown-text")
    tab.page.keyboard.press("p")
    tab.page.wait_for_timeout(300)
    assert tab.page.evaluate("TornadoTimer.app.rundown.current") == 1

    tab.page.click("#cue-list .cue-row[data-index='2']")
    wait_current(tab, 2)
    shown = panel(tab)
    assert (shown["now"], shown["nextCue"], shown["previous"], shown["next"]) == ("Q&A", None, True, False)
    assert rundown_of(timer_server, timer_name)["current"] == 2

    # Neither the cue on (that would only reset it) nor Next past the last sends anything.
    version = timer_server.snapshot(timer_name)["version"]
    assert tab.page.get_attribute("#cue-list .cue-row[data-index='2']", "aria-disabled") == "true"
    tab.page.click("#cue-list .cue-row[data-index='2']", force=True)  # a click all the same
    press(tab, "n")
    tab.page.wait_for_timeout(300)
    assert timer_server.snapshot(timer_name)["version"] == version
    assert not tab.page.locator("#toast").is_visible()
    assert page_problems == []


def test_the_auto_advance_switch_reaches_the_server(
    timer_server: Any, open_page: Any, timer_name: str, page: Any, page_problems: list[str]
) -> None:
    first = open_page(timer_server.page_url(timer=timer_name))
    second = open_page(timer_server.page_url(timer=timer_name), page=page.context.new_page())
    first.wait_connected()
    second.wait_connected()
    open_panel(first)
    load(first, AGENDA)
    wait_cues(first, 3)
    first.page.click("#cue-next")
    wait_current(first, 0)
    before = rundown_of(timer_server, timer_name)
    assert before["auto_advance"] is False and not panel(first)["autoAdvance"]

    first.page.click("label[for='auto-advance']")
    first.wait("document.getElementById('auto-advance').checked")
    second.wait("document.getElementById('auto-advance').checked")
    after = rundown_of(timer_server, timer_name)
    assert after["auto_advance"] is True
    assert (after["cues"], after["current"]) == (before["cues"], 0)  # the same cues, ids and cue on

    open_panel(second)
    second.page.click("#auto-advance")
    first.wait("!document.getElementById('auto-advance').checked")
    assert rundown_of(timer_server, timer_name)["auto_advance"] is False
    assert first.page.get_attribute("#auto-advance", "role") == "switch"
    assert page_problems == []


def offset_seconds(text: str) -> int:
    """"+0:02 behind" -> 2, "-0:57 ahead" (a true minus sign) -> -57, "on schedule" -> 0."""
    if text == "on schedule":
        return 0
    match = re.fullmatch(f"([+{MINUS}])(\\d+):(\\d\\d) (behind|ahead)", text)
    assert match, text
    seconds = int(match[2]) * 60 + int(match[3])
    return seconds if match[1] == "+" else -seconds


def test_the_schedule_offset_behind_ahead_and_on_schedule(
    timer_server: Any, open_page: Any, timer_name: str, page_problems: list[str]
) -> None:
    tab = open_page(timer_server.page_url(timer=timer_name))
    tab.wait_connected()
    open_panel(tab)
    load(tab, "One, 1m\nTwo, 1m\n")
    wait_cues(tab, 2)
    tab.page.click("#cue-next")
    wait_current(tab, 0)
    assert (panel(tab)["offset"], panel(tab)["kind"]) == ("not started", "none")  # no cue has run yet

    tab.page.click("#start")
    tab.wait("document.getElementById('rundown-offset').textContent === 'on schedule'")
    assert panel(tab)["kind"] == "on"

    # Paused, the day falls behind second by second: no message comes, the page carries the offset on.
    tab.page.click("#pause")
    tab.wait_status("paused")
    version = tab.page.evaluate("TornadoTimer.app.timer.version")
    tab.wait("/^\\+0:0[3-9] behind$/.test(document.getElementById('rundown-offset').textContent)", timeout=10_000)
    assert panel(tab)["kind"] == "behind"
    assert tab.page.evaluate("TornadoTimer.app.timer.version") == version

    # Running again, the cue runs to plan: the offset stays as it was.
    tab.page.click("#pause")  # Resume
    tab.wait_status("running")
    held = panel(tab)["offset"]
    tab.page.wait_for_timeout(1500)
    assert abs(offset_seconds(panel(tab)["offset"]) - offset_seconds(held)) <= 1

    # The next cue loaded with most of the first still to run: the day is that much ahead.
    tab.page.click("#cue-next")
    wait_current(tab, 1)
    tab.wait(f"/^{MINUS}0:[1-5]\\d ahead$/.test(document.getElementById('rundown-offset').textContent)")
    assert panel(tab)["kind"] == "ahead"
    server = rundown_of(timer_server, timer_name)
    shown = offset_seconds(panel(tab)["offset"])
    assert abs(shown - server["offset_ms"] / 1000) <= 1.5, (shown, server["offset_ms"])
    assert page_problems == []


def test_the_page_writes_lines_and_lengths_as_the_server_reads_them(page: Any, file_url: Any) -> None:
    """The page's pure helpers, from a page opened from disk (no server), against the server's own functions."""
    page.goto(file_url())
    page.wait_for_function("window.TornadoTimer && TornadoTimer.cueLines && TornadoTimer.schedule")
    lengths = [1000, 1500, 45_000, 60_000, 90_000, 1_200_000, 3_600_000, 5_400_000, 86_400_000, 3_723_004]
    written = page.evaluate("(lengths) => lengths.map(TornadoTimer.cueLines.lengthText)", lengths)
    assert written == [format_duration(ms) for ms in lengths]
    assert [parse_duration(text) for text in written] == lengths

    cues = [
        {"id": "c1", "title": "Welcome", "duration_ms": 300_000, "note": ""},
        {"id": "c2", "title": "Q&A, part 2", "duration_ms": 600_000, "note": "questions, then the vote"},
        {"id": "c3", "title": "Two\nlines", "duration_ms": 90_500, "note": "a note\r\non two"},
    ]
    lines = page.evaluate("(cues) => cues.map(TornadoTimer.cueLines.cueLine)", cues)
    assert lines[:2] == [format_line(Cue(**cue)) for cue in cues[:2]]
    assert lines[2] == "Two lines, 1m30s500ms, a note on two"  # one line per cue, whatever a title holds

    offsets = [None, 0, 999, -999, 1000, 1999, 200_000, -65_000, -65_999, 3_723_000]
    words = page.evaluate("(offsets) => offsets.map(TornadoTimer.format.formatOffset)", offsets)
    assert words == ["", "on schedule", "on schedule", "on schedule", "+0:01 behind", "+0:01 behind",
                     "+3:20 behind", f"{MINUS}1:05 ahead", f"{MINUS}1:05 ahead", "+1:02:03 behind"]
    kinds = page.evaluate("(offsets) => offsets.map(TornadoTimer.schedule.kindOf)", offsets)
    assert kinds == ["none", "on", "on", "on", "behind", "behind", "behind", "ahead", "ahead", "behind"]
    assert page.evaluate("[300000, 1500, 3600000].map(TornadoTimer.format.formatLength)") == ["5:00", "0:02", "1:00:00"]

    found = page.evaluate("""() => { const { lineOfError, lineSpan } = TornadoTimer.cueLines;
        const text = "A, 1m\\r\\n# c\\nB 2m\\n";
        return [lineOfError("line 3: 'B 2m' has no duration"), lineOfError("at most 800 lines"),
                lineSpan(text, 3), lineSpan(text, 1), lineSpan(text, 9)]; }""")
    assert found == [3, None, {"start": 11, "end": 15}, {"start": 0, "end": 5}, None]


def test_the_schedule_moves_by_the_servers_rule(page: Any, file_url: Any) -> None:
    """Between messages: steady while a cue runs to plan, growing while it doesn't, frozen after the last."""
    page.goto(file_url())
    page.wait_for_function("window.TornadoTimer && TornadoTimer.schedule")
    drifts = page.evaluate("""() => {
        const countdown = (status, phase = "normal") => ({ name: "t", mode: "countdown", status, phase,
            duration_ms: 60000, remaining_ms: 1000, elapsed_ms: 0, interval_ms: 1000, initial_ms: 0, version: 1 });
        const stopwatch = { name: "t", mode: "stopwatch", status: "running", duration_ms: null, remaining_ms: null,
            elapsed_ms: 0, interval_ms: 1000, initial_ms: 0, version: 1 };
        const { driftOf } = TornadoTimer.schedule;
        return [driftOf(countdown("running"), false), driftOf(countdown("running", "warning"), true),
                driftOf(countdown("running", "overtime"), false), driftOf(countdown("paused"), false),
                driftOf(countdown("idle"), true), driftOf(countdown("finished"), false),
                driftOf(countdown("finished"), true), driftOf(stopwatch, false)];
    }""")
    assert drifts == ["steady", "steady", "grows", "grows", "grows", "grows", "frozen", "grows"]
    at = page.evaluate("""() => { const { offsetAt } = TornadoTimer.schedule;
        const reading = { offsetMs: 5000, serverTime: 1000 };
        return [offsetAt(reading, "grows", 4500), offsetAt(reading, "steady", 4500), offsetAt(reading, "frozen", 9e9),
                offsetAt(reading, "grows", 500), offsetAt({ offsetMs: null, serverTime: 0 }, "grows", 10)]; }""")
    assert at == [8500, 5000, 5000, 5000, None]
