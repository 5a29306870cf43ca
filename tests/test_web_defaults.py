"""Pages open on the data: the mirror explorer on the latest well-covered year, a mirror
report's charts with the years partners have not finished reporting marked (not drawn as a
fall), the explorer's flow tables on the latest well-covered year with partners by size under
the published total; beside the downloads, the table as shown and the SDMX address of the
same series. Real numbers: CIS-Stat's file and UN DESA's stocks (tests.portal_store).
"""

from __future__ import annotations

import csv
import io
import json
import re

import pytest

from migstat.web.views.periods import incomplete, reporting_counts, well_covered
from tests.portal_store import available, cis_value, portal_client, undesa_row_total

pytestmark = pytest.mark.skipif(not available(), reason="shared data not available")


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    with portal_client(tmp_path_factory.mktemp("defaults")) as test_client:
        yield test_client


def test_well_covered_period_rules() -> None:
    counts = {2021: 9, 2022: 8, 2023: 7, 2024: 7, 2025: 3}
    assert well_covered(counts) == 2022  # 8 >= 0.8 x 9; 7 is not
    assert incomplete(counts) == [2023, 2024, 2025]
    assert well_covered({}) is None and incomplete({}) == []
    rows = [
        ("CISSTAT", "ARM", "F01", "2024", 14),
        ("CISSTAT", "ARM", "F02", "2024", 14),
        ("CISSTAT", "RUS", "F01", "2024", 14),  # one side only: not a reporting country
        ("CISSTAT", "ARM", "F01", "2025", 3),
        ("CISSTAT", "ARM", "F02", "2025", 3),
    ]
    assert reporting_counts(rows, ("F02", "F01")) == {2024: 1, 2025: 1}


def test_mirror_explorer_opens_on_the_best_covered_recent_year(client) -> None:
    """CIS-Stat's file: ten countries report both sides until 2019; 2023-2025 have seven, and
    Russia stops after 2022. The explorer opens on 2022, not on 2025."""
    page = client.get("/mirror?lang=en")
    assert page.status_code == 200
    selected = re.search(r'<option value="(\d{4})" selected', page.text).group(1)
    assert selected == "2022"
    assert re.search(r'<option value="2025"', page.text)  # later years are still offered
    assert "Russian Federation" in page.text


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_mirror_report_marks_the_years_partners_have_not_reported(client, lang) -> None:
    page = client.get(f"/mirror/country/KGZ?lang={lang}")
    assert page.status_code == 200
    assert re.search(r"<h1>[^<]*, 2022\s*</h1>", page.text)
    note = re.search(r'id="mirror-pending">(.*?)</p>', page.text, re.S).group(1)
    word = "incomplete" if lang == "en" else "неполные данные"
    assert note.count(word) == 3 and "2025" in note and "2022" not in note
    specs = [
        json.loads(m)
        for m in re.findall(r'<script type="application/json"[^>]*>(.*?)</script>', page.text, re.S)
    ]
    series = [s for s in specs if s.get("usermeta", {}).get("pending")]
    assert len(series) == 2
    for spec in series:
        assert spec["usermeta"]["pending"] == ["2023", "2024", "2025"]
        assert spec["layer"][0]["transform"] == [{"filter": "!datum.status"}]
        late = [p for p in spec["data"]["values"] if p["period"] == "2025"]
        assert late and all(p["status"] for p in late)


def test_explorer_flow_table_opens_on_a_covered_year_by_size(client) -> None:
    """Kyrgyzstan's arrivals (CIS-Stat): one year, the published world total on top, then the
    partners largest first, the publisher's groups last; the share link keeps the view."""
    view = client.get("/api/explore/F01?lang=en").json()
    pivot = view["pivot"]
    assert pivot["columns"] == [["2025"]]
    labels = [row["labels"][0] for row in pivot["data"]]
    values = [row["cells"][0]["value"] for row in pivot["data"]]
    assert labels[0] == "World (all countries)"
    assert values[0] == cis_value(2025, "KGZ", "ARRIVALS")
    assert labels[1] == "Russian Federation"
    assert values[1] == cis_value(2025, "KGZ", "ARRIVALS.RUS")
    countries = values[1 : labels.index("Commonwealth of Independent States")]
    assert countries == sorted(countries, reverse=True)
    assert labels[-2:] == ["Commonwealth of Independent States", "Countries outside the CIS"]
    assert "start=2025" in view["share"] and "order=size" in view["share"]
    assert "start=2025&end=2025" in view["downloads"]["csv"]
    page = client.get("/explore?table=F01&lang=ru")
    first = re.search(r'<table class="data" id="pivot">.*?<tbody>\s*<tr([^>]*)>', page.text, re.S)
    assert 'class="total"' in first.group(1)


def test_explorer_keeps_an_asked_period_and_partners(client) -> None:
    every = client.get("/api/explore/F01?REF_AREA=RUS&COUNTRY_PREV_RES=KGZ+TJK").json()
    assert len(every["pivot"]["columns"]) == 8  # partners chosen: 2016-2023, as before
    asked = client.get("/api/explore/F01?REF_AREA=KGZ&start=2016&end=2019").json()
    assert [c[0] for c in asked["pivot"]["columns"]] == ["2016", "2017", "2018", "2019"]


