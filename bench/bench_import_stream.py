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
``getrusage`` at its end. It runs once per path asked for (``--paths``): the columnar path
(the default) and the row path (``MIGSTAT_IMPORT_PATH=rows``), and with ``--both`` once as a
dry run and once into a store. Printed per run: the import's time, rows/s and
observations/s, the ratio to the baseline (wall time, and CPU time, which a loaded machine
does not distort), and the peak RSS against the target (500 MiB).

    python bench/bench_import_stream.py [--mb 300] [--store | --both] [--db URL]
        [--paths columns,rows] [--duplicates]
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


def run_import(
    path: Path, *, store: bool, db: str | None, way: str = "columns"
) -> tuple[float, float, float, str]:
    """The command in a child: (seconds, sampled peak MiB, getrusage peak MiB, its output)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    env = {**os.environ, "MIGSTAT_IMPORT_PATH": way}
    with tempfile.TemporaryDirectory() as tmp:
        args = [sys.executable, "-m", "migstat"]
        if store:
            args += ["--db", db or f"sqlite:///{Path(tmp) / 'bench.sqlite'}"]
        args += ["import", str(path), "--source", "unhcr", "--allow-unmatched"]
        if not store:
            args.append("--dry-run")
        start = time.perf_counter()
        child = subprocess.Popen(
            args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env
        )
        peak = [0]
        done = threading.Event()
        sampler = threading.Thread(target=_sample, args=(child.pid, peak, done), daemon=True)
        sampler.start()
        output, _ = child.communicate()
        seconds = time.perf_counter() - start
        done.set()
        sampler.join()
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU[0] = usage.ru_utime + usage.ru_stime - before.ru_utime - before.ru_stime
    # ru_maxrss of the children is the largest of any child so far: the sampled peak is this
    # child's own (both are printed)
    return seconds, peak[0] / 1024, usage.ru_maxrss / 1024, output


def report(
    label: str, rows: int, baseline: tuple[float, float], measured: tuple[float, float, float, str]
) -> None:
    """One run's lines: time, rates, ratios to the baseline, peak memory, last output."""
    seconds, sampled, rusage, output = measured
    wall, cpu = baseline
    observations = 2 * rows
    print(
        f"{label}: {seconds:.1f} s, {rows / seconds:,.0f} rows/s, "
        f"{observations / seconds:,.0f} observations/s"
    )
    print(
        f"  ratio to the csv module: {seconds / wall:.1f} x wall, {CPU[0] / cpu:.1f} x CPU "
        f"({CPU[0]:.1f} CPU s; target: within {TARGET_RATIO:.0f} x)"
    )
    print(
        f"  peak RSS: {sampled:.0f} MiB sampled (getrusage of all runs so far {rusage:.0f}; "
        f"target: under {TARGET_MIB} MiB)"
    )
    tail = [line for line in output.strip().splitlines() if line.strip()]
    print("  last output:", tail[-1] if tail else "(none)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mb", type=float, default=300.0)
    parser.add_argument("--store", action="store_true", help="import into a store")
    parser.add_argument("--both", action="store_true", help="a dry run, then into a store")
    parser.add_argument("--db", help="the store's URL (default: a fresh SQLite file)")
    parser.add_argument("--paths", default="columns,rows", help="columns, rows or both")
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
    print(f"file: {size:.1f} MiB, {rows:,} rows, {2 * rows:,} observations ({path})")
    print(
        f"csv module reading the rows: {baseline:.2f} s ({baseline_cpu:.2f} CPU s), "
        f"{rows / baseline:,.0f} rows/s"
    )
    stores = [False, True] if options.both else [options.store]
    for store in stores:
        for way in [w.strip() for w in options.paths.split(",") if w.strip()]:
            measured = run_import(path, store=store, db=options.db, way=way)
            label = f"{way} path, {'into a store' if store else '--dry-run'}"
            report(label, rows, (baseline, baseline_cpu), measured)
    if not options.keep:
        path.unlink()
        folder.rmdir()


if __name__ == "__main__":
    main()
