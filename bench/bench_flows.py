"""Benchmark of flows from stocks: one period for n countries, numpy against plain loops.

    python bench/bench_flows.py [--sizes 50,100,200,400] [--repeat 5] [--loop-max 200]

For each n, builds a reproducible pair of birthplace x residence stock tables of a world of n
countries (large native-born diagonals, log-normal foreign-born cells, a fifth of them zero)
with births and deaths, and times :func:`migstat.analysis.flows_from_stocks.estimate_flows`
with migest's defaults (minimum migration, rescaled birthplace totals, world balanced before
births and deaths), once with the rescale tables fitted by migest's own IPF iterations and
stopping rule (``fit="mipfp"``, the default, which reproduces migest's numbers) and once by
Newton's method (``fit="newton"``, the same fit solved to convergence). The baseline, measured
in the same run on the same tables, is a straightforward implementation of the very same steps
with Python loops over cells and migest's IPF; its table must agree with the mipfp one. Prints
the best of ``--repeat`` runs, the IPF iterations, the ratios to the loops, and the scaling.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import itertools

from timing import best_of, peak_rss_mib

from migstat.analysis.flows_from_stocks import estimate_flows

TOL = 1e-3
WORKBOOK = Path("un_desa") / "undesa_pd_2019_migrant_stock_total_dataset.xlsx"
"""UN DESA's 2019 workbook (Table 2, total population) in the published data folder."""


