"""Pictures of the rundown for docs/page.md: the rundown panel on a controller's page, and the presenter view with NOW,
NEXT and the note.

Written to artifacts/screenshots/rundown/ (or PAGE_SCREENSHOT_DIR) on every run; with UPDATE_PAGE_SCREENSHOT=1 also to
docs/img/, reduced to 128 colours like the stage pictures, so that a plain test run leaves the checkout as it was.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

DOCS_IMG = Path(__file__).resolve().parents[2] / "docs" / "img"
UPDATE_DOCS = os.environ.get("UPDATE_PAGE_SCREENSHOT") == "1"
DESKTOP = {"width": 1280, "height": 800}
PROJECTOR = {"width": 1280, "height": 720}
TOKEN = "RUNDOWN-TOKEN-7"
AGENDA = """\
Doors and coffee, 15m
Welcome, 5m, thank the sponsors; fire exits on both sides
Keynote: Time on stage, 20m, slides on the lectern laptop
Q&A, 10m, take questions from the room
Break, 15m
Panel: running a conference, 30m, three speakers, mics 2 to 4
Closing, 5m
"""


@pytest.fixture
def pictures(screenshot_dir: Path) -> Path:
    directory = screenshot_dir / "rundown"
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def shoot(tab: Any, directory: Path, name: str, viewport: dict[str, int]) -> None:
    """One picture of what `tab` shows now, settled (no focus ring, scrolled to the top, refitted), between 5 and
    200 kB (a blank page is smaller; docs/ stays light)."""
    page = tab.page
    page.set_viewport_size(viewport)
    page.emulate_media(color_scheme="light", reduced_motion="reduce")
    page.evaluate("document.activeElement.blur(); window.scrollTo(0, 0)")
    page.wait_for_timeout(250)
    path = directory / f"{name}.png"
    page.screenshot(path=str(path))
    size = path.stat().st_size
    assert 5_000 < size < 200_000, f"{name}.png is {size} bytes"
    if UPDATE_DOCS:
        flat = Image.open(path).convert("RGB").quantize(128, Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
        flat.save(DOCS_IMG / path.name, optimize=True)


def test_pictures_of_the_rundown_panel_and_the_stage_view(
    start_timer_server: Any, open_page: Any, page: Any, pictures: Path
) -> None:
    server = start_timer_server("--interval", "1", "--control-token", TOKEN, "--no-autostart")
    controller = open_page(server.page_url(timer="conference", token=TOKEN))
    stage = open_page(server.page_url(timer="conference", view="stage"), page=page.context.new_page())
    controller.wait_connected()
    stage.wait_connected()
    controller.page.click("#rundown-toggle")
    controller.page.fill("#rundown-text", AGENDA)
    controller.page.click("#rundown-load")
    controller.wait("document.querySelectorAll('#cue-list .cue-row').length === 7")
    controller.page.click("label[for='auto-advance']")
    controller.wait("document.getElementById('auto-advance').checked")

    # The keynote is on and running, and has been given two more minutes: the day runs two minutes late.
    controller.page.click("#cue-list .cue-row[data-index='2']")
    controller.wait("TornadoTimer.app.rundown.current === 2")
    controller.page.click("#start")
    controller.wait_status("running")
    controller.page.click("#adjust-plus")
    controller.page.click("#adjust-plus")
    controller.wait("document.getElementById('rundown-offset').textContent === '+2:00 behind'")
    controller.wait("/^21:5[0-8]$/.test(document.getElementById('clock').textContent)", timeout=10_000)
    shoot(controller, pictures, "rundown-panel", DESKTOP)

    stage.wait("document.getElementById('now-title').textContent === 'Keynote: Time on stage'")
    assert stage.page.text_content("#now-note") == "slides on the lectern laptop"
    shoot(stage, pictures, "stage-view-nownext", PROJECTOR)
