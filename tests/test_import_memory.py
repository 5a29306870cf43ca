"""Memory of a large import: observations that make their place only when asked, and a bound
on the peak memory of ``migstat import`` that does not grow with the file as it used to."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace

from migstat.model.data import LineObservation, Location, Observation


def test_line_observation_is_an_observation_with_its_place() -> None:
    line = LineObservation(
        "R01", "DEU", "2020-12-31", ("SYR", "REF"), 590_000, file="u.csv", line=7, column="refugees"
    )
    plain = Observation(
        "R01",
        "DEU",
        "2020-12-31",
        ("SYR", "REF"),
        590_000,
        where=Location(file="u.csv", line=7, column="refugees"),
    )
    assert line.where == Location(file="u.csv", line=7, column="refugees")
    assert line == plain and plain == line
    assert line != replace(plain, value=590_001)
    copied = replace(line, value=None)
    assert copied.value is None and copied.where == plain.where
    line.where = Location(file="u.csv", sheet="S01", cell="B2")
    assert line.where == Location(file="u.csv", sheet="S01", cell="B2")
    line.where = None
    assert line.where is None


CHILD = """
import csv, random, resource, sys
from pathlib import Path
from migstat.api import import_file
from migstat.model import default_registry

def peak():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024

area = default_registry().codelist("AREA").codes
codes = sorted(c for c in area if len(c) == 3 and c.isalpha())[:120]
folder = Path(sys.argv[1])

def write(path, years):
    rng = random.Random(13)
    with path.open("w", newline="") as out:
        w = csv.writer(out, lineterminator="\\n")
        w.writerow(["year", "orig", "dest", "refugees", "asylum_seekers"])
        for y in years:
            for d in codes:
                for o in codes:
                    w.writerow([y, o, d, rng.randrange(100000), rng.randrange(5000)])

write(folder / "small.csv", [2000])
write(folder / "large.csv", range(1900, 1906))
import_file(folder / "small.csv", source="unhcr", dry_run=True)  # every module and code list
before = peak()
result = import_file(folder / "large.csv", source="unhcr", dry_run=True)
print(result.observations, peak() - before)
"""

PER_OBSERVATION = 240
"""Bytes of peak memory an imported observation may add (read, mapped and validated). The
import used about 300 before observations made their places lazily and the file was read as a
stream; about 200 when they were all held at once. Since the import streams (a chunk of
areas and periods at a time, ``tests/test_import_stream.py``) the peak does not grow with the
file at all; this bound stays as the coarse check in a fresh process."""


def test_import_memory_grows_by_a_bounded_amount_per_observation(tmp_path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(tmp_path)],
        capture_output=True,
        text=True,
        check=True,
    )
    count, grown = (int(x) for x in done.stdout.split())
    assert count == 6 * 120 * 120 * 2
    assert grown / count < PER_OBSERVATION, f"{grown / count:.0f} bytes per observation"
