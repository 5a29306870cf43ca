"""Stores for the mirror tests: the real CIS-Stat and Belstat flows, and small hand-made ones."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from migstat import api
from migstat.model import Dataset, Observation, default_registry
from migstat.model.data import TableMetadata
from migstat.sources import read_source
from migstat.store import Store
from tests.shared import SHARED_DATA

CIS_CSV = SHARED_DATA / "cisstat" / "cis_migration.csv"
BELSTAT = SHARED_DATA / "belstat"


def cis_files() -> list[tuple[str, Path]]:
    files = [("cisstat", CIS_CSV)]
    for pattern in ("belstat_arrivals_oblast_*.json", "belstat_departures_oblast_*.json"):
        files += [("belstat", p) for p in sorted(BELSTAT.glob(pattern))]
    return files


def import_cis(store: Store) -> None:
    """Import the CIS-Stat file and the Belstat answers as the demo does."""
    registry = default_registry()
    for source, path in cis_files():
        dataset = read_source(path, source=source, registry=registry)
        api.submit_dataset(store, dataset, path.read_bytes(), imported=True, submitted_by="test")


def cis_value(region: str, item: str, year: int) -> float:
    """One number read straight from the CIS-Stat file (not through migstat)."""
    with CIS_CSV.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if (
                row["region"] == region
                and row["item_code"] == item
                and row["date"].startswith(str(year))
            ):
                return float(row["value"])
    raise LookupError((region, item, year))


def flows(
    provider: str,
    table: str,
    area: str,
    year: int,
    values: dict[str, float | None],
    *,
    rule: str | None = "12_months",
    source: str = "register",
    population: str | None = None,
    synthetic: bool = False,
    statuses: dict[str, str] | None = None,
    months: int | None = None,
    sex: str = "_T",
) -> Dataset:
    """A dataset of one flow table for one country and year: partner -> value at ``sex`` and
    the totals of the other dimensions, with table metadata."""
    registry = default_registry()
    tdef = registry.table(table)
    obs = []
    for partner, value in values.items():
        fixed = {"DURATION": "LT", "SEX": sex}
        key = tuple(
            partner if d.role == "partner" else fixed.get(d.id, "_T") for d in tdef.dimensions
        )
        status = (statuses or {}).get(partner, "A" if value is not None else "O")
        obs.append(Observation(table, area, str(year), key, value, status))
    dataset = Dataset(
        f"{provider}_{table}_{area}_{year}.csv", "csv", provider, obs, synthetic=synthetic
    )
    dataset.metadata.country = area
    dataset.metadata.tables[table] = TableMetadata(
        table,
        source_type=source,
        reference_date=str(year),
        residence_rule=rule,
        residence_rule_months=months,
        population_covered=population,
    )
    return dataset


def put(store: Store, *datasets: Dataset) -> None:
    for dataset in datasets:
        store.submit(dataset, repr(dataset.observations).encode(), findings=[])


def cis_database(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A SQLite store holding the CIS-Stat and Belstat imports (for a module-scoped fixture)."""
    path = tmp_path_factory.mktemp("cis") / "cis.db"
    with Store.open(str(path)) as store:
        import_cis(store)
    return str(path)
