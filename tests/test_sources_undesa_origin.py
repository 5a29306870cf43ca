"""UN DESA's migrant stock by destination and origin, as workbooks of every layout.

The real 2015 workbook (``Table 16``: both sexes, 2015; see ``tests/assets/README.md``) is read
as published. The other layouts are made from its rows, so the numbers stay real: the wide
matrix with a ``Year`` column and the sex in the title (2019), the same with Russian words,
and the long matrix with a code column for destination and for origin and the years in blocks
by sex (2020, 2024).
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from migstat.model.registry import default_registry
from migstat.sources import read_source
from migstat.sources.undesa import read, sniff

MATRIX = (
    Path(__file__).parent / "assets" / "un_desa" / "UN_MigrantStockByOriginAndDestination_2015.xlsx"
)


@pytest.fixture(scope="module")
def registry():
    return default_registry()


@pytest.fixture(scope="module")
def original(registry):
    return read(MATRIX, registry=registry)


@pytest.fixture(scope="module")
def sheet_rows() -> list[tuple]:
    wb = openpyxl.load_workbook(MATRIX, read_only=True, data_only=True)
    rows = list(wb["Table 16"].iter_rows(values_only=True))
    wb.close()
    return rows


def _values(dataset) -> dict[tuple[str, str, tuple[str, ...]], float | None]:
    return {(o.ref_area, o.time_period, o.key): o.value for o in dataset.observations}


def test_the_2015_matrix_as_published(original, sheet_rows) -> None:
    assert sniff(MATRIX, MATRIX.read_bytes()[:8])
    values = _values(original)
    assert len(values) == len(original.observations) == 11460
    assert original.provenance.edition == "2015"
    assert original.breakdowns == {"S01": "COUNTRY_BIRTH"}
    # Georgia, row 129: Total F129 = 168802, Russian Federation FW129 = 92937
    assert values[("GEO", "2015-07-01", ("FOR", "_T", "_T"))] == 168802
    assert values[("GEO", "2015-07-01", ("RUS", "_T", "_T"))] == 92937
    # Kyrgyzstan: the total is the sum of its origins, Other North and Other South included
    head = next(i for i, r in enumerate(sheet_rows) if "Country code" in r)
    names = sheet_rows[head + 1]
    row = next(r for r in sheet_rows if r[3] == 417)
    other = sum(row[names.index(n)] or 0 for n in ("Other North", "Other South"))
    countries = sum(
        v for (a, _p, k), v in values.items() if a == "KGZ" and k[0] != "FOR" and v is not None
    )
    assert countries + other == values[("KGZ", "2015-07-01", ("FOR", "_T", "_T"))] == 204382
    errors = [f for f in original.findings if str(f.severity) != "info"]
    assert errors == []
    rules = {f.rule for f in original.findings}
    assert {"IMPORT_DIAGONAL_SKIPPED", "IMPORT_BLANK_SKIPPED", "IMPORT_AGGREGATE_SKIPPED"} <= rules
    georgia = next(o for o in original.observations if o.ref_area == "GEO" and o.key[0] == "RUS")
    assert georgia.where.sheet == "Table 16" and georgia.where.cell == "FW129"


def _wide_with_year(rows: list[tuple], path: Path, *, russian: bool) -> Path:
    """The 2019 arrangement: every year in one sheet with a Year column, the sex in the
    title; with ``russian`` the headings in Russian."""
    head = next(i for i, r in enumerate(rows) if "Country code" in r)
    wb = openpyxl.Workbook()
    wb.active.title = "Содержание" if russian else "CONTENTS"
    ws = wb.create_sheet("Таблица 2" if russian else "Table 2")
    ws.append(["Организация Объединённых Наций" if russian else "United Nations"])
    ws.append(["Отдел народонаселения" if russian else "Population Division"])
    ws.append(
        [
            "Международная миграция: женщины-мигранты по странам пребывания и происхождения"
            if russian
            else "Table 2. International migrant stock at mid-year by sex and by region, "
            "country or area of destination and origin, 1990-2019: Female"
        ]
    )
    ws.append([])
    top = ["Год" if russian else "Year", *rows[head]]
    if russian:
        top[2], top[4], top[5], top[6] = (
            "Страна пребывания",
            "Код",
            "Тип данных",
            "Страна происхождения",
        )
    ws.append(top)
    names = list(rows[head + 1])
    if russian:
        names[names.index("Total")] = "Всего"
    ws.append([None, *names])
    for row in rows[head + 2 :]:
        ws.append([2015, *row])
    out = path / (
        "migranty_ru.xlsx" if russian else "UN_MigrantStockByOriginAndDestination_2019.xlsx"
    )
    wb.save(out)
    return out


@pytest.mark.parametrize("russian", [False, True])
def test_year_column_sex_in_title_and_russian_words(
    tmp_path, sheet_rows, original, registry, russian
) -> None:
    path = _wide_with_year(sheet_rows, tmp_path, russian=russian)
    dataset = read_source(path, registry=registry)
    assert dataset.format == "undesa"
    expected = {(a, p, (k[0], "F", k[2])): v for (a, p, k), v in _values(original).items()}
    assert _values(dataset) == expected
    assert dataset.breakdowns == {"S01": "COUNTRY_BIRTH"}


def _long(rows: list[tuple], path: Path, registry) -> Path:
    """The 2020 arrangement: a row per destination and origin, both with codes, and the
    years in blocks by sex (here 2015 both sexes, and 2015 for males with the same figures
    halved, to check that the blocks are told apart)."""
    areas = registry.areas
    head = next(i for i, r in enumerate(rows) if "Country code" in r)
    names = rows[head + 1]
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Table 1"
    ws.append(["United Nations, Department of Economic and Social Affairs, Population Division"])
    ws.append(["International Migrant Stock 2020: Destination and origin"])
    ws.append(["POP/DB/MIG/Stock/Rev.2020"])
    ws.append([None] * 7 + ["International migrant stock at mid-year (both sexes)", "(males)"])
    ws.append(
        [
            "Index",
            "Region, development group, country or area of destination",
            "Notes of destination",
            "Location code of destination",
            "Type of data of destination",
            "Region, development group, country or area of origin",
            "Location code of origin",
            2015,
            2015,
        ]
    )
    index = 0
    for row in rows[head + 2 :]:
        if row[3] is None:
            continue
        for j in range(5, len(names)):
            name = names[j]
            code = "900" if name == "Total" else None
            if code is None:
                resolved = areas.resolve(name) or _by_name(registry, name)
                code = areas[resolved].attributes.get("m49") if resolved else None
            if code is None or row[j] in (None, ""):
                continue
            index += 1
            value = row[j]
            half = value // 2 if isinstance(value, int) else value
            ws.append([index, row[1], row[2], row[3], row[4], name, int(code), value, half])
    out = path / "undesa_pd_2020_ims_stock_by_sex_destination_and_origin.xlsx"
    wb.save(out)
    return out


def _by_name(registry, name: str) -> str | None:
    from migstat.sources.names import resolve_country

    return resolve_country(name, registry)


def test_long_matrix_of_2020(tmp_path, sheet_rows, original, registry) -> None:
    dataset = read_source(_long(sheet_rows, tmp_path, registry), registry=registry)
    values = _values(dataset)
    both = {k: v for k, v in values.items() if k[2][1] == "_T"}
    assert both == _values(original)
    males = {k: v for k, v in values.items() if k[2][1] == "M"}
    assert males[("GEO", "2015-07-01", ("RUS", "M", "_T"))] == 92937 // 2
    assert len(males) == len(both)
    assert dataset.provenance.edition == "2020"
    assert dataset.breakdowns == {"S01": "COUNTRY_BIRTH+SEX"}


def test_a_workbook_without_a_matrix_says_what_it_holds(tmp_path, registry) -> None:
    wb = openpyxl.Workbook()
    wb.active.title = "Table 1"
    wb.active.append(["International migrant stock", "Population Division"])
    path = tmp_path / "empty.xlsx"
    wb.save(path)
    from migstat.model.findings import InputError

    with pytest.raises(InputError) as caught:
        read(path, registry=registry)
    assert "Table 1" in str(caught.value.where) or "Table 1" in caught.value.render("en")


def test_the_2020_workbook_by_sex_and_destination_as_published(registry) -> None:
    """The 2020 revision: years in the header row, "both sexes combined", "males",
    "females" three rows above them (it stopped with "No year columns found" before)."""
    path = MATRIX.parent / "undesa_pd_2020_ims_stock_by_sex_and_destination.xlsx"
    dataset = read_source(path, registry=registry)
    values = _values(dataset)
    assert len(values) == 4935 and dataset.provenance.edition == "2020"
    assert dataset.breakdowns == {"S01": "SEX"}
    # Table 1, row 89 (Kyrgyzstan, 417): L89, S89, Z89
    kgz = [values[("KGZ", "2020-07-01", ("FOR", sex, "_T"))] for sex in ("_T", "M", "F")]
    assert kgz == [199011, 80456, 118555]
    assert len({o.ref_area for o in dataset.observations}) == 235
    assert not [f for f in dataset.findings if str(f.severity) != "info"]
