"""Large Eurostat bulk-download TSVs of ``migr_resfirst`` for the stream tests and benches.

The layout, the codes and the flags are those of Eurostat's real answers
(``eurostat_migr_resfirst_BY_2019_duration.json`` in the shared data: ``freq,reason,citizen,
duration,unit,geo``; durations ``TOTAL``, ``M3-5``, ``M6-11``, ``M_GE12``; flags ``p``, ``b``,
``u``, ``ep``); each series is a distinct key (a reporting country, a citizenship, a reason),
so that a file of any size holds no duplicate.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator
from pathlib import Path

from migstat.model import default_registry

GEOS = tuple(
    [
        "BE",
        "BG",
        "CZ",
        "DK",
        "DE",
        "EE",
        "IE",
        "EL",
        "ES",
        "FR",
        "HR",
        "IT",
        "CY",
        "LV",
        "LT",
        "LU",
        "HU",
        "MT",
        "NL",
        "AT",
        "PL",
        "PT",
        "RO",
        "SI",
        "SK",
        "FI",
        "SE",
        "IS",
        "LI",
        "NO",
        "CH",
    ]
)
"""Reporting countries as Eurostat codes them (``EL`` for Greece)."""
REASONS = ("FAM", "EDUC", "OCC", "OTH")
DURATIONS = ("M3-5", "M6-11", "M_GE12")
FLAGS = ("", "", "", "", "p", "b", "u", "ep")


def citizenships() -> list[str]:
    """Alpha-2 codes of the AREA code list's countries (as Eurostat writes citizenships)."""
    area = default_registry().codelist("AREA").codes.values()
    return sorted(
        c.attributes["alpha2"]
        for c in area
        if c.attributes.get("kind") == "country" and c.attributes.get("alpha2")
    )


def _keys(series: int) -> Iterator[tuple[str, str, str]]:
    keys = itertools.product(GEOS, citizenships(), REASONS)
    return itertools.islice(((r, c, g) for g, c, r in keys), series)


def write_bulk_tsv(
    path: Path,
    *,
    series: int,
    years: range,
    durations: str = "interleaved",
    seed: int = 13,
) -> int:
    """A bulk TSV of ``series`` series of total duration over ``years``; each also broken down
    by one length of validity right after it (``interleaved``), or all those after every total
    (``last``), or not at all (``none``). The number of cells written."""
    rng = random.Random(seed)
    head = "freq,reason,citizen,duration,unit,geo\\TIME_PERIOD\t" + "\t".join(
        f"{y} " for y in years
    )
    cells = 0
    later: list[str] = []
    with path.open("w", encoding="utf-8", newline="\n") as out:
        out.write(head + "\n")
        for n, (reason, citizen, geo) in enumerate(_keys(series)):
            rows = [_row(rng, reason, citizen, "TOTAL", geo, years)]
            if durations != "none":
                rows.append(_row(rng, reason, citizen, DURATIONS[n % 3], geo, years))
            out.write(rows[0])
            if len(rows) > 1:
                if durations == "last":
                    later.append(rows[1])
                else:
                    out.write(rows[1])
            cells += len(rows) * len(years)
        out.writelines(later)
    return cells


def _row(
    rng: random.Random, reason: str, citizen: str, duration: str, geo: str, years: range
) -> str:
    values = "\t".join(
        (": " if rng.random() < 0.05 else f"{rng.randrange(100_000)} ") + rng.choice(FLAGS)
        for _ in years
    )
    return f"A,{reason},{citizen},{duration},PER,{geo}\t{values}\n"
