"""Screenshots of the page's main states at desktop and phone sizes, into a temporary folder, or PAGE_SCREENSHOT_DIR.

Set UPDATE_PAGE_SCREENSHOT=1 to also refresh docs/img/page.png, the README's picture of the page.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

SIZES = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}


def shoot(tab: Any, directory: Path, state: str, schemes: tuple[str, ...] = ("light",)) -> None:
    for size, viewport in SIZES.items():
        tab.page.set_viewport_size(viewport)
        for scheme in schemes:
            tab.page.emulate_media(color_scheme=scheme)
            suffix = "" if scheme == "light" else f"-{scheme}"
            tab.page.screenshot(path=str(directory / f"{state}-{size}{suffix}.png"))
        # The digits fill most of the width and never spill over it, whatever the font.
        width = tab.page.evaluate(
            """() => { const range = document.createRange();
                       range.selectNodeContents(document.getElementById("clock"));
                       return range.getBoundingClientRect().width; }"""
        )
        low = 0.8 if tab.clock_text()[0].isdigit() else 0.3  # "--:--" is narrow, and capped by the height
        assert low * viewport["width"] < width < 0.95 * viewport["width"], f"{state}, {size}: digits {width}px wide"
    tab.page.emulate_media(color_scheme="light")


def test_screenshots(start_timer_server: Any, open_page: Any, screenshot_dir: Path) -> None:
    server = start_timer_server("--no-autostart", "--mode", "countdown", "--duration", "300")
    tab = open_page(server.page_url())
    tab.page.emulate_media(reduced_motion="reduce")  # steady pictures: no finished flash mid-frame
    tab.wait_connected()

    tab.page.click("#start")
    tab.wait_status("running")
    tab.wait("document.getElementById('clock').textContent === '04:58'", timeout=4000)
    shoot(tab, screenshot_dir, "running", schemes=("light", "dark"))
    if os.environ.get("UPDATE_PAGE_SCREENSHOT") == "1":
        readme_picture = Path(__file__).resolve().parents[2] / "docs" / "img" / "page.png"
        readme_picture.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(screenshot_dir / "running-desktop.png", readme_picture)

    tab.page.click("#pause")
    tab.wait_status("paused")
    shoot(tab, screenshot_dir, "paused", schemes=("light", "dark"))

    tab.page.fill("#minutes", "0")
    tab.page.fill("#seconds", "1")
    tab.page.click("#set-countdown button[type=submit]")
    tab.wait("document.getElementById('clock').textContent === '00:01'")
    tab.page.click("#start")
    tab.wait_status("finished", timeout=5000)
    tab.page.wait_for_timeout(200)  # let the "Finished" announcement and toast settle
    shoot(tab, screenshot_dir, "finished", schemes=("light", "dark"))

    server.stop()
    tab.wait_connection("reconnecting", timeout=3000)
    shoot(tab, screenshot_dir, "reconnecting", schemes=("light", "dark"))

    for name in ("running", "paused", "finished", "reconnecting"):
        for size in SIZES:
            assert (screenshot_dir / f"{name}-{size}.png").stat().st_size > 5000


def test_screenshots_of_problems(open_page: Any, file_url: Any, free_port: int, screenshot_dir: Path) -> None:
    """Not states of a timer, but what a user sees when something is wrong: worth a look too."""
    tab = open_page(file_url(server=f"ws://127.0.0.1:{free_port}"))
    tab.page.locator("#problem").wait_for(state="visible", timeout=5000)
    tab.page.evaluate("TornadoTimer.view.toast('The server said: cannot pause: the timer is idle')")
    shoot(tab, screenshot_dir, "server-down")
    tab = open_page(file_url(server="localhost:8080"))
    tab.page.locator("#problem").wait_for(state="visible", timeout=5000)
    shoot(tab, screenshot_dir, "bad-address")


def test_screenshots_of_sharing_and_degraded(
    token_server: Any, open_page: Any, page: Any, screenshot_dir: Path
) -> None:
    """The Share panel of a controller (both links) and of a viewer, a degraded server, a wrong token."""
    tab = open_page(token_server.page_url(timer="standup", token=token_server.control_token))
    tab.page.emulate_media(reduced_motion="reduce")
    tab.wait_connected()
    tab.page.click("#set-countdown button[type=submit]")  # 5:00, the form's default
    tab.wait("document.body.dataset.mode === 'countdown'")
    tab.page.click("#start")
    tab.wait_status("running")
    tab.open_share()
    shoot(tab, screenshot_dir, "share", schemes=("light", "dark"))
    tab.page.keyboard.press("Escape")

    degraded = {"type": "server", "degraded": True, "message": "the timer store (Redis) is unreachable; "
                "commands are refused until it is back"}  # fmt: skip
    tab.page.evaluate("(message) => TornadoTimer.app.handleMessage(message)", degraded)
    tab.page.locator("#degraded").wait_for(state="visible")
    tab.page.wait_for_timeout(200)
    shoot(tab, screenshot_dir, "degraded", schemes=("light", "dark"))

    viewer = open_page(token_server.page_url(timer="standup"), page=page.context.new_page())
    viewer.page.emulate_media(reduced_motion="reduce")
    viewer.wait_connected()
    viewer.open_share()
    shoot(viewer, screenshot_dir, "share-viewer")

    refused = open_page(token_server.page_url(timer="standup", token="WRONG-TOKEN"), page=viewer.page)
    refused.page.locator("#problem").filter(has_text="refused this page's control token").wait_for(timeout=5000)
    shoot(refused, screenshot_dir, "wrong-token")
    for name in ("share", "degraded", "share-viewer", "wrong-token"):
        for size in SIZES:
            assert (screenshot_dir / f"{name}-{size}.png").stat().st_size > 5000
