"""The portal in a real browser: Debian's Chromium driven by Playwright (never a downloaded
browser), against uvicorn serving a small real store on a free loopback port.

Checked: the language switch keeps the view; filters and pivot; the chart, the map and the
flow diagram draw the number of marks the published data call for; download links; the
country profile; the availability page. Key pages are screenshotted in both languages into
``test-artifacts/screenshots/`` (git-ignored) for a person to look at.
"""

from __future__ import annotations

import csv
import itertools
import json
import re
from pathlib import Path
from typing import Any

import pytest

from migstat.demo.synthetic import consistent_dataset
from migstat.model import default_registry
from migstat.web.app import create_app
from tests.browser import shot
from tests.portal_store import (
    REGION,
    UNDESA_CSV,
    available,
    build_portal_store,
    cis_value,
    has_cis,
    undesa_cell,
)
from tests.shared import SHARED_DATA

GEOMETRY = (
    Path(__file__).resolve().parents[1]
    / "migstat"
    / "web"
    / "static"
    / "vendor"
    / "countries-110m.json"
)

pytestmark = pytest.mark.skipif(not available(), reason="shared data not available")
pytest.importorskip(
    "playwright.sync_api", reason="playwright is not installed (pip install -e '.[test]')"
)


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    store = build_portal_store(tmp_path_factory.mktemp("browser") / "portal.db")
    yield create_app(store=store)
    store.close()


def _open(page: Any, url: str) -> None:
    """Go to ``url`` and wait until every chart on it has been drawn."""
    page.goto(url)
    _charts_drawn(page)


def _charts_drawn(page: Any) -> dict[str, dict[str, str]]:
    # a selector, not wait_for_function: its polling evaluates a string, which the portal's
    # Content-Security-Policy (no eval) refuses
    page.wait_for_selector("div.chart:not([data-rendered])", state="detached", timeout=20_000)
    charts = page.eval_on_selector_all(
        "div.chart", "els => els.map(e => [e.id, Object.assign({}, e.dataset)])"
    )
    assert all(d["rendered"] == "true" for _id, d in charts), charts
    return dict(charts)


AXIS_LABELS = """() => [...document.querySelectorAll('div.chart[data-spec]')].map(el => [
  el.id,
  [...el.querySelectorAll('g.role-axis-label text')]
    .filter(t => t.textContent.trim() && t.getAttribute('opacity') !== '0')
    .map(t => { const r = t.getBoundingClientRect();
                return [t.textContent, r.left, r.top, r.right, r.bottom]; }),
])"""
"""The visible axis labels of every chart of the page, with their boxes on the screen."""


def _axis_labels(page: Any) -> dict[str, list[tuple[str, float, float, float, float]]]:
    return {chart: [tuple(b) for b in boxes] for chart, boxes in page.evaluate(AXIS_LABELS)}


def _overlapping(boxes: list[tuple[str, float, float, float, float]]) -> list[tuple[str, str]]:
    """Pairs of labels whose boxes overlap (by more than half a pixel)."""
    return [
        (a[0], b[0])
        for i, a in enumerate(boxes)
        for b in boxes[i + 1 :]
        if a[1] < b[3] - 0.5 and b[1] < a[3] - 0.5 and a[2] < b[4] - 0.5 and b[2] < a[4] - 0.5
    ]


def _round_steps(labels: list[str]) -> set[int]:
    """The steps between successive tick labels that are counts (``12,000``, ``12 000``)."""
    counts = [t for t in labels if re.fullmatch(r"[0-9][0-9,\u00a0]*", t)]
    values = sorted({int(re.sub(r"[^0-9]", "", t)) for t in counts})
    return {b - a for a, b in itertools.pairwise(values)}


def _pivot(page: Any) -> dict[str, list[str]]:
    rows = page.eval_on_selector_all(
        "#pivot tbody tr",
        "trs => trs.map(tr => [Array.from(tr.querySelectorAll('th'))"
        ".map(t => t.textContent.trim()).join(' | '), Array.from(tr.querySelectorAll('td'))"
        ".map(t => t.textContent.trim())])",
    )
    return dict(rows)


