"""UN DESA migrant stock workbooks of other revisions: the 2015, 2017 and 2020 layouts.

The revisions differ in the header of ``Table 1``: the code column is ``Country code`` (2015),
``Code`` (2017, 2019) or ``Location code`` (2020); the name column says "... of destination"
until 2019 and not in 2020; the last year is the revision's. The variants are made from the
real 2019 workbook's rows with each revision's header, so the numbers are real ones.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from migstat.sources import read_source
from tests.shared import SHARED_DATA

WORKBOOK = SHARED_DATA / "un_desa" / "undesa_pd_2019_migrant_stock_total_dataset.xlsx"
pytestmark = pytest.mark.skipif(not WORKBOOK.exists(), reason="shared data not available")

LAYOUTS = {
    "2015": {
        "file": "UN_MigrantStockTotal_2015.xlsx",
        "code": "Country code",
        "name": "Major area, region, country or area of destination",
        "title": "Workbook: UN_MigrantStockTotal_2015.xlsx",
        "cite": "Trends in International Migrant Stock: The 2015 revision (United Nations "
        "database, POP/DB/MIG/Stock/Rev.2015).",
        "first": "Sort\norder",
    },
    "2017": {
        "file": "UN_MigrantStockTotal_2017.xlsx",
        "code": "Code",
        "name": "Major area, region, country or area of destination",
        "title": "Workbook: UN_MigrantStockTotal_2017.xlsx",
        "cite": "Trends in International Migrant Stock: The 2017 revision (United Nations "
        "database, POP/DB/MIG/Stock/Rev.2017).",
        "first": "Sort\norder",
    },
    "2020": {
        "file": "undesa_pd_2020_ims_stock_by_sex_and_destination.xlsx",
        "code": "Location code",
        "name": "Region, development group, country or area",
        "title": "International Migrant Stock 2020",
        "cite": "International Migrant Stock 2020 (United Nations database, "
        "POP/DB/MIG/Stock/Rev.2020).",
        "first": "Index",
    },
}


@pytest.fixture(scope="module")
def rows_2019() -> list[tuple]:
    wb = openpyxl.load_workbook(WORKBOOK, read_only=True, data_only=True)
    rows = list(wb["Table 1"].iter_rows(values_only=True))
    wb.close()
    return rows


def _variant(rows: list[tuple], revision: str, folder: Path) -> Path:
    layout = LAYOUTS[revision]
    head = next(i for i, r in enumerate(rows) if "Code" in r)
    wb = openpyxl.Workbook()
    wb.active.title = "CONTENTS"
    ws = wb.create_sheet("Table 1")
    ws.append(["United Nations"])
    ws.append(["Population Division"])
    ws.append([layout["title"]])
    ws.append([layout["cite"]])
    ws.append([])
    top = list(rows[head])
    top[0], top[1], top[3] = layout["first"], layout["name"], layout["code"]
    if revision == "2020":
        top[4] = "Type of data"
    years = [
        2020
        if y == 2019 and revision == "2020"
        else (2017 if y == 2019 and revision == "2017" else y)
        for y in rows[head + 1]
    ]
    keep = [j for j, y in enumerate(rows[head + 1]) if not (revision == "2015" and y == 2019)]
    ws.append([top[j] for j in keep])
    ws.append([years[j] for j in keep])
    for row in rows[head + 2 :]:
        ws.append([row[j] if j < len(row) else None for j in keep])
    path = folder / layout["file"]
    wb.save(path)
    return path


@pytest.mark.parametrize("revision", ["2015", "2017", "2020"])
def test_revision_layouts(rows_2019, tmp_path: Path, revision: str) -> None:
    path = _variant(rows_2019, revision, tmp_path)
    dataset = read_source(path, source="undesa")
    assert dataset.provenance.edition == revision
    index = {(o.ref_area, o.time_period, o.key): o.value for o in dataset.observations}
    original = {
        (o.ref_area, o.time_period, o.key): o.value for o in read_source(WORKBOOK).observations
    }
    # Kazakhstan, both sexes and women, 2015: the same cells as in the 2019 workbook
    for key in (
        ("KAZ", "2015-07-01", ("FOR", "_T", "_T")),
        ("KAZ", "2015-07-01", ("FOR", "F", "_T")),
        ("RUS", "1990-07-01", ("FOR", "M", "_T")),
    ):
        assert index[key] == original[key] > 100_000
    last = max(o.time_period for o in dataset.observations)
    assert last == {"2015": "2015-07-01", "2017": "2017-07-01", "2020": "2020-07-01"}[revision]
    assert (
        index[("KGZ", last, ("FOR", "_T", "_T"))]
        == original[
            ("KGZ", "2015-07-01" if revision == "2015" else "2019-07-01", ("FOR", "_T", "_T"))
        ]
    )
    assert {o.ref_area for o in dataset.observations} == {o[0] for o in original}


def test_the_2019_workbook_states_its_edition() -> None:
    dataset = read_source(WORKBOOK, source="undesa")
    assert dataset.provenance.edition == "2019"
