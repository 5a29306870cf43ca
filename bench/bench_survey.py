"""Benchmark of survey standard errors for a whole table, against a per-cell loop of the same run.

A synthetic labour-force-survey-sized sample (``--records`` persons, 200 strata of 2-8 PSUs,
80 successive-difference replicate weights) is tabulated into 1,000 cells (50 countries of
birth x 2 sexes x 10 age bands) plus the grand total, and both variance methods are timed:

1. replicate weights: :func:`migstat.microdata.survey.survey_totals` (the cell x replicate
   totals as one blocked product) against a loop over the cells that totals each cell's
   records over the 80 replicate columns, as R's ``svyby`` does domain by domain;
2. Taylor linearisation: the same entry point (all cells at once from the sorted
   (cell, PSU) pairs) against a loop over the cells that forms each cell's PSU totals with
   ``bincount`` and centres them within strata.

Both baselines are numpy inside each cell, so the ratio measures the loop over cells, not
Python arithmetic; their results are checked equal to the vectorised ones before timing.

    python bench/bench_survey.py [--records 100000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))

from timing import best_of, peak_rss_mib  # noqa: E402

from migstat.microdata.survey import (  # noqa: E402
    ReplicateDesign,
    TaylorDesign,
    domains,
    survey_totals,
)

REPLICATES = 80


def _shares(k: int) -> np.ndarray:
    """Skewed shares of countries of birth, as in a stock table (1/rank)."""
    shares = 1 / np.arange(1, k + 1)
    return shares / shares.sum()


def sample(records: int) -> dict[str, np.ndarray]:
    """Strata, PSUs, weights, SDR-like replicate weights and the three classifying variables."""
    rng = np.random.default_rng(2026)
    psus_per_stratum = rng.integers(2, 9, 200)
    psu_stratum = np.repeat(np.arange(200), psus_per_stratum)
    psu = rng.integers(0, psu_stratum.size, records)
    w = rng.uniform(50, 500, records)
    factors = rng.choice([0.3, 1.0, 1.7], size=(records, REPLICATES))
    return {
        "stratum": psu_stratum[psu],
        "psu": psu,
        "w": w,
        "reps": w[:, None] * factors,
        "country": rng.choice(50, records, p=_shares(50)),
        "sex": rng.integers(0, 2, records),
        "age": rng.integers(0, 10, records),
    }


def loop_replicates(codes: np.ndarray, n_cells: int, design: ReplicateDesign) -> np.ndarray:
    """Per cell: the replicate totals of its records, then the SDR variance."""
    se = np.zeros(n_cells)
    for cell in range(n_cells):
        inside = codes == cell
        reps = design.replicate_weights[inside].sum(axis=0)
        se[cell] = np.sqrt(4 / REPLICATES * ((reps - reps.mean()) ** 2).sum())
    return se


def loop_taylor(codes: np.ndarray, n_cells: int, s: dict[str, np.ndarray]) -> np.ndarray:
    """Per cell: PSU totals of the cell's weights, centred within strata."""
    psu_stratum = np.zeros(s["psu"].max() + 1, dtype=int)
    psu_stratum[s["psu"]] = s["stratum"]
    sampled = np.unique(s["psu"])
    n_psu = np.bincount(psu_stratum[sampled])
    se = np.zeros(n_cells)
    for cell in range(n_cells):
        t = np.bincount(s["psu"], weights=s["w"] * (codes == cell), minlength=psu_stratum.size)
        t, h = t[sampled], psu_stratum[sampled]
        mean = np.bincount(h, weights=t) / n_psu
        ss = np.bincount(h, weights=(t - mean[h]) ** 2)
        se[cell] = np.sqrt((ss * n_psu / (n_psu - 1)).sum())
    return se


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    s = sample(args.records)
    codes, labels = domains(s["country"], s["sex"], s["age"])
    n_cells = len(labels)
    cells = np.column_stack([codes, np.full(codes.size, n_cells)])
    rep = ReplicateDesign(s["w"], s["reps"], "successive-difference")
    taylor = TaylorDesign(s["w"], s["stratum"], s["psu"])
    print(f"{args.records:,} records, {n_cells:,} cells + total, {REPLICATES} replicates")

    for name, design, loop in (
        ("replicate weights (SDR)", rep, lambda: loop_replicates(codes, n_cells, rep)),
        ("Taylor linearisation", taylor, lambda: loop_taylor(codes, n_cells, s)),
    ):
        fast_time, est = best_of(args.repeat, lambda d=design: survey_totals(d, cells))
        loop_time, loop_se = best_of(args.repeat, loop)
        np.testing.assert_allclose(est.se[:n_cells], loop_se, rtol=1e-9)
        print(
            f"{name}: vectorised {fast_time * 1000:.1f} ms, per-cell loop "
            f"{loop_time * 1000:.1f} ms, ratio {loop_time / fast_time:.1f}x, "
            f"{args.records / fast_time / 1e6:.2f} M records/s"
        )
    print(f"peak memory {peak_rss_mib():.0f} MiB")


if __name__ == "__main__":
    main()
