"""CIS-Stat arrivals and departures by partner country, checked against the published file."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from migstat.model import InputError, default_registry
from migstat.sources import detect_source, read_source
from migstat.sources.cisstat import read
from tests.csvfiles import write_variant
from tests.shared import SHARED_DATA

DATA = SHARED_DATA / "cisstat"
CSV = DATA / "cis_migration.csv"
pytestmark = pytest.mark.skipif(not CSV.exists(), reason="shared data not available")


@pytest.fixture(scope="module")
def dataset():
    return read(CSV, registry=default_registry())


def _index(ds):
    return {(o.table, o.ref_area, o.time_period, o.key[0]): o for o in ds.observations}


def _mirror_pairs() -> list[tuple[str, str, int, int]]:
    """The 2019 mirror-pairs table of cisstat/README.md."""
    text = (DATA / "README.md").read_text(encoding="utf-8")
    section = text.split("## Mirror pairs, 2019", 1)[1]
    pairs = []
    for a, b, dep, arr in re.findall(
        r"^\| ([A-Z]{3}) \| ([A-Z]{3}) \| ([\d,]+) \| ([\d,]+) \|$", section, re.M
    ):
        pairs.append((a, b, int(dep.replace(",", "")), int(arr.replace(",", ""))))
    return pairs


def test_mirror_pairs_2019(dataset) -> None:
    index = _index(dataset)
    pairs = _mirror_pairs()
    assert len(pairs) == 56
    for origin, dest, departures, arrivals in pairs:
        assert index[("F02", origin, "2019", dest)].value == departures
        assert index[("F01", dest, "2019", origin)].value == arrivals
    kgz = index[("F02", "KGZ", "2019", "RUS")]
    assert kgz.value == 5335 and kgz.key == ("RUS", "LT", "_T", "_T")
    assert index[("F01", "RUS", "2019", "KGZ")].value == 53810


def test_every_level_row_once_net_skipped(dataset) -> None:
    with CSV.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    level = [r for r in rows if not r["item_code"].startswith("NET")]
    assert len(dataset.observations) == len(level) == 2679
    index = _index(dataset)
    for number, row in enumerate(rows, start=2):
        measure, _, suffix = row["item_code"].partition(".")
        if measure == "NET":
            continue
        table = "F01" if measure == "ARRIVALS" else "F02"
        obs = index[(table, row["region"], row["date"][:4], suffix or "_T")]
        assert obs.value == int(float(row["value"])) and isinstance(obs.value, int)
        assert obs.where.line == number
    assert "330 NET rows" in dataset.provenance.notes
    assert {o.key[0] for o in dataset.observations} >= {"_T", "CIS", "NON_CIS", "TKM"}


def test_metadata_register_permanent_registration(dataset) -> None:
    assert dataset.provider == "CISSTAT" and dataset.format == "cisstat"
    for table in ("F01", "F02"):
        meta = dataset.metadata.tables[table]
        assert meta.source_type == "register"
        assert meta.residence_rule == "permanent_registration"
        assert meta.reference_date == "1991/2025"
    assert all(o.key[1] == "LT" for o in dataset.observations)


def _variant(tmp_path: Path, name: str, *, extra=(), **options) -> Path:
    with CSV.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))[:200] + [list(r) for r in extra]
    return write_variant(tmp_path / name, rows, **options)


def _values(ds):
    return {(o.table, o.ref_area, o.time_period, o.key): o.value for o in ds.observations}


def test_variants_read_alike(tmp_path) -> None:
    registry = default_registry()
    base = _values(read(_variant(tmp_path, "base.csv"), registry=registry))
    assert len(base) > 100
    for path in (
        _variant(tmp_path, "semi.csv", delimiter=";"),
        _variant(tmp_path, "cp1251.csv", encoding="cp1251"),
        _variant(tmp_path, "bom.csv", encoding="utf-8-sig"),
        _variant(tmp_path, "order.csv", order=[4, 2, 5, 0, 3, 1]),
    ):
        assert detect_source(path, path.read_bytes()[:8192]) == "cisstat"
        assert _values(read_source(path, registry=registry)) == base


def test_unknown_partner_code(tmp_path) -> None:
    bad = ["2019-12-31", "KGZ", "ARRIVALS.XYZ", "Прибывшие", "12.0", "level"]
    path = _variant(tmp_path, "bad.csv", extra=[bad])
    with pytest.raises(InputError) as caught:
        read(path, registry=default_registry())
    assert "XYZ" in caught.value.text("en") and caught.value.where.line == 201
    dataset = read(path, registry=default_registry(), allow_unmatched=True)
    [warning] = [f for f in dataset.findings if f.rule == "IMPORT_UNMATCHED_NAME"]
    assert warning.params["name"] == "XYZ" and warning.params["count"] == 1
    assert warning.severity == "warning"
    assert 201 not in {o.where.line for o in dataset.observations}


def test_table_option_keeps_one_table() -> None:
    only = read_source(CSV, table="F02")
    assert {o.table for o in only.observations} == {"F02"}
    assert set(only.metadata.tables) == {"F02"}
