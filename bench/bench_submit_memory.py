"""Peak memory of ``migstat validate`` and ``migstat submit`` on long CSV files of 10, 50 and
150 MB: the whole-file path (what ``check_file`` and ``submit_file`` did before they streamed:
the file read into memory, every observation held, validated and stored at once) against the
streamed one (:mod:`migstat.submitting`), in the same run.

The file is the synthetic KGZ 2024 submission (every standard table, one long CSV) repeated
to the size asked; each copy is moved to a year of its own (``2024`` becomes ``1000``,
``1001`` ...), so every row is a different cell, as in a real file of that size.

Each measurement runs in a child process of its own; the child prints its own peak resident
memory (``getrusage``) and its time. Printed per size and command: before and after, their
ratio, and the streamed peak against the file's size.

    python bench/bench_submit_memory.py [--mb 10 50 150] [--only after] [--commands validate]
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHILD = r"""
import json, resource, sys, time
from pathlib import Path
mode, path, db = sys.argv[1], Path(sys.argv[2]), sys.argv[3]
start = time.perf_counter()
from migstat import api
from migstat.formats.detect import read_submission
from migstat.formats.submeta import parse_options
from migstat.formats.detect import add_metadata
from migstat.model import default_registry
from migstat.sources.code_cells import suggest_codes
from migstat.store import Store
from migstat.validation import validate
META = ("source_type=register", "reference_date=2024", "residence_rule=12_months")
reg = default_registry()
findings = observations = 0
if mode.startswith("before"):
    store = Store.open(db) if mode.endswith("submit") else None
    dataset, raw = read_submission(path, registry=reg, country="KGZ")
    add_metadata(dataset, path, None, parse_options(META))
    suggest_codes(dataset.findings, reg)
    found = validate(dataset, registry=reg, history=store)
    observations, findings = len(dataset.observations), len(found)
    if store is not None:
        record = store.submit(dataset, raw, findings=found, submitted_by="bench")
        observations = record.n_observations
elif mode == "after-validate":
    checked = api.check_file(path, country="KGZ", meta=META)
    observations, findings = checked.observations, len(checked.findings)
else:
    with Store.open(db) as store:
        record, checked = api.submit_file(store, path, country="KGZ", meta=META)
    observations, findings = record.n_observations, len(checked.findings)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"peak": peak, "seconds": time.perf_counter() - start,
                  "observations": observations, "findings": findings}))
"""


def generate(target: Path, megabytes: float) -> int:
    """The synthetic KGZ submission repeated to about ``megabytes``; the number of rows."""
    from migstat.demo.synthetic import consistent_dataset
    from migstat.model import default_registry

    reg = default_registry()
    dataset = consistent_dataset("KGZ", 2024)
    tables = sorted({o.table for o in dataset.observations})
    dims = list(dict.fromkeys(d for t in tables for d in reg.tables[t].dimension_ids))
    body = []
    for o in dataset.observations:
        key = dict(zip(reg.tables[o.table].dimension_ids, o.key, strict=True))
        rest = o.time_period[4:]
        body.append((o.table, o.ref_area, rest, [key.get(d, "") for d in dims], int(o.value)))
    wanted = int(megabytes * 1_000_000)
    count = copy = 0
    with target.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["TABLE", "REF_AREA", "TIME_PERIOD", *dims, "OBS_VALUE"])
        while out.tell() < wanted:
            year = 1000 + copy
            for table, area, rest, codes, value in body:
                writer.writerow([table, area, f"{year}{rest}", *codes, value])
                count += 1
            copy += 1
    return count


def measure(mode: str, path: Path) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        db = f"sqlite:///{Path(tmp) / 'bench.sqlite'}"
        done = subprocess.run(
            [sys.executable, "-c", CHILD, mode, str(path), db],
            capture_output=True,
            text=True,
            check=False,
        )
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1] if done.stderr else "failed"}
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mb", type=float, nargs="+", default=[10.0, 50.0, 150.0])
    parser.add_argument("--only", choices=["before", "after"], default=None)
    parser.add_argument("--commands", nargs="+", default=["validate", "submit"])
    options = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="migstat-submit-bench-"))
    for megabytes in options.mb:
        path = folder / f"kgz_{megabytes:g}mb.csv"
        rows = generate(path, megabytes)
        size = path.stat().st_size / 2**20
        print(f"file: {size:.1f} MiB, {rows:,} rows ({path.name})", flush=True)
        for command in options.commands:
            found: dict[str, dict[str, float]] = {}
            for side in ("after", "before"):
                if options.only and side != options.only:
                    continue
                start = time.perf_counter()
                found[side] = result = measure(f"{side}-{command}", path)
                if "error" in result:
                    print(f"  {command} {side}: failed: {result['error']}", flush=True)
                    continue
                print(
                    f"  {command} {side}: peak RSS {result['peak']:.0f} MiB "
                    f"({result['peak'] / size:.1f} x the file), "
                    f"{time.perf_counter() - start:.0f} s, {int(result['observations']):,} "
                    f"observations, {int(result['findings'])} findings",
                    flush=True,
                )
            if all(s in found and "peak" in found[s] for s in ("before", "after")):
                ratio = found["before"]["peak"] / found["after"]["peak"]
                print(f"  {command}: before/after peak {ratio:.1f} x", flush=True)
        path.unlink()


if __name__ == "__main__":
    main()
