"""Benchmark of ``migstat tabulate`` on a SYNTHETIC Parquet census (never real data).

    python bench/bench_tabulate.py [--persons 10000000] [--repeat 3] [--memory-limit 2GB]
        [--country KGZ] [--seed 0] [--census FILE] [--no-pandas] [--spark]

Writes a census of ``--persons`` records with ``migstat synthesize-census``'s generator
(:mod:`migstat.microdata.synthetic`: seeded, margins from UN DESA 2019 for ``--country``,
country of birth and citizenship as AREA codes, sex 1/2, age in years, education as national
codes 1-9 and 99, year of arrival), or reads ``--census`` written by it before (with its
``.map.yaml``). Then it times the four default stock tables S01-S04 made by
:func:`migstat.microdata.tabulate` against two baselines measured in the same run on the
same file:

* the floor: ONE hand-written DuckDB query that reads the file, recodes with CASE, and
  computes every grouping set of the four tables (the union of their cubes, the universes of
  S03 and S04 as aggregate filters) in one pass;
* pandas doing the same: the columns loaded into a data frame (by DuckDB, as categoricals:
  pandas alone reads Parquet only through pyarrow, which migstat does not need), recoded,
  and one ``groupby(...).size()`` per grouping set of each table, its universe filtered
  first. Its non-zero cells are checked equal to the tool's.

Prints the best of ``--repeat`` runs (pandas: one run), records per second, the ratio tool /
floor (target at most 1.5) and pandas / tool (target at least 10), and the peak resident
memory of this process after the tool's runs (the baselines run after them) and in all.
"""

from __future__ import annotations

import argparse
import itertools
import tempfile
import time
from pathlib import Path

import duckdb
from timing import best_of, peak_rss_mib

from migstat.cli.synthesize import published_margins, shared_data
from migstat.microdata import tabulate
from migstat.microdata.synthetic import EDU_CODES, mapping_text, synthesize

TABLES = {
    "S01": ("cob", "sex", "age"),
    "S02": ("cit", "sex", "age"),
    "S03": ("cob", "sex", "edu"),
    "S04": ("cit", "sex", "edu"),
}
"""The default stock tables by the baselines' column names (dimensions in the tables' order)."""
SEX = {"1": "M", "2": "F"}


def case(column: str, mapping: dict[str, str]) -> str:
    whens = " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in mapping.items())
    return f"CASE CAST({column} AS VARCHAR) {whens} END"


def grouping_sets() -> list[tuple[str, ...]]:
    """The union of the four tables' cubes."""
    sets: list[tuple[str, ...]] = []
    for dims in TABLES.values():
        for k in range(len(dims) + 1):
            for subset in itertools.combinations(dims, k):
                if subset not in sets:
                    sets.append(subset)
    return sets


AGE_BAND = (
    "CASE WHEN AGE >= 80 THEN 'Y_GE80' ELSE 'Y' || (AGE // 5 * 5) || 'T' || (AGE // 5 * 5 + 4) END"
)


def floor_query(path: Path, country: str) -> str:
    """One hand-written query: every grouping set of S01-S04 over the file in one pass."""
    grouping = ", ".join("(" + ", ".join(s) + ")" for s in grouping_sets())
    return (
        f"SELECT cob, cit, sex, age, edu, count(*), count(*) FILTER (WHERE s03), "
        f"count(*) FILTER (WHERE s04) FROM (SELECT COB AS cob, CIT AS cit, "
        f"{case('SEX', SEX)} AS sex, {AGE_BAND} AS age, {case('EDU', EDU_CODES)} AS edu, "
        f"AGE >= 15 AND COB <> '{country}' AS s03, AGE >= 15 AND CIT <> '{country}' AS s04 "
        f"FROM '{path}') GROUP BY GROUPING SETS ({grouping})"
    )


def pandas_frame(path: Path, memory_limit: str):
    """The file as a pandas data frame, text columns as categoricals (loaded column by
    column through DuckDB to bound the peak)."""
    import pandas as pd

    con = duckdb.connect()
    con.execute(f"SET memory_limit = '{memory_limit}'")
    frame = pd.DataFrame()
    for column in ("COB", "CIT", "SEX", "AGE", "EDU"):
        values = con.sql(f"SELECT {column} FROM '{path}'").df()[column]
        frame[column] = values if column == "AGE" else values.astype("category")
        del values
    con.close()
    return frame


