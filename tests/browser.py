"""The portal in a real browser, for the browser tests: Debian's Chromium driven by Playwright
(never a downloaded browser). The fixtures ``base_url``, ``browser`` and ``page`` are in
``tests/conftest.py`` and serve the test module's ``app`` fixture; key pages go to
``test-artifacts/screenshots/`` (git-ignored) through :func:`shot`, for a person to look at.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SHOTS = Path(__file__).resolve().parents[1] / "test-artifacts" / "screenshots"


def shot(page: Any, name: str) -> None:
    """A full-page screenshot of ``page`` as ``test-artifacts/screenshots/<name>.png``."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
