"""The EU Labour Force Survey public-use sample for France (../shared/data/microdata) tabulated
with the shipped example mapping, checked against an independent computation in plain Python
over the same file."""

from __future__ import annotations

import csv
import io
import zipfile
from collections import defaultdict
from pathlib import Path

import pytest

from migstat.formats.csv_long import read_long_csv
from migstat.microdata import read_metadata, tabulate, write_tabulation
from migstat.model import Severity
from migstat.validation import validate
from tests.shared import SHARED_DATA

ARCHIVE = SHARED_DATA / "microdata" / "eulfs_puf_FR_2005-2013_sample50k__opendp.csv.zip"
EXAMPLE = Path(__file__).resolve().parents[1] / "migstat/microdata/examples/eulfs_fr.yaml"
GROUPS = {"000-OWN COUNTRY": "FRA", "005-EU28": "EU28_FOR", "NO ANSWER": "_U"}
SEXES = {"1": "M", "2": "F"}
SCALE = 1000 / 4  # COEFF in thousands per quarter, four quarters averaged


@pytest.fixture(scope="module")
def lfs_csv(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("lfs")
    with zipfile.ZipFile(ARCHIVE) as archive:
        [name] = [n for n in archive.namelist() if n.endswith(".csv")]
        target = folder / "sample_FR_LFS.csv"
        target.write_bytes(archive.read(name))
    return target


def independent(path: Path, group_column: str) -> tuple[dict, dict, float, int]:
    """Plain Python: 2013 records, weighted sums by (group, sex) and by (group, sex, age
    value), whole persons after rounding each finest combination once, as documented."""
    exact: dict[tuple[str, str], float] = defaultdict(float)
    finest: dict[tuple[str, str, str, str, str], float] = defaultdict(float)
    records = 0
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if row["REFYEAR"] != "2013":
                continue
            records += 1
            weight = float(row["COEFF"]) * SCALE
            group, sex = GROUPS[row[group_column]], SEXES[row["SEX"]]
            exact[group, sex] += weight
            key = (row["COUNTRYB"], row["NATIONAL"], row["SEX"], row["AGE"], "")
            finest[key] += weight
    rounded: dict[tuple[str, str], int] = defaultdict(int)
    for (cob, cit, sex, _age, _), weight in finest.items():
        group = GROUPS[cob if group_column == "COUNTRYB" else cit]
        rounded[group, SEXES[sex]] += round(weight)
    return exact, rounded, sum(exact.values()), records


def test_eulfs_france_stock_tables_match_an_independent_computation(lfs_csv: Path) -> None:
    result = tabulate(lfs_csv, EXAMPLE)
    assert result.country == "FRA" and result.reference_date == "2013-07-01"
    assert [t.table.id for t in result.tables] == ["S01", "S02"]
    for table, column in (("S01", "COUNTRYB"), ("S02", "NATIONAL")):
        cells = next(t for t in result.tables if t.table.id == table).cells
        exact, rounded, total, records = independent(lfs_csv, column)
        assert result.records == records == 5792
        assert result.weighted == pytest.approx(total, rel=1e-12)
        for (group, sex), weight in exact.items():
            tabulated = cells[group, sex, "_T"]
            assert tabulated == rounded[group, sex]
            assert abs(tabulated - weight) <= 0.5 * 100  # within half a person per cell summed
        for group in {g for g, _ in exact}:
            assert cells[group, "_T", "_T"] == rounded[group, "M"] + rounded[group, "F"]
        assert cells["_T", "_T", "_T"] == sum(rounded.values())
        assert abs(cells["_T", "_T", "_T"] - total) < 100
        # unknowns stay unknown, and the coarse age bands are in the age total only
        assert cells["_U", "_T", "_T"] > 0.05 * cells["_T", "_T", "_T"]
        assert {key[2] for key in cells} == {"_T", "_U"}
    s01 = next(t for t in result.tables if t.table.id == "S01")
    assert s01.total_only[0][0] == "AGE" and s01.total_only[0][2] == 5791


def test_eulfs_france_tables_validate_without_errors(lfs_csv: Path, tmp_path: Path) -> None:
    out, meta = write_tabulation(tabulate(lfs_csv, EXAMPLE), tmp_path / "FRA_2013.csv")
    dataset = read_long_csv(out)
    dataset.metadata = read_metadata(meta)
    assert dataset.metadata.tables["S01"].source_type == "survey"
    assert [f for f in validate(dataset) if f.severity == Severity.ERROR] == []
    first = io.StringIO(out.read_text(encoding="utf-8")).readline().strip()
    assert first == "TABLE,REF_AREA,TIME_PERIOD,COUNTRY_BIRTH,SEX,AGE,CITIZENSHIP,OBS_VALUE"