def pandas_tables(frame, country: str) -> dict[str, dict[tuple[str, ...], int]]:
    """S01-S04 by pandas: recode, then one groupby per grouping set of each table, the
    universe (aged 15+, born abroad / foreign citizens) filtered first; non-zero cells."""
    import numpy as np
    import pandas as pd

    lower = (frame["AGE"].to_numpy() // 5 * 5).clip(max=80)
    labels = {lo: f"Y{lo}T{lo + 4}" for lo in range(0, 80, 5)} | {80: "Y_GE80"}
    data = pd.DataFrame(
        {
            "cob": frame["COB"],
            "cit": frame["CIT"],
            "sex": frame["SEX"].map(SEX),
            "age": pd.Categorical.from_codes(lower // 5, [labels[lo] for lo in sorted(labels)]),
            "edu": frame["EDU"].map(EDU_CODES),
        }
    )
    adult = frame["AGE"].to_numpy() >= 15
    universes = {
        "S01": None,
        "S02": None,
        "S03": adult & (frame["COB"] != country).to_numpy(),
        "S04": adult & (frame["CIT"] != country).to_numpy(),
    }
    out: dict[str, dict[tuple[str, ...], int]] = {}
    for table, dims in TABLES.items():
        mask = universes[table]
        rows = data if mask is None else data[np.asarray(mask)]
        cells: dict[tuple[str, ...], int] = {}
        for k in range(len(dims) + 1):
            for subset in itertools.combinations(dims, k):
                if not subset:
                    cells[("_T",) * len(dims)] = len(rows)
                    continue
                sizes = rows.groupby(list(subset), observed=True).size()
                for key, n in sizes.items():
                    key = key if isinstance(key, tuple) else (key,)
                    values = dict(zip(subset, key, strict=True))
                    cells[tuple(values.get(d, "_T") for d in dims)] = int(n)
        out[table] = {key: n for key, n in cells.items() if n}
    return out


def make_census(args, folder: str) -> tuple[Path, Path, str]:
    """The census file, its mapping and the reporting country (generated unless --census)."""
    if args.census:
        census = Path(args.census)
        mapping = census.with_name(census.name + ".map.yaml")
        country = duckdb.sql(f"SELECT COB FROM '{census}' LIMIT 1").fetchall()[0][0]
        return census, mapping, country
    margins = published_margins(args.country, shared_data(None))
    census = Path(folder) / "census.parquet"
    mapping = Path(folder) / "census.parquet.map.yaml"
    start = time.perf_counter()
    synthesize(census, margins, persons=args.persons, seed=args.seed)
    mapping.write_text(mapping_text(margins), encoding="utf-8")
    print(f"generated in {time.perf_counter() - start:.1f} s (seed {args.seed})")
    return census, mapping, margins.country


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--memory-limit", default="2GB")
    parser.add_argument("--country", default="KGZ")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--census", default=None, help="a census written before (no generation)")
    parser.add_argument("--no-pandas", action="store_true", help="skip the pandas baseline")
    parser.add_argument(
        "--spark",
        action="store_true",
        help="also time --engine spark (local[*], warm session) and check it equals DuckDB",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="migstat-bench-") as folder:
        census, mapping, country = make_census(args, folder)
        (persons,) = duckdb.sql(f"SELECT count(*) FROM '{census}'").fetchall()[0]
        size = census.stat().st_size / 2**20
        print(f"SYNTHETIC census ({country} margins): {persons:,} persons, {size:.1f} MiB Parquet")
        tool_time, result = best_of(
            args.repeat, lambda: tabulate(census, mapping, memory_limit=args.memory_limit)
        )
        tool_peak = peak_rss_mib()  # before the baselines run in this process
        floor_time = floor_run(census, country, args)
        cells = sum(len(t.cells) for t in result.tables)
        totals = {t.table.id: t.cells[("_T", "_T", "_T")] for t in result.tables}
        print(
            f"migstat tabulate S01-S04: {tool_time:.2f} s ({cells:,} cells; totals {totals}), "
            f"{persons / tool_time:,.0f} records/s"
        )
        print(f"ratio tool / hand-written query: {tool_time / floor_time:.2f} (target <= 1.5)")
        print(
            f"peak resident memory: {tool_peak:.0f} MiB after the tool, "
            f"{peak_rss_mib():.0f} MiB after the hand-written query"
        )
        if not args.no_pandas:
            pandas_run(census, country, result, tool_time, args.memory_limit)
        if args.spark:
            spark_run(census, mapping, result, tool_time, args.repeat)


def floor_run(census: Path, country: str, args) -> float:
    def floor():
        con = duckdb.connect()
        con.execute(f"SET memory_limit = '{args.memory_limit}'")
        rows = con.execute(floor_query(census, country)).fetchall()
        con.close()
        return rows

    floor_time, rows = best_of(args.repeat, floor)
    print(f"hand-written query, all grouping sets: {floor_time:.2f} s ({len(rows):,} rows)")
    return floor_time


def pandas_run(census: Path, country: str, tool, tool_time: float, memory_limit: str) -> None:
    """pandas once (load + tables), its cells checked equal to the tool's non-zero cells."""
    start = time.perf_counter()
    frame = pandas_frame(census, memory_limit)
    loaded = time.perf_counter() - start
    tables = pandas_tables(frame, country)
    total = time.perf_counter() - start
    same = all(tables[t.table.id] == {k: v for k, v in t.cells.items() if v} for t in tool.tables)
    print(
        f"pandas S01-S04: {total:.2f} s (load {loaded:.2f} s, groupby {total - loaded:.2f} s), "
        f"cells equal to the tool's: {same}"
    )
    print(
        f"ratio pandas / tool: {total / tool_time:.1f} (target >= 10); groupby alone "
        f"{(total - loaded) / tool_time:.1f}; peak resident memory in all {peak_rss_mib():.0f} MiB"
    )


def spark_run(census: Path, mapping: Path, duck, duck_time: float, repeat: int) -> None:
    """The same tables on Spark local mode: its time (the session started first, not
    counted) and whether every cell equals DuckDB's."""
    from migstat.microdata.spark import spark_session

    start = time.perf_counter()
    spark_session()
    started = time.perf_counter() - start
    spark_time, spark = best_of(repeat, lambda: tabulate(census, mapping, engine="spark"))
    same = [t.cells for t in spark.tables] == [t.cells for t in duck.tables]
    print(
        f"--engine spark (local[*]; session start {started:.1f} s not counted): "
        f"{spark_time:.2f} s, {spark_time / duck_time:.1f} x DuckDB; "
        f"tables equal to DuckDB's cell for cell: {same}"
    )


if __name__ == "__main__":
    main()
