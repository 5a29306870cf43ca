"""The OECD's stock measures B14 (foreign-born by country of birth) and B15 (foreigners by
nationality): stored in S01 and S02 on 31 December of the year given, the partner ``W`` as
every foreign country (``FOR``), the reference-date convention in the table metadata.

The files are the real OECD SDMX-CSV export in ``shared/data`` with its lines turned into
stock measures with values of the test's own (the export's only measure is B11): the layout,
labels and flags are the OECD's."""

from __future__ import annotations

from pathlib import Path

import pytest

from migstat import api
from migstat.model import default_registry
from migstat.sources import read_source
from tests.shared import SHARED_DATA

OECD = SHARED_DATA / "oecd" / "oecd_DSD_MIG_DF_MIG_B11_inflows_sdmxcsv_labels__melanie-vera.csv"
B14 = ("B14", "Stock of foreign-born population")
B15 = ("B15", "Stock of foreign population")


@pytest.fixture(scope="module")
def registry():
    return default_registry()


def _line(measure: tuple[str, str], partner: str, sex: str, value: int, flow: str) -> str:
    """The export's NOR 2018 line as another measure, partner, sex and value."""
    parts = OECD.read_text(encoding="utf-8").splitlines()[2].split(",")
    assert parts[4] == "NOR" and parts[20] == "2018"
    parts[1] = flow
    parts[6:8] = [partner, partner]
    parts[10:12] = list(measure)
    parts[12:14] = [sex, sex]
    parts[22] = str(value)
    return ",".join(parts)


def _file(
    tmp_path: Path, lines: list[tuple], flow: str = "OECD.ELS.IMD:DSD_MIG@DF_MIG(1.0)"
) -> Path:
    header = OECD.read_text(encoding="utf-8").splitlines()[0]
    path = tmp_path / "oecd_stocks.csv"
    path.write_text(
        "\n".join([header, *(_line(*spec, flow=flow) for spec in lines)]) + "\n",
        encoding="utf-8",
    )
    return path


def test_stocks_go_to_s01_and_s02_at_the_end_of_the_year(registry, tmp_path) -> None:
    path = _file(
        tmp_path,
        [
            (B15, "W", "_T", 867_765),
            (B15, "POL", "_T", 101_448),
            (B15, "POL", "F", 33_020),
            (B14, "W", "_T", 927_893),
            (B14, "POL", "_T", 98_971),
        ],
    )
    data = read_source(path, registry=registry)
    got = {(o.table, o.ref_area, o.time_period, o.key): o.value for o in data.observations}
    assert got == {
        ("S02", "NOR", "2018-12-31", ("FOR", "_T", "_T")): 867_765,
        ("S02", "NOR", "2018-12-31", ("POL", "_T", "_T")): 101_448,
        ("S02", "NOR", "2018-12-31", ("POL", "F", "_T")): 33_020,
        ("S01", "NOR", "2018-12-31", ("FOR", "_T", "_T")): 927_893,
        ("S01", "NOR", "2018-12-31", ("POL", "_T", "_T")): 98_971,
    }
    s01, s02 = data.metadata.tables["S01"], data.metadata.tables["S02"]
    assert s01.reference_date == s02.reference_date == "2018-12-31"
    assert s01.origin_concept == "BIRTH" and s02.origin_concept == "CITIZENSHIP"
    assert "foreign-born" in (s01.population_covered or "")
    for meta in (s01, s02):
        assert "31 December" in (meta.notes or "") and "census" in (meta.notes or "")
    result = api.import_file(path, dry_run=True)
    assert not result.errors


def test_foreign_born_dataflow_and_flows_beside_stocks(registry, tmp_path) -> None:
    """B14 comes in its own dataflow (DSD_MIG_F@DF_MIG_POPF); a file with a flow and a stock
    fills both tables, the flow by year and the stock by date."""
    path = _file(
        tmp_path,
        [(B14, "W", "_T", 927_893), (("B11", "Inflows of foreign population"), "W", "_T", 44406)],
        flow="OECD.ELS.IMD:DSD_MIG_F@DF_MIG_POPF(1.0)",
    )
    data = read_source(path, registry=registry)
    got = {(o.table, o.time_period, o.key): o.value for o in data.observations}
    assert got == {
        ("S01", "2018-12-31", ("FOR", "_T", "_T")): 927_893,
        ("F03", "2018", ("_T", "LT", "_T")): 44406,
    }
    assert data.metadata.tables["F03"].residence_rule == "other"
