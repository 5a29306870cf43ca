"""A small but real store for the portal's tests.

- UN DESA International Migrant Stock 2019 (origin x destination), kept to the twelve
  countries of the region and Germany as destinations (table S01);
- its total population by sex from Table 2 of UN DESA's workbook, all countries (table P01,
  the denominator of the flows page's native-born and rest of the world);
- CIS-Stat arrivals and departures by partner country, whole file (tables F01, F02);
- a synthetic, fully consistent national questionnaire of Kyrgyzstan for 2024 (nine tables),
  with three cells changed so that flags and footnotes show: a provisional value with a
  comment, a value not available (``L``) and a confidential one.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

from migstat import api
from migstat.demo.synthetic import consistent_dataset
from migstat.model import default_registry
from migstat.sources import read_source
from migstat.store import Store
from tests.shared import SHARED_DATA

REGION = ("ARM", "AZE", "BLR", "GEO", "KAZ", "KGZ", "MDA", "RUS", "TJK", "TKM", "UKR", "UZB")
UNDESA_CSV = SHARED_DATA / "un_desa" / "UN_MigrantStockByOriginAndDestination_2019_clean.csv"
UNDESA_XLSX = SHARED_DATA / "un_desa" / "undesa_pd_2019_migrant_stock_total_dataset.xlsx"
CIS_CSV = SHARED_DATA / "cisstat" / "cis_migration.csv"
NOTE = "Provisional: registrations of the last quarter are not yet complete."
PROVISIONAL_KEY = ("RUS", "LT", "_T", "_T")  # F01 KGZ 2024: from Russia, long-term, total
MISSING_KEY = ("TKM", "LT", "_T", "_T")  # F01 KGZ 2024: from Turkmenistan, not available
CONFIDENTIAL_KEY = ("ARM", "LT", "_T", "_T")  # F01 KGZ 2024: from Armenia, confidential


def available() -> bool:
    return UNDESA_CSV.exists() and UNDESA_XLSX.exists() and CIS_CSV.exists()


def undesa_cell(year: str, destination: str, origin: str) -> int:
    """A cell of the UN DESA CSV as published (destination and origin as English names)."""
    with UNDESA_CSV.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        for row in reader:
            if row[0] == year and row[1] == destination:
                return int(float(row[header.index(origin)] or 0))
    raise KeyError((year, destination, origin))


def undesa_row_total(year: str, destination: str) -> int:
    """The sum of all origins of one destination row of the UN DESA CSV."""
    with UNDESA_CSV.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        for row in reader:
            if row[0] == year and row[1] == destination:
                return sum(int(float(v or 0)) for v in row[2:])
    raise KeyError((year, destination))


def cis_value(year: int, region: str, item: str) -> int:
    """A value of the CIS-Stat file as published."""
    with CIS_CSV.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if (
                row["date"] == f"{year}-12-31"
                and row["region"] == region
                and row["item_code"] == item
            ):
                return int(float(row["value"]))
    raise KeyError((year, region, item))


def has_cis(year: int, country: str = "KGZ") -> bool:
    """Whether CIS-Stat's file gives ``country``'s arrivals in ``year``."""
    try:
        cis_value(year, country, "ARRIVALS")
    except KeyError:
        return False
    return True


def build_portal_store(path: Path, *, by_sex: bool = False) -> Store:
    """The store above; ``by_sex`` also stores UN DESA's Table 1 (the foreign-born by sex,
    with the total over all countries of birth, ``FOR``) beside the matrix, as the demo does."""
    registry = default_registry()
    store = Store.open(str(path))
    undesa = read_source(UNDESA_CSV, source="undesa", registry=registry)
    undesa.observations = [o for o in undesa.observations if o.ref_area in (*REGION, "DEU")]
    api.submit_dataset(store, undesa, UNDESA_CSV.read_bytes(), registry=registry)
    people = read_source(UNDESA_XLSX, source="undesa", table="P01", registry=registry)
    api.submit_dataset(store, people, UNDESA_XLSX.read_bytes(), registry=registry)
    if by_sex:
        table1 = read_source(UNDESA_XLSX, source="undesa", table="S01", registry=registry)
        api.submit_dataset(store, table1, UNDESA_XLSX.read_bytes(), registry=registry)
    cis = read_source(CIS_CSV, source="cisstat", registry=registry)
    api.submit_dataset(store, cis, CIS_CSV.read_bytes(), registry=registry)

    kgz = consistent_dataset("KGZ", 2024, registry=registry)
    changed = []
    for o in kgz.observations:
        if o.table == "F01" and o.key == PROVISIONAL_KEY:
            o = replace(o, obs_status="P", comment=NOTE)
        elif o.table == "F01" and o.key == MISSING_KEY:
            o = replace(o, value=None, obs_status="L")
        elif o.table == "F01" and o.key == CONFIDENTIAL_KEY:
            o = replace(o, value=None, conf_status="C")
        changed.append(o)
    kgz.observations = changed
    kgz.synthetic = True
    store.submit(
        kgz, b"synthetic questionnaire KGZ 2024", findings=[], submitted_by="test", accepted=True
    )
    return store


@contextmanager
def portal_client(folder: Path, *, by_sex: bool = False) -> Iterator[Any]:
    """A test client of the portal over the store above, built in ``folder``."""
    from fastapi.testclient import TestClient

    from migstat.web.app import create_app

    store = build_portal_store(folder / "portal.db", by_sex=by_sex)
    try:
        with TestClient(create_app(store=store)) as client:
            yield client
    finally:
        store.close()
