"""The alias table: publishers' spellings resolve to one code each, nothing is guessed."""

from __future__ import annotations

from collections import defaultdict

import pytest

from migstat.model import InputError, Location, default_registry
from migstat.sources.names import UN_AGGREGATES, NameReport, normalize_name, resolve_country

SPELLINGS = [
    ("Russia", "RUS"),
    ("Russian Federation", "RUS"),
    ("РОССИЙСКАЯ ФЕДЕРАЦИЯ", "RUS"),
    ("Российская Федерация", "RUS"),
    ("Россия", "RUS"),
    ("Moldova, Republic of", "MDA"),
    ("Republic of Moldova", "MDA"),
    ("МОЛДОВА, РЕСПУБЛИКА", "MDA"),
    ("Молдова", "MDA"),
    ("Kyrgyzstan", "KGZ"),
    ("Кыргызстан", "KGZ"),
    ("КЫРГЫЗСТАН", "KGZ"),
    ("Киргизия", "KGZ"),
    ("Kazakhstan", "KAZ"),
    ("КАЗАХСТАН", "KAZ"),
    ("Belarus", "BLR"),
    ("Республика Беларусь", "BLR"),
    ("УКРАИНА", "UKR"),
    ("ТУРКМЕНИСТАН", "TKM"),
    ("АЗЕРБАЙДЖАН", "AZE"),
    ("АРМЕНИЯ", "ARM"),
    ("ГРУЗИЯ", "GEO"),
    ("ТАДЖИКИСТАН", "TJK"),
    ("УЗБЕКИСТАН", "UZB"),
    ("Bolivia (Plurinational State of)", "BOL"),
    ("China, Hong Kong SAR", "HKG"),
    ("China, Macao SAR", "MAC"),
    ("Dem. People's Republic of Korea", "PRK"),
    ("Republic of Korea", "KOR"),
    ("Micronesia (Fed. States of)", "FSM"),
    ("Côte d'Ivoire", "CIV"),
    ("Cote d\u2019Ivoire", "CIV"),
    ("Channel Islands", "CHI"),
    ("Iran (Islamic Republic of)", "IRN"),
    ("Venezuela (Bolivarian Republic of)", "VEN"),
    ("State of Palestine", "PSE"),
    ("Holy See", "VAT"),
    ("Turkey", "TUR"),
    ("Türkiye", "TUR"),
    ("United States Virgin Islands", "VIR"),
    ("Wallis and Futuna Islands", "WLF"),
    ("Democratic Republic of the Congo", "COD"),
    ("Congo", "COG"),
    ("Saint Helena", "SHN"),
    ("Всего по странам", "_T"),
    ("WORLD", "_T"),
    ("СТРАНЫ СОДРУЖЕСТВА НЕЗАВИСИМЫХ ГОСУДАРСТВ (СНГ)", "CIS"),
    ("СТРАНЫ ВНЕ СОДРУЖЕСТВА НЕЗАВИСИМЫХ ГОСУДАРСТВ", "NON_CIS"),
    ("XXA", "STATELESS"),
    ("RUS", "RUS"),
    ("643", "RUS"),
    ("830", "CHI"),
    ("  Russian\u00a0Federation ", "RUS"),
]


@pytest.mark.parametrize(("name", "code"), SPELLINGS)
def test_publishers_spellings_resolve(name: str, code: str) -> None:
    assert resolve_country(name) == code


def test_no_alias_maps_to_two_codes() -> None:
    owners: dict[str, set[str]] = defaultdict(set)
    for code in default_registry().areas:
        owners[code.id.casefold()].add(code.id)
        for alias in code.aliases:
            owners[normalize_name(alias).casefold()].add(code.id)
    clashes = {alias: sorted(codes) for alias, codes in owners.items() if len(codes) > 1}
    assert clashes == {}


@pytest.mark.parametrize("name", sorted(UN_AGGREGATES))
def test_un_aggregates_are_not_countries(name: str) -> None:
    # "Micronesia" is the UN region, never the Federated States; "WORLD" is the world total.
    code = resolve_country(name)
    assert code is None or default_registry().areas[code].attributes["kind"] == "world"


@pytest.mark.parametrize("name", ["Narnia", "Russi", "Micronesia", "", "Korea"])
def test_unknown_or_ambiguous_names_are_not_guessed(name: str) -> None:
    assert resolve_country(name) is None


def test_name_report_lists_every_place_and_raises() -> None:
    report = NameReport(file="x.csv")
    assert report.resolve("Kazakhstan", Location(file="x.csv", line=2)) == "KAZ"
    assert report.resolve("Narnia", Location(file="x.csv", line=3)) is None
    assert report.resolve("Narnia", Location(file="x.csv", line=7)) is None
    assert report.unmatched == {
        "Narnia": [Location(file="x.csv", line=3), Location(file="x.csv", line=7)]
    }
    error = report.error()
    assert isinstance(error, InputError)
    assert "Narnia" in error.text("en") and "3, 7" in error.text("en")
    assert "Narnia" in error.text("ru") and "AREA.yaml" in error.text("ru")
    [finding] = report.findings()
    assert finding.rule == "IMPORT_UNMATCHED_NAME" and finding.severity == "warning"
    assert finding.where == Location(file="x.csv", line=3)
