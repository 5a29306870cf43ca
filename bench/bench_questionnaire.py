"""Benchmark of checking a full questionnaire file, end to end from the .xlsx (~150,000 cells).

    python bench/bench_questionnaire.py [--repeat 5] [--country KGZ] [--year 2024]

Target of the issue: validate a full questionnaire for one country, all default tables, about
150,000 cells, in under 2 s, reporting cells per second, with peak memory under 1 GB. This
measures the path a user runs, ``migstat.api.check_file``: read the workbook, validate it and
return the findings. The dense dataset is ``consistent_dataset(..., dense=True)`` (every
partner row) written into the questionnaire with ``write_workbook``.

The baseline, measured in the same run on the same file, is the floor any validator of an
.xlsx must pay: reading every sheet's cell values with openpyxl in read-only mode and counting
the non-empty numeric cells. The time of ``check_file`` is also split into reading
(``read_submission``) and validating (``validate``). Prints the best of ``--repeat`` runs (best
of 3 for the baseline), cells per second, the ratio to the baseline, the peak resident memory
of the process and whether the 2 s target is met; then fails if the consistent questionnaire
has any error finding (after printing them).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

from openpyxl import load_workbook
from timing import best_of, peak_rss_mib

from migstat.api import check_file
from migstat.demo.synthetic import consistent_dataset, write_workbook
from migstat.formats.detect import read_submission
from migstat.model import default_registry
from migstat.validation import validate

TARGET_S = 2.0
TARGET_RSS_MB = 1024.0


def read_floor(path: Path) -> int:
    """Read every cell value of the workbook with openpyxl (read-only); count numeric cells."""
    workbook = load_workbook(path, read_only=True, data_only=True)
    try:
        count = 0
        for sheet in workbook.worksheets:
            for row in sheet.iter_rows(values_only=True):
                for value in row:
                    if isinstance(value, (int, float)) and not isinstance(value, bool):
                        count += 1
        return count
    finally:
        workbook.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--country", default="KGZ")
    parser.add_argument("--year", type=int, default=2024)
    args = parser.parse_args()

    registry = default_registry()
    start = time.perf_counter()
    data = consistent_dataset(args.country, args.year, dense=True, registry=registry)
    build_s = time.perf_counter() - start

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"questionnaire_{args.country}_{args.year}.xlsx"
        start = time.perf_counter()
        write_workbook(path, data, registry=registry)
        write_s = time.perf_counter() - start
        size_mb = path.stat().st_size / 1e6
        del data
        rss_before = peak_rss_mib()

        check_s, checked = best_of(args.repeat, lambda: check_file(path))
        errors = [f for f in checked.findings if str(f.severity) == "error"]
        n = len(checked.dataset.observations)
        floor_s, numeric = best_of(3, lambda: read_floor(path))
        read_s, (dataset, _raw) = best_of(
            args.repeat, lambda: read_submission(path, registry=registry)
        )
        validate_s, _findings = best_of(args.repeat, lambda: validate(dataset, registry=registry))
        rss_after = peak_rss_mib()

    print(
        f"questionnaire: {args.country} {args.year}, every partner, {n:,} observations in "
        f"{len(checked.dataset.tables)} tables, {size_mb:.1f} MB .xlsx "
        f"(dataset built in {build_s:.2f} s, workbook written in {write_s:.2f} s)"
    )
    print(
        f"check_file (read + validate, {len(checked.findings)} findings, "
        f"{len(errors)} errors): {check_s:.3f} s, {n / check_s:,.0f} cells/s"
    )
    print(
        f"baseline openpyxl read-only read ({numeric:,} numeric cells):   "
        f"{floor_s:.3f} s, {numeric / floor_s:,.0f} cells/s"
    )
    print(f"ratio check_file / baseline: {check_s / floor_s:.2f}")
    print(
        f"split: read_submission {read_s:.3f} s ({read_s / (read_s + validate_s):.0%}), "
        f"validate {validate_s:.3f} s ({validate_s / (read_s + validate_s):.0%})"
    )
    print(f"best of {args.repeat} runs (baseline best of 3)")
    print(
        f"peak RSS: {rss_before:.0f} MB before checking (dataset built and written), "
        f"{rss_after:.0f} MB at the end; under {TARGET_RSS_MB:.0f} MB: "
        f"{'yes' if rss_after < TARGET_RSS_MB else 'no'}"
    )
    print(
        f"target: {n:,} cells checked from the .xlsx in {check_s:.3f} s; "
        f"under {TARGET_S:.0f} s: {'yes' if check_s < TARGET_S else 'no'}"
    )

    if errors:
        print(f"{len(errors)} error findings (expected none on a consistent questionnaire):")
        groups = Counter(
            (f.rule, f.params.get("dimension"), f.params.get("code"), f.params.get("hierarchy"))
            for f in errors
        )
        for (rule, dimension, code, hierarchy), count in groups.most_common():
            print(f"  {count:5} x {rule} {dimension or ''} {code or ''} {hierarchy or ''}")
        for finding in errors[:5]:
            print(f"  e.g. {finding.message.format_map(defaultdict(str, finding.params))}")
    assert not errors, f"{len(errors)} error findings on a consistent questionnaire"


if __name__ == "__main__":
    main()
