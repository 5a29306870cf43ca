"""UNHCR refugee population statistics: refugees and asylum-seekers by origin and asylum.

The CSV ``year,orig,dest,refugees,asylum_seekers`` (ISO alpha-3 codes) becomes table R01:
``REF_AREA`` = country of asylum, ``COUNTRY_ORIGIN`` = origin, ``PROT_STATUS`` ``REF`` and
``ASY`` from the two value columns. Mapping decisions:

* End-of-year figures: ``TIME_PERIOD`` is ``<year>-12-31``; SEX ``_T``.
* Origin codes UNHCR uses outside ISO 3166: an empty origin is unknown (``_U``), ``UKN``
  likewise, ``XXA`` is stateless (``STATELESS``), ``TIB`` Tibetans (AREA code ``TIB``).
  Any other code that is not in the AREA code list is reported as unmatched.
* Only what is published is stored: no refugee + asylum-seeker total is computed.
* ``NA`` or an empty value: not available, ``None`` flagged ``L``.
* Rows with origin = asylum country are kept as published (mostly zeros).
* Rows without a country of asylum (1995-1999: asylum-seekers of unknown origin and
  asylum country) cannot be given a REF_AREA: skipped with a warning finding.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from migstat.formats.csvbase import sniff_separator
from migstat.formats.notation import parse_count
from migstat.formats.text import CYRILLIC, decode_text
from migstat.i18n import N_
from migstat.model.data import (
    Dataset,
    LineObservation,
    Location,
    Observation,
    Provenance,
    SourceType,
    TableMetadata,
)
from migstat.model.findings import Finding, InputError, Severity, check_exact
from migstat.model.registry import Registry
from migstat.sources.common import HEADER_WITHIN, CsvFile, key_for, paused_gc
from migstat.sources.cube import RULE_NOT_STORED
from migstat.sources.names import NameReport
from migstat.sources.skipped import Places

NAME = "unhcr"
PROVIDER = "UNHCR"
TABLE = "R01"
URL = "https://www.unhcr.org/refugee-statistics/"
UNHCR_CODES = {"": "_U", "UKN": "_U", "XXA": "STATELESS", "TIB": "TIB"}
"""UNHCR origin codes outside ISO 3166-1, as met in its data files."""
VALUE_COLUMNS = (("refugees", "REF"), ("asylum_seekers", "ASY"))
NOT_AVAILABLE = ("", "NA", "..", "-", "\u2026")
NOT_A_COUNTRY = ("_U", "STATELESS", "TIB")
RULE_NO_REF_AREA = "IMPORT_NO_REF_AREA"


COLUMNS: dict[str, tuple[str, ...]] = {
    "year": ("year", "год"),
    "orig": ("orig", "coo_iso", "country of origin (iso)", "coo", "country of origin"),
    "dest": ("dest", "coa_iso", "country of asylum (iso)", "coa", "country of asylum"),
    "refugees": (
        "refugees",
        "refugees under unhcr's mandate",
        "refugees under unhcr\u2019s mandate",
    ),
    "asylum_seekers": ("asylum_seekers", "asylum-seekers", "asylum seekers"),
}
"""The columns of both header styles, by what they hold: the data files' short names
(``year,orig,dest,refugees,asylum_seekers``, the API's ``coo_iso``/``coa_iso``) and the
Refugee Data Finder export's labels. ISO codes are preferred to names when both are given."""
KNOWN = {"country of origin", "country of asylum", "coo_name", "coa_name"}
"""Columns read for nothing else: the names beside the ISO codes."""


def is_header(fields: list[str]) -> bool:
    """Whether a line is a UNHCR header: a year, an origin, an asylum country and a value."""
    folded = {f.casefold() for f in fields}
    return (
        bool(folded & set(COLUMNS["year"]))
        and bool(folded & set(COLUMNS["orig"]))
        and bool(folded & set(COLUMNS["dest"]))
        and bool(folded & (set(COLUMNS["refugees"]) | set(COLUMNS["asylum_seekers"])))
    )


def sniff(path: Path, head: bytes) -> bool:
    """Either header style, after a preamble of up to a few lines."""
    text = decode_text(head, legacy=CYRILLIC, sample=True)
    for line in text.splitlines()[:HEADER_WITHIN]:
        fields = next(csv.reader([line], delimiter=sniff_separator(line)), [])
        if is_header([f.strip() for f in fields]):
            return True
    return False


DIGITS = 15
"""Plain digits up to this many are read as they are; a longer figure goes through
:func:`_value`, which refuses one the store would round (:func:`~migstat.model.check_exact`)."""

BATCH = 20_000
"""Observations per batch of :func:`stream`."""


def read(
    path: Path,
    *,
    registry: Registry,
    allow_unmatched: bool = False,
    edition: str | None = None,
    **_: Any,
) -> Dataset:
    with paused_gc():
        dataset, batches = stream(
            path, registry=registry, allow_unmatched=allow_unmatched, edition=edition
        )
        for batch in batches:
            dataset.observations.extend(batch)
    return dataset


def stream(
    path: Path,
    *,
    registry: Registry,
    allow_unmatched: bool = False,
    edition: str | None = None,
    **_: Any,
) -> tuple[Dataset, Iterator[list[Observation]]]:
    """The dataset without its observations, and its observations in batches of
    :data:`BATCH`, read as the batches are asked for. The dataset's provenance, reference
    dates and findings are complete once the last batch has been read."""
    src = CsvFile(path, is_header=is_header)
    rows = _Rows(src, registry)
    dataset = Dataset(
        file_name=src.name, format=NAME, provider=PROVIDER, observations=[], synthetic=False
    )
    return dataset, _batches(rows, dataset, allow_unmatched=allow_unmatched, edition=edition)


class _Rows:
    """The file's columns, found from its header, and its rows made observations."""

    def __init__(self, src: CsvFile, registry: Registry) -> None:
        self.src = src
        name = self.name = src.name
        self.table = registry.table(TABLE)
        self.c_year, self.c_orig, self.c_dest = (
            src.column(*COLUMNS[c]) for c in ("year", "orig", "dest")
        )
        values = [
            (src.column(*COLUMNS[col], required=False), col, status)
            for col, status in VALUE_COLUMNS
        ]
        self.values = [(c, col, status) for c, col, status in values if c is not None]
        self.left_out = _left_out(
            src.header, [self.c_year, self.c_orig, self.c_dest, *(c for c, _, _ in self.values)]
        )
        if not self.values:
            raise InputError(
                N_("Column {column} is missing; the header has: {header}."),
                where=Location(file=name, line=1),
                column="refugees",
                header=", ".join(src.header),
            )
        self.report = NameReport(file=name, registry=registry)
        self.codes: dict[str, str | None] = {}
        self.keys: dict[tuple[str, str], tuple[str, ...]] = {}
        self.no_asylum_country = Places()
        self.years: set[int] = set()
        self.years_seen: set[str] = set()
        """The years found, as written (a year of a row that is skipped is not counted)."""
        self.periods: dict[str, str] = {}
        self.width = 1 + max(self.c_year, self.c_orig, self.c_dest, *(c for c, _, _ in self.values))

    def code_of(self, text: str, line: int, column: str) -> str | None:
        try:
            code = self.codes[text]
        except KeyError:
            where = Location(file=self.name, line=line, column=column)
            upper = text.strip().upper()
            code = (
                UNHCR_CODES.get(upper)
                if upper in UNHCR_CODES
                else self.report.resolve(text.strip(), where)
            )
            self.codes[text] = code
            return code
        if code is None:
            self.report.add(text.strip(), Location(file=self.name, line=line, column=column))
        return code

    def _period(self, year: str, line: int) -> str:
        """``<year>-12-31`` of a four-digit year (remembered); any other text stops."""
        if not ((year.isascii() and year.isdigit()) and len(year) == 4):
            raise InputError(
                N_("Year {value} is not a four-digit year."),
                where=Location(file=self.name, line=line, column="year"),
                value=year,
            )
        period = self.periods[year] = f"{year}-12-31"
        return period

    def key(self, origin: str, status: str) -> tuple[str, ...]:
        key = self.keys.get((origin, status))
        if key is None:
            key = self.keys[(origin, status)] = key_for(
                self.table, {"COUNTRY_ORIGIN": origin, "PROT_STATUS": status}
            )
        return key

    def observations(self, line: int, row: list[str]) -> list[Observation]:
        """The observations of one row (none for a row that is skipped)."""
        name = self.name
        if len(row) < self.width:
            row = row + [""] * (self.width - len(row))
        year = row[self.c_year].strip()
        period = self.periods.get(year)
        if period is None:
            period = self._period(year, line)
        dest = self.code_of(row[self.c_dest], line, "dest")
        origin = self.code_of(row[self.c_orig], line, "orig")
        if dest is None or origin is None:
            return []
        if dest in NOT_A_COUNTRY:  # e.g. 1995-1999: asylum-seekers without a country
            self.no_asylum_country.add("dest", Location(file=name, line=line, column="dest"))
            return []
        if year not in self.years_seen:
            self.years_seen.add(year)
            self.years.add(int(year))
        out: list[Observation] = []
        for c, col, status in self.values:
            text = row[c].strip()
            if text.isdigit() and text.isascii() and len(text) <= DIGITS:
                value, flag = int(text), "A"
            else:
                value, flag = _value(text, name, line, col)
            out.append(
                LineObservation(
                    TABLE,
                    dest,
                    period,
                    self.key(origin, status),
                    value,
                    flag,
                    file=name,
                    line=line,
                    column=col,
                )
            )
        return out


def _batches(
    rows: _Rows, dataset: Dataset, *, allow_unmatched: bool, edition: str | None
) -> Iterator[list[Observation]]:
    batch: list[Observation] = []
    for line, row in rows.src.records():
        batch.extend(rows.observations(line, row))
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch
    _finish(rows, dataset, allow_unmatched=allow_unmatched, edition=edition)


def _finish(rows: _Rows, dataset: Dataset, *, allow_unmatched: bool, edition: str | None) -> None:
    """What the dataset says of itself once every row has been read."""
    years = rows.years
    name = rows.name
    span = f"{min(years)}-12-31/{max(years)}-12-31" if years else None
    dataset.provenance = Provenance(
        publisher="UNHCR",
        dataset="Refugee population statistics: refugees and "
        "asylum-seekers by country of origin and country of asylum",
        edition=edition or (str(max(years)) if years else None),
        url=URL,
        notes=(
            "end-of-year figures; edition = latest year in the file unless given; "
            f"SHA-256 {rows.src.sha256}"
        ),
    )
    dataset.metadata.tables[TABLE] = TableMetadata(
        table=TABLE,
        source_type=SourceType.ASYLUM.value,
        reference_date=span,
        origin_concept="CITIZENSHIP",
        population_covered="refugees and asylum-seekers under UNHCR's mandate",
        notes=(
            "UNHCR refugee statistics: refugees (REF) and asylum-seekers (ASY) by origin "
            "and country of asylum, 31 December; empty origin = unknown, XXA = stateless"
        ),
    )
    rows.report.settle(dataset, allow_unmatched)
    if rows.left_out:
        dataset.findings.append(
            Finding(
                rule=RULE_NOT_STORED,
                severity=Severity.WARNING,
                table=TABLE,
                message=N_(
                    "Columns {columns} are not stored: table {table} holds refugees and "
                    "asylum-seekers by origin only."
                ),
                params={"columns": ", ".join(rows.left_out), "table": TABLE},
                where=Location(file=name, line=rows.src.offset + 1),
            )
        )
    if rows.no_asylum_country:
        dataset.findings.append(
            rows.no_asylum_country.one(
                rule=RULE_NO_REF_AREA,
                severity=Severity.WARNING,
                table=TABLE,
                message=N_(
                    "{count} rows give no country of asylum and are skipped: they cannot "
                    "be assigned to a reporting country."
                ),
                params={"count": rows.no_asylum_country.total},
                related=True,
            )
        )


def _left_out(header: list[str], used: list[int]) -> list[str]:
    """The value columns of an export that R01 does not hold (returned refugees, IDPs ...)."""
    return [
        h
        for i, h in enumerate(header)
        if i not in used
        and h.strip()
        and h.strip().casefold() not in KNOWN
        and h.strip().casefold() not in COLUMNS["orig"] + COLUMNS["dest"]
    ]


def _value(text: str, name: str, line: int, column: str) -> tuple[int | float | None, str]:
    """``(value, OBS_STATUS)`` of a published cell: a count, or not available (``L``)."""
    where = Location(file=name, line=line, column=column)
    if text.isascii() and text.isdigit():
        check_exact(int(text), where)
        return int(text), "A"
    if text.upper() in NOT_AVAILABLE:
        return None, "L"
    value = parse_count(text)
    if value is None:
        raise InputError(N_("Value {value} is not a number."), where=where, value=text)
    check_exact(value, where)
    return value, "A"
