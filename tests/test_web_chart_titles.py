"""Every chart of the country profile and the region pages carries a title, a subtitle (what
it holds fixed: the country, the date, the unit) and the source line naming whose numbers it
plots; the stock explorer opens on the latest well-covered date with the origins by size; a
region page gives the women among the foreign-born of each country with its source. Over the
portal's small real store (UN DESA, CIS-Stat, a synthetic Kyrgyz questionnaire), checked in
the HTML and in Chromium, in English and Russian.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any

import pytest

from migstat.analysis.mirror_model import COMPARED, Flag
from migstat.model import default_registry
from migstat.web.app import create_app
from migstat.web.views.mirror_flags import named_flag
from tests.browser import shot
from tests.portal_store import (
    available,
    build_portal_store,
    cis_value,
    has_cis,
    undesa_cell,
    undesa_row_total,
)

pytestmark = pytest.mark.skipif(not available(), reason="shared data not available")
pytest.importorskip(
    "playwright.sync_api", reason="playwright is not installed (pip install -e '.[test]')"
)

CHARTS = ("stocks", "flows", "origins", "destinations", "arrivals", "departures", "pyramid")
SOURCE = {"en": "Source:", "ru": "Источник:"}
KGZ = {"en": "Kyrgyzstan", "ru": "Кыргызстан"}


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    store = build_portal_store(tmp_path_factory.mktemp("chart-titles") / "portal.db")
    yield create_app(store=store)
    store.close()


@pytest.fixture(scope="module")
def client(app):
    from fastapi.testclient import TestClient

    with TestClient(app) as test_client:
        yield test_client


def _text(page: str, element_id: str) -> str:
    found = re.search(rf'id="{element_id}"[^>]*>(.*?)</(?:p|h2|figcaption)>', page, re.S)
    assert found, element_id
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", found.group(1))).strip())


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_every_profile_chart_has_title_subtitle_and_source_line(client, lang) -> None:
    page = client.get(f"/country/KGZ?lang={lang}").text
    assert 'class="small muted provenance"' not in page  # the old line above the chart
    for key in CHARTS:
        figure = re.search(rf'<figure id="figure-{key}" aria-labelledby="title-{key}">', page)
        assert figure, key
        assert _text(page, f"title-{key}")
        assert _text(page, f"chart-{key}-subtitle").startswith(KGZ[lang]), key
        assert _text(page, f"chart-{key}-source").startswith(SOURCE[lang]), key
    # Where people born in Kyrgyzstan live: UN DESA 2019, Russia first with the published cell.
    profile = client.get("/api/countries/KGZ").json()
    abroad = profile["ranking"]["destinations"]
    assert abroad["code"] == "UN_DESA" and abroad["period"] == "2019-07-01"
    assert _text(page, "chart-destinations-subtitle").startswith(f"{KGZ[lang]}, 2019-07-01: ")
    line = _text(page, "chart-destinations-source")
    assert ("UN DESA" if lang == "en" else "ДЭСВ ООН") in line
    assert EDITION[lang] in line  # the dataset's title in the page's language
    assert abroad["bars"][0]["code"] == "RUS"
    assert abroad["bars"][0]["value"] == undesa_cell("2019", "Russian Federation", "Kyrgyzstan")
    origins = profile["ranking"]["origins"]
    assert _text(page, "chart-origins-subtitle").startswith(f"{KGZ[lang]}, {origins['period']}: ")
    # Arrivals: CIS-Stat's latest year with partners.
    arrivals = _text(page, "chart-arrivals-source")
    assert ("CIS-Stat" if lang == "en" else "Статкомитет СНГ") in arrivals
    # The pyramid is the synthetic Kyrgyz questionnaire's: its line says so, as a mark.
    pyramid = _text(page, "chart-pyramid-source")
    assert KGZ[lang] in pyramid and "KGZ_2024.xlsx" in pyramid
    assert 'id="chart-pyramid-status"' in page
    assert "2024" in _text(page, "chart-pyramid-subtitle")


def test_stock_explorer_opens_on_the_latest_date_by_size(client) -> None:
    """UN DESA's stocks in Kyrgyzstan: seven dates of 233 origins. The explorer opens on
    mid-2019, Russia first; the time series (``chart=line``) asks for every date."""
    view = client.get("/api/explore/S01?REF_AREA=KGZ&DATA_PROVIDER=UN_DESA&lang=en").json()
    assert view["pivot"]["columns"] == [["2019-07-01"]]
    # The matrix holds no published total over the origins: the first row is their sum,
    # named as computed (tests/test_explore_totals.py: the published one where stored).
    total, *data = view["pivot"]["data"]
    assert total["labels"] == ["Total of the rows shown (computed)"]
    assert total["total"] == "computed" and total["cells"][0]["value"] == 195_949
    labels = [row["labels"][0] for row in data]
    values = [row["cells"][0]["value"] for row in data]
    assert labels[:3] == ["Russian Federation", "Ukraine", "Kazakhstan"]
    assert values[0] == undesa_cell("2019", "Kyrgyzstan", "Russian Federation")
    assert values == sorted(values, reverse=True)
    assert "start=2019&end=2019" in view["share"] and "order=size" in view["share"]
    assert sum(values) == undesa_row_total("2019", "Kyrgyzstan") == 195_949
    series = client.get("/api/explore/S01?REF_AREA=KGZ&DATA_PROVIDER=UN_DESA&chart=line").json()
    assert len(series["pivot"]["columns"]) == 7
    # Eurostat-like sources with the total alone keep their series; flows are unchanged.
    flows = client.get("/api/explore/F01?lang=en").json()
    latest = max(y for y in range(2015, 2026) if has_cis(y))
    assert flows["pivot"]["data"][0]["cells"][0]["value"] == cis_value(latest, "KGZ", "ARRIVALS")


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_region_gives_women_among_the_foreign_born_per_country(client, lang) -> None:
    """Central Asia: UN DESA's matrix has no breakdown by sex, so no regional share is added
    up; Kyrgyzstan's share comes from its questionnaire (synthetic, marked), between 0 and
    100 %, and the countries without one are named."""
    page = client.get(f"/region/M49_143?lang={lang}").text
    note = _text(page, "region-women-note")
    assert ("UN DESA" if lang == "en" else "ДЭСВ ООН") in note
    row = re.search(r'<tr data-country="KGZ">(.*?)</tr>', page, re.S).group(1)
    cells = [
        html.unescape(re.sub(r"<[^>]+>", " ", c)).strip()
        for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
    ]
    share = float(cells[1].replace(",", "."))
    assert 0 < share < 100
    profile = client.get(f"/country/KGZ?lang={lang}").text
    assert f">{cells[1]}%<" in profile  # the profile's headline, the same number
    assert "KGZ_2024.xlsx" in cells[2] and 'data-mark="synthetic"' in row
    missing = _text(page, "region-women-missing")
    for name in ("Kazakhstan", "Uzbekistan") if lang == "en" else ("Казахстан", "Узбекистан"):
        assert name in missing
    # The region's chart: title, subtitle, source line with UN DESA's edition.
    assert _text(page, "region-chart-subtitle").startswith(
        "Central Asia" if lang == "en" else "Центральная Азия"
    )
    line = _text(page, "region-chart-source")
    assert line.startswith(SOURCE[lang]) and EDITION[lang] in line


EDITION = {
    "en": "International Migrant Stock 2019",
    "ru": "Численность международных мигрантов 2019",
}


def _boxes(page: Any, selector: str) -> list[dict[str, float]]:
    return page.eval_on_selector_all(
        selector,
        "es => es.map(e => { const r = e.getBoundingClientRect(); "
        "return {top: r.top, bottom: r.bottom, left: r.left, right: r.right}; })",
    )


@pytest.mark.parametrize("lang", ["en", "ru"])
@pytest.mark.parametrize("width", [1300, 390])
def test_profile_charts_show_their_captions_in_chromium(browser, base_url, lang, width) -> None:
    """Each chart is drawn between its subtitle and its source line, all three visible, on a
    desktop and a phone screen; the exported SVG of the pyramid carries all three."""
    context = browser.new_context(viewport={"width": width, "height": 900}, accept_downloads=True)
    errors: list[str] = []
    try:
        tab = context.new_page()
        tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        tab.goto(f"{base_url}/country/KGZ?lang={lang}")
        tab.wait_for_selector("div.chart:not([data-rendered])", state="detached", timeout=20_000)
        for key in CHARTS:
            (sub,) = _boxes(tab, f"#chart-{key}-subtitle")
            (drawn,) = _boxes(tab, f"#figure-{key} div.chart")
            (line,) = _boxes(tab, f"#chart-{key}-source")
            assert sub["bottom"] <= drawn["top"] + 1 and drawn["bottom"] <= line["top"], key
            assert tab.locator(f"#chart-{key}-subtitle").is_visible()
            assert line["right"] <= width, key
        assert tab.evaluate("document.documentElement.scrollWidth") <= width
        shot(tab, f"profile_charts_{lang}_{width}")
        with tab.expect_download() as got:
            tab.click("#pyramid + p.chart-export a[data-export=svg]")
        svg = Path(got.value.path()).read_text(encoding="utf-8")
        title = "Foreign-born population by age and sex" if lang == "en" else "возрасту"
        assert title in svg and SOURCE[lang] in svg and "KGZ_2024.xlsx" in svg
        assert f"{KGZ[lang]}, 2024" in svg  # the subtitle
        assert not errors, errors
    finally:
        context.close()


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_region_page_in_chromium(browser, base_url, lang) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844})
    try:
        tab = context.new_page()
        tab.goto(f"{base_url}/region/M49_143?lang={lang}")
        tab.wait_for_selector("div.chart:not([data-rendered])", state="detached", timeout=20_000)
        assert tab.locator("#region-women tr[data-country=KGZ]").is_visible()
        assert tab.locator("#region-chart-source").is_visible()
        assert tab.evaluate("document.documentElement.scrollWidth") <= 390
        shot(tab, f"region_women_{lang}")
    finally:
        context.close()


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_mirror_report_says_names_not_codes(client, lang) -> None:
    """The mirror report of Kyrgyzstan: the series are named by the country's name, and the
    reasons two sides differ name the publishers and the residence rules, not their codes."""
    page = client.get(f"/mirror/country/KGZ?year=2024&lang={lang}").text
    specs = re.findall(
        r'<script type="application/json" id="mirror-[a-z]+-chart-spec">(.*?)<', page
    )
    series = {
        p["series"] for spec in specs for p in json.loads(html.unescape(spec))["data"]["values"]
    }
    assert series and not [s for s in series if "KGZ" in s]
    assert all(KGZ[lang] in s for s in series)
    # The heat map's tooltips name both countries.
    heat = client.get(f"/mirror?year=2019&lang={lang}").text
    title = heat.split('data-origin="KGZ" data-destination="RUS"')[0].rsplit("<td", 1)[1]
    assert KGZ[lang] in title and "KGZ" not in title.split('title="', 1)[1]


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_mirror_flags_name_publishers_countries_and_rules(lang) -> None:
    """The reasons two sides differ, as the mirror analysis states them (with codes), are
    written with the names of the publishers, countries and residence rules."""
    registry = default_registry()
    rule = Flag(
        "RESIDENCE_RULE",
        COMPARED[0][2],
        {"sender": "permanent_registration", "receiver": "12_months"},
    )
    months = Flag("RESIDENCE_RULE", COMPARED[0][2], {"sender": "6 months", "receiver": "12 months"})
    publishers = Flag(
        "PROVIDER",
        "The two sides come from different publishers: {sender} and {receiver}.",
        {"sender": "CISSTAT", "receiver": "GEO"},
    )
    said = [named_flag(f, registry, lang) for f in (rule, months, publishers)]
    if lang == "en":
        assert said == [
            "Residence rule differs: permanent registration (sender) against 12 months or "
            "more (receiver).",
            "Residence rule differs: 6 months (sender) against 12 months (receiver).",
            "The two sides come from different publishers: CIS-Stat and Georgia.",
        ]
    else:
        assert "12 месяцев и более" in said[0] and "permanent" not in said[0]
        assert "6 мес." in said[1] and "months" not in said[1]
        assert said[2].endswith("Статкомитет СНГ и Грузия.")


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_mirror_report_marks_years_with_synthetic_sides(client, lang) -> None:
    """Kyrgyzstan's side from its own (synthetic) questionnaire first: 2024 adds made-up
    numbers to CIS-Stat's, so its points are hollow, off the line, and the page says why;
    the years of CIS-Stat alone are not marked."""
    page = client.get(f"/mirror/country/KGZ?provider=KGZ,CISSTAT&year=2022&lang={lang}").text
    specs = re.findall(
        r'<script type="application/json" id="mirror-[a-z]+-chart-spec">(.*?)<', page
    )
    for spec in map(lambda s: json.loads(html.unescape(s)), specs):
        assert spec["usermeta"]["marked"] == ["2024"]
        assert spec["layer"][0]["transform"] == [{"filter": "!datum.status"}]
        word = "synthetic" if lang == "en" else "синтетические"
        for point in spec["data"]["values"]:
            assert (word in point.get("status", "")) == (point["period"] == "2024"), point
    note = _text(page, "mirror-marked")
    assert "2024" in note and ("hollow" if lang == "en" else "полыми") in note


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_mirror_explorer_names_the_synthetic_sides_of_its_year(client, lang) -> None:
    """With Kyrgyzstan's own (synthetic) questionnaire preferred, 2024's heat map reads its
    side from made-up numbers: the page says so, naming the country; 2022 (CIS-Stat only)
    has no such note, and the page still opens on 2022."""
    page = client.get(f"/mirror?year=2024&provider=KGZ,CISSTAT&lang={lang}").text
    note = _text(page, "mirror-synthetic")
    assert KGZ[lang] in note and "2024" in note
    assert 'id="mirror-synthetic"' not in client.get(f"/mirror?year=2022&lang={lang}").text
    opened = client.get(f"/mirror?provider=KGZ,CISSTAT&lang={lang}").text
    assert re.search(r'<option value="2022" selected', opened)


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_corridor_page_names_sides_and_marks_synthetic_years(client, lang) -> None:
    """Kyrgyzstan → Russia: headings, publishers and series by name; with Kyrgyzstan's own
    synthetic questionnaire preferred, its 2024 point is hollow, off the line."""
    page = client.get(
        f"/mirror/corridor?origin=KGZ&destination=RUS&provider=KGZ,CISSTAT&lang={lang}"
    ).text
    table = page.split('id="mirror-corridor"', 1)[1].split("</table>", 1)[0]
    head = table.split("</thead>", 1)[0]
    assert KGZ[lang] in head and "KGZ" not in re.sub(r'title="[^"]*"', "", head)
    publishers = re.findall(r'<td class="publishers">(.*?)</td>', table, re.S)
    assert ("CIS-Stat" if lang == "en" else "Статкомитет СНГ") in publishers[0]
    spec = json.loads(
        html.unescape(
            re.search(
                r'<script type="application/json" id="mirror-series-chart-spec">(.*?)<', page
            ).group(1)
        )
    )
    assert spec["usermeta"]["marked"] == ["2024"]
    assert all(KGZ[lang] in p["series"] or "KGZ" not in p["series"] for p in spec["data"]["values"])
    hollow = {p["period"] for p in spec["data"]["values"] if p.get("status")}
    assert hollow == {"2024"}


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_south_caucasus_and_eastern_europe_have_region_pages(client, lang) -> None:
    """The three region pages the explorer offers first: Central Asia, the South Caucasus
    (Armenia, Azerbaijan, Georgia; UN DESA 2019 added up, a share of the population between
    0 and 100 %) and Eastern Europe (the members outside the store's countries are named)."""
    explorer = client.get(f"/explore?table=S01&REF_AREA=KGZ&lang={lang}").text
    offered = re.findall(r'<a href="/region/([A-Z0-9_]+)\?lang=', explorer)
    assert offered[:3] == ["M49_143", "SOUTH_CAUCASUS", "M49_151"]
    page = client.get(f"/region/south_caucasus?lang={lang}").text
    assert ("South Caucasus" if lang == "en" else "Южный Кавказ") in page
    row = re.search(r'<tr data-period="2019-07-01">(.*?)</tr>', page, re.S).group(1)
    cells = [
        re.sub(r"<[^>]+>", "", c).strip()
        for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
    ]
    migrants = sum(undesa_row_total("2019", n) for n in ("Armenia", "Azerbaijan", "Georgia"))
    assert int(re.sub(r"\D", "", cells[1])) == migrants
    population = int(re.sub(r"\D", "", cells[2]))
    share = float(cells[3].replace(",", "."))
    assert migrants < population and 0 < share < 100
    assert round(100 * migrants / population, 1) == share
    east = client.get(f"/region/M49_151?lang={lang}").text
    missing = re.search(r'<tr data-period="2019-07-01">(.*?)</tr>', east, re.S).group(1)
    assert ("Poland" if lang == "en" else "Польша") in missing


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_first_column_of_numbers_is_on_a_phone_screen(browser, base_url, lang) -> None:
    """On a 390 px phone the explorer's row labels wrap, so the numbers of the period shown
    (Kyrgyzstan's arrivals, 2025) are on screen beside them, not behind a wide label."""
    context = browser.new_context(viewport={"width": 390, "height": 844})
    try:
        tab = context.new_page()
        tab.goto(f"{base_url}/explore?table=F01&lang={lang}")
        (box,) = _boxes(tab, "#pivot")
        cells = _boxes(tab, "#pivot tbody tr:first-child td")
        scroller = tab.evaluate(
            "document.querySelector('#pivot').closest('.scroll').getBoundingClientRect().right"
        )
        assert cells and cells[0]["right"] <= min(scroller, 390), (cells[0], scroller)
        assert box["left"] >= 0
        assert tab.evaluate("document.documentElement.scrollWidth") <= 390
        first = tab.locator("#pivot tbody tr:first-child td").first.inner_text()
        assert first.replace("\u00a0", " ").replace(
            ",", " "
        ) == f"{cis_value(2025, 'KGZ', 'ARRIVALS'):,}".replace(",", " ")
        shot(tab, f"pivot_phone_{lang}")
    finally:
        context.close()
