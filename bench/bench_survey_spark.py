"""Benchmark of survey tabulation on Spark against DuckDB, on the same SYNTHETIC design.

A synthetic labour-force-survey-like sample (``--records`` persons in 100 strata of 2-6 PSUs,
base weights 50-500, ``--replicates`` jackknife replicate weights) is written as Parquet and
tabulated into S01 (country of birth x sex x age, with every total) twice per engine:

1. Taylor linearisation for the stratified cluster design;
2. JK1 replicate weights (the same records, the replicate columns instead of the design).

Each is timed with ``--engine duckdb`` and ``--engine spark`` (``local[*]``): Spark's first
run includes starting its JVM and is reported apart (cold), the best of ``--repeat`` warm runs
after it. The tables are checked equal before anything is printed: the same cells with the
same integers, every estimate, standard error and interval to 1e-9 relative, the same
reliability flags. Times are reported, not targeted (the issue asks only that Spark gives
the DuckDB tables).

    python bench/bench_survey_spark.py [--records 200000] [--replicates 40] [--repeat 2]
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from timing import best_of, peak_rss_mib

from migstat.microdata import tabulate

COB = {"417": 0.6, "643": 0.15, "860": 0.1, "398": 0.08, "762": 0.05, "999": 0.02}
BASE = """country: KGZ
reference_date: "2022-03-01"
tables: [S01]
recode:
  SEX: {"1": M, "2": F}
  COB: {"417": KGZ, "643": RUS, "860": UZB, "398": KAZ, "762": TJK, "999": _U}
"""
TAYLOR = BASE + (
    "variables: {sex: SEX, age: AGE, country_of_birth: COB, weight: W, strata: STR,\n"
    "            clusters: PSU}\n"
)
REPLICATES = BASE + (
    "variables: {sex: SEX, age: AGE, country_of_birth: COB, weight: W}\n"
    "survey: {replicate_weights: {prefix: RW, method: JK1}}\n"
)


def sample(path: Path, records: int, replicates: int) -> None:
    """The seeded sample as Parquet (written by DuckDB from numpy columns)."""
    rng = np.random.default_rng(2026)
    sizes = rng.integers(2, 7, 100)
    psu_stratum = np.repeat(np.arange(100), sizes)
    psu = rng.integers(0, psu_stratum.size, records)
    weight = rng.uniform(50, 500, records)
    columns = {
        "STR": psu_stratum[psu].astype(np.int32),
        "PSU": psu.astype(np.int32),
        "W": weight,
        "SEX": rng.integers(1, 3, records).astype(np.int32),
        "AGE": rng.integers(0, 95, records).astype(np.int32),
        "COB": rng.choice(list(COB), records, p=list(COB.values())),
    }
    group = np.arange(records) % replicates
    for r in range(replicates):
        columns[f"RW{r + 1}"] = np.where(group == r, 0.0, weight * replicates / (replicates - 1))
    con = duckdb.connect()
    con.register("frame", columns)
    con.execute(f"COPY (SELECT * FROM frame) TO '{path}' (FORMAT PARQUET)")
    con.close()


def check_equal(duck, spark) -> int:
    """Raise unless the two tabulations are the same; the number of cells compared."""
    compared = 0
    for ours, theirs in zip(duck.tables, spark.tables, strict=True):
        if list(ours.cells.items()) != list(theirs.cells.items()):
            raise SystemExit(f"{ours.table.id}: the cells differ between DuckDB and Spark")
        for key, mine in ours.estimates.items():
            other = theirs.estimates[key]
            if (other.records, other.flag) != (mine.records, mine.flag):
                raise SystemExit(f"{key}: records or flag differ")
            for field in ("total", "se", "ci_low", "ci_high", "cv"):
                a, b = getattr(mine, field), getattr(other, field)
                if (a is None) != (b is None) or (
                    a is not None and not math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
                ):
                    raise SystemExit(f"{key} {field}: DuckDB {a!r}, Spark {b!r}")
            compared += 1
    return compared


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--replicates", type=int, default=40)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        data = root / "survey.parquet"
        sample(data, args.records, args.replicates)
        print(
            f"SYNTHETIC survey: {args.records:,} records, 100 strata, "
            f"{args.replicates} JK1 replicate weights"
        )
        cold_done = False
        for name, text in (("Taylor linearisation", TAYLOR), ("JK1 replicates", REPLICATES)):
            mapping = root / f"{name.split()[0]}.yaml"
            mapping.write_text(text, encoding="utf-8")
            duck_time, duck = best_of(args.repeat, lambda m=mapping: tabulate(data, m))
            cold = ""
            if not cold_done:
                start = time.perf_counter()
                tabulate(data, mapping, engine="spark")
                cold = f", cold first run {time.perf_counter() - start:.1f} s"
                cold_done = True
            spark_time, spark = best_of(
                args.repeat, lambda m=mapping: tabulate(data, m, engine="spark")
            )
            cells = check_equal(duck, spark)
            print(
                f"{name}: DuckDB {duck_time:.2f} s ({args.records / duck_time:,.0f} records/s), "
                f"Spark {spark_time:.2f} s warm{cold}; ratio Spark / DuckDB "
                f"{spark_time / duck_time:.1f}; {cells} cells equal (estimates to 1e-9)"
            )
    print(f"peak resident memory of this process {peak_rss_mib():.0f} MiB (Spark's JVM apart)")


if __name__ == "__main__":
    main()
