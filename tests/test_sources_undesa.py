"""UN DESA International Migrant Stock: the origin-destination CSV and the workbook."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from migstat.model import default_registry
from migstat.sources import SOURCES, detect_source, read_source
from migstat.sources.undesa import read_csv, read_workbook
from tests.csvfiles import write_variant
from tests.shared import SHARED_DATA

DATA = SHARED_DATA / "un_desa"
CSV = DATA / "UN_MigrantStockByOriginAndDestination_2019_clean.csv"
XLSX = DATA / "undesa_pd_2019_migrant_stock_total_dataset.xlsx"
pytestmark = pytest.mark.skipif(not CSV.exists(), reason="shared data not available")


@pytest.fixture(scope="module")
def matrix():
    return read_csv(CSV, registry=default_registry())


@pytest.fixture(scope="module")
def raw() -> list[list[str]]:
    with CSV.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def _index(dataset):
    return {(o.ref_area, o.time_period, o.key[0]): o for o in dataset.observations}


def _raw_cell(raw, year: str, dest: str, origin: str) -> tuple[int, str]:
    header = raw[0]
    for number, row in enumerate(raw[1:], start=2):
        if row[0] == year and row[1] == dest:
            return number, row[header.index(origin)]
    raise AssertionError(f"{year} {dest} not in the file")


def test_russia_to_kazakhstan_2019_matches_the_file(matrix, raw) -> None:
    line, text = _raw_cell(raw, "2019", "Kazakhstan", "Russian Federation")
    obs = _index(matrix)[("KAZ", "2019-07-01", "RUS")]
    assert obs.value == int(text) > 1_000_000
    assert obs.table == "S01" and obs.key == ("RUS", "_T", "_T") and obs.obs_status == "A"
    assert obs.where.file == CSV.name and obs.where.line == line
    assert obs.where.column == "Russian Federation"


def test_not_available_and_nil_cells(matrix, raw) -> None:
    header = raw[0]
    index = _index(matrix)
    areas = default_registry().areas
    found = {"..": 0, "-": 0}
    for row in raw[1:]:
        for j, text in enumerate(row[2:], start=2):
            if text in found and areas.resolve(row[1]) and found[text] < 3:
                obs = index[(areas.resolve(row[1]), f"{row[0]}-07-01", areas.resolve(header[j]))]
                if text == "..":
                    assert obs.value is None and obs.obs_status == "L"
                else:
                    assert obs.value == 0 and obs.obs_status == "A"
                found[text] += 1
    assert found == {"..": 3, "-": 3}


def test_whole_matrix_aggregates_and_diagonal(matrix, raw) -> None:
    origins = len(raw[0]) - 2
    records = len(raw) - 1
    aggregates = sum(
        1
        for row in raw[1:]
        if row[1] in ("Caribbean", "South America", "Melanesia", "Micronesia", "Polynesia")
    )
    diagonal = sum(1 for row in raw[1:] if row[1] in raw[0][2:])
    assert len(matrix.observations) == (records - aggregates) * origins - diagonal
    assert all(o.ref_area != o.key[0] for o in matrix.observations)
    rules = {f.rule for f in matrix.findings}
    assert rules == {"IMPORT_AGGREGATE_SKIPPED", "IMPORT_DIAGONAL_SKIPPED"}
    assert all(f.severity == "info" for f in matrix.findings)
    skipped = {f.params["name"] for f in matrix.findings if f.rule == "IMPORT_AGGREGATE_SKIPPED"}
    assert skipped == {"Caribbean", "South America", "Melanesia", "Micronesia", "Polynesia"}
    assert {o.time_period for o in matrix.observations} == {
        f"{y}-07-01" for y in (1990, 1995, 2000, 2005, 2010, 2015, 2019)
    }
    assert "CHI" in {o.ref_area for o in matrix.observations}


def test_provenance_and_metadata(matrix) -> None:
    assert matrix.provider == "UN_DESA" and matrix.format == "undesa"
    assert matrix.synthetic is False
    prov = matrix.provenance
    assert prov.publisher == "UN DESA Population Division"
    assert prov.dataset == "International Migrant Stock"
    assert prov.edition == "2019" and prov.licence == "CC BY 3.0 IGO"
    assert "SHA-256" in prov.notes
    meta = matrix.metadata.tables["S01"]
    assert meta.source_type == "estimate" and meta.reference_date == "1990-07-01/2019-07-01"


def _write_variant(path: Path, raw, *, rows=None, **options) -> Path:
    return write_variant(path, rows if rows is not None else [raw[0], *raw[1:6]], **options)


def _key_values(dataset):
    return {
        (o.ref_area, o.time_period, o.key): (o.value, o.obs_status) for o in dataset.observations
    }


def test_semicolons_bom_and_reordered_columns(tmp_path, raw) -> None:
    registry = default_registry()
    base = read_csv(_write_variant(tmp_path / "base.csv", raw), registry=registry)
    assert len(base.observations) > 1000
    width = len(raw[0])
    variants = [
        _write_variant(tmp_path / "semi.csv", raw, delimiter=";"),
        _write_variant(tmp_path / "bom.csv", raw, encoding="utf-8-sig"),
        _write_variant(tmp_path / "order.csv", raw, order=[1, *range(width - 1, 1, -1), 0]),
    ]
    for path in variants:
        head = path.read_bytes()[:8192]
        assert detect_source(path, head) == "undesa"
        assert _key_values(read_source(path, registry=registry)) == _key_values(base)


def test_unknown_country_is_a_skipped_row(tmp_path, raw) -> None:
    rows = [raw[0], raw[1], ["2019", "Narnia", *raw[2][2:]], raw[3]]
    path = _write_variant(tmp_path / "narnia.csv", raw, rows=rows)
    dataset = read_csv(path, registry=default_registry())
    [warning] = [f for f in dataset.findings if f.rule == "IMPORT_UNMATCHED_NAME"]
    assert warning.severity == "warning" and warning.params["name"] == "Narnia"
    assert "Narnia" in warning.text("en") and "Narnia" in warning.text("ru")
    assert warning.where.line == 3
    assert {o.where.line for o in dataset.observations} == {2, 4}


def test_registered_and_detected() -> None:
    assert SOURCES["undesa"].tables == ("S01", "P01")
    assert detect_source(CSV, CSV.read_bytes()[:8192]) == "undesa"


@pytest.mark.skipif(not XLSX.exists(), reason="workbook not available")
def test_workbook_table_1_totals_by_sex() -> None:
    import openpyxl

    dataset = read_workbook(XLSX, registry=default_registry())
    assert detect_source(XLSX, XLSX.read_bytes()[:8192]) == "undesa"
    wb = openpyxl.load_workbook(XLSX, read_only=True, data_only=True)
    rows = list(wb["Table 1"].iter_rows(values_only=True))
    wb.close()
    [(number, kaz)] = [(i, r) for i, r in enumerate(rows, start=1) if r[3] == 398]
    index = {(o.ref_area, o.time_period, o.key): o for o in dataset.observations}
    both = index[("KAZ", "2019-07-01", ("FOR", "_T", "_T"))]
    male = index[("KAZ", "2019-07-01", ("FOR", "M", "_T"))]
    female = index[("KAZ", "2019-07-01", ("FOR", "F", "_T"))]
    assert both.value == kaz[11] and both.where.cell == f"L{number}"
    assert male.value == kaz[18] and female.value == kaz[25]
    assert male.value + female.value == both.value
    assert {o.key[0] for o in dataset.observations} == {"FOR"}
    countries = {o.ref_area for o in dataset.observations}
    assert {"RUS", "CHI", "USA"} <= countries and "_T" not in countries
    assert dataset.provenance.edition == "2019"
