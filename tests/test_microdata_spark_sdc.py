"""Disclosure control on ``--engine spark`` gives DuckDB's tables: the cell-key method on
weighted counts (the record keys a variable of the file) and the minimum-frequency rule with
its complementary cells, on the seeded census of tests/test_disclosure_cellkey.py."""

from __future__ import annotations

import pytest

from migstat.microdata import tabulate
from tests.test_disclosure_cellkey import MAPPING, _census
from tests.test_disclosure_cellkey_weighted import WEIGHTED, _weighted_census


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    root = tmp_path_factory.mktemp("sparksdc")
    weighted = root / "w.yaml"
    weighted.write_text(WEIGHTED, encoding="utf-8")
    counts = root / "c.yaml"
    counts.write_text(MAPPING, encoding="utf-8")
    return (_weighted_census(root), weighted), (_census(root / "small.csv", n=600), counts)


def test_spark_perturbs_weighted_counts_as_duckdb(files) -> None:
    data, mapping = files[0]
    duck = tabulate(data, mapping, sdc="cellkey")
    spark = tabulate(data, mapping, sdc="cellkey", engine="spark")
    assert [t.cells for t in spark.tables] == [t.cells for t in duck.tables]
    assert spark.metadata()["disclosure"] == duck.metadata()["disclosure"]


def test_spark_suppresses_the_same_cells_as_duckdb(files) -> None:
    data, mapping = files[1]
    duck = tabulate(data, mapping, sdc="minfreq")
    spark = tabulate(data, mapping, sdc="minfreq", engine="spark")
    assert spark.hidden == duck.hidden and len(duck.hidden) > 100
    assert [t.cells for t in spark.tables] == [t.cells for t in duck.tables]