def test_download_as_shown_and_the_sdmx_address(client) -> None:
    """Beside the tidy downloads: the table as shown (wide, Russian labels, numbers as
    numbers) and the SDMX query of the same series, which answers the same numbers."""
    page = client.get("/explore?table=F01&lang=ru").text
    href = re.search(r'href="([^"]+)" data-format="shown"', page).group(1).replace("&amp;", "&")
    answer = client.get(href)
    assert answer.status_code == 200
    assert (
        answer.headers["content-disposition"] == 'attachment; filename="F01_2025_ru_as_shown.csv"'
    )
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert rows[0][0].startswith("F01. Иммиграция")
    assert ["Страна", "Кыргызстан"] in rows and ["Источник", "Статкомитет СНГ"] in rows
    header = next(r for r in rows if r and r[0].endswith("\\ Период"))
    assert header == ["Страна предыдущего проживания \\ Период", "2025"]
    shown = {r[0]: r[1] for r in rows[rows.index(header) + 1 :] if len(r) == 2 and r[1]}
    assert shown["Российская Федерация"] == str(cis_value(2025, "KGZ", "ARRIVALS.RUS")) == "14422"
    assert shown["Все страны мира"] == str(cis_value(2025, "KGZ", "ARRIVALS"))
    sdmx = re.search(r'href="([^"]+)" id="sdmx-url"', page).group(1).replace("&amp;", "&")
    assert sdmx == "/sdmx/rest/data/F01/KGZ..LT._T._T.CISSTAT?startPeriod=2025&endPeriod=2025"
    api = client.get(sdmx + "&format=csv")
    assert api.status_code == 200
    table = list(csv.DictReader(io.StringIO(api.text)))
    by_partner = {r["COUNTRY_PREV_RES"]: float(r["OBS_VALUE"]) for r in table}
    assert by_partner["RUS"] == 14422 and by_partner["_T"] == float(shown["Все страны мира"])
    assert len(by_partner) == sum(1 for v in shown.values() if v)


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_region_page_adds_up_only_what_exists(client, lang) -> None:
    """Central Asia from UN DESA (2019): the five countries' foreign-born as the CSV gives
    them, 7.1 % of their population (UN DESA's P01 for the same date), never more than the
    population; a country without a figure would be named, not counted as zero."""
    page = client.get(f"/region/m49_143?lang={lang}")
    assert page.status_code == 200
    names = ("Kazakhstan", "Kyrgyzstan", "Tajikistan", "Turkmenistan", "Uzbekistan")
    migrants = sum(undesa_row_total("2019", n) for n in names)
    assert migrants == 5_187_398
    row = re.search(r'<tr data-period="2019-07-01">(.*?)</tr>', page.text, re.S).group(1)
    cells = [
        re.sub(r"<[^>]+>", "", c).strip()
        for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
    ]
    digits = [int(re.sub(r"\D", "", c)) for c in cells[1:3]]
    assert digits[0] == migrants and digits[1] > 10 * migrants
    assert cells[3] == ("7.1" if lang == "en" else "7,1") and cells[4] == ""
    assert round(100 * digits[0] / digits[1], 1) == 7.1


def test_region_names_the_countries_without_data(client) -> None:
    """The CIS today without Georgia; Germany (in the store) is not a member. Every member
    has UN DESA figures here, so the page adds all eleven; an unknown region is a 404 naming
    the parameter."""
    page = client.get("/region/CIS?lang=en").text
    members = re.search(r'id="region-members">(.*?)</p>', page, re.S).group(1)
    assert "Georgia" not in members and "Germany" not in members and "no data" not in members
    assert client.get("/region/KGZ?lang=en").status_code == 404
    missing = client.get("/region/NOPE?lang=ru")
    assert missing.status_code == 404 and "region" in missing.text and "NOPE" in missing.text


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_profile_gives_migrants_as_a_share_of_the_population(client, lang) -> None:
    """Kyrgyzstan, mid-2019: UN DESA's 195,949 foreign-born over UN DESA's population of the
    same date; the synthetic 2024 questionnaire has no population, so it gives no share."""
    people = client.get("/api/explore/P01?REF_AREA=KGZ&DATA_PROVIDER=UN_DESA&SEX=_T").json()
    population = next(
        o["OBS_VALUE"] for o in people["observations"] if o["TIME_PERIOD"] == "2019-07-01"
    )
    migrants = undesa_row_total("2019", "Kyrgyzstan")
    assert migrants == 195_949 and 6_000_000 < population < 7_000_000
    share = round(100 * migrants / population, 1)
    page = client.get(f"/country/KGZ?lang={lang}").text
    kpi = re.sub(
        r"<[^>]+>", " ", re.search(r'id="kpi-share">(.*?)</div></div>', page, re.S).group(1)
    )
    shown = f"{share}" if lang == "en" else f"{share}".replace(".", ",")
    assert f"{shown}%" in kpi and "2019-07-01" in kpi and share == 3.1


def _text(html: str, element_id: str) -> str:
    found = re.search(rf'id="{element_id}"[^>]*>(.*?)</(?:p|b|figcaption)>', html, re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", found.group(1))).strip()


def test_every_explorer_chart_has_a_title_source_line_and_status(client) -> None:
    """Under the chart: the table's title, what is held fixed, the publisher with its edition
    and date received; a synthetic view says so on the chart, in the page's language."""
    cis = client.get("/explore?table=F01&lang=ru").text
    assert _text(cis, "chart-title").startswith("Иммиграция по стране предыдущего")
    assert "Страна: Кыргызстан" in _text(cis, "chart-subtitle")
    source = _text(cis, "chart-source")
    assert source.startswith("Источник: Статкомитет СНГ, Международная миграция по странам")
    assert "получено" in source and "Синтетические" not in source
    national = client.get("/explore?table=F01&REF_AREA=KGZ&DATA_PROVIDER=KGZ&lang=en").text
    line = _text(national, "chart-source")
    assert line.startswith("Source: Kyrgyzstan (received ") and "Synthetic" in line
    embed = client.get("/embed/explore?table=F01&REF_AREA=KGZ&DATA_PROVIDER=KGZ&lang=en").text
    assert "Synthetic" in _text(embed, "embed-source")