def _undesa_codes() -> dict[str, str]:
    """English names of the UN DESA CSV header -> migstat area codes."""
    areas = default_registry().areas
    with UNDESA_CSV.open(encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle))
    return {name: areas.resolve(name) or "" for name in header[2:]}


def test_language_switch_keeps_the_view(page, base_url) -> None:
    _open(page, f"{base_url}/explore?table=F01&REF_AREA=RUS&start=2019&end=2019&chart=bar")
    assert _pivot(page)["Kyrgyzstan"] == ["53,810"]
    shot(page, "explore-en")
    page.click("a.lang-switch")
    page.wait_for_url("**lang=ru")
    charts = _charts_drawn(page)
    assert page.get_attribute("html", "lang") == "ru"
    for part in ("table=F01", "REF_AREA=RUS", "start=2019", "end=2019", "chart=bar"):
        assert part in page.url
    assert _pivot(page)["Кыргызстан"] == ["53\u00a0810"]
    chart_text = page.inner_text("#chart")
    assert "Число (человек)" in chart_text and "Кыргызстан" in chart_text
    assert charts["chart"]["marks"] == charts["chart"]["expectedMarks"]
    shot(page, "explore-ru")
    page.click("a.lang-switch")
    page.wait_for_url("**lang=en")
    assert "REF_AREA=RUS" in page.url and page.get_attribute("html", "lang") == "en"


def test_filter_and_pivot(page, base_url) -> None:
    _open(page, f"{base_url}/explore?table=F01&REF_AREA=KGZ&DATA_PROVIDER=KGZ&lang=en")
    page.select_option("#f-COUNTRY_PREV_RES", ["RUS"])
    page.select_option("#f-SEX", ["M", "F"])
    page.select_option("#f-AGE", ["Y20T24", "Y25T29"])
    page.select_option("#f-rows", "SEX")
    page.select_option("#f-cols", "AGE")
    page.locator("#filters button[type=submit]").last.click()
    page.wait_for_url("**rows=SEX**")
    _charts_drawn(page)
    headers = page.eval_on_selector_all("#pivot thead th", "ths => ths.map(t => t.textContent)")
    assert headers[-2:] == ["20-24", "25-29"]
    expected = {
        (o.key[2], o.key[3]): o.value
        for o in consistent_dataset("KGZ", 2024).observations
        if o.table == "F01" and o.key[:2] == ("RUS", "LT")
    }
    pivot = _pivot(page)
    assert set(pivot) == {"Male", "Female"}
    for sex, label in (("M", "Male"), ("F", "Female")):
        assert pivot[label] == [f"{expected[(sex, age)]:,.0f}" for age in ("Y20T24", "Y25T29")]
    # The address restores the view: open it afresh.
    _open(page, page.input_value("#share-url"))
    assert _pivot(page) == pivot


def test_chart_map_and_flows_draw_the_right_marks(page, base_url) -> None:
    _open(
        page, f"{base_url}/explore?table=S01&REF_AREA=KGZ&DATA_PROVIDER=UN_DESA&chart=line&lang=en"
    )
    charts = _charts_drawn(page)
    codes = _undesa_codes()
    m49 = {c.id: c.attributes.get("m49") for c in default_registry().areas}
    shapes = {
        str(g["id"])
        for g in json.loads(GEOMETRY.read_text())["objects"]["countries"]["geometries"]
        if "id" in g
    }
    # Map: every origin with people in Kyrgyzstan in 2019 that the 1:110m geometry draws.
    with_people = [
        code
        for name, code in codes.items()
        if code
        and code != "KGZ"
        and m49.get(code) in shapes
        and undesa_cell("2019", "Kyrgyzstan", name) > 0
    ]
    assert int(charts["map"]["marks"]) == len(with_people) > 10
    assert page.locator("#map g.partners_marks > path").count() == len(with_people)
    # Time series: the eight largest origins, one line each.
    assert page.locator("#chart g.series_marks > path").count() == 8
    # Flows between the twelve countries as UN DESA estimates them for 2019.
    names = {code: name for name, code in codes.items() if code in REGION}
    links = [
        (o, d)
        for d in REGION
        for o in REGION
        if o != d and d in names and o in names and undesa_cell("2019", names[d], names[o]) > 0
    ]
    assert int(charts["flows"]["marks"]) == len(links) > 50
    assert page.locator("#flows g.flows_marks > path, #flows g.flows_marks > line").count() == len(
        links
    )
    shot(page, "explore-map-en")
    # The age-sex pyramid of Kyrgyzstan's own table: 17 age groups x 2 sexes.
    _open(page, f"{base_url}/explore?table=S01&REF_AREA=KGZ&DATA_PROVIDER=KGZ&chart=pyramid")
    assert page.locator("#chart g.marks > path").count() == 34


