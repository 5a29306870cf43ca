"""The portal tells the truth about its numbers: derived figures only where every part exists,
synthetic and provisional figures marked where they are shown, every headline with its
source, edition and date, publishers by name in the page's language, one number format per
language, and a guide whose texts cannot be shown cut short.

The store is the portal tests' one (UN DESA, CIS-Stat and a synthetic Kyrgyz questionnaire)
plus Eurostat's ``demo_pjan`` (the whole population of Russia on 1 January, no native-born)
and the demo's constructed matrix example, all imported as ``migstat import`` does.
"""

from __future__ import annotations

import csv
import re
from dataclasses import replace
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from migstat import api
from migstat.demo.examples import write_cis_matrix
from migstat.demo.synthetic import consistent_dataset
from migstat.model import Dataset, InputError, default_registry
from migstat.web.app import create_app
from migstat.web.views import charts
from migstat.web.views.guide_schema import load
from migstat.web.views.numbers import number
from migstat.web.views.provenance import Figure, derived_part
from tests.portal_store import (
    available,
    build_portal_store,
    cis_value,
    has_cis,
    undesa_cell,
    undesa_row_total,
)
from tests.shared import SHARED_DATA

DEMO_PJAN = SHARED_DATA / "eurostat" / "demo_pjan_1_Data.csv"
GUIDE = Path(__file__).resolve().parents[1] / "migstat" / "web" / "glossary" / "guide.yaml"
pytestmark = pytest.mark.skipif(
    not (available() and DEMO_PJAN.exists()), reason="shared data not available"
)


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    folder = tmp_path_factory.mktemp("truth")
    registry = default_registry()
    store = build_portal_store(folder / "portal.db")
    api.import_file(DEMO_PJAN, store=store, source="eurostat", registry=registry)
    store.submit(_tajik_estimate(), b"TJK 2024", findings=[], accepted=True)
    matrix = write_cis_matrix(store, folder / "examples", registry=registry)
    api.import_file(matrix, store=store, source="matrix", table="F01", registry=registry)
    with TestClient(create_app(store=store)) as test_client:
        yield test_client
    store.close()


TOTAL = ("_T", "_T", "_T")


def _tajik_estimate() -> Dataset:
    """Tajikistan's synthetic questionnaire, its total population (S01) an estimate."""
    tjk = consistent_dataset("TJK", 2024)
    tjk.observations = [
        replace(o, obs_status="E") if o.table == "S01" and o.key == TOTAL else o
        for o in tjk.observations
    ]
    tjk.synthetic = True
    return tjk


def _foreign_born(country: str) -> float:
    """A synthetic questionnaire's foreign-born on 2024-01-01: all residents minus those born
    in the country, both sexes, all ages (S01)."""
    cells = {
        o.key: o.value
        for o in consistent_dataset(country, 2024).observations
        if o.table == "S01" and o.key[1:] == ("_T", "_T")
    }
    return cells[TOTAL] - cells[(country, "_T", "_T")]


TJK_FOREIGN_BORN = _foreign_born("TJK")


def _russia_population(year: str) -> int:
    """Eurostat's population of Russia on 1 January of ``year``, as published."""
    with DEMO_PJAN.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if (row["TIME"], row["GEO"], row["AGE"], row["SEX"]) == (
                year,
                "Russia",
                "Total",
                "Total",
            ):
                return int(row["Value"].replace(",", ""))
    raise KeyError(year)


# -- derived figures only where every part exists --------------------------------------


def test_russia_shows_no_foreign_born_made_of_its_whole_population(client) -> None:
    """Eurostat gives Russia's total population (142 million) and no native-born: the profile
    has no foreign-born figure from it, while UN DESA's migrants (its origins added up) stay."""
    population = _russia_population("2010")
    assert population == 141_914_509
    profile = client.get("/api/countries/RUS").json()
    stocks = profile["charts"]["stocks"]["data"]["values"]
    assert not [p for p in stocks if "Eurostat" in p["series"] or "ESTAT" in p["series"]]
    assert all(p["value"] < 20_000_000 for p in stocks)
    undesa = {p["period"]: p["value"] for p in stocks if p["series"].endswith("(UN DESA)")}
    assert undesa["2019"] == undesa_row_total("2019", "Russian Federation") == 11_639_894
    # Eurostat's numbers are still there, as what they are: the population (S01 total).
    table = client.get("/api/explore/S01?REF_AREA=RUS&DATA_PROVIDER=ESTAT").json()
    assert population in [o["OBS_VALUE"] for o in table["observations"]]
    html = client.get("/country/RUS?lang=en").text
    assert "141,914,509" not in html and "Foreign-born population (Eurostat)" not in html


