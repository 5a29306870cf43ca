"""Where the time of ``migstat import`` goes, stage by stage, against the csv module merely
reading the same rows in the same run.

The file is made as ``bench_import_stream.py`` makes it (the shipped UNHCR file repeated,
every row a distinct cell). The import's own stages are run in this process, as
:func:`migstat.importing.import_file` runs them, each timed on its own:

* read: the UNHCR reader's batches (csv parsing, codes, observations);
* spill: setting the batches aside on disk;
* read back: the spill read back sorted, a chunk of whole areas and periods at a time;
* mapping: the classification mappings per chunk;
* validation: the chunked validation per chunk;
* store: the store's transaction (raw file, slices, observations, findings), that is the
  submit's time less the time spent making its chunks (``--store`` only).

Then the whole import as a person runs it (:func:`import_file`, same options), for the
end-to-end ratio. Printed: seconds and the ratio to the csv module per stage and in all.

    python bench/bench_import_stages.py [--mb 30] [--store] [--file PATH]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from migstat.importing import import_file
from migstat.mapping.apply import MappingReport, apply_mappings
from migstat.model import Dataset, Observation
from migstat.model.registry import default_registry
from migstat.sources import stream_source
from migstat.sources.common import paused_gc
from migstat.store import Store
from migstat.store.rawfiles import RawFile
from migstat.store.spill import Spill
from migstat.validation.chunked import ChunkedValidation

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_import_stream import generate, read_rows

CLOCK = time.process_time
"""Stages are timed in CPU seconds of this process: on a shared machine the other processes'
load does not count in them (the end-to-end figure is given in both)."""
STAGES = ("read", "spill", "read back", "mapping", "validation", "store")


class Clock:
    """Seconds per stage."""

    def __init__(self) -> None:
        self.seconds = dict.fromkeys(STAGES, 0.0)

    def timed(self, stage: str, items: Iterator) -> Iterator:
        """``items``, the time spent making each counted to ``stage``."""
        while True:
            start = CLOCK()
            try:
                item = next(items)
            except StopIteration:
                self.seconds[stage] += CLOCK() - start
                return
            self.seconds[stage] += CLOCK() - start
            yield item


def staged(path: Path, store: Store | None) -> tuple[Clock, int]:
    """The import's stages run one by one, each timed; the observations checked."""
    clock = Clock()
    registry = default_registry()
    with paused_gc(), Spill() as spill:
        dataset, batches = stream_source(
            path, source="unhcr", registry=registry, allow_unmatched=True
        )
        for batch in clock.timed("read", iter(batches)):
            start = CLOCK()
            spill.add(batch)
            clock.seconds["spill"] += CLOCK() - start
        checks = ChunkedValidation(dataset, registry, imported=True)
        report = MappingReport()

        def chunks() -> Iterator[list[Observation]]:
            for chunk in clock.timed("read back", spill.chunks()):
                start = CLOCK()
                part = Dataset(dataset.file_name, dataset.format, dataset.provider, chunk)
                apply_mappings(
                    part, [], registry=registry, source="unhcr", drop_unmapped=True, report=report
                )
                middle = CLOCK()
                checks.check(part.observations)
                end = CLOCK()
                clock.seconds["mapping"] += middle - start
                clock.seconds["validation"] += end - middle
                yield part.observations

        if store is None:
            for _chunk in chunks():
                pass
        else:
            start = CLOCK()
            store.submit(
                dataset,
                RawFile(path),
                findings=checks.findings,
                submitted_by="bench",
                chunks=chunks(),
                total=spill.count,
            )
            made = sum(clock.seconds[s] for s in ("read back", "mapping", "validation"))
            clock.seconds["store"] = CLOCK() - start - made
        return clock, checks.observations


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mb", type=float, default=30.0)
    parser.add_argument("--store", action="store_true", help="import into a fresh SQLite store")
    parser.add_argument("--file", type=Path, help="a file made before (not made again)")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="migstat-stages-") as tmp:
        folder = Path(tmp)
        path = options.file or folder / "unhcr_large.csv"
        if options.file is None:
            generate(path, options.mb)
        size = path.stat().st_size / 2**20
        start, wall = CLOCK(), time.perf_counter()
        rows = read_rows(path) - 1
        baseline, baseline_wall = CLOCK() - start, time.perf_counter() - wall
        stores = iter(Store.open(f"sqlite:///{folder / f's{n}.sqlite'}") for n in (1, 2))
        clock, observations = staged(path, next(stores) if options.store else None)
        start, wall = CLOCK(), time.perf_counter()
        result = import_file(
            path,
            store=next(stores) if options.store else None,
            source="unhcr",
            allow_unmatched=True,
            dry_run=not options.store,
        )
        whole, whole_wall = CLOCK() - start, time.perf_counter() - wall
    print(f"file: {size:.1f} MiB, {rows:,} rows, {observations:,} observations")
    print(f"csv module reading the rows: {baseline:.2f} s CPU ({baseline_wall:.2f} s wall)")
    print(f"{'stage':<12} {'CPU s':>8} {'x csv':>7}")
    for stage in STAGES:
        if stage == "store" and not options.store:
            continue
        seconds = clock.seconds[stage]
        print(f"{stage:<12} {seconds:>8.2f} {seconds / baseline:>7.1f}")
    staged_total = sum(clock.seconds.values())
    print(f"{'stages':<12} {staged_total:>8.2f} {staged_total / baseline:>7.1f}")
    kind = "into a SQLite store" if options.store else "--dry-run"
    print(
        f"import_file {kind}: {whole:.2f} s CPU, {result.observations / whole:,.0f} "
        f"observations/s, ratio to the csv module {whole / baseline:.1f} x (target: within 3 x)"
    )
    print(
        f"  wall: {whole_wall:.2f} s, ratio {whole_wall / baseline_wall:.1f} x "
        "(the machine's load counts in this one)"
    )


if __name__ == "__main__":
    main()
