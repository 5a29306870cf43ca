"""A synthetic census: seeded person records with real published margins, for tests and benchmarks.

SYNTHETIC DATA, NEVER REAL RECORDS. The file's Parquet key-value metadata (``synthetic``,
``migstat.synthetic``) and the sidecar ``<output>.json`` say so, name the published margins
used and every assumption made on top of them.

Taken from published data (:class:`Margins`, read by ``migstat synthesize-census`` from UN
DESA's 2019 revision): the total population (mid-year, ``P01``), the male share, and the
foreign-born persons by country of birth (the origin-destination matrix, ``S01``). Each person
is born abroad with probability ``foreign-born / population`` and, if so, in a country drawn
with the published stock shares; so at ``n`` persons every share matches the published one
within multinomial sampling error.

Assumed (stylised, not published for these countries in the data at hand; documented in the
sidecar): the age distributions (a young pyramid for the native-born, an older one for the
foreign-born, most of whom came in Soviet times), citizenship (native-born hold the country's
own; foreign-born hold it with probability :data:`NATURALISED`, else that of their country
of birth), educational attainment (by school age under 15, a fixed ISCED 2011 distribution
from 15, :data:`EDU_UNKNOWN` unknown) and the year of arrival of the foreign-born (uniform
between birth, or :data:`FIRST_ARRIVAL`, and the reference year; empty for the native-born).

Columns, national-style values: ``COB`` and ``CIT`` (ISO 3166 alpha-3, codes of the AREA code
list), ``SEX`` (``1`` male, ``2`` female), ``AGE`` (completed years), ``EDU`` (``1``-``9`` for
ISCED 2011 levels 0-8, ``99`` unknown: :data:`EDU_CODES`), ``YOA`` (year of arrival).
:func:`mapping_text` gives the mapping file that tabulates them.

Records are drawn in chunks of :data:`CHUNK` persons, chunk ``k`` from a NumPy generator
seeded by ``(seed, k)``, each chunk written to a part file and the parts copied into the one
output file by DuckDB: memory stays bounded by the chunk whatever the number of persons, and
the same seed gives the same records in the same order (NumPy keeps its generators' streams
stable across versions, bar announced changes).
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import duckdb
import numpy as np

CHUNK = 1_000_000
"""Persons per chunk: about 20 MB of arrays (part of the determinism: the seed and the chunk)."""
MAX_PERSONS = 1_000_000_000
NATURALISED = 0.7
"""Probability that a foreign-born person holds the reporting country's citizenship."""
FIRST_ARRIVAL = 1940
EDU_UNKNOWN = 0.02
EDU_CODES = {str(level + 1): f"ED{level}" for level in range(9)} | {"99": "_U"}
"""National education codes of the file (1-9: ISCED 2011 levels 0-8) -> EDU code list."""
ADULT_EDUCATION = (0.01, 0.05, 0.12, 0.42, 0.08, 0.07, 0.17, 0.075, 0.005)
"""Assumed shares of ISCED levels 0-8 among persons aged 15+ with a known level."""
MAX_AGE = 100


@dataclass(frozen=True, slots=True)
class Margins:
    """The published figures a census is drawn from (persons, not thousands)."""

    country: str
    year: int
    population: int
    male_share: float
    born_abroad: dict[str, int]
    sources: list[str] = field(default_factory=list)

    @property
    def foreign_share(self) -> float:
        return sum(self.born_abroad.values()) / self.population

    def birth_distribution(self) -> tuple[list[str], np.ndarray]:
        """Countries of birth (the reporting country first) and their probabilities."""
        codes = [self.country, *sorted(self.born_abroad, key=lambda c: -self.born_abroad[c])]
        weights = np.array(
            [self.population - sum(self.born_abroad.values())]
            + [self.born_abroad[c] for c in codes[1:]],
            dtype=float,
        )
        return codes, weights / weights.sum()


def _age_weights(foreign: bool) -> np.ndarray:
    """Stylised age distributions (assumed): young for the native-born, older abroad."""
    ages = np.arange(MAX_AGE)
    if foreign:
        weights = np.exp(-(((ages - 52.0) / 18.0) ** 2) / 2)
    else:
        weights = np.exp(-ages / 38.0) * (1 - 1 / (1 + np.exp((85 - ages) / 4)))
    return weights / weights.sum()


def _education(rng: np.random.Generator, age: np.ndarray) -> np.ndarray:
    """Index into :data:`EDU_CODES` (0-8: ISCED level, 9: unknown)."""
    adult = rng.choice(9, size=age.size, p=ADULT_EDUCATION)
    adult = np.where(rng.random(age.size) < EDU_UNKNOWN, 9, adult)
    school = np.select([age < 7, age < 11], [0, 1], default=2)
    return np.where(age < 15, school, adult).astype(np.int8)


