"""Russian pages as Chromium shows them, after the portal's scripts have run (the charts drawn,
the pickers and download buttons added): no English in the page's text nor in the charts'
titles, axes and legends. Screenshots go to test-artifacts/screenshots/ (``ru_*``)."""

from __future__ import annotations

from html import escape

import pytest

from migstat.web.app import create_app
from tests.browser import shot
from tests.portal_store import available, build_portal_store
from tests.russian_text import english_left
from tests.test_web_a11y import _settle

pytestmark = pytest.mark.skipif(not available(), reason="shared data not available")
pytest.importorskip(
    "playwright.sync_api", reason="playwright is not installed (pip install -e '.[test]')"
)
PAGES = {
    "home": "/",
    "country": "/country/KGZ",
    "explore_f01": "/explore?table=F01",
    "explore_p01": "/explore?table=P01&REF_AREA=KGZ",
    "flows": "/flows?run=1&start=2015&end=2019",
    "mirror": "/mirror?year=2016",
    "region": "/region/M49_143",
    "references": "/toolkit/references",
}
CHART_TEXT = """() => Array.from(document.querySelectorAll('div.chart svg text'))
    .map(t => t.textContent.trim()).filter(t => t)"""


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    store = build_portal_store(tmp_path_factory.mktemp("russian-browser") / "portal.db")
    yield create_app(store=store)
    store.close()


def test_russian_pages_in_chromium_show_no_english(page, base_url) -> None:
    left = {}
    charts = 0
    for name, path in PAGES.items():
        sep = "&" if "?" in path else "?"
        _settle(page, f"{base_url}{path}{sep}lang=ru")
        shot(page, f"ru_{name}")
        found = english_left(page.content())
        texts = page.evaluate(CHART_TEXT)
        charts += bool(texts)
        found += english_left("".join(f"<p>{escape(t)}</p>" for t in texts))
        if found:
            left[name] = sorted(set(found))[:8]
    assert not left, left
    assert charts >= 3  # the country profile, the explorer and the region draw charts
