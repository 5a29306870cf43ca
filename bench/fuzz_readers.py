"""The long fuzzing run: every reader on as many damaged real files as fit in the time given.

    TMPDIR=/dev/shm python bench/fuzz_readers.py [--minutes 20] [--inputs N] [--seed 1]
        [--out fuzz-failures] [--every N]

Round-robin over the importers of ``migstat import`` (each by name, and with detection) and the
readers of ``validate`` and ``submit`` (questionnaire, long CSV, SDMX-CSV), and the whole dry
import of a UNHCR file through the columnar path (``import``): each input is a real
seed damaged by :func:`tests.fuzzing.mutate` (a workbook inside its zip), or, one time in ten,
random bytes. An input that fails outside migstat's errors, or with an error that does not name
the file, is an unexpected failure: the first of each kind is written to ``--out`` with its
traceback. Prints the count of inputs, of each reader's inputs and of unexpected failures (and,
with ``--every``, a progress line each time that many more inputs were read); the run ends after
``--minutes`` or after ``--inputs`` inputs, whichever comes first. The exit status is 1 when there
was any unexpected failure. Each input is written to a file first (the importers read paths):
a temporary directory in memory (``TMPDIR=/dev/shm``) about doubles the rate.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import traceback
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.fuzzing import (  # noqa: E402
    LONG_CSV,
    READERS,
    SDMX_CSV,
    Unexpected,
    mutate,
    mutate_zip,
    questionnaire,
    run_import,
    run_source,
    run_submission,
    text_seeds,
    undesa_workbook,
)

SUFFIXES = [".csv", ".px", ".json", ".tsv", ".txt", ".xlsx", ""]


def one_input(rng: random.Random, target: str) -> None:
    """Damage a seed for ``target`` and read it."""
    if target == "submission":
        kind = rng.choice(["xlsx", "long", "sdmx", "bytes"])
        if kind == "xlsx":
            run_submission(mutate_zip(rng, questionnaire()), ".xlsx")
        elif kind == "bytes":
            run_submission(rng.randbytes(rng.randint(0, 600)), rng.choice([".csv", ".xlsx"]))
        else:
            run_submission(mutate(rng, LONG_CSV if kind == "long" else SDMX_CSV), ".csv")
        return
    if target == "import":
        seeds = [(s, d) for name, s, d in text_seeds() if name == "unhcr"] or [(".csv", b"")]
        run_import(mutate(rng, rng.choice(seeds)[1]), ".csv")
        return
    if target == "workbook":
        run_source(rng.choice(["undesa", None]), mutate_zip(rng, undesa_workbook()), ".xlsx")
        return
    source = None if target == "detect" else target
    seeds = text_seeds()
    if rng.random() < 0.1:
        run_source(source, rng.randbytes(rng.randint(0, 600)), rng.choice(SUFFIXES))
        return
    mine = [(s, d) for name, s, d in seeds if name == source]
    suffix, seed = rng.choice(
        mine if mine and rng.random() < 0.7 else [(s, d) for _, s, d in seeds]
    )
    run_source(source, mutate(rng, seed), suffix)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=20.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=Path("fuzz-failures"))
    parser.add_argument("--inputs", type=int, default=0, help="stop after this many (0: no limit)")
    parser.add_argument("--every", type=int, default=0, help="a progress line every N inputs")
    args = parser.parse_args()
    if not text_seeds():
        print("no seeds: the published files are not there (set MIGSTAT_SHARED_DATA)")
        return 2
    rng = random.Random(args.seed)
    # the slow readers every few rounds: a workbook takes ~50 times as long as a text file,
    # the 2-RD .xls (a whole 322 KB workbook through xlrd) ~20 times
    every = {"workbook": 20, "mvd": 4, "import": 4}
    targets = [t for t in [*READERS, "detect", "submission"] if t not in every]
    counts: Counter[str] = Counter()
    kinds: Counter[str] = Counter()
    end = time.monotonic() + args.minutes * 60
    started = time.monotonic()
    n = 0
    limit = args.inputs or float("inf")
    rounds = 0
    while time.monotonic() < end and n < limit:
        rounds += 1
        for target in targets + [t for t, k in every.items() if rounds % k == 0]:
            state = rng.getstate()
            try:
                one_input(rng, target)
            except Unexpected as problem:
                kind = f"{target}: {str(problem)[:80]}"
                if not kinds[kind]:
                    _record(args.out, len(kinds), kind, state, problem)
                kinds[kind] += 1
            counts[target] += 1
            n += 1
            if args.every and n % args.every == 0:
                _progress(n, started, kinds)
    seconds = time.monotonic() - started
    print(f"inputs: {n} in {seconds:.0f} s ({n / seconds:.0f}/s)")
    for target in counts:
        print(f"  {target}: {counts[target]}")
    print(f"unexpected failures: {sum(kinds.values())} ({len(kinds)} kinds)")
    for kind, times in kinds.most_common():
        print(f"  {times} x {kind}")
    return 1 if kinds else 0


def _progress(n: int, started: float, kinds: Counter[str]) -> None:
    seconds = time.monotonic() - started
    print(f"{n} inputs, {seconds:.0f} s, {sum(kinds.values())} unexpected", flush=True)


def _record(folder: Path, n: int, kind: str, state: object, problem: Exception) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    text = "".join(traceback.format_exception(problem.__cause__ or problem))
    (folder / f"failure-{n}.txt").write_text(f"{kind}\nrandom state: {state!r}\n\n{text}")


if __name__ == "__main__":
    sys.exit(main())