def test_download_links(page, base_url, app) -> None:
    _open(page, f"{base_url}/explore?table=F01&REF_AREA=RUS&start=2019&end=2019&lang=ru")
    hrefs = dict(
        page.eval_on_selector_all(
            "#downloads a", "as => as.map(a => [a.dataset.format, a.getAttribute('href')])"
        )
    )
    # the table as shown (wide, Russian labels) is offered beside the tidy downloads
    assert hrefs.pop("shown") == (
        "/explore/shown.csv?table=F01&REF_AREA=RUS&start=2019&end=2019"
        "&rows=COUNTRY_PREV_RES&cols=TIME_PERIOD&chart=bar&lang=ru"
    )
    # and the tidy table with its column titles in the page's language
    for fmt in ("csv", "xlsx"):
        assert hrefs.pop(f"{fmt}-titled") == (
            f"/download/F01.{fmt}?REF_AREA=RUS&start=2019&end=2019&lang=ru&labels=1"
        )
    assert hrefs == {
        fmt: f"/download/F01.{fmt}?REF_AREA=RUS&start=2019&end=2019&lang=ru"
        for fmt in ("csv", "xlsx", "sdmx.csv", "sdmx.xml", "json-stat.json", "px")
    }


def test_downloads_deliver_the_numbers(page, base_url) -> None:
    _open(page, f"{base_url}/explore?table=F01&REF_AREA=RUS&start=2019&end=2019")
    href = page.get_attribute("#downloads a[data-format=csv]", "href")
    answer = page.request.get(base_url + href)
    assert answer.ok
    rows = list(csv.DictReader(answer.text().splitlines()))
    kgz = [r for r in rows if r.get("COUNTRY_PREV_RES") == "KGZ" and r["TIME_PERIOD"] == "2019"]
    assert [float(r["OBS_VALUE"]) for r in kgz] == [cis_value(2019, "RUS", "ARRIVALS.KGZ")]


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_country_profile(page, base_url, lang) -> None:
    _open(page, f"{base_url}/country/KGZ?lang={lang}")
    charts = _charts_drawn(page)
    assert {"stocks", "flows", "origins", "destinations", "pyramid"} <= set(charts)
    for name, data in charts.items():
        assert data["marks"] == data["expectedMarks"], name
    # Foreign-born: UN DESA 1990-2019 and the country's own 2024 figure, one line each.
    assert page.locator("#stocks g.series_marks > path").count() == 2
    # Top origins: ten bars, Russia first.
    assert page.locator("#origins g.marks > path").count() == 10
    assert page.locator("#pyramid g.marks > path").count() == 34
    kpis = page.inner_text("#kpis")
    latest = max(y for y in (2023, 2024, 2025) if has_cis(y))
    number = f"{cis_value(latest, 'KGZ', 'ARRIVALS'):,}"
    assert (number if lang == "en" else number.replace(",", "\u00a0")) in kpis
    assert page.locator("#provided td[data-status=national]").count() == 9
    # No visible axis label overlaps another; ticks step by 1, 2 or 5 times a power of ten.
    labels = _axis_labels(page)
    assert set(charts) <= set(labels)
    for chart, boxes in labels.items():
        assert boxes and not _overlapping(boxes), (chart, _overlapping(boxes))
    steps = _round_steps([b[0] for b in labels["pyramid"]])
    assert steps and all(re.fullmatch(r"[125]0*", str(step)) for step in steps), steps
    # The synthetic headline (the country's own foreign-born) is marked beside its number.
    badge = page.locator("#kpis .kpi").first.locator("[data-mark=synthetic]")
    assert badge.is_visible()
    assert badge.inner_text() == ("Synthetic" if lang == "en" else "Синтетические")
    shot(page, f"country-{lang}")


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_availability_page(page, base_url, lang) -> None:
    _open(page, f"{base_url}/availability?start=2015&end=2024&lang={lang}")

    def status(country: str, table: str, year: int) -> str:
        return page.get_attribute(
            f"tr[data-country={country}] td[data-table={table}][data-year='{year}']", "data-status"
        )

    assert status("KGZ", "F01", 2024) == "provided"
    assert status("KGZ", "F01", 2019) == "partial"
    assert status("TKM", "F01", 2019) == "missing"
    assert page.locator("#availability tr[data-country]").count() == 12
    assert (
        page.get_attribute("#breakdowns tr[data-country=KGZ] td[data-table=F01]", "data-given")
        == "4"
    )
    title = page.get_attribute("tr[data-country=KGZ] td[data-table=F01][data-year='2019']", "title")
    # The publisher by its name in the page's language.
    assert ("CIS-Stat" if lang == "en" else "Статкомитет СНГ") in title
    shot(page, f"availability-{lang}")