def world(n: int, seed: int = 2019) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Start and end stocks (birth x residence), births and deaths of n countries."""
    rng = np.random.default_rng(seed)
    native = rng.lognormal(15, 1.5, n)
    foreign = rng.lognormal(7, 2.0, (n, n)) * (rng.random((n, n)) > 0.2)
    np.fill_diagonal(foreign, 0.0)
    start = foreign + np.diag(native)
    change = rng.lognormal(0, 0.3, (n, n)) * (rng.random((n, n)) > 0.05)
    end = foreign * change + np.diag(native * rng.uniform(0.97, 1.05, n))
    births = native * rng.uniform(0.05, 0.1, n)
    deaths = start.sum(axis=0) * rng.uniform(0.04, 0.06, n)
    end += np.diag(births)
    return np.round(start), np.round(end), np.round(births), np.round(deaths)


def undesa_world(data: Path) -> tuple[list[str], np.ndarray, np.ndarray] | None:
    """UN DESA's 2015 and mid-2019 tables of every country (birth x residence): the published
    origin-destination stocks, native-born = total population (Table 2) - foreign-born."""
    import csv

    matrix = data / "un_desa" / "UN_MigrantStockByOriginAndDestination_2019_clean.csv"
    if not matrix.exists() or not (data / WORKBOOK).exists():
        return None
    import openpyxl

    with matrix.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    origins = rows[0][2:]
    stock = {
        (r[0], r[1]): np.array([float(v) if v not in ("..", "-", "") else 0.0 for v in r[2:]])
        for r in rows[1:]
    }
    book = openpyxl.load_workbook(data / WORKBOOK, read_only=True, data_only=True)
    people = {}
    for r in book["Table 2"].iter_rows(min_row=17, values_only=True):
        if r[1] and isinstance(r[9], int | float) and isinstance(r[10], int | float):
            people[str(r[1]).strip()] = (r[9] * 1000, r[10] * 1000)
    book.close()
    names = [o for o in origins if o in people and ("2015", o) in stock and ("2019", o) in stock]
    index = [origins.index(o) for o in names]
    tables = []
    for t, year in enumerate(("2015", "2019")):
        p = np.zeros((len(names), len(names)))
        for j, name in enumerate(names):
            row = stock[(year, name)]
            p[:, j] = row[index]
            p[j, j] = people[name][t] - row.sum()
        tables.append(p)
    return names, tables[0], tables[1]


def loop_estimate(
    start: np.ndarray, end: np.ndarray, births: np.ndarray, deaths: np.ndarray
) -> list[list[float]]:
    """The same estimate with lists and loops: balance, births, deaths, IPF, minimum flows."""
    n = len(births)
    p0 = [[float(v) for v in row] for row in start]
    p1 = [[float(v) for v in row] for row in end]
    b = [float(v) for v in births]
    d = [float(v) for v in deaths]
    total0 = sum(sum(row) for row in p0)
    total1 = sum(sum(row) for row in p1)
    gap = (sum(b) - sum(d)) - (total1 - total0)
    if gap:
        for table, direction in ((p0, -1.0), (p1, 1.0)):
            diag = [table[i][i] for i in range(n)]
            target = sum(diag) + direction * gap / 2
            scaled = [round(x * target / sum(diag)) for x in diag]
            scaled[max(range(n), key=lambda i: abs(diag[i]))] += target - sum(scaled)
            for i in range(n):
                table[i][i] = scaled[i]
    for i in range(n):
        column = sum(p1[k][i] for k in range(n))
        if p1[i][i] - b[i] >= 0:
            p1[i][i] -= b[i]
        else:
            for k in range(n):
                p1[k][i] -= p1[k][i] * b[i] / column if column else 0.0
    for i in range(n):
        column = sum(p0[k][i] for k in range(n))
        for k in range(n):
            p0[k][i] -= p0[k][i] * d[i] / column if column else 0.0
    middle = [(sum(p0[k]) + sum(p1[k])) / 2 for k in range(n)]
    q0 = _loop_ipf(p0, middle, [sum(p0[k][i] for k in range(n)) for i in range(n)])
    q1 = _loop_ipf(p1, middle, [sum(p1[k][i] for k in range(n)) for i in range(n)])
    od = [[0.0] * n for _ in range(n)]
    for k in range(n):
        out = [max(q0[k][i] - q1[k][i], 0.0) for i in range(n)]
        into = [max(q1[k][j] - q0[k][j], 0.0) for j in range(n)]
        total_out, total_in = sum(out), sum(into)
        if not total_out or not total_in:
            continue
        for i in range(n):
            if out[i]:
                for j in range(n):
                    if into[j]:
                        od[i][j] += out[i] * into[j] / total_in
    return od


def _loop_ipf(seed: list[list[float]], rows: list[float], cols: list[float]) -> list[list[float]]:
    n = len(rows)
    x = [row[:] for row in seed]
    while True:
        before = [row[:] for row in x]
        for k in range(n):
            s = sum(x[k])
            f = rows[k] / s if s and rows[k] else 0.0
            x[k] = [v * f for v in x[k]]
        for i in range(n):
            s = sum(x[k][i] for k in range(n))
            f = cols[i] / s if s and cols[i] else 0.0
            for k in range(n):
                x[k][i] *= f
        if max(abs(x[k][i] - before[k][i]) for k in range(n) for i in range(n)) < TOL:
            return x


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="50,100,200,400")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--loop-max",
        type=int,
        default=200,
        help="largest n for which the loop baseline is run (it grows as n^3)",
    )
    parser.add_argument(
        "--data",
        type=Path,
        default=None,
        help="published data folder, for a run on UN DESA's real world table "
        "(default: MIGSTAT_SHARED_DATA, then ../shared/data)",
    )
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    print(
        f"flows from stocks, one period, migest defaults; best of {args.repeat} runs "
        "(loops: one run)"
    )
    print(
        f"{'n':>5} {'mipfp':>10} {'iter':>6} {'newton':>9} {'loops':>9} "
        f"{'loops/mipfp':>11} {'loops/newton':>12} {'max|diff|':>10} {'newton-mipfp':>12}"
    )
    timings: list[tuple[int, float, float]] = []
    for n in sizes:
        start, end, births, deaths = world(n)
        codes = [f"C{i:03d}" for i in range(n)]

        def run(fit: str, s=start, e=end, b=births, d=deaths, c=codes):
            return estimate_flows(s, e, c, births=b, deaths=d, fit=fit)

        mipfp_s, exact = best_of(args.repeat, lambda: run("mipfp"))
        newton_s, fast = best_of(args.repeat, lambda: run("newton"))
        gap = float(np.max(np.abs(fast.od - exact.od)))
        loop_text = ratio1 = ratio2 = diff_text = "-"
        if n <= args.loop_max:
            begin = time.perf_counter()
            slow = np.array(loop_estimate(start, end, births, deaths))
            loop_s = time.perf_counter() - begin
            np.fill_diagonal(slow, 0.0)
            diff_text = f"{float(np.max(np.abs(slow - exact.od))):10.1e}"
            loop_text = f"{loop_s:8.1f}s"
            ratio1, ratio2 = f"{loop_s / mipfp_s:10.0f}x", f"{loop_s / newton_s:11.0f}x"
        print(
            f"{n:>5} {mipfp_s * 1e3:8.1f}ms {exact.iterations:>6} {newton_s * 1e3:7.1f}ms "
            f"{loop_text:>9} {ratio1:>11} {ratio2:>12} {diff_text:>10} {gap:12.1e}"
        )
        timings.append((n, mipfp_s, newton_s))
    for label, column in (("mipfp", 1), ("newton", 2)):
        steps = []
        for (n0, *t0), (n1, *t1) in itertools.pairwise(timings):
            ratio = t1[column - 1] / t0[column - 1]
            steps.append(f"{n0}->{n1} x{ratio:.1f} (~n^{np.log(ratio) / np.log(n1 / n0):.1f})")
        print(f"scaling, {label}: " + "; ".join(steps))
    print(
        "max|diff|: loops against mipfp (same iterations); newton-mipfp: the converged fit "
        "against migest's stopping point, in persons"
    )
    real = None
    data = args.data or Path(
        os.environ.get("MIGSTAT_SHARED_DATA")
        or Path(__file__).resolve().parents[2] / "shared" / "data"
    )
    if data.is_dir():
        real = undesa_world(data)
    if real is not None:
        names, start, end = real
        mipfp_s, exact = best_of(args.repeat, lambda: estimate_flows(start, end, names))
        newton_s, fast = best_of(
            args.repeat, lambda: estimate_flows(start, end, names, fit="newton")
        )
        print(
            f"UN DESA 2015-2019, {len(names)} countries (no births and deaths): mipfp "
            f"{mipfp_s * 1e3:.1f} ms ({exact.iterations} iterations), newton "
            f"{newton_s * 1e3:.1f} ms ({fast.iterations} steps); "
            f"{exact.total:,.0f} moves; largest difference "
            f"{float(np.max(np.abs(fast.od - exact.od))):.2f} persons"
        )
    print(f"peak RSS: {peak_rss_mib():.0f} MiB")


if __name__ == "__main__":
    main()
