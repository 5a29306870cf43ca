"""Memory and speed of ``migstat import --dry-run`` on large Eurostat bulk TSV, SDMX-CSV,
SDMX-ML and PX files, at two sizes, against merely reading the same file in the same run.

Writes ``migr_resfirst`` files of about ``--small`` and ``--large`` megabytes in each format
(:mod:`tests.streamfiles`: Eurostat's layout, codes and flags; every series a distinct key:
reporting country x citizenship x reason x length of validity, over a span of years; the PX
file a statistical office's table of arrivals by reporting country, country of previous
residence and sex, one row of years per line). Each run
is a child process of its own, so that each peak resident memory (``ru_maxrss``) is its own:

* the import: :func:`migstat.api.import_file` with ``dry_run`` (read as a stream, mapped,
  validated chunk by chunk, nothing stored);
* the reader alone: the batches of :func:`migstat.sources.stream_source` taken and dropped;
* the baseline: the same file merely read, cell by cell (the csv module for the TSV and
  SDMX-CSV, lxml ``iterparse`` clearing each element for SDMX-ML, the lines after ``DATA=``
  split into cells for PX).

Prints per format and size: the file's size, the observations, the peak memory of each, and
the observations per second of each (processor time, so that other load on the machine does
not blur them), with the ratio of the baseline's rate to the import's. Memory must not grow
with the file: the import's peak at the large size should be about its peak at the small one.

    python bench/bench_stream_readers.py [--small 25] [--large 100] \
        [--formats tsv,sdmx-csv,sdmx-ml,px]
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

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.timing import peak_rss_mib  # noqa: E402

YEARS = range(1950, 2026)
SUFFIX = {"tsv": ".tsv", "sdmx-csv": ".csv", "sdmx-ml": ".xml", "px": ".px"}
SOURCE = {".tsv": "eurostat", ".px": "px"}
"""The source of each file by its suffix (the others are SDMX)."""
SAMPLE = 200
"""Series written first to learn a format's bytes per series."""


def write(fmt: str, path: Path, megabytes: float) -> int:
    """A file of about ``megabytes`` in ``fmt``; the number of cells written."""
    from tests.streamfiles import WRITERS

    writer = WRITERS[fmt]
    cells = writer(path, series=SAMPLE, years=YEARS, durations="all")
    # a PX table is written by whole reporting countries: its rows are its cells by years
    rows = cells / len(YEARS) if fmt == "px" else SAMPLE
    per_series = path.stat().st_size / rows
    return writer(
        path, series=max(1, int(megabytes * 1e6 / per_series)), years=YEARS, durations="all"
    )


def child_import(path: Path) -> dict[str, float]:
    from migstat.api import import_file

    start = time.process_time()
    result = import_file(path, source=SOURCE.get(path.suffix, "sdmx"), dry_run=True)
    seconds = time.process_time() - start
    errors = [f.text("en") for f in result.errors][:3]
    return {"seconds": seconds, "observations": result.observations, "errors": errors}


def child_stream(path: Path) -> dict[str, float]:
    """The reader alone: every batch of :func:`migstat.sources.stream_source` taken."""
    from migstat.sources import stream_source

    start = time.process_time()
    _dataset, batches = stream_source(path, allow_unmatched=True)
    count = sum(len(batch) for batch in batches)
    return {"seconds": time.process_time() - start, "observations": count}


def child_baseline(path: Path) -> dict[str, float]:
    """Every cell read and nothing else: the csv module, or lxml's iterparse."""
    start = time.process_time()
    cells = 0
    if path.suffix == ".xml":
        from lxml import etree

        for _event, elem in etree.iterparse(str(path), events=("end",), huge_tree=True):
            if elem.tag == "Obs":
                cells += len(elem.attrib) > 0
                elem.clear()
            elif elem.tag == "Series":
                elem.clear()
                parent = elem.getparent()
                while elem.getprevious() is not None:
                    del parent[0]
    elif path.suffix == ".px":
        cells = _px_cells(path)
    else:
        delimiter = "\t" if path.suffix == ".tsv" else ","
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.reader(handle, delimiter=delimiter)
            next(reader)
            for row in reader:
                cells += len(row) - 1 if delimiter == "\t" else 1
    return {"seconds": time.process_time() - start, "observations": cells}


def _px_cells(path: Path) -> int:
    """The cells of a PX file: its lines after ``DATA=`` split at blanks."""
    cells = 0
    with path.open(newline="", encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("DATA="):
                break
        for line in handle:
            cells += len(line.replace(";", " ").split())
    return cells


CHILDREN = {"import": child_import, "stream": child_stream, "baseline": child_baseline}


def in_child(kind: str, path: Path) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, __file__, "--child", kind, str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"{kind} of {path.name} failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", type=float, default=25.0, help="megabytes")
    parser.add_argument("--large", type=float, default=100.0, help="megabytes")
    parser.add_argument("--formats", default="tsv,sdmx-csv,sdmx-ml")
    parser.add_argument("--child", nargs=2, metavar=("KIND", "PATH"), help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child:
        kind, path = options.child
        found = CHILDREN[kind](Path(path))
        found["peak_mib"] = peak_rss_mib()
        print(json.dumps(found))
        return
    print(
        f"{'format':9} {'MB':>6} {'observations':>13} {'import MiB':>10} {'stream MiB':>10} "
        f"{'read MiB':>9} {'import obs/s':>13} {'stream obs/s':>13} {'read cells/s':>13} "
        f"{'ratio':>6}"
    )
    with tempfile.TemporaryDirectory(prefix="migstat-stream-") as tmp:
        for fmt in options.formats.split(","):
            for megabytes in (options.small, options.large):
                path = Path(tmp) / f"migr_resfirst{SUFFIX[fmt]}"
                write(fmt, path, megabytes)
                size = path.stat().st_size / 1e6
                base = in_child("baseline", path)
                alone = in_child("stream", path)
                got = in_child("import", path)
                rate = got["observations"] / got["seconds"]
                alone_rate = alone["observations"] / alone["seconds"]
                base_rate = base["observations"] / base["seconds"]
                print(
                    f"{fmt:9} {size:6.0f} {got['observations']:13,} {got['peak_mib']:10.0f} "
                    f"{alone['peak_mib']:10.0f} {base['peak_mib']:9.0f} {rate:13,.0f} "
                    f"{alone_rate:13,.0f} {base_rate:13,.0f} {base_rate / rate:5.1f}x",
                    flush=True,
                )
                if got.get("errors"):
                    print("  errors:", got["errors"])
                path.unlink()


if __name__ == "__main__":
    main()