def test_api_docs_from_the_package(page, base_url) -> None:
    page.goto(f"{base_url}/docs")
    page.get_by_text("/api/explore/{table}").wait_for()
    assert page.locator(".opblock").count() >= 7


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_home_search_and_guide(page, base_url, lang) -> None:
    _open(page, f"{base_url}/?lang={lang}")
    page.fill("#q", "kyrg" if lang == "en" else "кыргыз")
    page.wait_for_selector("#hits li[data-kind=country]")
    first = page.inner_text("#hits li[data-kind=country] a")
    assert first == ("Kyrgyzstan" if lang == "en" else "Кыргызстан")
    shot(page, f"home-{lang}")
    _open(page, f"{base_url}/guide?lang={lang}")
    assert page.locator("#glossary-table tbody tr").count() >= 20
    shot(page, f"guide-{lang}")


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_flows_from_stocks_page_estimates_an_upload(page, base_url, lang) -> None:
    """The estimate page in the browser: two stock tables uploaded through the form give
    migest's published flows (Abel & Sander 2014 example), with the assumptions shown."""
    ffs = SHARED_DATA / "reference" / "ffs_demo"
    case = "e5_science2014_bd_rescale"
    page.goto(f"{base_url}/flows?lang={lang}")
    assert page.locator("#assumptions li").count() >= 3
    page.set_input_files("#u-start", str(ffs / f"{case}__stock_start.csv"))
    page.set_input_files("#u-end", str(ffs / f"{case}__stock_end.csv"))
    page.set_input_files("#u-bd", str(ffs / f"{case}__births_deaths.csv"))
    page.locator("#upload button[type=submit], #upload input[type=submit]").first.click()
    page.wait_for_selector("#flows-matrix")
    with (ffs / f"{case}__expected_sum_od.csv").open(encoding="utf-8") as handle:
        expected = list(csv.reader(handle))
    cells = page.eval_on_selector_all(
        "#flows-matrix tbody tr", "rows => rows.map(r => [...r.cells].map(c => c.innerText))"
    )
    for row, want in zip(cells[:4], expected[1:5], strict=True):
        shown = [
            float(v.replace(",", "").replace("\u00a0", "").replace(" ", "") or 0) for v in row[1:5]
        ]
        assert shown == [round(float(v)) for v in want[1:5]]
    shot(page, f"flows-{lang}")
