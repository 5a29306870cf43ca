"""``--engine spark``: Spark (local mode) gives exactly DuckDB's tables, from the same table
definitions and the same grouping sets: the EU-LFS example (weighted, CSV) and a small census
with every stock table, its universes and education (Parquet), in one Spark session. Survey
estimates and the cell-key method on Spark: tests/test_microdata_spark_survey.py."""

from __future__ import annotations

import pytest

from migstat.microdata import tabulate
from tests.test_microdata import RECORDS, WITH_EDUCATION, as_parquet, write
from tests.test_microdata_lfs import EXAMPLE, lfs_csv  # noqa: F401 (a fixture)


@pytest.fixture(scope="module")
def both(tmp_path_factory, lfs_csv):  # noqa: F811 (the fixture imported above)
    """Each file tabulated by DuckDB and by Spark (one session for the module)."""
    folder = tmp_path_factory.mktemp("spark")
    census = as_parquet(write(folder, "census.csv", RECORDS))
    mapping = write(folder, "census.yaml", WITH_EDUCATION)
    options = {"country": "KGZ", "reference_date": "2022-03-01"}
    runs = {}
    for name, path, mapped, extra in (
        ("lfs", lfs_csv, EXAMPLE, {}),
        ("census", census, mapping, options),
    ):
        runs[name] = tuple(
            tabulate(path, mapped, engine=engine, **extra) for engine in ("duckdb", "spark")
        )
    return runs


@pytest.mark.parametrize("name", ["lfs", "census"])
def test_spark_gives_exactly_the_duckdb_tables(both, name: str) -> None:
    duck, spark = both[name]
    assert [t.table.id for t in spark.tables] == [t.table.id for t in duck.tables]
    for ours, theirs in zip(duck.tables, spark.tables, strict=True):
        assert list(theirs.cells.items()) == list(ours.cells.items())  # same rows, same order
        assert all(type(v) is int for v in theirs.cells.values())
        assert (theirs.records, theirs.total_only) == (ours.records, ours.total_only)
    assert spark.records == duck.records
    assert spark.weighted == pytest.approx(duck.weighted, rel=1e-9, abs=0)


def test_the_census_has_every_stock_table_on_spark(both) -> None:
    _, spark = both["census"]
    assert [t.table.id for t in spark.tables] == ["S01", "S02", "S03", "S04"]
    s01 = spark.tables[0].cells
    assert s01[("_T", "_T", "_T")] == 10  # the six persons' weights: 2 + 3 + 1 + 1 + 2 + 1
