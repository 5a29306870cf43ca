"""Build the demo clearing-house: real published data plus synthetic questionnaires.

Real data (``../shared/data``, provenance in its README), every file migstat can read, each
imported through :func:`migstat.api.import_file` as ``migstat import`` does (the list and what
is left out, and why, are in :mod:`migstat.demo.imports`): UN DESA, UNHCR, CIS-Stat, Belstat,
Eurostat (legacy CSV exports and JSON-stat) and Eurostat's SDMX-ML demography data through a
table made from its data structure. Two example files made from those numbers, a PX table and
an origin-destination matrix (:mod:`migstat.demo.examples`), go through the PX and matrix
importers, the PX one through a classification mapping.

Synthetic data: for each of the twelve countries of the region, a questionnaire for 2024
generated from the template, filled with internally consistent numbers whose partner
structure follows the country's real UN DESA 2019 stock, and marked synthetic in the
workbook, in the store and in every output. A few carry documented, realistic errors
(:data:`PLANTED`), are rejected with findings to the cell, and get an annotated workbook to
return; two countries then send a corrected revision, so the store holds several vintages.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from migstat import api
from migstat.demo.examples import import_examples
from migstat.demo.exchange import (
    CONFIDENTIAL_COUNTRY,
    HELD_BACK,
    mark_confidential,
    set_up_exchange,
)
from migstat.demo.flows import estimate_region_flows
from migstat.demo.imports import (
    DSD_TABLE,
    demo_registry,
    import_one,
    published_imports,
    summary_line,
)
from migstat.demo.mirror import write_mirror_report
from migstat.demo.rounds import finish_demo_round, open_demo_round
from migstat.demo.synthetic import consistent_dataset
from migstat.i18n import N_, gettext_
from migstat.model import Dataset, MigstatError, Observation
from migstat.store import Store
from migstat.store.access import PUBLISHED

EECCA = ("ARM", "AZE", "BLR", "GEO", "KAZ", "KGZ", "MDA", "RUS", "TJK", "TKM", "UKR", "UZB")
DEMO_YEAR = 2024


@dataclass(frozen=True, slots=True)
class Planted:
    """A realistic error planted in a synthetic questionnaire, and the finding it must raise."""

    country: str
    rule: str
    description: str


PLANTED: tuple[Planted, ...] = (
    Planted(
        "TJK",
        "ARITH_TOTAL",
        "F01: a typing slip in one age group, so the total of "
        "long-term immigrants from Russia no longer equals the sum of its age groups.",
    ),
    Planted(
        "UZB",
        "META_RESIDENCE_RULE",
        "F02: the residence rule was left empty on the metadata sheet.",
    ),
    Planted("GEO", "STRUCT_NOT_NUMBER", "S02: 'n/a' typed into a cell instead of '..'."),
    Planted(
        "AZE",
        "STRUCT_NEGATIVE",
        "A01: a negative number of permits (a correction entered as a negative count).",
    ),
)
"""The documented errors of the demo; each makes its questionnaire rejected."""

REVISED = ("TJK", "GEO")
"""Countries that send a corrected questionnaire after the first was rejected."""


def find_shared_data(explicit: Path | None = None) -> Path:
    """The folder of published data: ``--data``, ``MIGSTAT_SHARED_DATA``, or ``../shared/data``."""
    candidates = [explicit] if explicit else []
    if os.environ.get("MIGSTAT_SHARED_DATA"):
        candidates.append(Path(os.environ["MIGSTAT_SHARED_DATA"]))
    candidates += [
        Path.cwd().parent / "shared" / "data",
        Path(__file__).resolve().parents[3] / "shared" / "data",
    ]
    for path in candidates:
        if path and (path / "un_desa").is_dir():
            return path
    raise MigstatError(
        N_(
            "Cannot find the published data folder (../shared/data): pass "
            "--data or set MIGSTAT_SHARED_DATA."
        )
    )


def _stock_weights(store: Store, country: str) -> dict[str, float]:
    """The country's real foreign-born stock by country of birth (UN DESA 2019), as weights."""
    result = api.query(
        store, "S01", countries=[country], providers=["UN_DESA"], start=2019, end=2019
    )
    return {
        r["COUNTRY_BIRTH"]: float(r["OBS_VALUE"])
        for r in result.rows
        if r["OBS_VALUE"] and r["COUNTRY_BIRTH"] not in ("_T", country)
    }


def plant(dataset: Dataset, country: str) -> None:
    """Apply the documented error of ``country`` (see :data:`PLANTED`) to its dataset."""
    obs = dataset.observations
    if country == "TJK":
        target = _find(
            obs,
            "F01",
            lambda o: (
                o.key[0] == "RUS" and o.key[1] == "LT" and o.key[2] == "M" and o.key[3] == "Y25T29"
            ),
        )
        target.value = (target.value or 0) + 90  # 1,234 typed as 1,324
    elif country == "UZB":
        meta = dataset.metadata.tables.get("F02")
        if meta is not None:
            meta.residence_rule = None
    elif country == "GEO":
        target = _find(
            obs, "S02", lambda o: o.key[0] == "RUS" and o.key[1] == "F" and o.key[2] == "Y30T34"
        )
        target.value = None
        target.comment = "n/a"  # written into the cell as text, see synthetic.write_workbook
    elif country == "AZE":
        target = _find(
            obs, "A01", lambda o: o.key[0] == "TUR" and o.key[1] == "M" and o.key[2] == "OCC"
        )
        target.value = -(target.value or 12)


