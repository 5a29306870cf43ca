"""``migstat import`` of a 300 MB UNHCR-style export: peak memory and throughput against the
csv module merely reading the same rows, in the same run.

The file is the shipped ``unhcr/unhcr_2020.csv`` repeated to ``--mb`` megabytes. Each copy is
made different, so that every row is a different cell as in a real export of that size: its
years are moved on by the span of the seed's years, and once four-digit years run out the
origin codes are rotated through the ISO codes the seed uses (a different origin for every
row of the copy). With ``--duplicates`` the seed is repeated as it is instead: every copy
after the first repeats the same cells, which the import must report with bounded memory.

The import runs as a person runs it, in a child process (``migstat import FILE --source
unhcr --allow-unmatched``, ``--dry-run`` unless ``--store``, into a fresh SQLite store or
``--db URL``); its peak resident memory is sampled every 0.2 s from ``/proc`` and read from
``getrusage`` at its end. Printed: the file, the baseline's time and rows/s, the import's
time, rows/s and observations/s, the ratio to the baseline (wall time, and CPU time, which a
loaded machine does not distort), and the peak RSS against the target (500 MiB).

    python bench/bench_import_stream.py [--mb 300] [--store] [--db URL] [--duplicates]
"""

from __future__ import annotations

import argparse
import csv
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SHARED = Path(os.environ.get("MIGSTAT_SHARED_DATA") or HERE.parent.parent / "shared" / "data")
SEED = SHARED / "unhcr" / "unhcr_2020.csv"
TARGET_MIB = 500
TARGET_RATIO = 3.0
CPU = [0.0]
"""The child's CPU seconds (user + system): on a shared machine a fairer ratio than wall time."""


def generate(target: Path, megabytes: float, *, duplicates: bool = False) -> int:
    """Write the seed repeated to about ``megabytes``; the number of data rows."""
    with SEED.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    header, body = rows[0], rows[1:]
    years = [int(r[0]) for r in body]
    first, span = min(years), max(years) - min(years) + 1
    shifts = (9999 - 1000) // span
    origins = sorted({r[1] for r in body if len(r[1]) == 3 and r[1].isalpha()})
    at = {code: i for i, code in enumerate(origins)}
    wanted = int(megabytes * 1_000_000)
    written = count = copy = 0
    with target.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(header)
        while written < wanted:
            shift, turn = (copy % shifts) * span, copy // shifts
            for row in body:
                if duplicates:
                    line = row
                else:
                    origin = row[1]
                    if turn and origin in at:
                        origin = origins[(at[origin] + turn) % len(origins)]
                    line = [str(int(row[0]) - first + 1000 + shift), origin, *row[2:]]
                writer.writerow(line)
                written += sum(len(f) for f in line) + len(line)
                count += 1
            copy += 1
    return count


def read_rows(path: Path) -> int:
    """The baseline: every row read by the csv module, nothing done with it."""
    with path.open(newline="", encoding="utf-8") as handle:
        return sum(1 for _ in csv.reader(handle))


def _sample(pid: int, peak: list[int], done: threading.Event) -> None:
    """The child's resident memory, every 0.2 s, from /proc (kB)."""
    status = Path(f"/proc/{pid}/status")
    while not done.is_set():
        try:
            for line in status.read_text().splitlines():
                if line.startswith("VmRSS:"):
                    peak[0] = max(peak[0], int(line.split()[1]))
        except OSError:
            return
        done.wait(0.2)


def run_import(path: Path, *, store: bool, db: str | None) -> tuple[float, float, float, str]:
    """The command in a child: (seconds, sampled peak MiB, getrusage peak MiB, its output)."""
    with tempfile.TemporaryDirectory() as tmp:
        args = [sys.executable, "-m", "migstat"]
        if store:
            args += ["--db", db or f"sqlite:///{Path(tmp) / 'bench.sqlite'}"]
        args += ["import", str(path), "--source", "unhcr", "--allow-unmatched"]
        if not store:
            args.append("--dry-run")
        start = time.perf_counter()
        child = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        peak = [0]
        done = threading.Event()
        sampler = threading.Thread(target=_sample, args=(child.pid, peak, done), daemon=True)
        sampler.start()
        output, _ = child.communicate()
        seconds = time.perf_counter() - start
        done.set()
        sampler.join()
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU[0] = usage.ru_utime + usage.ru_stime
    return seconds, peak[0] / 1024, usage.ru_maxrss / 1024, output


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mb", type=float, default=300.0)
    parser.add_argument("--store", action="store_true", help="import into a store")
    parser.add_argument("--db", help="the store's URL (default: a fresh SQLite file)")
    parser.add_argument("--duplicates", action="store_true", help="repeat the seed as it is")
    parser.add_argument("--keep", action="store_true", help="keep the generated file")
    options = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="migstat-stream-"))
    path = folder / "unhcr_large.csv"
    rows = generate(path, options.mb, duplicates=options.duplicates)
    size = path.stat().st_size / 2**20
    start, cpu_start = time.perf_counter(), time.process_time()
    read_rows(path)
    baseline = time.perf_counter() - start
    baseline_cpu = time.process_time() - cpu_start
    seconds, sampled, rusage, output = run_import(path, store=options.store, db=options.db)
    observations = 2 * rows
    ratio = seconds / baseline
    peak = max(sampled, rusage)
    print(f"file: {size:.1f} MiB, {rows:,} rows, {observations:,} observations ({path})")
    print(f"csv module reading the rows: {baseline:.2f} s, {rows / baseline:,.0f} rows/s")
    print(
        f"migstat import {'into a store' if options.store else '--dry-run'}: {seconds:.1f} s, "
        f"{rows / seconds:,.0f} rows/s, {observations / seconds:,.0f} observations/s"
    )
    print(f"ratio to the csv module: {ratio:.1f} x (target: within {TARGET_RATIO:.0f} x)")
    print(
        f"CPU seconds: csv {baseline_cpu:.2f}, import {CPU[0]:.1f}, "
        f"ratio {CPU[0] / baseline_cpu:.1f} x (the machine's load does not count in this one)"
    )
    print(
        f"peak RSS: {peak:.0f} MiB (sampled {sampled:.0f}, getrusage {rusage:.0f}; "
        f"target: under {TARGET_MIB} MiB; {peak / size:.2f} x the file)"
    )
    tail = [line for line in output.strip().splitlines() if line.strip()]
    print("last output:", tail[-1] if tail else "(none)")
    if not options.keep:
        path.unlink()
        folder.rmdir()


if __name__ == "__main__":
    main()
