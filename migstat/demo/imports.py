"""The published files the demo imports, each through :func:`migstat.api.import_file`.

The demo stores every real file of the published data folder that migstat can read, through
the function behind ``migstat import`` (source detection, classification mappings,
validation, provenance with the file's SHA-256), so the demo exercises what users run:

========================================  =========  =====================================
file                                      source     table(s)
========================================  =========  =====================================
un_desa/UN_MigrantStockByOrigin...csv     undesa     S01 (stock by country of birth)
un_desa/undesa_pd_2019_..._dataset.xlsx   undesa     P01 (total population, Table 2) and
                                                     S01 by sex (Table 1, its own breakdown)
unhcr/unhcr_2020.csv                      unhcr      R01
cisstat/cis_migration.csv                 cisstat    F01, F02
belstat/belstat_{arrivals,departures}_*   belstat    F01, F02 (Belarus)
eurostat/demo_pjan_1_Data.csv             eurostat   S01 (population, country of birth
                                                     total, 1 January)
eurostat/migr_asyappctza_1_Data-...csv    eurostat   A05
eurostat/migr_asydcfsta_2017-04-26.csv    eurostat   A06
eurostat/eurostat_migr_resfirst_BY.json   eurostat   A01
eurostat/..._BY_2019_duration.json        eurostat   A01V only (its A01 totals equal those
                                                     of the file above)
sdmx/ESTAT_demography-xs.xml              sdmx       ESTAT_DEMOGRAPHY, a table made from
                                                     ``ESTAT_demography-structure.xml``
========================================  =========  =====================================

What is not stored, and why, is in :data:`NOT_STORED`. The table made from the SDMX data
structure goes into a registry folder inside the demo's output folder (``registry/``); use it
with ``MIGSTAT_REGISTRY_PATH`` to query that table.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from migstat import api
from migstat.formats.sdmxml.structure import table_from_dsd
from migstat.model import Registry
from migstat.model.registry import registry_folders
from migstat.sources import HEAD_BYTES, detect_source
from migstat.store import Store

DSD_FILES = ("ESTAT_demography-structure.xml", "ESTAT_CL_FREQ.xml")
"""The SDMX structure of the demography data, and the file of the code list it refers to."""
DSD_TABLE = "ESTAT_DEMOGRAPHY"
NOT_STORED: dict[str, str] = {
    "un_desa/pop_totals_2020.csv": "populations in thousands prepared by a third party, "
    "not a migration table",
    "un_desa/stock_totals_2020.csv": "totals derived by a third party from UN DESA's 2020 "
    "revision, not a published file of UN DESA",
    "sdmx/v3_csv_example-01.csv": "the SDMX-CSV 2.0 specification's example, with dimensions "
    "DIM_1..DIM_3 and no reporting country or time",
    "belstat/belstat_net_oblast_*.json": "net migration is arrivals minus departures, "
    "derived, not counted",
    "belstat/belstat_cfg_*.json, belstat_migration_dims.json": "descriptions of dimensions, "
    "no data",
}
"""Files of the published data folder the demo does not store, and why."""


@dataclass(frozen=True, slots=True)
class DemoImport:
    """One published file and what ``migstat import`` needs to be told about it."""

    path: Path
    source: str | None = None
    """``None``: detected from the file, as ``migstat import`` does."""
    table: str | None = None
    options: dict[str, Any] = field(default_factory=dict)
    note: str | None = None


def published_imports(data: Path) -> list[DemoImport]:
    """The files of the published data folder the demo stores, in import order."""
    files = [
        DemoImport(data / "un_desa" / "UN_MigrantStockByOriginAndDestination_2019_clean.csv"),
        DemoImport(
            data / "un_desa" / "undesa_pd_2019_migrant_stock_total_dataset.xlsx",
            table="P01",
            note="Table 2: total population by sex (P01)",
        ),
        DemoImport(
            data / "un_desa" / "undesa_pd_2019_migrant_stock_total_dataset.xlsx",
            note="Table 1: the foreign-born by sex (S01, breakdown SEX); the CSV's breakdown "
            "by country of birth stays current beside it",
        ),
        DemoImport(data / "unhcr" / "unhcr_2020.csv"),
        DemoImport(data / "cisstat" / "cis_migration.csv"),
    ]
    belstat = data / "belstat"
    for pattern in ("belstat_arrivals_oblast_*.json", "belstat_departures_oblast_*.json"):
        files += [DemoImport(p) for p in sorted(belstat.glob(pattern))]
    eurostat = data / "eurostat"
    files += [
        DemoImport(eurostat / name)
        for name in (
            "demo_pjan_1_Data.csv",
            "migr_asyappctza_1_Data-2017-05-31-ADDED.csv",
            "migr_asydcfsta_2017-04-26.csv",
            "eurostat_migr_resfirst_BY.json",
        )
    ]
    files.append(
        DemoImport(
            eurostat / "eurostat_migr_resfirst_BY_2019_duration.json",
            table="A01V",
            note="A01V only: its A01 totals equal those of eurostat_migr_resfirst_BY.json",
        )
    )
    files.append(
        DemoImport(
            data / "sdmx" / "ESTAT_demography-xs.xml",
            table=DSD_TABLE,
            note="births, deaths, total fertility rate and life expectancy, as published",
        )
    )
    return [f for f in files if f.path.exists()]


def demo_registry(data: Path, out_dir: Path) -> tuple[Registry, Path | None]:
    """The registry the demo works with: the shipped definitions, ``MIGSTAT_REGISTRY_PATH``
    and ``out_dir/registry`` holding the table made from the SDMX demography structure (its
    values kept as published, rates included). Without the structure file, the registry as
    it is."""
    paths = [data / "sdmx" / name for name in DSD_FILES if (data / "sdmx" / name).exists()]
    if not paths or paths[0].name != DSD_FILES[0]:
        return Registry(registry_folders()), None
    folder = out_dir / "registry"
    shutil.rmtree(folder, ignore_errors=True)
    derived = table_from_dsd(paths, table_id=DSD_TABLE)
    derived.write(folder)
    return Registry([*registry_folders(), folder]), folder


def import_one(
    store: Store, item: DemoImport, *, registry: Registry, echo: Callable[[str], None], **extra: Any
) -> api.ImportResult:
    """Import one file as ``migstat import`` does; return the result (with its record)."""
    source = item.source
    if source is None:
        with item.path.open("rb") as handle:
            source = detect_source(item.path, handle.read(HEAD_BYTES))
    echo(f"import {source}: {item.path.name}")
    return api.import_file(
        item.path,
        store=store,
        source=source,
        table=item.table,
        submitted_by="demo",
        note=item.note,
        registry=registry,
        **{**item.options, **extra},
    )


def summary_line(result: api.ImportResult) -> str:
    """``  ESTAT    demo_pjan_1_Data.csv: S01, 490 observations, 9 warnings``."""
    record = result.record
    tables = ", ".join(sorted(t for t, s in result.summary.items() if s.observations)) or "-"
    assert record is not None
    return (
        f"  {record.provider:8} {result.file_name}: {tables}, {record.n_observations} "
        f"observations, {record.n_warnings} warnings ({record.status}, source "
        f"{result.source})"
    )
