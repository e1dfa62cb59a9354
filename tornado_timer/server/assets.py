"""Where the page's files are: inside the installed package, or at the top of a source checkout."""

from __future__ import annotations

from pathlib import Path


def static_dir() -> Path:
    """`tornado_timer/static` in a wheel (mapped there at build time), else the checkout's `static/`."""
    package = Path(__file__).resolve().parent.parent
    for candidate in (package / "static", package.parent / "static"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"the page's files are in neither {package / 'static'} nor {package.parent / 'static'}")
