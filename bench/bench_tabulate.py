"""Benchmark of ``migstat tabulate`` on a generated Parquet census (synthetic, never real data).

    python bench/bench_tabulate.py [--persons 10000000] [--repeat 3] [--memory-limit 2GB]

Writes a census of ``--persons`` records to a temporary Parquet file (seeded by the record
number through DuckDB's ``hash``: the same file every run): country of birth and citizenship
as national numeric codes (M49) of 20 countries with the native-born most frequent, sex 1/2,
age 0-99 in years, education as national codes 1-8 and 9 unknown, no weight (a census).
Then it times the four default stock tables S01-S04 made by :func:`migstat.microdata.tabulate`
against the floor measured in the same run on the same file: ONE hand-written DuckDB query
that reads the file, recodes with CASE, and computes every grouping set of the four tables
(the union of their cubes, the universes of S03 and S04 as aggregate filters) in one pass.
Prints the best of ``--repeat`` runs, records per second, the ratio to the floor and the
peak resident memory of this process after the tool's runs (the hand-written query runs
after them) and in all.
"""

from __future__ import annotations

import argparse
import itertools
import tempfile
import time
from pathlib import Path

import duckdb
from timing import best_of, peak_rss_mib

from migstat.microdata import tabulate

COUNTRIES = {
    "417": "KGZ", "643": "RUS", "860": "UZB", "398": "KAZ", "762": "TJK", "804": "UKR",
    "112": "BLR", "051": "ARM", "031": "AZE", "268": "GEO", "498": "MDA", "795": "TKM",
    "156": "CHN", "792": "TUR", "276": "DEU", "840": "USA", "356": "IND", "364": "IRN",
    "410": "KOR", "999": "_U",
}  # fmt: skip
EDUCATION = {str(i): f"ED{i - 1}" for i in range(1, 9)} | {"9": "_U"}

MAPPING = """variables: {sex: SEX, age: AGE, country_of_birth: COB, citizenship: CIT,
            education: EDU}
country: KGZ
reference_date: "2022-03-01"
recode:
  SEX: {"1": M, "2": F}
  COB: {codes}
  CIT: {codes}
  EDU: {education}
"""


def generate(path: Path, persons: int) -> None:
    """The synthetic census: 80 % native-born, citizenship mostly the country of birth."""
    codes = list(COUNTRIES)
    foreign = "[" + ", ".join(f"'{c}'" for c in codes[1:]) + "]"
    con = duckdb.connect()
    con.execute(
        f"""COPY (
        SELECT CASE WHEN hash(i, 1) % 100 < 80 THEN '417'
                    ELSE list_extract({foreign}, 1 + (hash(i, 2) % 19)::INT) END AS COB,
               CASE WHEN hash(i, 3) % 100 < 90 THEN NULL
                    ELSE list_extract({foreign}, 1 + (hash(i, 4) % 19)::INT) END AS CIT0,
               (1 + hash(i, 5) % 2)::VARCHAR AS SEX,
               (hash(i, 6) % 100)::INT AS AGE,
               (1 + hash(i, 7) % 9)::VARCHAR AS EDU
        FROM range({persons}) t(i)
        ) TO '{path}.tmp.parquet' (FORMAT parquet)"""
    )
    con.execute(
        f"COPY (SELECT COB, coalesce(CIT0, CASE WHEN COB = '999' THEN '417' ELSE COB END) AS CIT, "
        f"SEX, AGE, EDU FROM '{path}.tmp.parquet') TO '{path}' (FORMAT parquet)"
    )
    Path(f"{path}.tmp.parquet").unlink()
    con.close()


def write_mapping(path: Path) -> None:
    codes = "{" + ", ".join(f'"{k}": {v}' for k, v in COUNTRIES.items()) + "}"
    education = "{" + ", ".join(f'"{k}": {v}' for k, v in EDUCATION.items()) + "}"
    text = MAPPING.replace("{codes}", codes).replace("{education}", education)
    path.write_text(text, encoding="utf-8")


def case(column: str, mapping: dict[str, str]) -> str:
    whens = " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in mapping.items())
    return f"CASE CAST({column} AS VARCHAR) {whens} END"


def floor_query(path: Path) -> str:
    """One hand-written query: every grouping set of S01-S04 over the file in one pass."""
    tables = [("cob", "sex", "age"), ("cit", "sex", "age"), ("cob", "sex", "edu"),
              ("cit", "sex", "edu")]  # fmt: skip
    sets: list[tuple[str, ...]] = []
    for dims in tables:
        for k in range(len(dims) + 1):
            for subset in itertools.combinations(dims, k):
                if subset not in sets:
                    sets.append(subset)
    grouping = ", ".join("(" + ", ".join(s) + ")" for s in sets)
    age = (
        "CASE WHEN AGE >= 80 THEN 'Y_GE80' ELSE "
        "'Y' || (AGE // 5 * 5) || 'T' || (AGE // 5 * 5 + 4) END"
    )
    return (
        f"SELECT cob, cit, sex, age, edu, count(*), count(*) FILTER (WHERE s03), "
        f"count(*) FILTER (WHERE s04) FROM (SELECT {case('COB', COUNTRIES)} AS cob, "
        f"{case('CIT', COUNTRIES)} AS cit, {case('SEX', {'1': 'M', '2': 'F'})} AS sex, "
        f"{age} AS age, {case('EDU', EDUCATION)} AS edu, AGE >= 15 AND COB NOT IN ('417', "
        f"'999') AS s03, AGE >= 15 AND CIT NOT IN ('417', '999') AS s04 FROM '{path}') "
        f"GROUP BY GROUPING SETS ({grouping})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--memory-limit", default="2GB")
    parser.add_argument(
        "--spark",
        action="store_true",
        help="also time --engine spark (local[*], warm session) and check it equals DuckDB",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="migstat-bench-") as folder:
        census = Path(folder) / "census.parquet"
        mapping = Path(folder) / "map.yaml"
        generate(census, args.persons)
        write_mapping(mapping)
        size = census.stat().st_size / 2**20
        print(f"synthetic census: {args.persons:,} persons, {size:.0f} MiB Parquet")

        def tool():
            return tabulate(census, mapping, memory_limit=args.memory_limit)

        def floor():
            con = duckdb.connect()
            con.execute(f"SET memory_limit = '{args.memory_limit}'")
            rows = con.execute(floor_query(census)).fetchall()
            con.close()
            return rows

        tool_time, result = best_of(args.repeat, tool)
        tool_peak = peak_rss_mib()  # before the hand-written query runs in this process
        floor_time, rows = best_of(args.repeat, floor)
        cells = sum(len(t.cells) for t in result.tables)
        totals = {t.table.id: t.cells[("_T", "_T", "_T")] for t in result.tables}
        print(f"hand-written query, all grouping sets: {floor_time:.2f} s ({len(rows):,} rows)")
        print(
            f"migstat tabulate S01-S04: {tool_time:.2f} s ({cells:,} cells; totals {totals}), "
            f"{args.persons / tool_time:,.0f} records/s"
        )
        print(f"ratio tool / hand-written query: {tool_time / floor_time:.2f}")
        print(
            f"peak resident memory: {tool_peak:.0f} MiB after the tool, "
            f"{peak_rss_mib():.0f} MiB in all"
        )
        if args.spark:
            spark_run(census, mapping, result, tool_time, args.repeat)


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
