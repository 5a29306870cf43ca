"""Portal pages of mirror statistics on the real CIS data: explorer, corridor, country report,
downloads; and, in Chromium, the explorer and a country report in English and Russian."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from migstat.store import Store
from migstat.store.access import AccessPolicy
from migstat.web.app import create_app
from migstat.web.views.mirror import cell_colour, series_chart
from tests.liveserver import serving
from tests.mirror_stores import CIS_CSV, cis_database, cis_value

pytestmark = pytest.mark.skipif(not CIS_CSV.exists(), reason="shared data not available")


@pytest.fixture(scope="module")
def cis_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    return cis_database(tmp_path_factory)


SEP = {"en": ",", "ru": "\u00a0"}
"""Thousands separators of the portal's pages, one per language (views/numbers.py)."""
SCREENSHOTS = Path(__file__).resolve().parents[1] / "test-artifacts" / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="module")
def client(cis_db: str):
    store = Store.open(cis_db)
    with TestClient(create_app(store=store)) as c:
        yield c
    store.close()


def test_explorer_shows_both_sides_of_each_corridor(client) -> None:
    page = client.get("/mirror", params={"year": 2019, "provider": "CISSTAT", "show": "emigration"})
    assert page.status_code == 200
    html = page.text
    assert 'id="mirror-heatmap" data-year="2019"' in html
    # the ARM -> RUS cell: ARM records 903 leaving, Russia 71,984 arriving
    cell = html.split('data-origin="ARM" data-destination="RUS"')[1].split("</td>")[0]
    assert f">{cis_value('ARM', 'DEPARTURES.RUS', 2019):,.0f}<" in cell
    title = html.split('data-origin="ARM" data-destination="RUS"')[0].rsplit("<td", 1)[1]
    assert "71,984 recorded by Russian Federation" in title  # names, not codes
    assert "56 of 56 corridors reported by both sides" in html
    totals = html.split('id="mirror-totals"')[1]
    assert "40,797" in totals and "88,942" in totals  # KAZ emigration, mirror
    assert "/mirror/download/matrix.xlsx?year=2019" in html


def test_corridor_page_has_a_chart_and_every_year(client) -> None:
    html = client.get(
        "/mirror/corridor", params={"origin": "KAZ", "destination": "RUS", "provider": "CISSTAT"}
    ).text
    # the series over time: a Vega-Lite chart whose spec travels with the page
    assert 'data-spec="mirror-series-chart-spec"' in html and 'data-expected-marks="2"' in html
    table = html.split('id="mirror-corridor"')[1]
    row_2019 = table.split("<th>2019</th>")[1].split("</tr>")[0]
    assert "39,774" in row_2019 and "86,311" in row_2019
    assert "<th>2016</th>" in table and "<th>2023</th>" in table


def test_country_report_in_russian(client) -> None:
    html = client.get(
        "/mirror/country/KAZ", params={"year": 2019, "provider": "CISSTAT", "lang": "ru"}
    ).text
    assert "Зеркальный отчёт" in html
    nbsp = SEP["ru"]
    assert f"Учтённая вами эмиграция: 40{nbsp}797" in html
    assert f"88{nbsp}942" in html
    emigration = html.split('id="mirror-emigration"')[1].split("</table>")[0]
    assert f"39{nbsp}774" in emigration and f"86{nbsp}311" in emigration  # KAZ -> RUS


def test_downloads_in_every_format(client) -> None:
    got = client.get("/mirror/download/matrix.csv", params={"year": 2019, "provider": "CISSTAT"})
    assert got.headers["content-type"].startswith("text/csv")
    rows = {(r["ORIGIN"], r["DESTINATION"]): r for r in csv.DictReader(io.StringIO(got.text))}
    assert rows[("UZB", "KAZ")]["EMIGRATION"] == "7645"
    assert rows[("UZB", "KAZ")]["IMMIGRATION"] == "4174"
    got = client.get(
        "/mirror/download/country/KAZ.xlsx", params={"year": 2019, "provider": "CISSTAT"}
    )
    wb = load_workbook(io.BytesIO(got.content))
    assert wb.sheetnames == ["Data", "Totals by year", "Metadata"]
    assert "attachment" in got.headers["content-disposition"]
    got = client.get(
        "/mirror/download/corridor.json",
        params={"origin": "ARM", "destination": "RUS", "provider": "CISSTAT", "lang": "ru"},
    )
    doc = json.loads(got.text)
    by_year = {r["TIME_PERIOD"]: r for r in doc["rows"]}
    assert (by_year["2019"]["EMIGRATION"], by_year["2019"]["IMMIGRATION"]) == (903, 71984)
    assert "Зеркальная статистика" in doc["metadata"]["Что это"]
    bad = client.get("/mirror/download/matrix.pdf")
    assert bad.status_code == 400 and "csv, xlsx or json" in bad.text


