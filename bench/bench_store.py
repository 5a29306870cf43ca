"""Benchmark of the store on SQLite: importing the UN DESA origin-destination matrix, reading.

The dataset is the 2019 UN DESA international migrant stock by origin and destination
(7 periods x 237 destinations x 232 origins, about 385,000 cells), read from
``../shared/data/un_desa/UN_MigrantStockByOriginAndDestination_2019_clean.csv`` with the csv
module and names mapped crudely to codes; without the file a matrix of the same shape is
synthesized. Every figure is printed with a baseline measured in the same run, on the same
machine, and their ratio:

- import: ``Store.submit`` vs plain ``sqlite3`` ``executemany`` of the same rows into a bare
  table (no indexes) in one transaction;
- a corridor's time series (one destination, one origin, every period) and a whole country's
  table (one destination, every origin and period): ``Store.read`` vs the equivalent join run
  through raw ``sqlite3`` on the same file (median of repeated runs);
- the whole table at once (every observation): ``Store.read`` (one object per row) and
  ``Store.read_columns`` (every field, column by column) vs the same raw join;
- peak resident memory of the process.

    python bench/bench_store.py [--csv PATH] [--repeat 25] [--bulk-repeat 3]
                                [--url postgresql://...]

``--url`` also times the import into that database (e.g. a PostgreSQL server).
"""

from __future__ import annotations

import argparse
import csv
import resource
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from migstat.model import Dataset, Observation, Provenance, default_registry
from migstat.store import ObservationQuery, Store

HERE = Path(__file__).resolve().parent
DEFAULT_CSV = (
    HERE.parent.parent
    / "shared"
    / "data"
    / "un_desa"
    / "UN_MigrantStockByOriginAndDestination_2019_clean.csv"
)
TOTAL = "_T"


def load_matrix(path: Path) -> list[tuple[str, str, str, float | None]]:
    """``(period, destination, origin, value)`` for every cell of the matrix."""
    if not path.exists():
        return synthesize()
    areas = default_registry().areas
    codes: dict[str, str] = {}

    def code(name: str) -> str:
        if name not in codes:
            codes[name] = areas.resolve(name) or "X_" + name.upper().replace(" ", "_")[:12]
        return codes[name]

    cells = []
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        origins = [code(name) for name in next(reader)[2:]]
        for row in reader:
            period, dest = f"{row[0]}-07-01", code(row[1])
            for origin, text in zip(origins, row[2:], strict=True):
                try:
                    value: float | None = float(text)
                except ValueError:  # "..", "-", "": not a number
                    value = None
                cells.append((period, dest, origin, value))
    return cells


def synthesize() -> list[tuple[str, str, str, float | None]]:
    areas = [c.id for c in default_registry().areas if c.attributes.get("kind") == "country"][:237]
    years = ("1990", "1995", "2000", "2005", "2010", "2015", "2019")
    return [
        (f"{y}-07-01", d, o, float((i * 7919) % 100_000))
        for y in years
        for d in areas
        for i, o in enumerate(areas[:232])
    ]


def dataset_of(cells: list[tuple[str, str, str, float | None]]) -> Dataset:
    observations = [
        Observation(
            "S01", dest, period, (origin, TOTAL, TOTAL), value, "A" if value is not None else "O"
        )
        for period, dest, origin, value in cells
    ]
    return Dataset(
        "UN_MigrantStockByOriginAndDestination_2019.csv",
        "csv",
        "UN_DESA",
        observations,
        provenance=Provenance("UN DESA", edition="2019"),
    )


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def median_time(action: Callable[[], object], repeat: int) -> float:
    action()  # warm the caches once
    return statistics.median(timed(action) for _ in range(repeat))


