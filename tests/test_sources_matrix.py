"""Wide origin-destination matrices: CSV, TSV, pipes, Windows-1251, workbooks; names and codes."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook

from migstat.model import InputError
from migstat.sources import detect_source, read_source
from migstat.sources.matrix import orientation
from tests.csvfiles import write_variant

# Long-term migration between four CIS countries in 2013 (persons; rows: origin).
NAMES_EN = ["Russian Federation", "Kazakhstan", "Kyrgyzstan", "Tajikistan"]
NAMES_RU = ["Россия", "Казахстан", "Киргизия", "Таджикистан"]
CODES = ["RUS", "KAZ", "KGZ", "TJK"]
FLOWS = [
    [None, 24_105, 2_871, 1_045],
    [41_296, None, 1_203, 88],
    [35_907, 3_412, None, 164],
    [20_133, 312, 97, None],
]


def _rows(corner: str, names: list[str], *, blanks: bool = False) -> list[list[str]]:
    rows = [[corner, *names, "Всего"]]
    for name, flows in zip(names, FLOWS, strict=True):
        cells = ["" if v is None else f"{v:,}".replace(",", " ") for v in flows]
        rows.append([name, *cells, str(sum(v or 0 for v in flows))])
    if blanks:
        rows[2][4] = ".."
        rows[3][1] = "x"
    return rows


def test_orientation_from_the_corner_cell() -> None:
    assert orientation("orig\\dest") == "origin"
    assert orientation("Origin / Destination") == "origin"
    assert orientation("из\\в") == "origin"
    assert orientation("dest\\orig") == "destination"
    assert orientation("В / ИЗ") == "destination"
    assert orientation("Country") is None and orientation("") is None


@pytest.mark.parametrize(
    ("delimiter", "encoding"), [(",", "utf-8"), (";", "cp1251"), ("\t", "utf-8"), ("|", "utf-8")]
)
def test_immigration_matrix_in_russian(tmp_path: Path, delimiter: str, encoding: str) -> None:
    path = write_variant(
        tmp_path / "cis_2013.csv", _rows("из\\в", NAMES_RU), delimiter=delimiter, encoding=encoding
    )
    assert detect_source(path, path.read_bytes()[:8192]) == "matrix"
    dataset = read_source(path, table="F01", year="2013")
    values = {(o.ref_area, o.key[0]): o.value for o in dataset.observations}
    # F01: the reporting country is the destination, the partner the origin
    assert values[("RUS", "KAZ")] == 41_296
    assert values[("KAZ", "RUS")] == 24_105
    assert values[("TJK", "KGZ")] == 164
    assert ("RUS", "RUS") not in values and len(values) == 12
    assert {o.time_period for o in dataset.observations} == {"2013"}
    assert all(o.key[1] == "LT" for o in dataset.observations)
    obs = next(o for o in dataset.observations if o.ref_area == "RUS" and o.key[0] == "KAZ")
    assert obs.where.line == 3 and obs.where.column == "Россия"
    assert dataset.provider == "MATRIX"
    assert any("Всего" in f.text("en") for f in dataset.findings)


def test_emigration_takes_the_origin_as_reporting_country(tmp_path: Path) -> None:
    path = write_variant(tmp_path / "m.csv", _rows("origin/destination", NAMES_EN))
    dataset = read_source(path, source="matrix", table="F02", year="2013", provider="CISSTAT")
    values = {(o.ref_area, o.key[0]): o.value for o in dataset.observations}
    assert values[("KAZ", "RUS")] == 41_296 and values[("RUS", "KAZ")] == 24_105
    assert values[("KAZ", "_T")] == 41_296 + 1_203 + 88
    assert dataset.provider == "CISSTAT"


def test_codes_and_rows_option_and_flags(tmp_path: Path) -> None:
    rows = _rows("", CODES, blanks=True)
    rows[0][0] = ""
    path = write_variant(tmp_path / "codes.tsv", rows, delimiter="\t")
    with pytest.raises(InputError) as caught:
        read_source(path, source="matrix", table="F01", year="2013")
    assert "--rows" in caught.value.text("en") and "--rows" in caught.value.text("ru")
    dataset = read_source(path, source="matrix", table="F01", year="2013", rows="origin")
    by = {(o.ref_area, o.key[0]): o for o in dataset.observations}
    assert by[("TJK", "KAZ")].value is None and by[("TJK", "KAZ")].obs_status == "L"
    assert by[("RUS", "KGZ")].value is None and by[("RUS", "KGZ")].conf_status == "C"
    # read the other way round, the same cells give the transposed flows
    other = read_source(path, source="matrix", table="F01", year="2013", rows="destination")
    assert {(o.ref_area, o.key[0]): o.value for o in other.observations}[("KAZ", "RUS")] == 41_296


def test_stock_table_takes_a_date(tmp_path: Path) -> None:
    path = write_variant(tmp_path / "s.csv", _rows("orig\\dest", NAMES_EN))
    dataset = read_source(path, source="matrix", table="S01", year="2019-07-01")
    assert {o.time_period for o in dataset.observations} == {"2019-07-01"}
    assert {o.key for o in dataset.observations if o.ref_area == "RUS"} >= {("KAZ", "_T", "_T")}


def test_a_year_column(tmp_path: Path) -> None:
    rows = [
        ["orig\\dest", "year", "Russian Federation", "Kazakhstan"],
        ["Kazakhstan", "2012", "38 000", ""],
        ["Kazakhstan", "2013", "41 296", ""],
        ["Russian Federation", "2013", "", "24 105"],
    ]
    path = write_variant(tmp_path / "y.csv", rows)
    dataset = read_source(path, source="matrix", table="F01")
    values = {(o.ref_area, o.time_period, o.key[0]): o.value for o in dataset.observations}
    assert values == {
        ("RUS", "2012", "KAZ"): 38_000,
        ("RUS", "2013", "KAZ"): 41_296,
        ("KAZ", "2013", "RUS"): 24_105,
    }


def test_workbook(tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "2013"
    for row in _rows("orig\\dest", NAMES_EN):
        ws.append(
            [int(c.replace(" ", "")) if c.replace(" ", "").isdigit() else (c or None) for c in row]
        )
    ws["D3"] = "12a"
    path = tmp_path / "m.xlsx"
    wb.save(path)
    assert detect_source(path, path.read_bytes()[:8192]) == "matrix"
    with pytest.raises(InputError) as caught:
        read_source(path, table="F01", year="2013")
    assert caught.value.where.sheet == "2013" and caught.value.where.cell == "D3"
    assert "12a" in caught.value.text("ru")
    ws["D3"] = 1_203
    wb.save(path)
    dataset = read_source(path, table="F01", year="2013")
    obs = next(o for o in dataset.observations if o.ref_area == "RUS" and o.key[0] == "KAZ")
    assert obs.value == 41_296 and obs.where.cell == "B3"


def test_what_is_missing_is_asked_for(tmp_path: Path) -> None:
    path = write_variant(tmp_path / "m.csv", _rows("orig\\dest", NAMES_EN))
    with pytest.raises(InputError) as caught:
        read_source(path, source="matrix", year="2013")
    assert "--table" in caught.value.text("en")
    with pytest.raises(InputError) as caught:
        read_source(path, source="matrix", table="F01")
    assert "--year" in caught.value.text("ru")
    rows = _rows("orig\\dest", NAMES_EN)
    rows[3][0] = "Kyrgyzstan (Republic of Oz)"
    bad = write_variant(tmp_path / "bad.csv", rows)
    dataset = read_source(bad, source="matrix", table="F01", year="2013")
    [warning] = [f for f in dataset.findings if f.rule == "IMPORT_UNMATCHED_NAME"]
    assert warning.where.line == 4 and "Republic of Oz" in warning.text("en")
    assert "KGZ" in warning.params["candidates"]


def test_metadata_options_are_checked(tmp_path: Path) -> None:
    path = write_variant(tmp_path / "m.csv", _rows("orig\\dest", NAMES_EN))
    dataset = read_source(
        path,
        source="matrix",
        table="F01",
        year="2013",
        source_type="register",
        residence_rule="permanent_registration",
    )
    meta = dataset.metadata.tables["F01"]
    assert (meta.source_type, meta.residence_rule) == ("register", "permanent_registration")
    with pytest.raises(InputError) as caught:
        read_source(path, source="matrix", table="F01", year="2013", source_type="registry")
    assert "register" in caught.value.text("ru") and "--source-type" in caught.value.text("en")