def test_a_published_total_without_its_part_gives_nothing() -> None:
    total = Figure(142_856_536.0, ())
    native = Figure(131_000_000.0, ())
    assert derived_part(total, native, "COUNTRY_BIRTH").value == 11_856_536
    assert derived_part(total, None, "COUNTRY_BIRTH") is None  # unknown, not zero
    summed = Figure(11_639_894.0, (), frozenset({"COUNTRY_BIRTH"}))
    assert derived_part(summed, None, "COUNTRY_BIRTH") is summed  # the parts are the migrants
    assert derived_part(None, native, "COUNTRY_BIRTH") is None


# -- marks and sources where the numbers are shown ---------------------------------------


@pytest.mark.parametrize(("lang", "mark"), [("en", "Synthetic"), ("ru", "Синтетические")])
def test_synthetic_headline_is_marked_where_it_is_shown(client, lang, mark) -> None:
    profile = client.get(f"/api/countries/KGZ?lang={lang}").json()
    kpis = {k["label"]: k for k in profile["kpis"]}
    foreign = kpis["Foreign-born population" if lang == "en" else "Родившиеся за рубежом"]
    assert (foreign["code"], foreign["period"]) == ("KGZ", "2024-01-01")
    assert foreign["value"] == number(_foreign_born("KGZ"), lang)
    assert [m["code"] for m in foreign["marks"]] == ["synthetic"]
    assert foreign["marks"][0]["label"] == mark
    assert ("questionnaire" if lang == "en" else "вопросник") in foreign["origin"]
    # On the page the badge sits in the headline's own card, next to its number.
    html = client.get(f"/country/KGZ?lang={lang}").text
    cards = re.findall(r'<div class="kpi">(.*?)</div>\s*(?=<div class="kpi">|</div>)', html, re.S)
    card = next(c for c in cards if number(_foreign_born("KGZ"), lang) in c)
    assert f'data-mark="synthetic">{mark}</span>' in card
    # CIS-Stat's published immigration is a normal value: no mark, its edition and date.
    latest = max(y for y in (2023, 2024, 2025) if has_cis(y))
    imm = kpis["Immigration (long-term)" if lang == "en" else "Иммиграция (долгосрочная)"]
    assert (imm["code"], imm["period"]) == ("CISSTAT", str(latest))
    assert imm["value"] == number(cis_value(latest, "KGZ", "ARRIVALS"), lang)
    assert imm["marks"] == []
    assert "2025" in imm["origin"] and re.search(r"\d{4}-\d\d-\d\d", imm["origin"])


def test_every_headline_says_where_it_comes_from(client) -> None:
    for code in ("KGZ", "RUS", "KAZ"):
        profile = client.get(f"/api/countries/{code}?lang=ru").json()
        assert profile["kpis"]
        for kpi in profile["kpis"]:
            assert kpi["code"] and kpi["period"] and kpi["name"] != kpi["code"]
            assert re.search(r"(загружено|получено) \d{4}-\d\d-\d\d", kpi["origin"]), kpi
        for ranking in profile["ranking"].values():
            assert ranking["origin"] and ranking["period"]
    kgz = client.get("/api/countries/KGZ").json()
    assert "questionnaire" in kgz["kpis"][0]["origin"]
    assert "submission" in kgz["kpis"][0]["origin"]


@pytest.mark.parametrize(
    ("lang", "label"), [("en", "Estimated value"), ("ru", "Оценочное значение")]
)
def test_estimated_headline_is_marked_in_both_languages(client, lang, label) -> None:
    """Tajikistan's questionnaire gives its total population as an estimate: the foreign-born
    made from it carry the mark on the headline and on the chart's point."""
    profile = client.get(f"/api/countries/TJK?lang={lang}").json()
    foreign = profile["kpis"][0]
    assert (foreign["code"], foreign["period"]) == ("TJK", "2024-01-01")
    assert [(m["code"], m["label"]) for m in foreign["marks"]][1:] == [("E", label)]
    assert foreign["value"] == number(TJK_FOREIGN_BORN, lang)
    points = profile["charts"]["stocks"]["data"]["values"]
    point = next(p for p in points if p["period"] == "2024")
    assert point["status"] == label and point["value"] == TJK_FOREIGN_BORN
    html = client.get(f"/country/TJK?lang={lang}").text
    assert f'data-mark="E">{label}</span>' in html and 'id="marked-points"' in html


