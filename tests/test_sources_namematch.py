"""Country names as publishers write them: normalisation, the alias table, Russian case forms,
special populations; what stays unmatched is listed with the closest codes, never guessed."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from migstat.model import default_registry
from migstat.sources.eurostat_files import read
from migstat.sources.namematch import RU_ENDINGS, name_key
from migstat.sources.names import looks_like_name, resolve_country, suggest_countries
from tests.csvfiles import write_variant
from tests.shared import SHARED_DATA

ASY_APP = SHARED_DATA / "eurostat" / "migr_asyappctza_1_Data-2017-05-31-ADDED.csv"

# The shapes of the issue: a territory with its country (or its code) in brackets, an inversion
# with a comma, an "including ..." clause, "former", a group of non-citizens.
SHAPES = [
    ("Réunion (FR)", "REU"),
    ("Guadeloupe (France)", "GLP"),
    ("Hong Kong (China)", "HKG"),
    ("Gambia, The", "GMB"),
    ("Bahamas, The", "BHS"),
    ("Korea, Republic of", "KOR"),
    ("Congo (Democratic Republic of the)", "COD"),
    ("Germany (including former GDR)", "DEU"),
    ("China including Hong Kong", "CHN"),
    ("Serbia (including Kosovo)", "SRB"),
    ("USSR (former)", "SUN"),
    ("Former USSR", "SUN"),
    ("Kosovo (from 2014)", "XKX"),
    ("St. Lucia", "LCA"),
    ("CÔTE D’IVOIRE", "CIV"),
    ("Curacao", "CUW"),
    ("Recognised non-citizens", "RNC"),
    ("Recognized non-citizens", "RNC"),
    ("Неграждане", "RNC"),
    ("Stateless", "STATELESS"),
    ("Stateless persons", "STATELESS"),
    ("Лица без гражданства", "STATELESS"),
    ("Unknown", "_U"),
    ("Not specified", "_U"),
    ("Not elsewhere specified", "_X"),
    ("n.e.s.", "_X"),
]

# Names from the real files in ../shared/data that matched nothing before normalisation and
# the curated aliases, with the file they come from.
REAL = [
    # unhcr/unhcr_ukraine_origin_1992_export__jatofi.csv
    ("Rep. of Moldova", "MDA"),
    ("Rep. of Korea", "KOR"),
    ("Dominican Rep.", "DOM"),
    ("United Rep. of Tanzania", "TZA"),
    ("Netherlands (Kingdom of the)", "NLD"),
    ("Serbia and Kosovo: S/RES/1244 (1999)", "SRB"),
    # un_desa/pop_totals_2020.csv (footnote marks)
    ("Aruba*", "ABW"),
    ("Curaçao*", "CUW"),
    ("China, Taiwan Province of China*", "TWN"),
    ("Saint Martin (French part)*", "MAF"),
    ("Bonaire, Sint Eustatius and Saba*", "BES"),
    ("Republic of Moldova*", "MDA"),
    ("State of Palestine*", "PSE"),
    # eurostat legacy exports
    ("Former Yugoslav Republic of Macedonia, the", "MKD"),
    ("Germany (until 1990 former territory of the FRG)", "DEU"),
    # cis_admin/ru_mvd_2RD_...xls, sheet "САЙТ (2-РД страны)"
    ("Ангилья", "AIA"),
    ("Антарктида", "ATA"),
    ("Боливия, многонациональное государство", "BOL"),
    ("Бонэйр, Синт-Эстатиус и Саба", "BES"),
    ("Ватикан (Папский Престол)", "VAT"),
    ("Виргинские острова, Британские", "VGB"),
    ("Иран, Исламская Республика", "IRN"),
    ("Кокосовые (Килинг) острова", "CCK"),
    ("КНДР (Северная Корея)", "PRK"),
    ("Косово, Республика", "XKX"),
    ("Майотта", "MYT"),
    ("Республика Македония", "MKD"),
    ("Малые Тихоокеанские Отдаленные острова Соединенных Штатов", "UMI"),
    ("Острова Кайман", "CYM"),
    ("Палестина, Государство", "PSE"),
    ("Эль-Сальвадор", "SLV"),
    ("Святая Елена, Остров Вознесения, Тристан-да-Кунья", "SHN"),
    ("Северные Марианские острова", "MNP"),
    ("Сен-Бартелеми", "BLM"),
    ("Сен-Мартен", "MAF"),
    ("Сен-Мартен (нидерландская часть)", "SXM"),
    ("Сент-Киттс и Невис", "KNA"),
    ("Сент-Пьер и Микелон", "SPM"),
    ("Тайвань (Китай)", "TWN"),
    ("Танзания, Объединенная Республика", "TZA"),
    ("Острова Теркс и Кайкос", "TCA"),
    ("Тимор-Лесте", "TLS"),
    ("Уоллис и Футуна", "WLF"),
    ("Фолклендские Острова (Мальвинские)", "FLK"),
    ("Чешская Республика", "CZE"),
    ("Эландские острова", "ALA"),
]

# Territories of disputed status, as form 2-RD, Eurostat, the UN and others name them: each
# has a code of its own in AREA.yaml (ISO's, or a user-assigned X code), never a country's.
DISPUTED = [
    ("Абхазия", "XAB"),
    ("Южная Осетия", "XSO"),
    ("Нагорно-Карабахская Республика", "XNK"),
    ("Приднестровская Молдавская Республика", "XTR"),
    ("Северный Кипр (ТРСК)", "XNC"),
    ("Turkish Republic of Northern Cyprus", "XNC"),
    ("Kosovo*", "XKX"),
    ("XK", "XKX"),
    ("Kosovo (under UNSC res. 1244/99)", "XKX"),
    ("Palestine", "PSE"),
    ("Occupied Palestinian Territory", "PSE"),
    ("Палестина", "PSE"),
    ("Western Sahara", "ESH"),
    ("Западная Сахара", "ESH"),
    ("Chinese Taipei", "TWN"),
    ("Тайвань (Китай)", "TWN"),
    ("Stateless", "STATELESS"),
    ("Лица без гражданства", "STATELESS"),
    ("Recognised non-citizens", "RNC"),
    ("Неграждане", "RNC"),
    ("Unknown", "_U"),
    ("Not elsewhere specified", "_X"),
]
# Names that are not these territories' and must stay unmatched.
NO_CODE = ["Осетия", "Кипр северный и южный", "Карабах и Армения"]

# Every country of the region in the case forms that tables and forms use.
RU_FORMS = {
    "ARM": ["Армения", "Армении", "в Армении", "из Армении", "Арменией", "Армению"],
    "AZE": ["Азербайджан", "Азербайджана", "в Азербайджане", "из Азербайджана", "Азербайджаном"],
    "BLR": ["Беларусь", "Беларуси", "в Беларуси", "Беларусью", "в Республике Беларусь"],
    "GEO": ["Грузия", "Грузии", "в Грузии", "из Грузии", "Грузией", "Грузию"],
    "KAZ": ["Казахстан", "Казахстана", "в Казахстане", "из Казахстана", "Казахстаном"],
    "KGZ": [
        "Кыргызстан",
        "Кыргызстана",
        "в Кыргызстане",
        "из Кыргызстана",
        "Кыргызстаном",
        "Киргизии",
        "из Кыргызской Республики",
    ],
    "MDA": ["Молдова", "Молдовы", "в Молдове", "из Молдовы", "Молдовой", "из Молдавии"],
    "RUS": [
        "Россия",
        "России",
        "в России",
        "Россией",
        "Российской Федерации",
        "в Российской Федерации",
        "Российскую Федерацию",
    ],
    "TJK": ["Таджикистан", "Таджикистана", "в Таджикистане", "из Таджикистана", "Таджикистаном"],
    "TKM": ["Туркменистан", "Туркменистана", "в Туркменистане", "из Туркменистана", "Туркмении"],
    "UKR": ["Украина", "Украины", "в Украине", "на Украине", "из Украины", "Украиной"],
    "UZB": ["Узбекистан", "Узбекистана", "в Узбекистане", "из Узбекистана", "Узбекистаном"],
    "USA": ["США", "из США", "Соединенных Штатов Америки", "в Соединённых Штатах Америки"],
    "CHN": ["Китай", "Китая", "в Китае", "из Китая"],
    "NGA": ["Нигерия", "Нигерии", "из Нигерии"],
    "NER": ["Нигер"],
}


@pytest.mark.parametrize(("name", "code"), SHAPES + REAL)
def test_publishers_names_resolve(name: str, code: str) -> None:
    assert resolve_country(name) == code


@pytest.mark.parametrize(
    ("name", "code"), [(form, code) for code, forms in RU_FORMS.items() for form in forms]
)
def test_russian_case_forms_resolve(name: str, code: str) -> None:
    assert resolve_country(name) == code


def test_region_stems_are_distinct_and_rule_is_documented() -> None:
    # every country of the region keeps a stem of its own, so no case form is ambiguous
    region = ["ARM", "AZE", "BLR", "GEO", "KAZ", "KGZ", "MDA", "RUS", "TJK", "TKM", "UKR", "UZB"]
    stems = {code: name_key(RU_FORMS[code][0]) for code in region}
    assert len(set(stems.values())) == len(stems)
    assert tuple(sorted(RU_ENDINGS, key=len, reverse=True)) == RU_ENDINGS


@pytest.mark.parametrize("name", [*NO_CODE, "Narnia", "Korea", "Micronesia", "Нигера", "в Нигере"])
def test_what_has_no_code_is_not_guessed(name: str) -> None:
    assert resolve_country(name) is None


@pytest.mark.parametrize(("name", "code"), DISPUTED)
def test_disputed_territories_and_special_groups_have_codes_of_their_own(
    name: str, code: str
) -> None:
    assert resolve_country(name) == code


def test_the_territories_are_counted_but_are_not_countries() -> None:
    reg = default_registry()
    world = reg.codelist("AREA").hierarchies["WORLD"].rules[0].parts
    partner_rows = reg.codelist("AREA").subsets["partner"]
    for code in ("XAB", "XSO", "XNK", "XTR", "XNC"):
        assert reg.areas[code].attributes["kind"] == "residual"
        assert code in world and code not in partner_rows


def test_closest_candidates_are_named() -> None:
    # "Нигера" reads as a case form of Niger and of Nigeria: both are offered, neither taken
    assert suggest_countries("Нигера").startswith("NER Niger / Нигер; NGA Nigeria / Нигерия")
    assert suggest_countries("Kazakstan").startswith("KAZ Kazakhstan / Казахстан")
    assert suggest_countries("Korea").startswith("KOR ")
    assert "PRK " in suggest_countries("Korea")
    assert suggest_countries("Zzqx") == "-"


def test_special_populations_have_codes_with_both_labels() -> None:
    areas = default_registry().areas
    for code in ("RNC", "STATELESS", "_U", "_X"):
        assert areas[code].attributes["kind"] == "residual"
        assert areas.label(code, "en") and areas.label(code, "ru") != areas.label(code, "en")
    # residual partners count in the world total
    [rule] = areas.hierarchies["WORLD"].rules
    assert {"RNC", "_X", "STATELESS", "_U"} <= set(rule.parts)


def test_names_and_codes_are_told_apart() -> None:
    assert all(map(looks_like_name, ["Atlantis", "КАЗАХСТАН", "Gambia, The", "Kosovo*"]))
    assert not any(map(looks_like_name, ["XZ", "EU27_2020", "999", "TOTAL"]))


def test_eurostat_label_export_is_read_around_an_unmatched_name(tmp_path: Path) -> None:
    """A legacy label export with the publishers' shapes of names and one name that matches
    nothing: the names are matched, the unknown one is skipped with its candidates, and the
    rest of the file is read."""
    with ASY_APP.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    template = next(r for r in rows if r[1] == "Austria" and r[2] == "Total" and r[0] == "2015")
    added = {
        "Gambia, The": "GMB",
        "Congo (Democratic Republic of the)": "COD",
        "Serbia (including Kosovo)": "SRB",
        "Recognised non-citizens": "RNC",
        "Stateless": "STATELESS",
        "Atlantis": None,
    }
    for i, name in enumerate(added):
        rows.append([template[0], "Austria", name, *template[3:7], str(10 + i), ""])
    path = write_variant(tmp_path / "labels.csv", rows)
    dataset = read(path, registry=default_registry())
    got = {
        o.key[0]: o.value
        for o in dataset.observations
        if o.ref_area == "AUT" and o.time_period == "2015" and o.key[0] in added.values()
    }
    assert got == {code: 10 + i for i, code in enumerate(added.values()) if code}
    [finding] = [f for f in dataset.findings if f.rule == "IMPORT_UNMATCHED_NAME"]
    assert finding.params["name"] == "Atlantis" and finding.params["count"] == 1
    assert finding.where.line == len(rows)
    assert "Atlantis" in finding.text("ru") and "AREA.yaml" in finding.text("ru")
    # the file's own rows are all there, plus the five matched
    base = read(ASY_APP, registry=default_registry())
    assert len(dataset.observations) == len(base.observations) + 5
