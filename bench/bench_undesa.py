"""Benchmark of the UN DESA migrant-stock reader on the real workbooks of each family.

    python bench/bench_undesa.py [--repeat 3]

For each workbook (the 2015 matrix by destination and origin and the 2020 workbook by sex and
destination from tests/assets, the 2015, 2017 and 2019 totals from shared/data) it times the
reader (``read_source`` with detection: the sheets found by their words, areas and origins
resolved, one observation per published cell) against a floor measured in the same run on the
same file: openpyxl in read-only mode merely reading every row of every sheet, values only.
Prints the best of ``--repeat`` runs, sheet rows and observations per second, the ratio of the
reader's time to the floor's, and peak memory.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))

import openpyxl  # noqa: E402
from shared import SHARED_DATA  # noqa: E402
from timing import best_of, peak_rss_mib  # noqa: E402

from migstat.model import default_registry  # noqa: E402
from migstat.sources import read_source  # noqa: E402

ASSETS = ROOT / "tests" / "assets" / "un_desa"
WORKBOOKS = [
    ASSETS / "UN_MigrantStockByOriginAndDestination_2015.xlsx",
    ASSETS / "undesa_pd_2020_ims_stock_by_sex_and_destination.xlsx",
    SHARED_DATA / "un_desa" / "UN_MigrantStockTotal_2015.xlsx",
    SHARED_DATA / "un_desa" / "UN_MigrantStockTotal_2017.xlsx",
    SHARED_DATA / "un_desa" / "undesa_pd_2019_migrant_stock_total_dataset.xlsx",
]


def floor(path: Path) -> int:
    """Every row of every sheet read with openpyxl read-only, values only: the rows read."""
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    n = 0
    try:
        for ws in wb.worksheets:
            for _row in ws.iter_rows(values_only=True):
                n += 1
    finally:
        wb.close()
    return n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    registry = default_registry()
    print(
        f"{'workbook':58} {'rows':>6} {'obs':>6} {'floor s':>8} {'reader s':>8} "
        f"{'rows/s':>8} {'obs/s':>8} {'ratio':>6}"
    )
    for path in WORKBOOKS:
        if not path.exists():
            print(f"{path.name:58} missing")
            continue
        base, rows = best_of(args.repeat, lambda p=path: floor(p))
        took, dataset = best_of(args.repeat, lambda p=path: read_source(p, registry=registry))
        obs = len(dataset.observations)
        print(
            f"{path.name:58} {rows:6d} {obs:6d} {base:8.3f} {took:8.3f} "
            f"{rows / took:8.0f} {obs / took:8.0f} {took / base:6.2f}"
        )
    print(f"peak memory {peak_rss_mib():.0f} MiB")


if __name__ == "__main__":
    main()
