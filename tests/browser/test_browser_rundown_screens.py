"""The rundown on every screen: NOW and NEXT on a viewer's page and on the presenter view (?view=stage), the note
only where the presenter or the operator looks, titles shown as text and never run; an auto-advance hand-over as a
page sees it (each cue's start is the previous one's end); and NOW and NEXT leaving the digits their room.

Against the real server; the viewer tests use the one with a control token.
"""

from __future__ import annotations

import itertools
import json
import time
from typing import Any

# NOW, NEXT and the note as a screen shows them (None: not shown).
READ_NOWNEXT = """() => {
    const text = (id) => { const node = document.getElementById(id);
                           return node.checkVisibility() ? node.textContent : null; };
    return { now: text("now-title"), next: text("next-title"), note: text("now-note"),
             shown: document.body.dataset.nownext ?? null,
             children: ["now-title", "next-title", "now-note"].map((id) => document.getElementById(id).children.length),
             pwned: window.pwned ?? null };
}"""

RECORD_ANNOUNCEMENTS = """() => { window.announced = [];
    const node = document.getElementById("announcer");
    new MutationObserver(() => { if (node.textContent) window.announced.push(node.textContent); })
        .observe(node, { childList: true, characterData: true, subtree: true }); }"""


def nownext(tab: Any) -> dict[str, Any]:
    result: dict[str, Any] = tab.page.evaluate(READ_NOWNEXT)
    return result


def load(tab: Any, text: str) -> None:
    """Open the panel, paste `text` into the agenda box and load it, as an operator does."""
    tab.wait("!document.getElementById('rundown-toggle').hidden")
    if tab.page.get_attribute("#rundown-toggle", "aria-expanded") != "true":
        tab.page.click("#rundown-toggle")
    tab.page.fill("#rundown-text", text)
    tab.page.click("#rundown-load")
    count = sum(1 for line in text.splitlines() if line.strip())
    tab.wait(f"document.querySelectorAll('#cue-list .cue-row').length === {count}")


def wait_now(tab: Any, title: str | None) -> None:
    tab.wait(f"""(() => {{ const node = document.getElementById("now-title");
                         return (node.checkVisibility() ? node.textContent : null) === {json.dumps(title)}; }})()""")


def test_now_and_next_on_a_viewer_and_the_stage_view(
    token_server: Any, open_page: Any, timer_name: str, page: Any, page_problems: list[str]
) -> None:
    controller = open_page(token_server.page_url(timer=timer_name, token=token_server.control_token))
    viewer = open_page(token_server.page_url(timer=timer_name), page=page.context.new_page())
    stage = open_page(token_server.page_url(timer=timer_name, view="stage"), page=page.context.new_page())
    screens = (controller, viewer, stage)
    for tab in screens:
        tab.wait_connected()
        assert nownext(tab)["now"] is None
    viewer.page.evaluate(RECORD_ANNOUNCEMENTS)

    keynote = "<b>Keynote</b> & friends"
    load(controller, f"Welcome, 5m, doors close at nine\n{keynote}, 20m, <script>window.pwned = 1</script>\nQ&A, 10m\n")
    for tab in screens:  # a rundown alone shows nothing: no cue is on yet
        tab.page.wait_for_timeout(100)
        assert nownext(tab)["now"] is None and nownext(tab)["shown"] == "hidden"

    controller.page.click("#cue-next")
    for tab in screens:
        wait_now(tab, "Welcome")
        assert nownext(tab)["next"] == keynote
    # The note is the presenter's: on the presenter view and the operator's page, not on the audience's.
    assert nownext(stage)["note"] == nownext(controller)["note"] == "doors close at nine"
    assert nownext(viewer)["note"] is None
    viewer.wait(f"window.announced.some((text) => text.includes({json.dumps(f'Now: Welcome. Next: {keynote}.')}))")

    controller.page.click("#cue-next")
    for tab in screens:
        wait_now(tab, keynote)  # markup in a title or a note is text: shown as typed, never run
        assert nownext(tab)["next"] == "Q&A"
        assert nownext(tab)["children"] == [0, 0, 0] and nownext(tab)["pwned"] is None
    assert nownext(stage)["note"] == "<script>window.pwned = 1</script>"

    controller.page.click("#cue-next")
    for tab in screens:
        wait_now(tab, "Q&A")
        assert nownext(tab)["next"] is None and nownext(tab)["note"] is None  # the last cue, without a note

    # A viewer has no panel, and its keys do nothing.
    assert not viewer.page.locator("#rundown-toggle").is_visible()
    assert not viewer.page.locator("#rundown-panel").is_visible()
    version = token_server.snapshot(timer_name)["version"]
    viewer.page.keyboard.press("p")
    stage.page.keyboard.press("p")
    viewer.page.wait_for_timeout(300)
    assert token_server.snapshot(timer_name)["version"] == version

    controller.page.click("#rundown-edit summary")
    controller.page.click("#rundown-remove")
    for tab in screens:
        wait_now(tab, None)
        assert nownext(tab)["shown"] == "hidden"
    assert page_problems == []


def running_states(frames: list[dict[str, Any]]) -> dict[int, dict[str, Any]]:
    """The first running state of each cue, by the cue's index."""
    found: dict[int, dict[str, Any]] = {}
    for frame in frames:
        if frame.get("type") == "state" and frame["timer"]["status"] == "running" and frame.get("cue"):
            found.setdefault(frame["cue"]["index"], frame)
    return found


