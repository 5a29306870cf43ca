"""Memory of ``migstat import`` on a large UNHCR-style export, against the file's size.

Generates a UNHCR data file (``year,orig,dest,refugees,asylum_seekers``) of about ``--mb``
megabytes from the shipped ``unhcr/unhcr_2020.csv``: the file repeated, each copy moved on by
the span of its years so that every row is a different observation (a real export of that size
would hold as many distinct rows). Then runs the command as a person does, in a child process
(``migstat import FILE --dry-run``, or into a fresh store with ``--store``), and reports the
child's peak resident memory (``getrusage(RUSAGE_CHILDREN)``), its ratio to the file size, and
its time against the csv module merely reading the same rows in the same run.

The issue's target is a 300 MB export under 500 MB of memory. Start small: the import holds
every observation in memory before validating and storing, so the peak grows with the file.

    python bench/bench_unhcr_memory.py [--mb 20] [--store] [--keep]
"""

from __future__ import annotations

import argparse
import csv
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SHARED = Path(os.environ.get("MIGSTAT_SHARED_DATA") or HERE.parent.parent / "shared" / "data")
SEED = SHARED / "unhcr" / "unhcr_2020.csv"
TARGET_MIB = 500
TARGET_FILE_MB = 300


def generate(target: Path, megabytes: float) -> int:
    """Write the seed repeated to about ``megabytes``; the number of data rows."""
    with SEED.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    header, body = rows[0], rows[1:]
    years = [int(r[0]) for r in body]
    first = min(years)
    span = max(years) - first + 1
    wanted = int(megabytes * 1_000_000)
    written = 0
    count = 0
    with target.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(header)
        shift = 0
        while written < wanted:
            if 1000 + shift + span > 9999:
                raise SystemExit("--mb too large for distinct four-digit years")
            for row in body:
                line = [str(int(row[0]) - first + 1000 + shift), *row[1:]]
                writer.writerow(line)
                written += sum(len(f) for f in line) + len(line)
                count += 1
            shift += span
    return count


def read_rows(path: Path) -> int:
    """The baseline: every row read by the csv module."""
    with path.open(newline="", encoding="utf-8") as handle:
        return sum(1 for _ in csv.reader(handle))


def run_import(path: Path, store: bool) -> tuple[float, float, str]:
    """The command in a child process: (seconds, the child's peak RSS in MiB, its output)."""
    args = [sys.executable, "-m", "migstat"]
    with tempfile.TemporaryDirectory() as tmp:
        if store:
            args += ["--db", f"sqlite:///{Path(tmp) / 'bench.sqlite'}"]
        args += ["import", str(path), "--source", "unhcr", "--allow-unmatched"]
        if not store:
            args.append("--dry-run")
        start = time.perf_counter()
        done = subprocess.run(args, capture_output=True, text=True, check=False)
        seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return seconds, peak, (done.stdout + done.stderr)[-600:]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mb", type=float, default=20.0)
    parser.add_argument("--store", action="store_true", help="import into a fresh store")
    parser.add_argument("--keep", action="store_true", help="keep the generated file")
    options = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="migstat-unhcr-"))
    path = folder / "unhcr_large.csv"
    rows = generate(path, options.mb)
    size_mib = path.stat().st_size / 2**20
    start = time.perf_counter()
    read_rows(path)
    baseline = time.perf_counter() - start
    seconds, peak, tail = run_import(path, options.store)
    print(f"file: {size_mib:.1f} MiB, {rows:,} rows ({path})")
    print(f"csv module reading the rows: {baseline:.2f} s")
    print(
        f"migstat import {'into a store' if options.store else '--dry-run'}: {seconds:.2f} s "
        f"({seconds / baseline:.1f} x the baseline), peak RSS {peak:.0f} MiB "
        f"({peak / size_mib:.1f} x the file size)"
    )
    at_target = peak / size_mib * TARGET_FILE_MB
    print(
        f"at {TARGET_FILE_MB} MB this ratio would be about {at_target:.0f} MiB "
        f"(target: under {TARGET_MIB} MiB)"
    )
    print("last output:", tail.strip().splitlines()[-1] if tail.strip() else "(none)")
    if not options.keep:
        path.unlink()
        folder.rmdir()


if __name__ == "__main__":
    main()
