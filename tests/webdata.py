"""A store for the web tests: real CIS-Stat numbers and one national submission of Kyrgyzstan.

CIS-Stat's published arrivals and departures (F01, F02) come straight from the shared data;
the national submission is the consistent synthetic one (every standard table, stocks dated
2024-01-01) with three cells changed the way real submissions carry them: a comment that a
spreadsheet would run as a formula, a value not collected (OBS_STATUS L) and a confidential
value (CONF_STATUS C).
"""

from __future__ import annotations

import csv
import dataclasses
from pathlib import Path

from migstat import api
from migstat.demo.synthetic import consistent_dataset
from migstat.sources import read_source
from migstat.store import Store
from tests.shared import SHARED_DATA

CISSTAT = SHARED_DATA / "cisstat" / "cis_migration.csv"
FORMULA = '=HYPERLINK("http://example.invalid","click")'
COMMENTED = ("S01", "KGZ", ("RUS", "_T", "_T"))
NOT_COLLECTED = ("S01", "KGZ", ("KAZ", "M", "Y_GE80"))
CONFIDENTIAL = ("S01", "KGZ", ("KAZ", "F", "Y_GE80"))


def published(region: str, item: str, year: str) -> float:
    """A number exactly as CIS-Stat's file has it."""
    with CISSTAT.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if (row["region"], row["item_code"], row["date"][:4]) == (region, item, year):
                return float(row["value"])
    raise AssertionError(f"{region} {item} {year} not in {CISSTAT.name}")


def build_store(path: Path) -> Store:
    """The store described above, as a SQLite file at ``path``."""
    store = Store.open(str(path))
    api.submit_dataset(store, read_source(CISSTAT), CISSTAT.read_bytes())
    national = consistent_dataset("KGZ", 2024)
    changed = []
    for obs in national.observations:
        where = (obs.table, obs.ref_area, obs.key)
        if where == COMMENTED:
            obs = dataclasses.replace(obs, comment=FORMULA)
        elif where == NOT_COLLECTED:
            obs = dataclasses.replace(obs, value=None, obs_status="L")
        elif where == CONFIDENTIAL:
            obs = dataclasses.replace(obs, value=None, conf_status="C")
        changed.append(obs)
    national.observations = changed
    store.submit(national, b"KGZ 2024", findings=[], accepted=True)
    return store
