"""Survey estimates and the cell-key method on ``--engine spark``: the same results as DuckDB.

Spark reduces the file to the design cells (per cell, stratum and PSU, with every replicate
weight's sum) or to the reduced cells with their record-key sums; the estimators and the
perturbation then run on what it hands back. Each design is tabulated by both engines: the
tables are equal cell for cell, and every estimate, standard error, CV and interval equal to
1e-9 relative (sums of the same weights in another order differ in the last bits only), with the
same reliability flags. The scan on Spark reports its progress as DuckDB's does.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from migstat.microdata import tabulate
from migstat.model import InputError
from tests.test_disclosure_cellkey import MAPPING as CENSUS_MAPPING
from tests.test_disclosure_cellkey import _census
from tests.test_microdata_lfs import lfs_csv  # noqa: F401 (a fixture)
from tests.test_microdata_tabulate_survey import (
    MAPPING,
    REPLICATES,
    _lfs_mapping,
    _sample,
    _write_records,
)

RTOL = 1e-9


@pytest.fixture(scope="module")
def designs(tmp_path_factory, lfs_csv):  # noqa: F811 (the fixture imported above)
    """Each design tabulated by DuckDB and by Spark; the Spark runs' progress calls."""
    root = tmp_path_factory.mktemp("sparksurvey")
    sample = root / "sample.csv"
    _write_records(sample, _sample())
    files = {"taylor": (sample, MAPPING), "jk1": (sample, REPLICATES)}
    runs, calls = {}, {}
    for name, (data, text) in files.items():
        mapping = root / f"{name}.yaml"
        mapping.write_text(text, encoding="utf-8")
        runs[name] = _both(data, mapping, calls.setdefault(name, []))
    runs["lfs"] = _both(lfs_csv, _lfs_mapping(root), calls.setdefault("lfs", []))
    return runs, calls


def _both(data: Path, mapping: Path, calls: list[tuple[int, int]]):
    duck = tabulate(data, mapping)
    spark = tabulate(
        data, mapping, engine="spark", progress=lambda done, total: calls.append((done, total))
    )
    return duck, spark


@pytest.mark.parametrize("name", ["taylor", "jk1", "lfs"])
def test_spark_gives_the_duckdb_estimates(designs, name: str) -> None:
    duck, spark = designs[0][name]
    assert [t.table.id for t in spark.tables] == [t.table.id for t in duck.tables]
    compared = 0
    for ours, theirs in zip(duck.tables, spark.tables, strict=True):
        assert list(theirs.cells.items()) == list(ours.cells.items())
        assert set(theirs.estimates) == set(ours.estimates) == set(ours.cells)
        for key, mine in ours.estimates.items():
            other = theirs.estimates[key]
            assert (other.records, other.flag) == (mine.records, mine.flag), key
            for field in ("total", "se", "ci_low", "ci_high"):
                assert getattr(other, field) == pytest.approx(
                    getattr(mine, field), rel=RTOL, abs=1e-9
                ), (key, field)
            if mine.cv is None:
                assert other.cv is None
            else:
                assert other.cv == pytest.approx(mine.cv, rel=RTOL)
            compared += 1
    assert compared == sum(len(t.cells) for t in duck.tables) > 40
    assert spark.metadata()["tabulation"]["survey"] == duck.metadata()["tabulation"]["survey"]


def test_the_spark_scan_reports_its_progress(designs) -> None:
    for calls in designs[1].values():
        assert calls and calls[-1] == (100, 100)
        done = [d for d, _ in calls]
        assert done == sorted(done) and all(t == 100 for _, t in calls)


@pytest.fixture(scope="module")
def census(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sparkcellkey")
    data = _census(folder / "census.csv")
    mapping = folder / "keys.yaml"
    mapping.write_text(
        CENSUS_MAPPING + "sdc: {record_key: RK, max_perturbation: 3, variance: 2}\n",
        encoding="utf-8",
    )
    return data, mapping


def test_spark_perturbs_exactly_as_duckdb(census) -> None:
    data, mapping = census
    duck = tabulate(data, mapping, sdc="cellkey")
    spark = tabulate(data, mapping, sdc="cellkey", engine="spark")
    plain = tabulate(data, mapping)
    for ours, theirs, raw in zip(duck.tables, spark.tables, plain.tables, strict=True):
        assert list(theirs.cells.items()) == list(ours.cells.items())
        changed = sum(1 for k, v in ours.cells.items() if v != raw.cells[k])
        assert changed > 20  # the perturbation did something
    assert spark.metadata()["disclosure"] == duck.metadata()["disclosure"]


def test_the_cell_key_method_on_spark_needs_the_record_keys_in_the_file(
    census, tmp_path: Path
) -> None:
    data, _ = census
    hashed = tmp_path / "hash.yaml"
    hashed.write_text(CENSUS_MAPPING, encoding="utf-8")
    with pytest.raises(InputError, match=r"sdc\.record_key") as caught:
        tabulate(data, hashed, sdc="cellkey", engine="spark")
    assert "sdc.record_key" in caught.value.text("ru")