def test_harmonised_estimates_download(client) -> None:
    page = client.get("/mirror", params={"year": 2019, "provider": "CISSTAT"}).text
    assert 'id="mirror-harmonise"' in page
    got = client.get(
        "/mirror/download/harmonised.json",
        params={
            "year": 2019,
            "anchor": "RUS",
            "start": 2016,
            "end": 2019,
            "provider": "CISSTAT",
            "bootstrap": 200,
            "duration_set": "imem_model",
        },
    )
    assert got.status_code == 200, got.text
    doc = json.loads(got.text)
    assert doc["metadata"]["Status"].startswith("Estimates (OBS_STATUS E)")
    factors = {f["COUNTRY"]: f for f in doc["Factors"]}
    assert factors["RUS"]["EMIGRATION_FACTOR"] == 1.0 and factors["RUS"]["ANCHOR"]
    arm_rus = next(x for x in doc["rows"] if (x["ORIGIN"], x["DESTINATION"]) == ("ARM", "RUS"))
    assert (arm_rus["EMIGRATION_REPORTED"], arm_rus["IMMIGRATION_REPORTED"]) == (903, 71984)
    assert arm_rus["LOWER"] <= arm_rus["HARMONISED"] <= arm_rus["UPPER"]
    assert arm_rus["OBS_STATUS"] == "E"


def test_bad_choices_are_explained(client) -> None:
    # CIS-Stat publishes no age groups: an age group shows nothing, never zeros
    page = client.get("/mirror", params={"year": 2019, "age": "Y20T24"})
    assert page.status_code == 200 and "No flow is reported by both sides" in page.text
    assert '<option value="Y20T24" selected>' in page.text
    page = client.get(
        "/mirror", params={"year": 2019, "basis": "citizenship", "age": "Y20T24", "lang": "ru"}
    )
    assert page.status_code == 400 and "нет разбивки по возрасту" in page.text
    page = client.get("/mirror", params={"countries": "XXX", "lang": "ru"})
    assert page.status_code == 404 and "XXX" in page.text and "ISO 3166" in page.text


class HideBelstat(AccessPolicy):
    def data_clause(self, principal, submission):
        return sa.and_(
            super().data_clause(principal, submission), submission.c.provider != "BELSTAT"
        )


def test_pages_read_through_the_access_gate(client, cis_db: str) -> None:
    # by default Belarus's side comes from Belstat, and the flags say so (by its name)
    assert "Belstat" in client.get("/mirror", params={"year": 2019}).text
    with (
        Store.open(cis_db, policy=HideBelstat()) as store,
        TestClient(create_app(store=store)) as c,
    ):
        html = c.get("/mirror", params={"year": 2019}).text
        # without Belstat, Belarus's side comes from CIS-Stat: no mixed-publisher flags
        assert "Belstat" not in html and "BELSTAT" not in html


def test_colours_and_chart_helpers() -> None:
    assert cell_colour(0.0) == "rgb(255,255,255)"
    assert cell_colour(3.0) == cell_colour(10.0) == "rgb(255,80,60)"
    assert cell_colour(-3.0) == "rgb(50,145,255)"
    spec = series_chart(
        [2018, 2019, 2020], [("a", [1.0, None, 3.0]), ("b", [2.0, 2.0, 2.0])], title="t", lang="en"
    )
    line = spec["layer"][0]["mark"]
    assert line["invalid"] == "break-paths-show-domains"  # series a: two lone points, no line
    assert sum(p["value"] is not None for p in spec["data"]["values"]) == 5  # five points


@pytest.fixture(scope="module")
def server(cis_db: str):
    store = Store.open(cis_db)
    try:
        with serving(create_app(store=store)) as url:
            yield url
    finally:
        store.close()


def test_explorer_and_report_in_chromium(server: str) -> None:
    playwright = pytest.importorskip("playwright.sync_api")
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        for lang in ("en", "ru"):
            page.goto(f"{server}/mirror?year=2019&provider=CISSTAT&show=emigration&lang={lang}")
            cell = page.locator('#mirror-heatmap td[data-origin="ARM"][data-destination="RUS"]')
            assert cell.inner_text().strip() == "903"
            assert "71" in cell.get_attribute("title")
            page.screenshot(path=str(SCREENSHOTS / f"mirror_explorer_{lang}.png"), full_page=True)
            page.goto(f"{server}/mirror/country/KAZ?year=2019&provider=CISSTAT&lang={lang}")
            summary = page.locator("#mirror-summary-emigration").inner_text()
            sep = SEP[lang]
            assert f"40{sep}797" in summary and f"88{sep}942" in summary
            row = page.locator('#mirror-emigration tr[data-partner="RUS"]').inner_text()
            assert f"39{sep}774" in row and f"86{sep}311" in row
            assert page.locator("#mirror-emigration-series g.series_marks > path").count() == 2
            page.screenshot(path=str(SCREENSHOTS / f"mirror_country_{lang}.png"), full_page=True)
        assert "Учтённая вами эмиграция" in summary
        browser.close()


def test_every_template_message_has_a_russian_translation() -> None:
    import re

    from migstat.i18n import translations

    folder = Path(__file__).resolve().parents[1] / "migstat" / "web" / "templates"
    ru = translations("ru")
    missing = [
        m
        for f in sorted(folder.glob("mirror_*.html"))
        for m in re.findall(r't\("((?:[^"\\]|\\.)*)"', f.read_text(encoding="utf-8"))
        if ru.gettext(m) == m
    ]
    assert not missing, missing