# -- names, not codes -----------------------------------------------------------------


def test_publishers_by_name_in_russian_with_the_code_on_hover(client) -> None:
    home = client.get("/?lang=ru").text
    releases = home.split('id="releases"')[1].split("</ul>")[0]
    assert 'title="CISSTAT">Статкомитет СНГ</a>' in releases
    assert 'title="UN_DESA">ДЭСВ ООН</a>' in releases
    assert 'title="ESTAT">Евростат</a>' in releases
    for raw in ("CIS-Stat", "UN DESA", ">ESTAT<", ">MATRIX<", "Eurostat"):
        assert raw not in releases, raw
    profile = client.get("/country/RUS?lang=ru").text
    assert '<span title="CISSTAT">Статкомитет СНГ</span>' in profile
    assert '<span title="ESTAT">Евростат</span>' in profile
    assert "CIS-Stat" not in profile and "UN DESA" not in profile
    view = client.get("/api/explore/F01?REF_AREA=RUS&lang=ru").json()
    providers = {
        o["code"]: o["label"]
        for f in view["filters"]
        if f["id"] == "DATA_PROVIDER"
        for o in f["options"]
    }
    assert providers["CISSTAT"] == "Статкомитет СНГ"
    assert providers["MATRIX"] == "Файл-пример (матрица «откуда – куда», издатель не указан)"


def test_demo_example_is_labelled_as_an_example(client) -> None:
    releases = client.get("/api/releases").json()
    example = next(r for r in releases if r["provider"] == "MATRIX")
    assert example["example"] and example["label"].startswith("Example file (")
    assert not any(r["example"] for r in releases if r["provider"] != "MATRIX")
    html = client.get("/country/RUS?lang=en").text
    assert 'class="badge example">example file</span>' in html
    # The example repeats CIS-Stat's 2019 numbers: the arrivals ranking stays on CIS-Stat and
    # the profile's chart draws CIS-Stat's line only.
    profile = client.get("/api/countries/RUS").json()
    assert profile["ranking"]["arrivals"]["code"] == "CISSTAT"
    flows = profile["charts"]["flows"]["data"]["values"]
    arrivals = {p["period"]: p["value"] for p in flows if p["series"] == "Immigration (CIS-Stat)"}
    assert arrivals["2019"] == cis_value(2019, "RUS", "ARRIVALS")
    assert not [p for p in flows if "Example" in p["series"]]


# -- one number format per language, round ticks ------------------------------------


def test_one_number_format_per_language(client) -> None:
    assert number(1234567, "en") == "1,234,567" and number(1234567, "ru") == "1\u00a0234\u00a0567"
    assert number(50.84, "en", 1) == "50.8" and number(50.84, "ru", 1) == "50,8"
    assert number(None, "ru", missing=True) == "–" and number(-0.04, "en") == "0.0"
    arrivals = cis_value(2019, "RUS", "ARRIVALS.KGZ")
    for lang, text in (("en", f"{arrivals:,}"), ("ru", f"{arrivals:,}".replace(",", "\u00a0"))):
        explore = client.get(f"/explore?table=F01&REF_AREA=RUS&start=2019&end=2019&lang={lang}")
        mirror = client.get(f"/mirror?year=2019&provider=CISSTAT&show=immigration&lang={lang}")
        assert f">{text}<" in explore.text
        assert f">{text}<" in mirror.text
        assert "\u202f" not in explore.text + mirror.text


def test_round_ticks() -> None:
    assert charts.year_ticks(["1990", "2019", "2024"]) == [1990, 1995, 2000, 2005, 2010, 2015, 2020]
    assert charts.year_ticks(["2016", "2025"]) == [2016, 2018, 2020, 2022, 2024]
    assert charts.year_ticks(["2024-01-01"]) == [2024]
    assert charts.year_ticks(["2019", "2021"]) == [2019, 2020, 2021]
    spec = charts.line_chart(
        [{"period": "2024", "series": "a", "value": 3}], x_title="", y_title="", series_title=""
    )
    assert spec["encoding"]["x"]["axis"]["values"] == [{"year": 2024, "utc": True}]
    assert spec["encoding"]["y"]["axis"]["tickMinStep"] == 1
    bars = charts.bar_chart([{"label": "a", "value": 2}], x_title="", y_title="")
    assert bars["encoding"]["x"]["axis"]["tickMinStep"] == 1