def _find(obs: list[Observation], table: str, test: Callable[[Observation], bool]) -> Observation:
    for o in obs:
        if o.table == table and test(o):
            return o
    raise LookupError(f"no observation to plant an error in {table}")


def build_demo(
    out_dir: Path,
    *,
    data_dir: Path | None = None,
    db_url: str | None = None,
    lang: str = "en",
    echo: Callable[[str], None] = print,
) -> str:
    """Build the demo store and files under ``out_dir``; return a summary for people."""
    from migstat.demo.synthetic import write_workbook

    data = find_shared_data(data_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    for sub in ("questionnaires", "returned"):
        shutil.rmtree(out_dir / sub, ignore_errors=True)
        (out_dir / sub).mkdir()
    if db_url is None:
        db_file = out_dir / "migstat-demo.db"
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(str(db_file) + suffix).unlink(missing_ok=True)
        db_url = f"sqlite:///{db_file.resolve()}"
    registry, registry_dir = demo_registry(data, out_dir)
    imported: list[str] = []
    synthetic: list[str] = []
    held: dict[str, int] = {}
    with Store.open(db_url, registry=registry) as store:
        for item in published_imports(data):
            imported.append(summary_line(import_one(store, item, registry=registry, echo=echo)))

        open_demo_round(store, EECCA)
        planted = {p.country: p for p in PLANTED}
        for i, country in enumerate(EECCA):
            weights = _stock_weights(store, country)
            dataset = consistent_dataset(
                country, DEMO_YEAR, seed=i, weights=weights, registry=registry
            )
            if country in planted:
                plant(dataset, country)
            if country == CONFIDENTIAL_COUNTRY:
                mark_confidential(dataset)
            path = out_dir / "questionnaires" / f"{country}_{DEMO_YEAR}.xlsx"
            write_workbook(path, dataset, registry=registry)
            echo(f"submit {path.name}")
            record, checked = api.submit_file(
                store,
                path,
                country=country,
                submitted_by=f"demo:{country}",
                registry=registry,
                release=None if country in HELD_BACK else PUBLISHED,
            )
            if country in HELD_BACK:
                held[country] = record.id
            line = (
                f"  {country}      {path.name}: {record.status}, {record.n_observations} "
                f"observations, {record.n_errors} errors, {record.n_warnings} warnings"
            )
            if record.status != "accepted":
                from migstat.formats.questionnaire.annotate import annotate_workbook

                returned = out_dir / "returned" / f"{country}_{DEMO_YEAR}_findings.xlsx"
                annotate_workbook(checked.raw, checked.findings, returned, lang="both")
                line += f" -> {returned}"
            synthetic.append(line)
            if country in REVISED:
                fixed = consistent_dataset(
                    country, DEMO_YEAR, seed=i, weights=weights, registry=registry
                )
                path2 = out_dir / "questionnaires" / f"{country}_{DEMO_YEAR}_rev1.xlsx"
                write_workbook(path2, fixed, registry=registry)
                record, _ = api.submit_file(
                    store,
                    path2,
                    country=country,
                    submitted_by=f"demo:{country}",
                    note="Corrected after validation",
                    registry=registry,
                )
                synthetic.append(f"  {country}      {path2.name}: {record.status} (revision)")
        examples = [
            summary_line(r)
            for r in import_examples(store, data, out_dir, registry=registry, echo=echo)
        ]
        synthetic.extend(finish_demo_round(store))
        estimate_region_flows(store, out_dir, countries=EECCA, echo=echo)
        echo(write_mirror_report(store, out_dir, lang))
        exchange = set_up_exchange(store, out_dir, held)
    head = [f"Demo clearing-house built: {db_url}", "Published data imported:"]
    tail = ["Try: migstat --db " + db_url + " query F01 --country KGZ --format csv"]
    if registry_dir is not None:
        tail.append(
            gettext_(
                N_(
                    "The table {table} made from the SDMX structure is in {folder}: "
                    "set MIGSTAT_REGISTRY_PATH={folder} to query it."
                ),
                lang,
                table=DSD_TABLE,
                folder=str(registry_dir.resolve()),
            )
        )
    return "\n".join(
        [
            *head,
            *imported,
            gettext_(N_("Examples made from those numbers (PX, matrix):"), lang),
            *examples,
            f"Synthetic questionnaires ({DEMO_YEAR}, marked SYNTHETIC):",
            *synthetic,
            *tail,
            *exchange,
        ]
    )
