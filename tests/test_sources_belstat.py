"""Belstat open-data answers: national international flows by partner country."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from migstat.model import InputError, default_registry
from migstat.sources import detect_source, read_source
from migstat.sources.belstat import read, read_files
from migstat.sources.cisstat import read as read_cisstat
from tests.shared import SHARED_DATA

DATA = SHARED_DATA
BELSTAT = DATA / "belstat"
ARRIVALS = BELSTAT / "belstat_arrivals_oblast_2010-2019.json"
pytestmark = pytest.mark.skipif(not ARRIVALS.exists(), reason="shared data not available")


def _index(ds):
    return {(o.table, o.time_period, o.key[0]): o for o in ds.observations}


def _raw(path: Path, partner: str, flow: str, year: str):
    data = json.loads(path.read_text(encoding="utf-8"))
    years = data["tableHeader"][0]
    for i, row in enumerate(data["tableRows"]):
        if (row[0]["value"], row[1]["value"], row[3]["value"]) == (
            "Республика Беларусь",
            partner,
            flow,
        ):
            j = 7 + years.index(year)
            return f"tableRows[{i}][{j}]", row[j]["value"]
    raise AssertionError((partner, flow))


def test_values_and_no_break_spaces() -> None:
    dataset = read(ARRIVALS, registry=default_registry())
    index = _index(dataset)
    column, text = _raw(ARRIVALS, "Всего по странам", "Международная миграция", "2019")
    assert "\u00a0" in text
    total = index[("F01", "2019", "_T")]
    assert total.value == int(text.replace("\u00a0", "")) == 34846
    assert total.where.column == column and total.ref_area == "BLR"
    assert total.key == ("_T", "LT", "_T", "_T")
    column, text = _raw(ARRIVALS, "РОССИЙСКАЯ ФЕДЕРАЦИЯ", "Миграция со странами СНГ", "2019")
    assert index[("F01", "2019", "RUS")].value == int(text.replace("\u00a0", "")) == 10440
    assert index[("F01", "2019", "RUS")].where.column == column
    assert index[("F01", "2019", "MDA")].value == 251
    assert index[("F01", "2019", "CIS")].value == 22533
    assert index[("F01", "2019", "NON_CIS")].value == 12313


def test_null_is_missing_not_zero() -> None:
    index = _index(read(ARRIVALS, registry=default_registry()))
    georgia = index[("F01", "2019", "GEO")]
    assert georgia.value is None and georgia.obs_status == "O"
    assert index[("F01", "2010", "GEO")].value == 0


def test_cis_totals_published_twice_are_merged() -> None:
    path = BELSTAT / "belstat_arrivals_oblast_1990-1999.json"
    index = _index(read(path, registry=default_registry()))
    # 1990: the partner total is null, the CIS group row has the number.
    column, text = _raw(
        path, "СТРАНЫ СОДРУЖЕСТВА НЕЗАВИСИМЫХ ГОСУДАРСТВ (СНГ)", "Миграция со странами СНГ", "1990"
    )
    assert index[("F01", "1990", "CIS")].value == int(text.replace("\u00a0", "")) == 91655
    assert index[("F01", "1990", "CIS")].where.column == column
    assert index[("F01", "1990", "_T")].value is None


def test_agrees_with_cisstat_for_belarus_2019() -> None:
    belstat = _index(
        read_files(sorted(BELSTAT.glob("belstat_[ad]*_oblast_*.json")), registry=default_registry())
    )
    cis = {
        (o.table, o.time_period, o.key[0]): o.value
        for o in read_cisstat(
            DATA / "cisstat" / "cis_migration.csv", registry=default_registry()
        ).observations
        if o.ref_area == "BLR"
    }
    for partner in ("RUS", "KAZ", "UZB", "ARM", "_T"):
        for table in ("F01", "F02"):
            assert belstat[(table, "2019", partner)].value == cis[(table, "2019", partner)]


def test_read_files_all_arrivals_and_departures() -> None:
    paths = sorted(BELSTAT.glob("belstat_[ad]*_oblast_*.json"))
    assert len(paths) == 8
    dataset = read_files(paths, registry=default_registry())
    assert len(dataset.observations) == 2 * (140 * 3 + 6)
    assert dataset.provider == "BELSTAT" and dataset.format == "belstat"
    for table in ("F01", "F02"):
        meta = dataset.metadata.tables[table]
        assert meta.source_type == "register"
        assert meta.residence_rule == "permanent_registration"
    assert dataset.provenance.notes.count("SHA-256") == 8
    assert {o.time_period for o in dataset.observations} == {
        *map(str, range(1990, 2020)),
        "2024",
        "2025",
    }
    assert dataset.findings == []


def test_detection_and_net_is_refused() -> None:
    for path in BELSTAT.glob("belstat_*_oblast_*.json"):
        assert detect_source(path, path.read_bytes()[:8192]) == "belstat"
    for path in BELSTAT.glob("belstat_cfg_*.json"):
        assert detect_source(path, path.read_bytes()[:8192]) is None
    with pytest.raises(InputError) as caught:
        read_source(BELSTAT / "belstat_net_oblast_2010-2019.json")
    assert "derived" in caught.value.text("en")


def test_unknown_partner_and_bom_copy(tmp_path) -> None:
    data = json.loads(ARRIVALS.read_text(encoding="utf-8"))
    for row in data["tableRows"]:
        if row[0]["value"] == "Республика Беларусь" and row[1]["value"] == "АРМЕНИЯ":
            row[1]["value"] = "НАРНИЯ"
    path = tmp_path / "arrivals.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8-sig")
    assert detect_source(path, path.read_bytes()[:8192]) == "belstat"
    # a name that matches nothing skips its row with a warning naming the closest codes
    dataset = read(path, registry=default_registry())
    [warning] = dataset.findings
    assert warning.rule == "IMPORT_UNMATCHED_NAME" and warning.params["count"] == 1
    assert "НАРНИЯ" in warning.text("ru") and "ARM" in warning.params["candidates"]
    assert "ARM" not in {o.key[0] for o in dataset.observations}
    assert len(dataset.observations) == 130
