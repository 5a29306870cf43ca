"""UN DESA's total population (Table 2 of the migrant stock workbook) as table P01, checked
against the workbook itself; importing it never touches the S01 breakdown."""

from __future__ import annotations

from pathlib import Path

import pytest

from migstat import api
from migstat.model import InputError, default_registry
from migstat.sources import read_source
from tests.shared import SHARED_DATA

DATA = SHARED_DATA / "un_desa"
CSV = DATA / "UN_MigrantStockByOriginAndDestination_2019_clean.csv"
XLSX = DATA / "undesa_pd_2019_migrant_stock_total_dataset.xlsx"
pytestmark = pytest.mark.skipif(
    not (XLSX.exists() and CSV.exists()), reason="shared data not available"
)


@pytest.fixture(scope="module")
def population():
    return read_source(XLSX, source="undesa", table="P01", registry=default_registry())


@pytest.fixture(scope="module")
def sheet() -> list[tuple]:
    """Table 2 as openpyxl reads it, independently of the reader."""
    import openpyxl

    book = openpyxl.load_workbook(XLSX, read_only=True, data_only=True)
    try:
        return list(book["Table 2"].iter_rows(values_only=True))
    finally:
        book.close()


def _row(sheet: list[tuple], m49: int) -> tuple[int, tuple]:
    [(number, row)] = [(i, r) for i, r in enumerate(sheet, start=1) if r[3] == m49]
    return number, row


@pytest.mark.parametrize("year", [2015, 2019])
def test_kyrgyzstan_in_persons_as_published(population, sheet, year) -> None:
    number, row = _row(sheet, 417)
    assert "Kyrgyzstan" in row[1]
    header = next(r for r in sheet if r[3] == "Code")
    years = list(sheet[sheet.index(header) + 1][4:11])  # the year row under the header
    offset = 4 + years.index(year)
    index = {(o.ref_area, o.time_period, o.key): o for o in population.observations}
    both = index[("KGZ", f"{year}-07-01", ("_T",))]
    male = index[("KGZ", f"{year}-07-01", ("M",))]
    female = index[("KGZ", f"{year}-07-01", ("F",))]
    assert both.value == round(row[offset] * 1000)  # thousands in the sheet, persons stored
    assert male.value == round(row[offset + 7] * 1000)
    assert female.value == round(row[offset + 14] * 1000)
    assert both.where.sheet == "Table 2" and both.where.cell.endswith(str(number))
    assert "published in thousands" in both.comment
    assert both.obs_status == "A"


def test_known_values_and_the_world_as_the_sum_of_countries(population, sheet) -> None:
    values = {
        (o.ref_area, o.time_period): o.value for o in population.observations if o.key == ("_T",)
    }
    assert values[("KGZ", "2015-07-01")] == 5_959_121
    assert values[("KGZ", "2019-07-01")] == 6_415_850
    _, world = _row(sheet, 900)
    assert world[1] == "WORLD"
    for offset, year in ((9, 2015), (10, 2019)):
        countries = sum(v for (_, period), v in values.items() if period == f"{year}-07-01")
        assert countries == round(world[offset] * 1000)  # 7,379,797,139 in 2015
    areas = {o.ref_area for o in population.observations}
    assert {"RUS", "CHI", "USA", "KAZ"} <= areas and "_T" not in areas
    assert {o.table for o in population.observations} == {"P01"}
    assert set(population.metadata.tables) == {"P01"}
    meta = population.metadata.tables["P01"]
    assert "published in thousands" in meta.notes
    assert meta.reference_date == "1990-07-01/2019-07-01"
    skipped = {
        f.params["name"] for f in population.findings if f.rule == "IMPORT_AGGREGATE_SKIPPED"
    }
    assert {"WORLD", "Central Asia"} <= skipped


def test_sex_not_published_is_not_available(population, sheet) -> None:
    _, greenland = _row(sheet, 304)
    assert greenland[11] == ".."
    [male] = [
        o
        for o in population.observations
        if o.ref_area == "GRL" and o.time_period == "2019-07-01" and o.key == ("M",)
    ]
    assert male.value is None and male.obs_status == "L"


def test_the_matrix_csv_has_no_population() -> None:
    with pytest.raises(InputError) as stop:
        read_source(CSV, source="undesa", table="P01")
    assert "Table 2" in str(stop.value) and stop.value.where.file == CSV.name


def test_importing_p01_leaves_the_s01_breakdown(cli, tmp_path: Path) -> None:
    """S01 by country of birth from the CSV first, then the workbook with --table P01: the
    store supersedes per (table, provider, area, period), so S01 must keep its breakdown."""
    lines = CSV.read_text(encoding="utf-8").splitlines(keepends=True)
    subset = tmp_path / CSV.name
    subset.write_text(
        lines[0] + "".join(x for x in lines[1:] if x.startswith("2019,")), encoding="utf-8"
    )
    db = tmp_path / "store.db"
    code, _, err = cli("--db", str(db), "import", str(subset))
    assert code == 0, err
    with api.open_store(f"sqlite:///{db}") as store:
        before = api.query(store, "S01", countries=["KGZ"], providers=["UN_DESA"]).rows
    code, _, err = cli("--db", str(db), "import", str(XLSX), "--table", "P01")
    assert code == 0, err
    with api.open_store(f"sqlite:///{db}") as store:
        after = api.query(store, "S01", countries=["KGZ"], providers=["UN_DESA"]).rows
        people = api.query(
            store, "P01", countries=["KGZ"], providers=["UN_DESA"], start=2019, end=2019
        ).rows
    births = {r["COUNTRY_BIRTH"]: r["OBS_VALUE"] for r in after}
    assert len(after) == len(before) > 50 and "FOR" not in births
    assert births == {r["COUNTRY_BIRTH"]: r["OBS_VALUE"] for r in before}
    assert {r["SEX"]: r["OBS_VALUE"] for r in people}["_T"] == 6_415_850
