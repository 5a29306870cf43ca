"""Eurostat's ``migr_resvalid`` (all valid permits on 31 December) goes to A02, the stock of
valid residence permits, not to A01/A01V (first permits issued during the year).

No ``migr_resvalid`` download is in ``shared/data``; the file here is Eurostat's real
SDMX-CSV export of ``tps00171`` (first permits by reason) under the dataflow of
``migr_resvalid``, whose dimensions (freq, duration, reason, unit, citizen, geo) are the same:
the layout, labels and values are Eurostat's, and what the test checks is where they go."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from migstat import api
from migstat.model import default_registry
from migstat.sources import read_source
from tests.shared import SHARED_DATA

TPS00171 = SHARED_DATA / "eurostat" / "estat_tps00171_sdmxcsv_labels__jatofi.csv"


@pytest.fixture(scope="module")
def registry():
    return default_registry()


@pytest.fixture
def resvalid(tmp_path: Path) -> Path:
    text = TPS00171.read_text(encoding="utf-8").replace(
        "ESTAT:TPS00171(1.0)", "ESTAT:MIGR_RESVALID(1.0)"
    )
    path = tmp_path / "estat_migr_resvalid_sdmxcsv_labels.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_valid_permits_are_a_stock_on_31_december(registry, resvalid: Path) -> None:
    stock = read_source(resvalid, registry=registry)
    first = read_source(TPS00171, registry=registry)
    assert {o.table for o in stock.observations} == {"A02"}
    assert {o.table for o in first.observations} == {"A01"}
    issued = {(o.ref_area, o.time_period, o.key): o.value for o in first.observations}
    held = {(o.ref_area, o.time_period, o.key): o.value for o in stock.observations}
    # the same cells, each on the last day of its year
    assert held == {(a, f"{y}-12-31", k): v for (a, y, k), v in issued.items()}
    with TPS00171.open(encoding="utf-8", newline="") as handle:
        row = next(
            r
            for r in csv.DictReader(handle)
            if r["geo"] == "Poland" and r["reason"] == "Family reasons" and r["OBS_VALUE"]
        )
    key = ("POL", f"{row['TIME_PERIOD']}-12-31", ("_T", "_T", "FAM"))
    assert held[key] == int(row["OBS_VALUE"])
    meta = stock.metadata.tables["A02"]
    assert meta.source_type == "permits" and meta.reference_date.endswith("-12-31")
    assert not api.import_file(resvalid, dry_run=True).errors


def _permits_px(path: Path, title: tuple[str, str]) -> Path:
    from tests.pxfiles import build_px
    from tests.test_mapping import CITIZENSHIP, SEXES

    reasons = [("00", "Всего", "Total"), ("04", "по семейным обстоятельствам", "family")]
    data = ["1250", "310", "980", "244", "415", "97", "388", "90"]
    variables = [
        ("Гражданство", "Citizenship", CITIZENSHIP),
        ("Пол", "Sex", SEXES),
        ("Причина", "Reason", reasons),
    ]
    path.write_text(build_px(variables, 1, data, title=title), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("title", "table", "period"),
    [
        (
            ("Разрешения на проживание, выданные впервые", "First residence permits"),
            "A01",
            "2024",
        ),
        (
            ("Действующие разрешения на проживание", "Valid residence permits"),
            "A02",
            "2024-12-31",
        ),
    ],
)
def test_a_px_table_of_permits_says_which_by_its_title(
    registry, tmp_path: Path, title: tuple[str, str], table: str, period: str
) -> None:
    """First permits and valid permits have the same variables: the title decides."""
    path = _permits_px(tmp_path / "permits.px", title)
    data = read_source(
        path, source="px", country="KGZ", year="2024", date="12-31", registry=registry
    )
    assert {o.table for o in data.observations} == {table}
    assert {o.time_period for o in data.observations} == {period}
    got = {o.key: o.value for o in data.observations}
    assert got[("UZB", "M", "_T")] == 1250 and got[("TJK", "F", "_T")] == 388


def test_a_px_table_of_permits_that_does_not_say_is_read_as_a01_and_says_so(
    registry, tmp_path: Path
) -> None:
    title = ("Разрешения на проживание по гражданству", "Residence permits by citizenship")
    path = _permits_px(tmp_path / "permits.px", title)
    data = read_source(path, source="px", country="KGZ", year="2024", registry=registry)
    assert {o.table for o in data.observations} == {"A01"}
    chosen = [f for f in data.findings if f.rule == "IMPORT_TABLE_CHOSEN"]
    assert len(chosen) == 1 and chosen[0].severity == "warning"
    assert "read as A01" in chosen[0].text("en") and "A02" in chosen[0].text("en")
    assert "прочитан как A01" in chosen[0].text("ru")
    named = read_source(
        path, source="px", country="KGZ", year="2024", date="12-31", table="A02", registry=registry
    )
    assert {o.table for o in named.observations} == {"A02"}
    assert not [f for f in named.findings if f.rule == "IMPORT_TABLE_CHOSEN"]