def draw_chunk(margins: Margins, seed: int, index: int, size: int) -> dict[str, np.ndarray]:
    """Chunk ``index`` of the census: integer columns (indices into the code lists)."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, index]))
    codes, probabilities = margins.birth_distribution()
    cob = rng.choice(len(codes), size=size, p=probabilities).astype(np.int16)
    foreign = cob > 0
    age = np.where(
        foreign,
        rng.choice(MAX_AGE, size=size, p=_age_weights(True)),
        rng.choice(MAX_AGE, size=size, p=_age_weights(False)),
    ).astype(np.int16)
    citizen = ~foreign | (rng.random(size) < NATURALISED)
    cit = np.where(citizen, 0, cob).astype(np.int16)
    sex = np.where(rng.random(size) < margins.male_share, 1, 2).astype(np.int8)
    born = margins.year - age
    start = np.maximum(born, FIRST_ARRIVAL)
    arrival = start + np.floor(rng.random(size) * (margins.year - start + 1))
    yoa = np.where(foreign, arrival, -1).astype(np.int16)
    return {"COB": cob, "CIT": cit, "SEX": sex, "AGE": age, "EDU": _education(rng, age), "YOA": yoa}


def _quoted(text: str) -> str:
    """``text`` inside a single-quoted SQL literal."""
    return text.replace("'", "''")


def _sql_list(values: list[str]) -> str:
    return "[" + ", ".join(f"'{v}'" for v in values) + "]"


def description(margins: Margins, persons: int, seed: int) -> dict[str, object]:
    """What the sidecar and the Parquet metadata say about the file."""
    return {
        "synthetic": True,
        "warning": "SYNTHETIC DATA generated by migstat; not census records, not real persons.",
        "persons": persons,
        "seed": seed,
        "chunk": CHUNK,
        "margins": asdict(margins) | {"foreign_share": margins.foreign_share},
        "assumed": {
            "age": "stylised distributions (native-born young, foreign-born centred on 52)",
            "citizenship": f"native-born own; foreign-born own with p={NATURALISED}, else COB",
            "education": f"by school age under 15; from 15 ISCED shares {ADULT_EDUCATION}, "
            f"{EDU_UNKNOWN:.0%} unknown",
            "year_of_arrival": f"foreign-born: uniform from birth (or {FIRST_ARRIVAL}) to the "
            "reference year; native-born empty",
        },
    }


def sidecar(output: Path) -> Path:
    return output.with_name(output.name + ".json")


def synthesize(
    output: Path,
    margins: Margins,
    *,
    persons: int,
    seed: int = 0,
    memory_limit: str = "1GB",
    progress: Callable[[int], None] | None = None,
) -> Path:
    """Write ``persons`` synthetic records to ``output`` (Parquet) and the sidecar; return
    the sidecar's path. ``progress(done)`` is called after each chunk."""
    if not 0 < persons <= MAX_PERSONS:
        raise ValueError(f"persons must be between 1 and {MAX_PERSONS:,}, not {persons:,}")
    codes, _ = margins.birth_distribution()
    edu = list(EDU_CODES)
    about = description(margins, persons, seed)
    output = Path(output)
    with (
        duckdb.connect() as con,
        tempfile.TemporaryDirectory(prefix=".synthetic-", dir=output.parent) as parts,
    ):
        con.execute(f"SET memory_limit = '{_quoted(memory_limit)}'")
        select = (
            f"SELECT list_extract(c, COB + 1) AS COB, list_extract(c, CIT + 1) AS CIT, "
            f"SEX::VARCHAR AS SEX, AGE, list_extract(e, EDU + 1) AS EDU, "
            f"CASE WHEN YOA < 0 THEN NULL ELSE YOA END AS YOA FROM chunk, "
            f"(SELECT {_sql_list(codes)} AS c, {_sql_list(edu)} AS e)"
        )
        for index, start in enumerate(range(0, persons, CHUNK)):
            chunk = draw_chunk(margins, seed, index, min(CHUNK, persons - start))
            con.register("chunk", chunk)
            part = Path(parts) / f"part-{index:06d}.parquet"
            con.execute(f"COPY ({select}) TO '{_quoted(str(part))}' (FORMAT parquet)")
            con.unregister("chunk")
            if progress:
                progress(start + len(chunk["COB"]))
        kv = _quoted(json.dumps(about))
        whole = Path(parts) / "census.parquet"  # moved into place once complete
        con.execute(
            f"COPY (SELECT * FROM read_parquet('{_quoted(str(parts))}/part-*.parquet')) TO "
            f"'{_quoted(str(whole))}' (FORMAT parquet, COMPRESSION zstd, KV_METADATA "
            f"{{synthetic: 'true', \"migstat.synthetic\": '{kv}'}})"
        )
        os.replace(whole, output)
    path = sidecar(output)
    path.write_text(json.dumps(about, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def mapping_text(margins: Margins) -> str:
    """The mapping file that tabulates a synthetic census (COB and CIT are AREA codes)."""
    edu = ", ".join(f'"{k}": {v}' for k, v in EDU_CODES.items())
    return (
        "# Mapping of a SYNTHETIC census written by migstat synthesize-census.\n"
        "variables: {sex: SEX, age: AGE, country_of_birth: COB, citizenship: CIT,\n"
        "            education: EDU, year_of_arrival: YOA}\n"
        f"country: {margins.country}\n"
        f'reference_date: "{margins.year}-07-01"\n'
        "recode:\n"
        '  SEX: {"1": M, "2": F}\n'
        f"  EDU: {{{edu}}}\n"
        "metadata:\n"
        "  source_type: other\n"
        "  population_covered: SYNTHETIC persons written by migstat synthesize-census with "
        f"UN DESA {margins.year} margins for {margins.country}; not real data\n"
    )