# -- the guide's texts, whole ---------------------------------------------------------------


def test_guide_texts_are_whole_in_russian(client) -> None:
    ru = client.get("/api/guide?lang=ru").json()
    terms = {g["term"] for g in ru["glossary"]}
    assert "Население, родившееся за рубежом" in terms
    assert "Лицо, ищущее убежища / беженец" in terms
    titles = {a["title"] for a in ru["audiences"]}
    assert "Для лиц, принимающих решения" in titles
    for path in sorted(GUIDE.parent.glob("*.yaml")):
        load(path)  # every shipped glossary and guide file passes its schema


def test_any_glossary_file_has_its_texts_checked(tmp_path) -> None:
    """A file without a schema of its own (a toolkit's list of sources) still has every
    ``{en, ru}`` text checked."""
    sources = tmp_path / "sources.yaml"
    sources.write_text(
        "sources:\n  - id: census\n    name: {en: Population census, ru: Перепись населения}\n"
        "  - id: lfs\n    name: {en: Labour force survey, ru: Обследование рабочей силы, ОРС}\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as caught:
        load(sources)
    assert caught.value.text("en").startswith("sources.yaml, line 5: The guide text at ")
    assert "“ОРС” is the rest of it" in caught.value.text("en")


@pytest.mark.parametrize(
    ("change", "expected_en", "expected_ru"),
    [
        (
            ('ru: "Население, родившееся за рубежом"', "ru: Население, родившееся за рубежом"),
            "guide.yaml, line 47: The guide text at glossary.10.term is cut at a comma: "
            "“родившееся за рубежом” is the rest of it.",
            "обрезан на запятой: «родившееся за рубежом»",
        ),
        (
            ("ru: Статистикам}", "ru: }"),
            "The guide text at audiences.0.title.ru is empty or cut short.",
            "пуст или обрезан",
        ),
        (
            (
                "title: {en: For researchers, ru: Для исследователей}",
                "title: {en: For researchers}",
            ),
            "The guide text at audiences.3.title.ru is missing.",
            "нет",
        ),
        (
            ("ru: Для исследователей}", 'ru: "Для исследователей,"}'),
            "The guide text at audiences.3.title.ru is empty or cut short.",
            "обрезан",
        ),
    ],
)
def test_guide_schema_refuses_a_text_cut_short(tmp_path, change, expected_en, expected_ru) -> None:
    text = GUIDE.read_text(encoding="utf-8")
    old, new = change
    assert text.count(old) == 1
    broken = tmp_path / "guide.yaml"
    broken.write_text(text.replace(old, new), encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load(broken)
    assert expected_en in caught.value.text("en")
    assert expected_ru in caught.value.text("ru")
    assert caught.value.where is not None and caught.value.where.file == "guide.yaml"


def test_explorer_reads_the_source_that_holds_the_countries_asked(client) -> None:
    """Russia's people born in Central Asia: Eurostat's series of Russia's population is the
    longest, but it has no country of birth; the explorer reads UN DESA, which has them,
    instead of showing an empty table."""
    view = client.get("/api/explore/S01?REF_AREA=RUS&COUNTRY_BIRTH=KAZ+KGZ+TJK+TKM+UZB").json()
    assert dict(view["pivot"]["fixed"])["Source"] == "UN DESA"
    assert len(view["pivot"]["columns"]) == 7  # 1990-2019: countries asked, every date
    latest = {row["labels"][0]: row["cells"][-1]["value"] for row in view["pivot"]["data"]}
    assert latest["Kazakhstan"] == undesa_cell("2019", "Russian Federation", "Kazakhstan")
    assert latest["Uzbekistan"] == undesa_cell("2019", "Russian Federation", "Uzbekistan")
    # Central Asia as a whole: the five added up, first, named as computed.
    total = latest.pop("Total of the rows shown (computed)")
    assert len(latest) == 5 and total == sum(latest.values()) == 4_949_476
