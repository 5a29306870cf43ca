"""No label of any chart the portal draws overlaps another, in Chromium at 1280 and 390 px,
in English and Russian: every visible text of each chart (axis labels and titles, legend
labels, labels on the marks) is measured on the screen and the boxes compared pairwise.
Each page is screenshotted into ``test-artifacts/screenshots/labels-*.png`` for a person to
look at.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from migstat.web.app import create_app
from tests.browser import SHOTS, shot
from tests.portal_store import available, build_portal_store

pytestmark = pytest.mark.skipif(not available(), reason="shared data not available")
pytest.importorskip(
    "playwright.sync_api", reason="playwright is not installed (pip install -e '.[test]')"
)

CHARTS = {
    "explore-line": (
        "/explore?table=S01&REF_AREA=KGZ&DATA_PROVIDER=UN_DESA&chart=line",
        {"chart", "map", "flows"},
    ),
    "explore-bar": ("/explore?table=F01&REF_AREA=RUS&chart=bar", {"chart"}),
    "explore-pyramid": (
        "/explore?table=F01&REF_AREA=KGZ&DATA_PROVIDER=KGZ&chart=pyramid",
        {"chart"},
    ),
    "mirror-corridor": ("/mirror/corridor?origin=KGZ&destination=RUS", {"mirror-series-chart"}),
    "mirror-country": (
        "/mirror/country/KGZ",
        {"mirror-emigration-chart", "mirror-immigration-chart"},
    ),
    "region": ("/region/M49_143", {"region-chart-view"}),
    "country": (
        "/country/KGZ",
        {"stocks", "flows", "origins", "destinations", "pyramid"},
    ),
    "embed": ("/embed/explore?table=F01", {"chart"}),
}
"""Every page that draws charts, the view that draws each kind, and the charts it draws
(the explorer's flow diagram between countries is ``flows`` on the S01 page)."""

LABELS = """() => [...document.querySelectorAll('div.chart[data-spec]')].map(el => [
  el.id,
  [...el.querySelectorAll('svg text')]
    .filter(t => t.textContent.trim() && t.getAttribute('opacity') !== '0'
                 && getComputedStyle(t).visibility !== 'hidden')
    .map(t => { const r = t.getBoundingClientRect();
                return [t.textContent, r.left, r.top, r.right, r.bottom]; })
    .filter(b => b[3] > b[1] && b[4] > b[2])
    .concat([['', ...['left', 'top', 'right', 'bottom'].map(
      side => el.getBoundingClientRect()[side])]]),
])"""
"""The visible texts of every chart of the page, with their boxes on the screen; last, the
box of the chart itself."""

Box = tuple[str, float, float, float, float]


def _overlapping(boxes: list[Box]) -> list[tuple[str, str]]:
    """Pairs of texts whose boxes overlap (by more than one pixel either way)."""
    return [
        (a[0], b[0])
        for i, a in enumerate(boxes)
        for b in boxes[i + 1 :]
        if a[1] < b[3] - 1 and b[1] < a[3] - 1 and a[2] < b[4] - 1 and b[2] < a[4] - 1
    ]


def _outside(boxes: list[Box], frame: Box) -> list[str]:
    """Texts cut off at the left or right edge of their chart (more than a pixel out)."""
    return [b[0] for b in boxes if b[1] < frame[1] - 1 or b[3] > frame[3] + 1]


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    store = build_portal_store(tmp_path_factory.mktemp("labels") / "portal.db")
    yield create_app(store=store)
    store.close()


@pytest.fixture(params=[1280, 390], ids=["wide", "phone"])
def tab(request, browser) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": request.param, "height": 900})
    try:
        page = context.new_page()
        page.width = request.param
        yield page
    finally:
        context.close()


@pytest.mark.parametrize("lang", ["en", "ru"])
@pytest.mark.parametrize("name", list(CHARTS))
def test_no_chart_label_overlaps_another(tab, base_url, name, lang) -> None:
    path, expected = CHARTS[name]
    tab.goto(f"{base_url}{path}{'&' if '?' in path else '?'}lang={lang}")
    tab.wait_for_selector("div.chart:not([data-rendered])", state="detached", timeout=20_000)
    drawn = tab.eval_on_selector_all("div.chart", "els => els.map(e => e.dataset.rendered)")
    assert drawn and set(drawn) == {"true"}, drawn
    charts = dict(tab.evaluate(LABELS))
    frames = {c: boxes.pop() for c, boxes in charts.items()}
    shot(tab, f"labels-{name}-{lang}-{tab.width}")
    for chart in charts:
        where = SHOTS / "charts" / f"{name}-{chart}-{lang}-{tab.width}.png"
        tab.locator(f"#{chart}").screenshot(path=str(where))
    assert expected <= set(charts), sorted(charts)
    texts = {c: len(boxes) for c, boxes in charts.items()}
    assert all(n >= 3 for c, n in texts.items() if c != "map"), texts
    overlaps = {c: _overlapping(boxes) for c, boxes in charts.items()}
    assert not any(overlaps.values()), {c: o[:6] for c, o in overlaps.items() if o}
    cut = {c: _outside(boxes, frames[c]) for c, boxes in charts.items()}
    assert not any(cut.values()), {c: o[:6] for c, o in cut.items() if o}