def test_an_auto_advance_hand_over_seen_by_the_page(
    timer_server: Any, open_page: Any, timer_name: str, page: Any, page_problems: list[str]
) -> None:
    controller = open_page(timer_server.page_url(timer=timer_name))
    stage = open_page(timer_server.page_url(timer=timer_name, view="stage"), page=page.context.new_page())
    frames: list[dict[str, Any]] = []
    stage.page.on("websocket", lambda socket: socket.on(
        "framereceived", lambda payload: frames.append(json.loads(payload)) if isinstance(payload, str) else None))
    controller.wait_connected()
    stage.wait_connected()
    load(controller, "First, 1s\nSecond, 2s\nThird, 1s\n")
    controller.page.click("label[for='auto-advance']")
    controller.wait("TornadoTimer.app.rundown.autoAdvance === true")
    stage.page.evaluate("""() => { window.seen = [];
        const node = document.getElementById("now-title");
        new MutationObserver(() => window.seen.push(node.textContent))
            .observe(node, { childList: true, characterData: true, subtree: true }); }""")

    controller.page.click("#cue-next")
    wait_now(stage, "First")
    controller.page.click("#start")
    # Three cues, four seconds: the page shows each in turn, then the last finished.
    stage.wait("document.body.dataset.status === 'finished' && TornadoTimer.app.rundown.current === 2", 15_000)
    assert stage.page.evaluate("window.seen") == ["First", "Second", "Third"]
    assert nownext(stage)["now"] == "Third" and nownext(stage)["next"] is None
    assert stage.clock_text().startswith("00:00")

    # Each cue started the instant the one before it ended, as the states the page received say.
    runs = running_states(frames)
    assert sorted(runs) == [0, 1, 2]
    for before, after in ((0, 1), (1, 2)):
        ended = runs[before]["timer"]["ends_at"]
        assert abs(runs[after]["timer"]["started_at"] - ended) <= 2, (before, after, runs)

    # The day ended on plan, and its offset is frozen now: it does not grow as the finished timer waits.
    controller.wait("document.getElementById('rundown-offset').textContent !== 'not started'")
    shown = controller.page.text_content("#rundown-offset")
    assert shown == "on schedule"
    time.sleep(2)
    assert controller.page.text_content("#rundown-offset") == shown
    assert page_problems == []


# Where the parts of the presenter view are, and whether anything spills out of the screen.
READ_LAYOUT = """() => {
    const box = (id) => { const r = document.getElementById(id).getBoundingClientRect();
                          return { top: r.top, bottom: r.bottom, left: r.left, right: r.right }; };
    const range = document.createRange();
    range.selectNodeContents(document.getElementById("clock"));
    const digits = range.getBoundingClientRect();
    const now = document.querySelector(".cue-now");  // the line NOW and the title are on, cut to two lines
    const nowLines = Math.round(now.getBoundingClientRect().height / parseFloat(getComputedStyle(now).lineHeight));
    return { clock: box("clock"), nownext: box("nownext"), message: box("message"), info: box("clock-info"),
             digitsHeight: digits.height,
             fontSize: parseFloat(getComputedStyle(document.getElementById("clock")).fontSize),
             nowLines, width: document.documentElement.scrollWidth,
             height: document.documentElement.scrollHeight };
}"""


def test_now_and_next_leave_the_digits_their_room(
    timer_server: Any, open_page: Any, timer_name: str, page: Any, page_problems: list[str]
) -> None:
    """The longest title and note there may be, and a long message, on a projector and a phone: nothing overlaps,
    nothing spills out of the screen, and the digits stay the biggest thing on it."""
    controller = open_page(timer_server.page_url(timer=timer_name))
    stage = open_page(timer_server.page_url(timer=timer_name, view="stage"), page=page.context.new_page())
    controller.wait_connected()
    stage.wait_connected()
    title = ("A very long session title that goes on " * 4)[:120]
    note = ("Remember to thank the sponsors, the volunteers and the people at the back of the room. " * 6)[:500]
    load(controller, f"{title}, 45m, {note}\n{title[::-1].strip()}, 30m\n")
    controller.page.click("#cue-next")
    controller.page.fill("#message-text", "Five minutes left: please wrap up and take the last question")
    controller.page.click("#message-show")
    stage.wait("document.body.dataset.message === 'shown' && document.body.dataset.nownext === 'shown'")

    for viewport in ({"width": 1280, "height": 720}, {"width": 1920, "height": 1080}, {"width": 390, "height": 844}):
        stage.page.set_viewport_size(viewport)
        stage.page.wait_for_timeout(300)
        layout = stage.page.evaluate(READ_LAYOUT)
        parts = [layout[name] for name in ("clock", "info", "nownext", "message")]
        for upper, lower in itertools.pairwise(parts):
            assert upper["bottom"] <= lower["top"] + 1, (viewport, layout)  # one under the other, no overlap
        assert layout["message"]["bottom"] <= viewport["height"], (viewport, layout)
        assert layout["width"] <= viewport["width"] and layout["height"] <= viewport["height"], (viewport, layout)
        assert layout["nowLines"] <= 2, layout  # a long title is cut to two lines
        title_size = stage.page.evaluate("parseFloat(getComputedStyle(document.getElementById('now-title')).fontSize)")
        assert layout["fontSize"] > 2.5 * title_size, (viewport, layout)  # the digits stay the biggest thing
    assert page_problems == []
