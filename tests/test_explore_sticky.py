"""A wide or long table of the explorer scrolls inside its own box with its headers held in
place, checked in Chromium over the portal's real store (UN DESA's stocks in Kyrgyzstan,
every date, 233 origins, with the total row), in English and Russian: scrolled down, the
column headers stay at the top of the box; scrolled right, the row labels stay at its left."""

from __future__ import annotations

from typing import Any

import pytest

from migstat.web.app import create_app
from tests.browser import shot
from tests.portal_store import available, build_portal_store

pytestmark = pytest.mark.skipif(not available(), reason="shared data not available")
pytest.importorskip(
    "playwright.sync_api", reason="playwright is not installed (pip install -e '.[test]')"
)


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    store = build_portal_store(tmp_path_factory.mktemp("sticky") / "portal.db")
    yield create_app(store=store)
    store.close()


def _box(page: Any, selector: str) -> dict[str, float]:
    return page.locator(selector).first.bounding_box()


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_headers_stay_in_place_as_the_table_scrolls(browser, base_url, lang) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844})
    try:
        page = context.new_page()
        page.goto(f"{base_url}/explore?table=S01&REF_AREA=KGZ&chart=line&zeros=show&lang={lang}")
        box = page.locator("div.scroll:has(#pivot)")
        frame = box.bounding_box()
        sizes = box.evaluate("b => [b.scrollHeight, b.clientHeight, b.scrollWidth, b.clientWidth]")
        assert sizes[0] > 2 * sizes[1] and sizes[2] > sizes[3]  # long and wide: it scrolls
        box.evaluate("b => { b.scrollTop = b.scrollHeight / 2; b.scrollLeft = b.scrollWidth; }")
        page.wait_for_timeout(100)
        head = _box(page, "#pivot thead th:nth-child(3)")
        row = _box(page, "#pivot tbody tr:nth-child(40) th")
        assert abs(head["y"] - frame["y"]) <= 2, (head, frame)
        assert abs(row["x"] - frame["x"]) <= 2, (row, frame)
        # the page itself stays within the phone's width
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        shot(page, f"explore_sticky_{lang}")
    finally:
        context.close()
