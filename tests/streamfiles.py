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


Series = tuple[str, str, str, str, list[tuple[str | None, str]]]
"""``(reason, citizen, duration, geo, cells)``; a cell is its value as text (``None``: not
available) and its flags."""


def series_of(
    series: int, years: range, *, durations: str = "interleaved", seed: int = 13
) -> Iterator[Series]:
    """``series`` series of total duration over ``years``; each also broken down by one length
    of validity right after it (``interleaved``), by all three adding up to the total
    (``all``), or those after every total (``last``), or not at all (``none``)."""
    rng = random.Random(seed)
    later: list[Series] = []
    for n, (reason, citizen, geo) in enumerate(_keys(series)):
        if durations == "all":  # the total adds up, as Eurostat's do
            parts = [_cells(rng, years, missing=0.0) for _ in DURATIONS]
            total = [(str(sum(int(c[i][0] or 0) for c in parts)), "") for i in range(len(years))]
            yield reason, citizen, "TOTAL", geo, total
            for duration, cells in zip(DURATIONS, parts, strict=True):
                yield reason, citizen, duration, geo, cells
            continue
        yield reason, citizen, "TOTAL", geo, _cells(rng, years)
        if durations == "none":
            continue
        found = (reason, citizen, DURATIONS[n % 3], geo, _cells(rng, years))
        if durations == "last":
            later.append(found)
        else:
            yield found
    yield from later


def _cells(
    rng: random.Random, years: range, *, missing: float = 0.05
) -> list[tuple[str | None, str]]:
    return [
        (None if rng.random() < missing else str(rng.randrange(100_000)), rng.choice(FLAGS))
        for _ in years
    ]


def write_bulk_tsv(path: Path, *, series: int, years: range, **options: object) -> int:
    """A bulk TSV of :func:`series_of` (the options are its); the number of cells written."""
    cells = 0
    with path.open("w", encoding="utf-8", newline="\n") as out:
        out.write(
            "freq,reason,citizen,duration,unit,geo\\TIME_PERIOD\t"
            + "\t".join(f"{y} " for y in years)
            + "\n"
        )
        for reason, citizen, duration, geo, found in series_of(series, years, **options):  # type: ignore[arg-type]
            values = "\t".join((f"{v} " if v is not None else ": ") + f for v, f in found)
            out.write(f"A,{reason},{citizen},{duration},PER,{geo}\t{values}\n")
            cells += len(found)
    return cells


def write_sdmx_csv(path: Path, *, series: int, years: range, **options: object) -> int:
    """The same data as SDMX-CSV 1.0, as Eurostat's API writes it; the number of rows."""
    rows = 0
    with path.open("w", encoding="utf-8", newline="\n") as out:
        out.write(
            "DATAFLOW,LAST UPDATE,freq,reason,citizen,duration,unit,geo,TIME_PERIOD,"
            "OBS_VALUE,OBS_FLAG,CONF_STATUS\n"
        )
        for reason, citizen, duration, geo, found in series_of(series, years, **options):  # type: ignore[arg-type]
            head = f"ESTAT:MIGR_RESFIRST(1.0),29/11/24 11:00:00,A,{reason},{citizen},{duration}"
            out.writelines(
                f"{head},PER,{geo},{y},{v or ''},{f},\n"
                for y, (v, f) in zip(years, found, strict=True)
            )
            rows += len(found)
    return rows


