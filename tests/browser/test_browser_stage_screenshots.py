"""Pictures of the stage features for docs/page.md: each phase (light and dark), a message, a blackout as a viewer and
as the controller sees it, the presenter view, a phone.

Written to artifacts/screenshots/stage/ on every run; with UPDATE_PAGE_SCREENSHOT=1 also to docs/img/ (like the
README's picture, docs/img/page.png), so that a plain test run leaves the checkout as it was. The copies in docs/ are
reduced to 128 colours (Pillow, which matplotlib brings along): the same picture to the eye, a third of the bytes.
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
PHONE = {"width": 390, "height": 844}
TOKEN = "STAGE-TOKEN-42"
MINUTE = 60_000


@pytest.fixture
def pictures(screenshot_dir: Path) -> Path:
    directory = screenshot_dir / "stage"
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def shoot(
    tab: Any, directory: Path, name: str, viewport: dict[str, int] = DESKTOP, scheme: str = "light", least: int = 5_000
) -> None:
    """One picture of what `tab` shows now, settled: no focus ring, scrolled to the top, refitted to the size. Its
    file is at least `least` bytes (a blank page is smaller) and at most 200 kB (docs/ stays light)."""
    page = tab.page
    page.set_viewport_size(viewport)
    page.emulate_media(color_scheme=scheme, reduced_motion="reduce")  # steady: no flash caught mid-blink
    page.evaluate("document.activeElement.blur(); window.scrollTo(0, 0)")
    page.wait_for_timeout(250)  # the resize's refit of the digits, and a frame or two
    path = directory / f"{name}.png"
    page.screenshot(path=str(path))
    size = path.stat().st_size
    assert least < size < 200_000, f"{name}.png is {size} bytes"
    if UPDATE_DOCS:
        flat = Image.open(path).convert("RGB").quantize(128, Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
        flat.save(DOCS_IMG / path.name, optimize=True)


def send(tab: Any, message: dict[str, Any]) -> None:
    tab.page.evaluate("(message) => TornadoTimer.app.send(message)", message)


def run_countdown(tab: Any, duration_ms: int, **options: Any) -> None:
    """Set a countdown (whole seconds) with `options` (overtime, warning_ms, danger_ms) and start it."""
    send(tab, {"type": "set", "mode": "countdown", "duration_ms": duration_ms, "interval_ms": 1000, **options})
    tab.wait(f"TornadoTimer.app.timer.status === 'idle' && TornadoTimer.app.timer.duration_ms === {duration_ms}")
    tab.page.click("#start")
    tab.wait_status("running")


def test_pictures_of_each_phase(start_timer_server: Any, open_page: Any, page: Any, pictures: Path) -> None:
    server = start_timer_server("--interval", "1", "--control-token", TOKEN, "--no-autostart")
    # Overtime first, on a timer of its own: it has to run twelve seconds past zero for its picture.
    overtime = open_page(server.page_url(timer="workshop", token=TOKEN), page=page.context.new_page())
    overtime.wait_connected()
    run_countdown(overtime, 1000, overtime=True, warning_ms=5 * MINUTE, danger_ms=MINUTE)

    tab = open_page(server.page_url(timer="keynote", token=TOKEN))
    tab.wait_connected()
    # Normal: a 20-minute talk with its thresholds, set with the form as a user does.
    tab.page.fill("#minutes", "20")
    tab.page.fill("#seconds", "0")
    tab.page.click("#countdown-options summary")
    tab.page.fill("#warning-at", "5:00")
    tab.page.fill("#danger-at", "1:00")
    tab.page.click("#set-countdown button[type=submit]")
    tab.wait("TornadoTimer.app.timer.warning_ms === 300000")
    tab.page.click("#countdown-options summary")  # closed again, as it mostly is
    tab.page.click("#start")
    # A picture a second or two into the talk (on a busy machine the page may see 19:58 only briefly).
    tab.wait("['19:58', '19:57', '19:56'].includes(document.getElementById('clock').textContent)", timeout=15_000)
    shoot(tab, pictures, "phase-normal")

    for phase, duration in (("warning", 4 * MINUTE + 13_000), ("danger", 43_000)):
        run_countdown(tab, duration, warning_ms=5 * MINUTE, danger_ms=MINUTE)
        tab.wait(f"document.body.dataset.phase === '{phase}'")
        for scheme in ("light", "dark"):
            shoot(tab, pictures, f"phase-{phase}" + ("-dark" if scheme == "dark" else ""), scheme=scheme)

    overtime.wait("/^\\+00:1[2-9]$/.test(document.getElementById('clock').textContent)", timeout=25_000)
    assert overtime.body("phase") == "overtime"
    for scheme in ("light", "dark"):
        shoot(overtime, pictures, "phase-overtime" + ("-dark" if scheme == "dark" else ""), scheme=scheme)


def test_pictures_of_a_message_and_a_blackout(
    start_timer_server: Any, open_page: Any, page: Any, pictures: Path
) -> None:
    server = start_timer_server("--interval", "1", "--control-token", TOKEN, "--no-autostart")
    controller = open_page(server.page_url(timer="keynote", token=TOKEN))
    viewer = open_page(server.page_url(timer="keynote"), page=page.context.new_page())
    controller.wait_connected()
    viewer.wait_connected()
    run_countdown(controller, 12 * MINUTE + 30_000, warning_ms=5 * MINUTE, danger_ms=MINUTE)
    controller.page.fill("#message-text", "Questions after the talk, please")
    controller.page.click("#message-show")
    viewer.wait("document.body.dataset.message === 'shown'")
    shoot(controller, pictures, "message")
    shoot(viewer, pictures, "message-viewer-dark", scheme="dark")

    controller.page.click("#message-blackout")
    viewer.wait("document.body.dataset.blackout === 'screen'")
    controller.wait("document.body.dataset.blackout === 'controller'")
    shoot(controller, pictures, "blackout-controller")
    shoot(viewer, pictures, "blackout-viewer", least=1_000)  # all black
    assert viewer.page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(0, 0, 0)"


def test_pictures_of_the_stage_view_and_a_phone(
    start_timer_server: Any, open_page: Any, page: Any, pictures: Path
) -> None:
    server = start_timer_server("--interval", "1", "--control-token", TOKEN, "--no-autostart")
    controller = open_page(server.page_url(timer="keynote", token=TOKEN))
    stage = open_page(server.page_url(timer="keynote", view="stage"), page=page.context.new_page())
    controller.wait_connected()
    stage.wait_connected()
    run_countdown(controller, 4 * MINUTE + 13_000, warning_ms=5 * MINUTE, danger_ms=MINUTE)
    controller.page.fill("#message-text", "Wrap up, please")
    controller.page.click("#message-show")
    stage.wait("document.body.dataset.message === 'shown' && document.body.dataset.phase === 'warning'")
    shoot(stage, pictures, "stage-view", viewport=PROJECTOR)
    shoot(controller, pictures, "phone", viewport=PHONE)

    controller.page.click("#message-hide")
    run_countdown(controller, 1000, overtime=True)
    stage.wait("/^\\+00:0[2-9]$/.test(document.getElementById('clock').textContent)", timeout=15_000)
    shoot(stage, pictures, "stage-view-overtime", viewport=PROJECTOR)
