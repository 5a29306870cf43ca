"""Benchmark of mirror statistics and correction factors, each against a baseline of the same run.

1. The mirror matrix of 50 reporting countries x 250 partners x 20 years (F01 and F02 at the
   totals of sex and age: 2 x 250,000 observations) from a synthetic SQLite store built here:
   :func:`migstat.analysis.mirror.mirror_matrix` (reads through ``Store.read_columns``, the
   access gate, then fills the arrays) plus indicators, coverage and one year's per-country
   totals, against the raw ``sqlite3`` fetch of the same rows (the floor any reader over this
   store pays), ``Store.read_columns`` alone (the read the mirror makes, before any mirror
   work) and ``Store.read`` alone (the same rows as one object each).
2. Correction factors for 30 countries x 20 years with 1,000 bootstrap replicates:
   :func:`migstat.analysis.harmonise.estimate_factors` (all replicates in one batch) against a
   plain per-replicate loop (dense weighted design matrix and ``numpy.linalg.lstsq`` per
   replicate), timed on ``--loop`` replicates and scaled to 1,000.

    python bench/bench_mirror.py [--repeat 3] [--loop 40]
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

# One BLAS thread for both the batched solve and the per-replicate baseline: a fair
# comparison on a shared machine, where spinning BLAS threads distort small solves.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))

from timing import best_of, peak_rss_mib  # noqa: E402

from migstat.analysis.harmonise import estimate_factors  # noqa: E402
from migstat.analysis.mirror import BASES, MirrorMatrix, Side, mirror_matrix  # noqa: E402
from migstat.model import Dataset, Observation, default_registry  # noqa: E402
from migstat.model.data import TableMetadata  # noqa: E402
from migstat.store import ObservationQuery, Store  # noqa: E402

REPORTERS, PARTNERS, YEARS = 50, 250, list(range(2000, 2020))


def build_store(url: str) -> list[str]:
    """50 reporters, each one submission of F01 and F02 for 20 years x 250 partners."""
    registry = default_registry()
    countries = [
        c
        for c in registry.areas.subsets["partner"]
        if registry.areas[c].attributes.get("kind") == "country"
    ][:PARTNERS]
    rng = np.random.default_rng(0)
    with Store.open(url) as store:
        for r in countries[:REPORTERS]:
            obs = []
            for table in ("F01", "F02"):
                values = rng.integers(0, 5000, size=(len(YEARS), len(countries)))
                for y, year in enumerate(YEARS):
                    for p, partner in enumerate(countries):
                        if partner != r:
                            obs.append(
                                Observation(
                                    table,
                                    r,
                                    str(year),
                                    (partner, "LT", "_T", "_T"),
                                    float(values[y, p]),
                                )
                            )
            dataset = Dataset(f"{r}.csv", "csv", r, obs)
            for table in ("F01", "F02"):
                dataset.metadata.tables[table] = TableMetadata(
                    table, source_type="register", residence_rule="12_months"
                )
            store.submit(dataset, r.encode(), findings=[])
    return countries


def raw_fetch(path: str) -> int:
    """The same rows through plain sqlite3: current slices of accepted submissions."""
    con = sqlite3.connect(path)
    n = 0
    for table in ("F02", "F01"):
        rows = con.execute(
            "SELECT s.ref_area, s.time_period, o.partner, o.value, o.obs_status, s.provider "
            "FROM observation o JOIN slice s ON s.id = o.slice_id "
            "JOIN submission b ON b.id = s.submission_id "
            "WHERE s.table_id = ? AND b.status = 'accepted' AND o.key LIKE '%.LT._T._T'",
            (table,),
        ).fetchall()
        n += len(rows)
    con.close()
    return n


def store_read(store: Store) -> int:
    """The read the mirror makes (both tables, every year), with nothing done per row."""
    n = 0
    for table in ("F02", "F01"):
        query = ObservationQuery(table, time_from=YEARS[0], time_to=YEARS[-1])
        n += sum(1 for _ in store.read(query))
    return n


def store_columns(store: Store) -> int:
    """The bulk read the mirror makes: both tables column by column through the same gate."""
    n = 0
    for table in ("F02", "F01"):
        query = ObservationQuery(
            table,
            time_from=YEARS[0],
            time_to=YEARS[-1],
            filters={"DURATION": ["LT"], "SEX": ["_T"], "AGE": ["_T"]},
        )
        found = store.read_columns(
            query,
            columns=(
                "provider",
                "ref_area",
                "time_period",
                "submission_id",
                "synthetic",
                "partner",
                "value",
                "obs_status",
            ),
        )
        n += len(found["value"])
    return n


def mirror(store: Store) -> MirrorMatrix:
    m = mirror_matrix(store, years=YEARS)
    m.indicators()
    m.coverage()
    m.country_totals(YEARS[-1])
    return m


def factor_matrix(n: int = 30, years: int = 20, seed: int = 1) -> MirrorMatrix:
    rng = np.random.default_rng(seed)
    flows = rng.uniform(50, 5000, size=(years, n, n))
    s, r = np.exp(rng.normal(0, 0.5, n)), np.exp(rng.normal(0, 0.5, n))
    emi = flows / s[None, :, None] * np.exp(rng.normal(0, 0.3, flows.shape))
    imm = flows / r[None, None, :] * np.exp(rng.normal(0, 0.3, flows.shape))
    eye = np.eye(n, dtype=bool)[None].repeat(years, 0)
    emi[eye] = imm[eye] = np.nan
    countries = [f"C{k:02d}" for k in range(n)]
    ys = list(range(2000, 2000 + years))
    sides = {(y, c): Side("X", 1, False, {}) for y in ys for c in countries}
    return MirrorMatrix(BASES["residence"], ys, countries, {}, emi, imm, sides, sides, {})


def loop_factors(m: MirrorMatrix, replicates: int, seed: int = 0) -> np.ndarray:
    """The plain way: one dense weighted least-squares fit per bootstrap replicate."""
    e, i = m.emigration, m.immigration
    ok = ~np.isnan(e) & ~np.isnan(i)
    _, o, d = np.nonzero(ok)
    n = len(m.countries)
    x = np.zeros((o.size, 2 * n))
    x[np.arange(o.size), o] = 1.0
    x[np.arange(o.size), n + d] = -1.0
    y = np.log(i[ok] / e[ok])
    w = np.sqrt(e[ok] * i[ok])
    free = [k for k in range(2 * n) if k not in (0, n)]
    rng = np.random.default_rng(seed)
    out = np.empty((replicates, len(free)))
    for b in range(replicates):
        counts = rng.multinomial(o.size, np.full(o.size, 1 / o.size))
        sw = np.sqrt(w * counts)
        out[b] = np.linalg.lstsq(x[:, free] * sw[:, None], y * sw, rcond=None)[0]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--loop",
        type=int,
        default=40,
        help="replicates of the per-replicate baseline (scaled to 1,000)",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / "bench.db")
        start = time.perf_counter()
        build_store(f"sqlite:///{path}")
        print(
            f"synthetic store: {REPORTERS} reporters x {PARTNERS} partners x {len(YEARS)} "
            f"years, F01 + F02, built in {time.perf_counter() - start:.1f} s"
        )
        raw_s, raw_n = best_of(args.repeat, lambda: raw_fetch(path))
        with Store.open(f"sqlite:///{path}") as store:
            read_s, read_n = best_of(args.repeat, lambda: store_read(store))
            columns_s, columns_n = best_of(args.repeat, lambda: store_columns(store))
            mirror_s, m = best_of(args.repeat, lambda: mirror(store))
        cov = m.coverage()[-1]
        print(
            f"rows: raw fetch {raw_n:,}, Store.read {read_n:,}, Store.read_columns "
            f"{columns_n:,}; matrix "
            f"{len(m.years)} x {len(m.countries)} x {len(m.countries)}, {YEARS[-1]}: "
            f"{cov.both:,} corridors with both sides"
        )
        print(f"mirror matrix from the store   {mirror_s:7.3f} s")
        print(f"  baseline raw sqlite3 fetch   {raw_s:7.3f} s   ratio {mirror_s / raw_s:5.2f}")
        print(
            f"  Store.read_columns alone     {columns_s:7.3f} s   "
            f"ratio {mirror_s / columns_s:5.2f}   (the read the mirror makes; "
            f"{columns_s / raw_s:5.2f} x the raw fetch)"
        )
        print(
            f"  Store.read alone             {read_s:7.3f} s   ratio {mirror_s / read_s:5.2f}"
            f"   (one object per row; {read_s / raw_s:5.2f} x the raw fetch)"
        )
        print(f"  mirror work beyond the read  {mirror_s - columns_s:7.3f} s")

    fm = factor_matrix()
    fast_s, fit = best_of(args.repeat, lambda: estimate_factors(fm, ["C00"], bootstrap=1000))
    loop_s, _ = best_of(1, lambda: loop_factors(fm, args.loop))
    loop_1000 = loop_s / args.loop * 1000
    print(
        f"correction factors, 30 countries x 20 years, 1,000 bootstrap replicates "
        f"({fit.diagnostics['corridor_years']:,} corridor-years)"
    )
    print(f"  batched estimate_factors     {fast_s:7.3f} s")
    print(
        f"  baseline per-replicate loop  {loop_1000:7.3f} s   (timed on {args.loop}, scaled)"
        f"   ratio {fast_s / loop_1000:5.3f}"
    )
    print(f"peak memory {peak_rss_mib():.0f} MiB")


if __name__ == "__main__":
    main()