SDMX_ML_HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<message:StructureSpecificData \
xmlns:message="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message" \
xmlns:common="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/common">
<message:Header><message:ID>MIGR_RESFIRST</message:ID>\
<message:Prepared>2024-11-29T11:00:00</message:Prepared><message:Sender id="ESTAT"/>\
<message:Structure structureID="ESTAT_MIGR_RESFIRST_1_0" dimensionAtObservation="TIME_PERIOD">\
<common:Structure><Ref agencyID="ESTAT" id="MIGR_RESFIRST" version="1.0"/></common:Structure>\
</message:Structure></message:Header>
<message:DataSet structureRef="ESTAT_MIGR_RESFIRST_1_0">
"""


def write_sdmx_ml(path: Path, *, series: int, years: range, **options: object) -> int:
    """The same data as a structure-specific SDMX-ML 2.1 message; the number of ``Obs``."""
    count = 0
    with path.open("w", encoding="utf-8", newline="\n") as out:
        out.write(SDMX_ML_HEAD)
        for reason, citizen, duration, geo, found in series_of(series, years, **options):  # type: ignore[arg-type]
            out.write(
                f'<Series freq="A" reason="{reason}" citizen="{citizen}" '
                f'duration="{duration}" unit="PER" geo="{geo}">\n'
            )
            out.writelines(
                f'<Obs TIME_PERIOD="{y}" OBS_VALUE="{v}" OBS_FLAG="{f}"/>\n'
                if v is not None
                else f'<Obs TIME_PERIOD="{y}" OBS_FLAG="{f}"/>\n'
                for y, (v, f) in zip(years, found, strict=True)
            )
            out.write("</Series>\n")
            count += len(found)
        out.write("</message:DataSet></message:StructureSpecificData>\n")
    return count


def px_countries() -> list[str]:
    """Alpha-3 codes of the AREA code list's countries with an alpha-2 code (not the Channel
    Islands, the sum of two of them)."""
    area = default_registry().codelist("AREA").codes.values()
    return sorted(
        c.id for c in area if c.attributes.get("kind") == "country" and c.attributes.get("alpha2")
    )


def write_px(path: Path, *, series: int, years: range, **_options: object) -> int:
    """A PX table of arrivals (F01) by reporting country, country of previous residence and
    sex (the stub, at least ``series`` rows: whole reporting countries) over ``years`` (the
    heading), a statistical office's layout: one row of cells per line, the total of the
    sexes their sum; the number of cells written."""
    rng = random.Random(13)
    partners = px_countries()
    per_country = len(partners) * 3
    reporting = partners[: max(1, -(-series // per_country))]
    with path.open("w", encoding="utf-8", newline="\n") as out:
        out.write(
            'CHARSET="ANSI";\nAXIS-VERSION="2013";\nCODEPAGE="utf-8";\nLANGUAGE="en";\n'
            'MATRIX="MIG01";\nSUBJECT-CODE="BE";\nSUBJECT-AREA="Population";\n'
            'DECIMALS=0;\nTITLE="Immigrants by country, country of previous residence, sex '
            'and year";\nCONTENTS="Immigrants (arrivals)";\nUNITS="persons";\n'
            'STUB="country","country of previous residence","sex";\nHEADING="year";\n'
        )
        for name, codes in (("country", reporting), ("country of previous residence", partners)):
            out.write(f'VALUES("{name}")=' + ",".join(f'"{c}"' for c in codes) + ";\n")
        out.write('VALUES("sex")="Total","Male","Female";\nELIMINATION("sex")="Total";\n')
        out.write('TIMEVAL("year")=TLIST(A1),' + ",".join(f'"{y}"' for y in years) + ";\n")
        out.write('VALUES("year")=' + ",".join(f'"{y}"' for y in years) + ";\n")
        out.write('SOURCE="Statistical office";\nLAST-UPDATED="20250201 10:00";\nDATA=\n')
        cells = 0
        for _row in range(len(reporting) * len(partners)):
            male = [rng.randrange(1_000, 10_000) for _ in years]
            female = [int(m * rng.uniform(0.6, 1.6)) for m in male]  # plausible ratios
            for row in ([m + f for m, f in zip(male, female, strict=True)], male, female):
                out.write(" ".join(map(str, row)) + "\n")
                cells += len(row)
        out.write(";\n")
    return cells


WRITERS = {
    "tsv": write_bulk_tsv,
    "sdmx-csv": write_sdmx_csv,
    "sdmx-ml": write_sdmx_ml,
    "px": write_px,
}
"""The file of each format, by name (the file names say the dataset where the format does
not: ``migr_resfirst.tsv``)."""