def baseline_import(path: Path, cells: list[tuple[str, str, str, float | None]]) -> float:
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA journal_mode = WAL")
    con.execute("PRAGMA synchronous = FULL")
    con.execute(
        "CREATE TABLE obs (table_id TEXT, provider TEXT, ref_area TEXT, "
        "time_period TEXT, key TEXT, partner TEXT, value REAL, obs_status TEXT, "
        "conf_status TEXT, comment TEXT)"
    )
    rows = [
        (
            "S01",
            "UN_DESA",
            dest,
            period,
            f"{origin}.{TOTAL}.{TOTAL}",
            origin,
            value,
            "A" if value is not None else "O",
            "F",
            None,
        )
        for period, dest, origin, value in cells
    ]

    def insert() -> None:
        con.execute("BEGIN")
        con.executemany("INSERT INTO obs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        con.execute("COMMIT")

    try:
        return timed(insert)
    finally:
        con.close()


RAW_QUERY = """
SELECT s.table_id, s.provider, s.ref_area, s.time_period, o.key, o.partner, o.value,
       o.obs_status, o.conf_status, o.comment, s.submission_id, s.recorded_at
FROM slice s JOIN observation o ON o.slice_id = s.id
WHERE s.table_id = ? AND s.ref_area = ? {partner}
ORDER BY s.provider, s.time_period, o.id
"""


def ratio(label: str, value: float, base: float, unit: str = "s") -> None:
    shown = f"{value * 1000:9.1f} ms" if unit == "ms" else f"{value:8.2f} s "
    based = f"{base * 1000:9.1f} ms" if unit == "ms" else f"{base:8.2f} s "
    print(f"{label:<34} {shown}   baseline {based}   ratio {value / base:6.2f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv", type=Path, default=DEFAULT_CSV)
    parser.add_argument("--repeat", type=int, default=25)
    parser.add_argument(
        "--bulk-repeat", type=int, default=3, help="runs of the whole-table reads (median)"
    )
    parser.add_argument("--url", help="also time the import into this database")
    args = parser.parse_args(argv)

    cells = load_matrix(args.csv)
    dataset = dataset_of(cells)
    n = len(dataset.observations)
    periods = len({c[0] for c in cells})
    dests = len({c[1] for c in cells})
    origins = len({c[2] for c in cells})
    print(
        f"dataset: {n:,} observations ({periods} periods x {dests} destinations x "
        f"{origins} origins){'' if args.csv.exists() else ', synthesized'}"
    )

    with tempfile.TemporaryDirectory() as folder:
        base_import = baseline_import(Path(folder) / "bare.db", cells)
        db = Path(folder) / "store.db"
        store = Store.open(f"sqlite:///{db}")
        store_import = timed(
            lambda: store.submit(
                dataset,
                args.csv.read_bytes() if args.csv.exists() else b"synthetic",
                findings=[],
                submitted_by="bench",
            )
        )
        ratio("import (Store.submit)", store_import, base_import)

        _, dest, origin, _ = max(cells, key=lambda c: c[3] or 0)  # the largest corridor
        country = "KAZ" if any(c[1] == "KAZ" for c in cells) else cells[0][1]
        corridor_q = ObservationQuery("S01", ref_areas=[dest], partners=[origin])
        country_q = ObservationQuery("S01", ref_areas=[country])
        con = sqlite3.connect(db)
        corridor_sql = RAW_QUERY.format(partner="AND o.partner = ?")
        country_sql = RAW_QUERY.format(partner="")

        n_corridor = len(list(store.read(corridor_q)))
        n_country = len(list(store.read(country_q)))
        corridor = median_time(lambda: list(store.read(corridor_q)), args.repeat)
        corridor_base = median_time(
            lambda: con.execute(corridor_sql, ("S01", dest, origin)).fetchall(), args.repeat
        )
        whole = median_time(lambda: list(store.read(country_q)), args.repeat)
        whole_base = median_time(
            lambda: con.execute(country_sql, ("S01", country)).fetchall(), args.repeat
        )
        ratio(f"corridor {origin}->{dest} ({n_corridor} obs)", corridor, corridor_base, "ms")
        ratio(f"country table {country} ({n_country:,} obs)", whole, whole_base, "ms")

        # the whole table at once: the bulk read of an analysis, against the raw join
        table_q = ObservationQuery("S01")
        table_sql = RAW_QUERY.format(partner="").replace("AND s.ref_area = ?", "")
        bulk = args.bulk_repeat
        table_base = median_time(lambda: con.execute(table_sql, ("S01",)).fetchall(), bulk)
        n_table = len(store.read_columns(table_q, columns=("value",))["value"])
        table_read = median_time(lambda: list(store.read(table_q)), bulk)
        table_columns = median_time(lambda: store.read_columns(table_q), bulk)
        ratio(f"whole table, Store.read ({n_table:,})", table_read, table_base)
        ratio("whole table, Store.read_columns", table_columns, table_base)
        con.close()
        store.close()

        if args.url:
            with Store.open(args.url) as other:
                other_import = timed(
                    lambda: other.submit(dataset, b"bench", findings=[], submitted_by="bench")
                )
            ratio(f"import into {other.dialect}", other_import, base_import)

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    peak_mb = peak / 1024 if sys.platform != "darwin" else peak / 1024 / 1024
    print(
        f"{'peak resident memory':<34} {peak_mb:8.0f} MB   limit 1024 MB   "
        f"ratio {peak_mb / 1024:6.2f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
