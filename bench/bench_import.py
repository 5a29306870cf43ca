"""Benchmark of ``migstat import``: the UN DESA 2019 migrant stock workbook into a fresh store.

The workbook (``../shared/data/un_desa/undesa_pd_2019_migrant_stock_total_dataset.xlsx``,
``MIGSTAT_SHARED_DATA`` or ``--workbook``) goes through the whole command, run in-process as a
person runs it: detect the source, read sheet ``Table 1``, map names and codes, validate,
store as a new vintage in a fresh SQLite store. The target is under 10 s. Baseline, measured in
the same run: openpyxl in read-only mode merely reading every cell of that sheet (what no
importer of the workbook can avoid). Also timed: the 2019 origin-destination matrix CSV
(375,000 cells) through the same command, against the csv module merely reading its rows; and
reading a generated PX table with the PX reader, against splitting its DATA on white space.

    python bench/bench_import.py [--workbook PATH] [--repeat 3]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
import tempfile
from pathlib import Path

from timing import best_of, peak_rss_mib

HERE = Path(__file__).resolve().parent
SHARED = Path(os.environ.get("MIGSTAT_SHARED_DATA") or HERE.parent.parent / "shared" / "data")
DEFAULT = SHARED / "un_desa" / "undesa_pd_2019_migrant_stock_total_dataset.xlsx"
MATRIX = SHARED / "un_desa" / "UN_MigrantStockByOriginAndDestination_2019_clean.csv"
TARGET_S = 10.0


def read_cells(path: Path, sheet: str = "Table 1") -> int:
    """The baseline: every cell of the sheet read by openpyxl in read-only mode."""
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    n = sum(len(row) for row in wb[sheet].iter_rows(values_only=True))
    wb.close()
    return n


def read_rows(path: Path) -> int:
    """The baseline of the CSV: every field read by the csv module."""
    import csv

    with path.open(newline="", encoding="utf-8") as handle:
        return sum(len(row) for row in csv.reader(handle))


def stored_count(output: str) -> int:
    line = next(line for line in output.splitlines() if "stored (" in line)
    return int(line.split(": ", 1)[1].split(" observations", 1)[0])


def run_import(path: Path) -> tuple[int, str]:
    """``migstat --db <fresh store> import <workbook>``; the exit status and its output."""
    from migstat.cli.main import main

    with tempfile.TemporaryDirectory() as folder:
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                main(["--db", str(Path(folder) / "store.db"), "--lang", "en", "import", str(path)])
                code = 0
            except SystemExit as stop:
                code = int(stop.code or 0)
    return code, out.getvalue() + err.getvalue()


def px_bench(repeat: int) -> tuple[float, float, int]:
    """Read a generated PX table of 200 partners x 3 sexes x 19 ages x 10 years."""
    from migstat.formats.px.reader import parse_px

    partners = [f"P{i:03d}" for i in range(200)]
    sexes, ages, years = (
        ["T", "M", "F"],
        [f"A{i}" for i in range(19)],
        [str(y) for y in range(2014, 2024)],
    )

    def q(items: list[str]) -> str:
        return ",".join(f'"{i}"' for i in items)

    head = (
        f'CODEPAGE="utf-8";\nSTUB="partner","sex","age";\nHEADING="year";\n'
        f'VALUES("partner")={q(partners)};\nVALUES("sex")={q(sexes)};\n'
        f'VALUES("age")={q(ages)};\nVALUES("year")={q(years)};\n'
        f'TIMEVAL("year")=TLIST(A1),{q(years)};\nDATA=\n'
    )
    rows = [
        " ".join(str((i * 7 + j) % 5000) for j in range(len(years)))
        for i in range(len(partners) * len(sexes) * len(ages))
    ]
    text = head + "\n".join(rows) + ";\n"
    n = len(rows) * len(years)
    floor_s, _ = best_of(repeat, lambda: len(text[text.index("DATA=") + 5 :].split()))
    read_s, px = best_of(repeat, lambda: parse_px(text, file_name="bench.px"))
    assert len(px.data) == n
    return read_s, floor_s, n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workbook", type=Path, default=DEFAULT)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if not args.workbook.exists():
        sys.exit(f"The workbook is not there: {args.workbook} (set MIGSTAT_SHARED_DATA).")

    cells_s, cells = best_of(args.repeat, lambda: read_cells(args.workbook))
    import_s, (code, output) = best_of(args.repeat, lambda: run_import(args.workbook))
    if code != 0:
        sys.exit(f"migstat import failed ({code}):\n{output}")
    n = stored_count(output)
    print(f"workbook: {args.workbook.name}, sheet Table 1, {cells:,} cells")
    print(
        f"baseline (openpyxl read-only, every cell): {cells_s:.2f} s, "
        f"{cells / cells_s:,.0f} cells/s"
    )
    print(
        f"migstat import into a fresh store:          {import_s:.2f} s, "
        f"{n:,} observations stored, {n / import_s:,.0f} rows/s "
        f"({'under' if import_s < TARGET_S else 'OVER'} the {TARGET_S:.0f} s target)"
    )
    print(f"ratio import / baseline: {import_s / cells_s:.2f}")
    if MATRIX.exists():
        fields_s, fields = best_of(args.repeat, lambda: read_rows(MATRIX))
        matrix_s, (code, output) = best_of(1, lambda: run_import(MATRIX))
        if code != 0:
            sys.exit(f"migstat import failed ({code}):\n{output}")
        m = stored_count(output)
        print(
            f"matrix CSV {MATRIX.name}: import {matrix_s:.2f} s, {m:,} observations, "
            f"{m / matrix_s:,.0f} rows/s; baseline csv module {fields_s:.2f} s "
            f"({fields:,} fields); ratio {matrix_s / fields_s:.1f}"
        )
    px_s, split_s, px_n = px_bench(max(args.repeat, 3))
    print(
        f"PX reader, {px_n:,} cells: {px_s:.3f} s ({px_n / px_s:,.0f} cells/s); "
        f"baseline str.split of DATA {split_s:.3f} s; ratio {px_s / split_s:.1f}"
    )
    print(f"best of {args.repeat} runs; peak RSS {peak_rss_mib():.0f} MiB")


if __name__ == "__main__":
    main()
