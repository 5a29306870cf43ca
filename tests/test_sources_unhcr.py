"""UNHCR refugees and asylum-seekers by origin and country of asylum."""

from __future__ import annotations

import csv

import pytest

from migstat.model import InputError, default_registry
from migstat.sources import detect_source, read_source
from migstat.sources.unhcr import read
from tests.csvfiles import write_variant
from tests.shared import SHARED_DATA

DATA = SHARED_DATA / "unhcr"
CSV = DATA / "unhcr_2020.csv"
pytestmark = pytest.mark.skipif(not CSV.exists(), reason="shared data not available")


@pytest.fixture(scope="module")
def rows() -> list[dict[str, str]]:
    with CSV.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def dataset():
    return read(CSV, registry=default_registry())


@pytest.fixture(scope="module")
def index(dataset):
    return {(o.ref_area, o.time_period, o.key[0], o.key[2]): o for o in dataset.observations}


def _line(rows, **want) -> tuple[int, dict[str, str]]:
    for number, row in enumerate(rows, start=2):
        if all(row[k] == v for k, v in want.items()):
            return number, row
    raise AssertionError(want)


def test_known_row(rows, index) -> None:
    number, row = _line(rows, year="2020", orig="SYR", dest="DEU")
    ref = index[("DEU", "2020-12-31", "SYR", "REF")]
    asy = index[("DEU", "2020-12-31", "SYR", "ASY")]
    assert ref.value == int(row["refugees"]) > 100_000
    assert asy.value == int(row["asylum_seekers"])
    assert ref.table == "R01" and ref.key == ("SYR", "_T", "REF")
    assert ref.where.line == asy.where.line == number
    assert (ref.where.column, asy.where.column) == ("refugees", "asylum_seekers")


def test_empty_origin_is_unknown_and_xxa_stateless(rows, index) -> None:
    number, row = _line(rows, year="2020", orig="", dest="ARG")
    obs = index[("ARG", "2020-12-31", "_U", "REF")]
    assert obs.value == int(row["refugees"]) and obs.where.line == number
    number, row = _line(rows, orig="XXA")
    obs = index[(row["dest"], f"{row['year']}-12-31", "STATELESS", "ASY")]
    assert obs.value == int(row["asylum_seekers"]) and obs.where.line == number
    number, row = _line(rows, orig="TIB")
    assert index[(row["dest"], f"{row['year']}-12-31", "TIB", "REF")].where.line == number


def test_counts_na_and_rows_without_asylum_country(rows, dataset, index) -> None:
    without = [r for r in rows if not r["dest"]]
    assert len(without) == 5
    assert len(dataset.observations) == 2 * (len(rows) - len(without))
    [finding] = dataset.findings
    assert finding.rule == "IMPORT_NO_REF_AREA" and finding.params["count"] == 5
    number, row = _line(rows, refugees="NA")
    obs = index[(row["dest"], f"{row['year']}-12-31", row["orig"] or "_U", "REF")]
    assert obs.value is None and obs.obs_status == "L" and obs.where.line == number
    # Origin = asylum country: kept as published.
    number, row = _line(rows, year="2020", orig="AFG", dest="AFG")
    assert index[("AFG", "2020-12-31", "AFG", "REF")].value == int(row["refugees"])


def test_provenance_and_metadata(dataset) -> None:
    assert dataset.provider == "UNHCR" and dataset.format == "unhcr"
    assert dataset.provenance.publisher == "UNHCR" and dataset.provenance.edition == "2020"
    meta = dataset.metadata.tables["R01"]
    assert meta.source_type == "asylum" and meta.reference_date == "1995-12-31/2020-12-31"
    assert {o.key[2] for o in dataset.observations} == {"REF", "ASY"}


def _variant(tmp_path, name, *, extra=(), **options):
    with CSV.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    rows = rows[:300] + [r for r in rows if r[1] in ("", "XXA")][:20] + [list(e) for e in extra]
    return write_variant(tmp_path / name, rows, **options)


def _values(ds):
    return {(o.ref_area, o.time_period, o.key): o.value for o in ds.observations}


def test_variants_read_alike(tmp_path) -> None:
    registry = default_registry()
    base = _values(read(_variant(tmp_path, "base.csv"), registry=registry))
    for path in (
        _variant(tmp_path, "semi.csv", delimiter=";"),
        _variant(tmp_path, "bom.csv", encoding="utf-8-sig"),
        _variant(tmp_path, "order.csv", order=[4, 2, 0, 3, 1]),
    ):
        assert detect_source(path, path.read_bytes()[:8192]) == "unhcr"
        assert _values(read_source(path, registry=registry)) == base


def test_unknown_code(tmp_path) -> None:
    path = _variant(tmp_path, "bad.csv", extra=[["2020", "QQQ", "DEU", "5", "0"]])
    with pytest.raises(InputError) as caught:
        read(path, registry=default_registry())
    assert "QQQ" in caught.value.text("en")
    dataset = read(path, registry=default_registry(), allow_unmatched=True)
    assert [f.params["name"] for f in dataset.findings if f.rule == "IMPORT_UNMATCHED_NAME"] == [
        "QQQ"
    ]
    assert "QQQ" not in {o.key[0] for o in dataset.observations}
