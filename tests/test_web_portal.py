"""The portal's pages and JSON API over a small real store (UN DESA, CIS-Stat, and a
synthetic Kyrgyz questionnaire), checked against the published files themselves."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from migstat.i18n import translations
from migstat.web.app import create_app
from tests.portal_store import (
    NOTE,
    UNDESA_CSV,
    available,
    build_portal_store,
    cis_value,
    undesa_cell,
    undesa_row_total,
)

pytestmark = pytest.mark.skipif(not available(), reason="shared data not available")
TEMPLATES = Path(__file__).resolve().parents[1] / "migstat" / "web" / "templates"
PAGES = (
    "/",
    "/?q=kyrgyz",
    "/explore",
    "/explore?table=F01&REF_AREA=RUS",
    "/country",
    "/country/KGZ",
    "/country/TKM",
    "/availability",
    "/availability?scope=all",
    "/guide",
)


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    store = build_portal_store(tmp_path_factory.mktemp("portal") / "portal.db")
    with TestClient(create_app(store=store)) as test_client:
        yield test_client
    store.close()


def _cells(html: str, table_id: str = "pivot") -> list[tuple[list[str], list[str]]]:
    """Row labels and cell texts of an HTML table of the page."""
    body = html.split(f'id="{table_id}"', 1)[1].split("</table>", 1)[0]
    body = body.split("<tbody>", 1)[1]
    rows = []
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S):
        heads = [
            re.sub(r"<[^>]+>", "", h).strip() for h in re.findall(r"<th[^>]*>(.*?)</th>", row, re.S)
        ]
        cells = [
            re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        ]
        rows.append((heads, cells))
    return rows


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_every_page_answers_in_both_languages(client, lang) -> None:
    for page in PAGES:
        sep = "&" if "?" in page else "?"
        answer = client.get(f"{page}{sep}lang={lang}")
        assert answer.status_code == 200, page
        assert f'<html lang="{lang}">' in answer.text
        assert "/static/portal.css" in answer.text
    nav = client.get(f"/?lang={lang}").text
    for label in (
        ("Explore tables", "Countries", "Data availability", "Definitions and guide")
        if lang == "en"
        else ("Таблицы", "Страны", "Доступность данных", "Определения и руководство")
    ):
        assert label in nav


def test_language_switch_keeps_the_view(client) -> None:
    page = client.get("/explore?table=F01&REF_AREA=RUS&start=2019&end=2019&lang=en").text
    switch = re.search(r'class="lang-switch" data-lang="ru" href="\?([^"]+)"', page).group(1)
    assert switch == "table=F01&amp;REF_AREA=RUS&amp;start=2019&amp;end=2019&amp;lang=ru"
    russian = client.get("/explore?" + switch.replace("&amp;", "&")).text
    assert "Иммиграция по стране предыдущего проживания" in russian
    # (the type-ahead's data-names hold both languages, so that either finds a country)
    shown = re.sub(r' data-names="[^"]*"', "", russian)
    assert "Кыргызстан" in shown and "Kyrgyzstan" not in shown


def test_explorer_shows_published_numbers(client) -> None:
    """CIS-Stat: Russia recorded 53,810 arrivals from Kyrgyzstan in 2019 (README table)."""
    html = client.get("/explore?table=F01&REF_AREA=RUS&start=2019&end=2019&lang=en").text
    rows = {heads[0]: cells for heads, cells in _cells(html)}
    assert rows["Kyrgyzstan"] == ["53,810"]
    assert rows["Kyrgyzstan"] == [f"{cis_value(2019, 'RUS', 'ARRIVALS.KGZ'):,}"]
    assert rows["World (all countries)"] == [f"{cis_value(2019, 'RUS', 'ARRIVALS'):,}"]
    russian = client.get("/explore?table=F01&REF_AREA=RUS&start=2019&end=2019&lang=ru").text
    rows = {heads[0]: cells for heads, cells in _cells(russian)}
    assert rows["Кыргызстан"] == ["53\u00a0810"]


def test_explorer_offers_only_codes_with_data(client) -> None:
    view = client.get("/api/explore/F01?REF_AREA=RUS").json()
    filters = {f["id"]: f for f in view["filters"]}
    partners = {o["code"] for o in filters["COUNTRY_PREV_RES"]["options"]}
    # CIS-Stat publishes the CIS partners, the two groups and the world total, nothing else.
    assert {"KGZ", "KAZ", "UZB", "CIS", "NON_CIS", "_T"} <= partners
    assert "USA" not in partners and "DEU" not in partners
    assert {o["code"] for o in filters["SEX"]["options"]} == {"_T"}
    assert {o["code"] for o in filters["DATA_PROVIDER"]["options"]} == {"CISSTAT"}
    assert {o["code"] for o in filters["REF_AREA"]["options"]} == {
        "ARM",
        "AZE",
        "BLR",
        "KAZ",
        "KGZ",
        "MDA",
        "RUS",
        "TJK",
        "UKR",
        "UZB",
    }
    kgz = client.get("/api/explore/F01?REF_AREA=KGZ&DATA_PROVIDER=KGZ").json()
    sexes = {o["code"] for f in kgz["filters"] if f["id"] == "SEX" for o in f["options"]}
    assert sexes == {"_T", "M", "F", "_U"}


def test_pivot_rows_and_columns_and_no_sums(client) -> None:
    view = client.get(
        "/api/explore/F01?REF_AREA=RUS&COUNTRY_PREV_RES=KGZ+TJK&start=2018"
        "&end=2019&rows=TIME_PERIOD&cols=COUNTRY_PREV_RES"
    ).json()
    assert view["pivot"]["rows"] == ["TIME_PERIOD"] and view["pivot"]["cols"] == [
        "COUNTRY_PREV_RES"
    ]
    # The two partners chosen, with their sum first, named as computed (never silently).
    assert view["pivot"]["columns"] == [
        ["Total of the columns shown (computed)"],
        ["Kyrgyzstan"],
        ["Tajikistan"],
    ]
    assert view["pivot"]["total_columns"] == [0]
    cells = {r["labels"][0]: [c["value"] for c in r["cells"]] for r in view["pivot"]["data"]}
    kgz, tjk = cis_value(2019, "RUS", "ARRIVALS.KGZ"), cis_value(2019, "RUS", "ARRIVALS.TJK")
    assert cells["2019"] == [kgz + tjk, kgz, tjk]
    # Two sexes chosen, neither on rows nor columns: sex goes to the rows, never summed.
    view = client.get(
        "/api/explore/F01?REF_AREA=KGZ&DATA_PROVIDER=KGZ&SEX=M+F"
        "&COUNTRY_PREV_RES=RUS&cols=TIME_PERIOD"
    ).json()
    assert "SEX" in view["pivot"]["rows"]
    labels = [r["labels"] for r in view["pivot"]["data"]]
    assert any("Male" in lab for lab in labels) and any("Female" in lab for lab in labels)


def test_flags_footnotes_and_missing_cells(client) -> None:
    html = client.get(
        "/explore?table=F01&REF_AREA=KGZ&DATA_PROVIDER=KGZ&COUNTRY_PREV_RES=RUS+TKM+ARM&lang=en"
    ).text
    rows = {heads[0]: cells for heads, cells in _cells(html)}
    assert rows["Russian Federation"][0].endswith("P1")  # value, flag P, footnote 1
    assert rows["Turkmenistan"] == ["..L"]
    assert rows["Armenia"] == ["xc"]
    assert NOTE in html and "Provisional value" in html
    assert "synthetic demonstration data" in html


def test_downloads_and_shareable_link(client) -> None:
    view = client.get("/api/explore/F01?REF_AREA=RUS+KGZ&start=2019&end=2019").json()
    # Kyrgyzstan's own questionnaire is there too, with sexes and ages: the view (CIS-Stat,
    # totals) says so in its download link.
    assert view["downloads"]["csv"] == (
        "/download/F01.csv?REF_AREA=RUS+KGZ&DATA_PROVIDER=CISSTAT&DURATION=LT&SEX=_T&AGE=_T"
        "&start=2019&end=2019&lang=en"
    )
    view = client.get("/api/explore/F01?REF_AREA=RUS&start=2019&end=2019").json()
    assert view["downloads"]["csv"] == (
        "/download/F01.csv?REF_AREA=RUS&start=2019&end=2019&lang=en"
    )
    assert set(view["downloads"]) == {"csv", "xlsx", "sdmx.csv", "sdmx.xml", "json-stat.json", "px"}
    ru = client.get("/api/explore/F01?REF_AREA=RUS&COUNTRY_PREV_RES=KGZ&lang=ru").json()
    assert ru["downloads"]["xlsx"] == "/download/F01.xlsx?REF_AREA=RUS&COUNTRY_PREV_RES=KGZ&lang=ru"
    # The shareable query string restores exactly the same view.
    first = client.get(
        "/explore?table=F01&REF_AREA=RUS&COUNTRY_PREV_RES=KGZ+TJK"
        "&rows=TIME_PERIOD&cols=COUNTRY_PREV_RES&chart=bar"
    ).text
    share = re.search(r'id="share-url" value="http://testserver/explore\?([^"]+)"', first)
    again = client.get("/explore?" + share.group(1).replace("&amp;", "&")).text
    assert _cells(first) == _cells(again)
    assert 'aria-current="true">Bars' in again


def test_rows_of_zeros_are_left_out_and_counted(client) -> None:
    """UN DESA gives every origin for Kyrgyzstan (but not Kyrgyzstan itself); those with
    nobody in any year are counted and left out unless asked for."""
    with UNDESA_CSV.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        rows = [r for r in reader if r[1] == "Kyrgyzstan"]
    all_zero = sum(
        1
        for i in range(2, len(header))
        if header[i] != "Kyrgyzstan" and all(float(r[i] or 0) == 0 for r in rows)
    )
    view = client.get("/api/explore/S01?REF_AREA=KGZ&DATA_PROVIDER=UN_DESA").json()
    assert view["pivot"]["zero_rows"] == all_zero > 50
    shown = client.get("/api/explore/S01?REF_AREA=KGZ&DATA_PROVIDER=UN_DESA&zeros=show").json()
    assert len(shown["pivot"]["data"]) == len(view["pivot"]["data"]) + all_zero
    assert shown["pivot"]["zero_rows"] == 0 and "zeros=show" in shown["share"]


def test_earlier_vintages_and_bad_input(client) -> None:
    before = client.get("/api/explore/F01?REF_AREA=RUS&as_of=2000-01-01").json()
    assert before["observations"] == []
    assert before["downloads"]["csv"].endswith("REF_AREA=RUS&as_of=2000-01-01&lang=en")
    now = client.get("/api/explore/F01?REF_AREA=RUS&as_of=2999-01-01").json()
    assert (
        len(now["observations"])
        == len(client.get("/api/explore/F01?REF_AREA=RUS").json()["observations"])
        > 0
    )
    bad = client.get("/explore?table=F01&as_of=yesterday&lang=ru")
    assert bad.status_code == 400 and "yesterday" in bad.text and "ГГГГ-ММ-ДД" in bad.text
    assert client.get("/api/explore/F01?as_of=yesterday").status_code == 400
    assert client.get("/explore?table=X99").status_code == 404
    assert client.get("/api/explore/X99").status_code == 404


def test_charts_map_and_flows_carry_their_specs(client) -> None:
    html = client.get("/explore?table=S01&REF_AREA=KGZ&DATA_PROVIDER=UN_DESA").text
    for chart in ("chart", "map", "flows"):
        assert f'data-spec="{chart}-spec"' in html
    assert "/static/vendor/vega.min.js" in html and "cdn" not in html.lower()
    assert client.get("/static/vendor/vega.min.js").status_code == 200
    assert client.get("/static/vendor/countries-110m.json").json()["type"] == "Topology"
    specs = client.get("/api/explore/S01?REF_AREA=KGZ&DATA_PROVIDER=UN_DESA").json()["charts"]
    partners = specs["map"]["layer"][1]["transform"][0]["from"]["data"]["values"]
    by_code = {p["code"]: p["value"] for p in partners}
    assert by_code["RUS"] == undesa_cell("2019", "Kyrgyzstan", "Russian Federation")
    assert "KGZ" not in by_code  # the reporting country is not its own partner


def test_country_profile(client) -> None:
    profile = client.get("/api/countries/KGZ").json()
    kpis = {k["label"]: k for k in profile["kpis"]}
    latest = max(int(y) for y in ("2023", "2024", "2025") if _has_cis(y))
    imm = kpis["Immigration (long-term)"]
    assert imm["value"] == f"{cis_value(latest, 'KGZ', 'ARRIVALS'):,}"
    assert imm["source"] == f"CIS-Stat, {latest}"
    stocks = [
        p
        for p in profile["charts"]["stocks"]["data"]["values"]
        if p["series"] == "Foreign-born population (UN DESA)" and p["period"] == "2019"
    ]
    assert stocks[0]["value"] == undesa_row_total("2019", "Kyrgyzstan")
    origins = profile["ranking"]["origins"]["bars"]
    assert origins[0]["code"] == "RUS"
    provided = {r["table"]: r["cells"] for r in profile["provided"]["rows"]}
    years = profile["provided"]["years"]
    assert provided["F01"][years.index(2024)] == "national"
    assert provided["F01"][years.index(2019)] == "publisher"
    national = next(s for s in profile["sources"] if s["national"])
    facts = {t["table"]: dict(t["facts"]) for t in national["tables"]}
    assert facts["F01"]["Residence rule"] == "12 months or more"
    html = client.get("/country/KGZ?lang=ru").text
    assert "Правило проживания" in html and "12 месяцев и более" in html
    assert client.get("/country/kyrgyzstan").url.path == "/country/KGZ"
    assert client.get("/country/NOWHERE").status_code == 404


def _has_cis(year: str, country: str = "KGZ") -> bool:
    try:
        cis_value(int(year), country, "ARRIVALS")
    except KeyError:
        return False
    return True


def test_availability_matrix(client) -> None:
    view = client.get("/api/availability?start=2019&end=2024").json()
    rows = {r["code"]: r for r in view["rows"]}
    assert list(rows) == [
        "ARM",
        "AZE",
        "BLR",
        "GEO",
        "KAZ",
        "KGZ",
        "MDA",
        "RUS",
        "TJK",
        "TKM",
        "UKR",
        "UZB",
    ]

    def status(country: str, table: str, year: int) -> str:
        group = next(g for g in rows[country]["groups"] if g["table"] == table)
        return next(c for c in group["cells"] if c["year"] == year)["status"]

    assert status("KGZ", "F01", 2024) == "provided"  # national, every breakdown
    assert status("KGZ", "F01", 2019) == "partial"  # CIS-Stat: no sex, no age
    assert status("TKM", "F01", 2019) == "missing"  # CIS-Stat has no Turkmen data
    assert status("KGZ", "S01", 2019) == "partial"  # UN DESA: no sex or age here
    assert status("KGZ", "A01", 2019) == "missing"
    groups = {g["table"]: g for g in rows["KGZ"]["groups"]}
    assert groups["F01"]["breakdowns"] == {
        "year": 2024,
        "n": 4,
        "of": 4,
        "missing": [],
        "given": ["Country of previous residence", "Duration of stay", "Sex", "Age"],
    }
    rus = {g["table"]: g for g in rows["RUS"]["groups"]}
    assert rus["F01"]["breakdowns"]["missing"] == ["Sex", "Age"]  # CIS-Stat: totals only
    assert rus["F01"]["breakdowns"]["year"] == max(
        y for y in range(2019, 2025) if _has_cis(str(y), "RUS")
    )
    assert rus["A01"]["breakdowns"] is None
    cells = [c["status"] for g in rows["KGZ"]["groups"] for c in g["cells"]]
    expected = round(100 * (cells.count("provided") + cells.count("partial") / 2) / len(cells))
    assert rows["KGZ"]["score"] == expected
    national = client.get("/api/availability?source=national&start=2019&end=2024").json()
    assert {r["code"]: r["score"] for r in national["rows"]}["RUS"] == 0
    html = client.get("/availability?lang=ru").text
    assert "представлено" in html and "Кыргызстан" in html
    chosen = client.get("/api/availability?tables=F01+F02").json()
    assert [t["id"] for t in chosen["tables"]] == ["F01", "F02"]
    # Every country with data, one cell per table (its years with data counted).
    every = client.get("/api/availability?scope=all&start=2019&end=2024").json()
    codes = [r["code"] for r in every["rows"]]
    assert "DEU" in codes and codes[:3] == ["ARM", "AZE", "BLR"]
    deu = {
        g["table"]: g["cells"]
        for g in next(r for r in every["rows"] if r["code"] == "DEU")["groups"]
    }
    assert deu["S01"][0]["status"] == "partial" and deu["S01"][0]["count"] == 1
    assert deu["F01"][0]["status"] == "missing"


def test_search_and_releases(client) -> None:
    hits = client.get("/api/search?q=kyrg").json()
    assert hits[0]["kind"] == "country" and hits[0]["code"] == "KGZ"
    assert hits[0]["url"] == "/country/KGZ?lang=en"
    hits = client.get("/api/search?q=Кыргыз&lang=ru").json()
    assert hits[0]["label"] == "Кыргызстан"
    tables = {
        h["code"] for h in client.get("/api/search?q=emigration").json() if h["kind"] == "table"
    }
    assert {"F02", "F04"} <= tables
    indicators = client.get("/api/search?q=education").json()
    assert any(h["kind"] == "indicator" for h in indicators)
    releases = client.get("/api/releases").json()
    assert releases[0]["provider"] == "KGZ" and releases[0]["synthetic"]
    assert {r["provider"] for r in releases} == {"KGZ", "CISSTAT", "UN_DESA"}
    assert "Kyrgyzstan" in client.get("/?q=kyrg").text


def test_guide_in_both_languages(client) -> None:
    en = client.get("/api/guide").json()
    terms = {g["term"]: g["definition"] for g in en["glossary"]}
    assert "12 months" in terms["Long-term migrant (12-month rule)"]
    assert "6 months and 1 day" in terms["6-month rule (6 months and 1 day)"]
    assert {a["id"] for a in en["audiences"]} == {
        "statisticians",
        "policy",
        "agencies",
        "researchers",
        "media",
    }
    assert {t["id"] for t in en["tables"]} >= {"S01", "F01", "F02", "A01", "R01"}
    ru = client.get("/api/guide?lang=ru").json()
    assert len(ru["glossary"]) == len(en["glossary"])
    assert any(g["term"].startswith("Постоянная регистрация") for g in ru["glossary"])
    html = client.get("/guide?lang=ru").text
    assert "Как читать данные о миграции" in html and 'id="table-F01"' in html


def test_openapi_describes_the_api(client) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for path in (
        "/api/tables",
        "/api/search",
        "/api/releases",
        "/api/explore/{table}",
        "/api/countries/{code}",
        "/api/availability",
        "/api/guide",
    ):
        assert path in paths
    assert "/explore" not in paths  # pages are not API endpoints


def test_every_template_message_has_a_russian_translation() -> None:
    catalog = translations("ru")._catalog  # type: ignore[attr-defined]
    found: dict[str, str] = {}
    for path in TEMPLATES.glob("*.html"):
        text = path.read_text(encoding="utf-8")
        for match in re.finditer(r"""\bt\(\s*(["'])(.+?)\1""", text, re.S):
            found.setdefault(match.group(2), path.name)
        for match in re.finditer(r"\bt\(\s*\{([^}]*)\}", text, re.S):
            for value in re.finditer(r""":\s*(["'])(.+?)\1""", match.group(1)):
                found.setdefault(value.group(2), path.name)
    missing = sorted(f"{where}: {m}" for m, where in found.items() if m not in catalog)
    assert not missing, "untranslated template messages:\n" + "\n".join(missing)
    assert len(found) > 100


def test_view_cache_bounds_and_builds_once() -> None:
    import threading
    import time

    from migstat.web.views.data import ViewCache

    cache = ViewCache(size=3, weight=10)
    for i in range(5):
        cache.get(i, lambda: [0] * 4)  # 4 units each: only two fit in 10
    assert [cache.get(i, lambda: None) for i in (3, 4)] == [[0] * 4, [0] * 4]
    assert cache.get(0, lambda: "rebuilt") == "rebuilt"
    calls = []

    def slow() -> str:
        calls.append(1)
        time.sleep(0.2)
        return "view"

    threads = [threading.Thread(target=cache.get, args=("k", slow)) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert calls == [1] and cache.get("k", lambda: "other") == "view"
