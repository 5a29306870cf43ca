"""What the long-CSV and SDMX-CSV readers share: decoding, separators, lines, observations.

Each row is one observation. Columns are found by name (any order, any case; an SDMX-CSV
header ``REF_AREA: Reference area`` counts as ``REF_AREA``). Locations are physical lines,
the header being line 1.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Generic, TypeVar

from migstat.formats.csvstream import HEAD, codec_of, is_utf16, locate, open_text, undecodable
from migstat.formats.notation import NotANumber, read_text
from migstat.formats.submeta import MetaColumns
from migstat.formats.text import UTF16_BOMS, UndecodableText, decode_text
from migstat.i18n import N_
from migstat.model import (
    Dataset,
    Finding,
    InputError,
    Location,
    NotFoundError,
    Observation,
    Registry,
    Severity,
    SubmissionMetadata,
    TableDef,
)
from migstat.model.data import MISSING_STATUSES
from migstat.model.precision import ATTRIBUTES as PRECISION
from migstat.model.precision import BadAttribute, Precision, from_attributes

SEPARATORS = (",", ";", "\t")
BASE_COLUMNS = ("REF_AREA", "TIME_PERIOD", "OBS_VALUE")
ATTRIBUTES = ("OBS_STATUS", "CONF_STATUS", "COMMENT", *PRECISION)
BATCH = 20_000
MAX_AREAS = 1_000
"""Distinct reference areas a submitted file may name: the registry knows about 300 areas
and a submission is one country's tables, so more is a damaged column, and the reader would
hold every one of them."""
MAX_PERIODS = 10_000
"""Distinct periods a submitted file may name (a century of months is 1,200)."""
Seen = tuple[dict[str, int], set[str]]
"""The areas a file has named (with the line of each first) and its periods."""
"""Observations per batch when a file is read as a stream (:meth:`CsvReader.stream`)."""


def as_bytes(source: bytes | bytearray | str | Path) -> bytes:
    if isinstance(source, bytes | bytearray):
        return bytes(source)
    return Path(source).read_bytes()


def decode(data: bytes, *, file_name: str, encoding: str | None = None) -> str:
    """The text of a CSV file: UTF-8 (with or without BOM, or UTF-16 with BOM) unless
    ``encoding`` is given; no legacy code page is guessed (see :mod:`migstat.formats.text`)."""
    try:
        return decode_text(data, encoding=encoding)
    except UndecodableText as problem:
        line = problem.line
        if encoding:
            raise InputError(
                N_("The file cannot be read as {encoding} (line {line})."),
                where=Location(file=file_name, line=line),
                encoding=encoding,
                line=line,
            ) from None
        if data.startswith(UTF16_BOMS):
            raise InputError(
                N_(
                    "The file starts as UTF-16 text but is cut off or damaged at line {line}: "
                    "save it again (as “CSV UTF-8”) and send the whole file."
                ),
                where=Location(file=file_name, line=line),
                line=line,
            ) from None
        raise InputError(
            N_(
                "The file is not UTF-8 text: line {line} holds characters in another "
                "encoding (perhaps Windows-1251 or Latin-1). Save the file as "
                "“CSV UTF-8” and send it again."
            ),
            where=Location(file=file_name, line=line),
            line=line,
        ) from None
    except InputError as problem:  # an unknown encoding named
        problem.where = Location(file=file_name)
        problem.args = (problem.text("en"),)
        raise


def _count_outside_quotes(line: str, sep: str) -> int:
    count = 0
    quoted = False
    for ch in line:
        if ch == '"':
            quoted = not quoted
        elif ch == sep and not quoted:
            count += 1
    return count


def sniff_separator(header_line: str) -> str:
    counts = {sep: _count_outside_quotes(header_line, sep) for sep in SEPARATORS}
    best = max(SEPARATORS, key=lambda sep: counts[sep])
    return best if counts[best] else ","


def first_line(text: str) -> str:
    """The first non-blank line (where a CSV file's header is; compare
    :func:`migstat.formats.text.line_one`, line 1 blank or not)."""
    for line in text.splitlines():
        if line.strip():
            return line
    return ""


def column_id(name: str) -> str:
    """``REF_AREA``, from ``ref_area``, `` REF_AREA `` or ``REF_AREA: Reference area``."""
    head = name.strip().lstrip("\ufeff")
    if ":" in head:
        head = head.split(":", 1)[0]
    return head.strip().upper()


def code_value(text: str) -> str:
    """A code from a field that may carry its label (SDMX-CSV ``KGZ: Kyrgyzstan``)."""
    text = text.strip()
    if ": " in text:
        return text.split(": ", 1)[0].strip()
    return text


def rows(
    text: str | IO[str], separator: str, file_name: str | None = None
) -> Iterator[tuple[int, list[str]]]:
    """``(line, fields)`` of each non-blank record; ``line`` is where the record starts.
    ``text``: the whole text, or a text stream read as the records are asked for."""
    stream = io.StringIO(text, newline="") if isinstance(text, str) else text
    reader = csv.reader(stream, delimiter=separator)
    previous = 0
    try:
        for fields in reader:
            start = previous + 1
            previous = reader.line_num
            if any(f.strip() for f in fields):
                yield start, fields
    except csv.Error as problem:
        raise InputError(
            N_("The CSV file cannot be read near line {line}: {problem}."),
            where=Location(file=file_name, line=previous + 1),
            line=previous + 1,
            problem=str(problem),
        ) from None


def stream_rows(
    path: Path, file_name: str, encoding: str | None = None
) -> Iterator[tuple[int, list[str]]]:
    """:func:`rows` of the CSV file at ``path``, read a piece at a time (a file on disk is
    never held whole); a byte that is not text is reported at its line, as :func:`decode`
    reports it."""
    where = Location(file=file_name)
    try:
        with path.open("rb") as handle:
            head = handle.read(HEAD)
    except OSError as problem:
        raise InputError(
            N_("The file cannot be opened: {problem}."),
            where=where,
            problem=problem.strerror or str(problem),
        ) from None
    try:
        codec = codec_of(head, encoding)
    except InputError as problem:
        problem.where = where
        raise
    sample = head.decode(codec, errors="ignore").lstrip("\ufeff")
    separator = sniff_separator(first_line(sample))
    with open_text(path, codec) as stream:
        try:
            yield from rows(stream, separator, file_name)
        except UnicodeDecodeError:
            line = locate(path, codec)
            raise undecodable(file_name, line, encoding=encoding, utf16=is_utf16(codec)) from None


class CsvReader:
    """Reads observations from a CSV file whose header names the columns.

    ``table_of`` gives the table id of a row (``None`` when the row says nothing), and
    ``table_column`` is the column that holds it, for messages.
    """

    format = "csv"
    table_column = "TABLE"

    def __init__(
        self,
        source: bytes | str | Path,
        *,
        file_name: str | None,
        registry: Registry,
        provider: str | None = None,
        country: str | None = None,
        encoding: str | None = None,
    ) -> None:
        if file_name is None:
            file_name = Path(source).name if isinstance(source, str | Path) else "data.csv"
        self.file_name = file_name
        self.registry = registry
        self.provider = provider
        self.country = country
        if isinstance(source, bytes | bytearray):
            text = decode(bytes(source), file_name=file_name, encoding=encoding)
            self._records = rows(text, sniff_separator(first_line(text)), file_name)
        else:
            self._records = stream_rows(Path(source), file_name, encoding)
        try:
            _line, self.header = next(self._records)
        except StopIteration:
            raise InputError(
                N_("The file is empty: it has no header and no data."), where=self.where()
            ) from None
        self.columns: dict[str, int] = {}
        for i, name in enumerate(self.header):
            self.columns.setdefault(column_id(name), i)
        self._tables: dict[str, TableDef] = {}
        self._areas: dict[str, str] = {}
        self.meta_columns = MetaColumns.of(file_name, self.columns)
        self._has_precision = any(a in self.columns for a in PRECISION)
        self.findings_dropped = 0
        """The reader's findings counted beyond those kept (:meth:`stream`)."""

    # -- helpers -----------------------------------------------------------------------------
    def where(self, line: int | None = None, column: str | None = None) -> Location:
        return Location(file=self.file_name, line=line, column=column)

    def field(self, fields: list[str], name: str) -> str:
        index = self.columns.get(name)
        if index is None or index >= len(fields):
            return ""
        return fields[index].strip()

    def require(self, needed: list[str]) -> None:
        missing = [c for c in needed if c not in self.columns]
        if missing:
            raise InputError(
                N_("Columns missing: {missing}. The header has: {found}."),
                where=self.where(1),
                missing=", ".join(missing),
                found=", ".join(self.header) or "—",
            )

    def table(self, table_id: str, line: int, column: str) -> TableDef:
        found = self._tables.get(table_id)
        if found is None:
            try:
                found = self.registry.table(table_id)
            except NotFoundError:
                raise InputError(
                    N_("Unknown table {table} in column {column}. Known tables: {known}."),
                    where=self.where(line, column),
                    table=table_id,
                    column=column,
                    known=", ".join(self.registry.tables),
                ) from None
            self.require([*BASE_COLUMNS, *found.dimension_ids])
            self._tables[table_id] = found
        return found

    def area(self, code: str) -> str:
        resolved = self._areas.get(code)
        if resolved is None:
            if len(self._areas) >= 4 * MAX_AREAS:
                self._areas.clear()  # a cache of the codes as written: kept bounded
            found = self.registry.areas.resolve(code) if code else None
            resolved = self._areas[code] = found or code
        return resolved

    def _bound(self, ref_area: str, period: str, line: int, seen: Seen) -> None:
        """Note a row's area and period; refuse a file that names more of either than a
        submission can hold (each is held until the file is read)."""
        areas, periods = seen
        if ref_area not in areas:
            if len(areas) >= MAX_AREAS:
                raise InputError(
                    N_(
                        "The file names more than {limit} reference areas (REF_AREA, line "
                        "{line}); a submission holds one country's tables. Check the REF_AREA "
                        "column."
                    ),
                    where=self.where(line, "REF_AREA"),
                    limit=MAX_AREAS,
                    line=line,
                )
            areas[ref_area] = line
        if period not in periods:
            if len(periods) >= MAX_PERIODS:
                raise InputError(
                    N_(
                        "The file names more than {limit} periods (TIME_PERIOD, line {line}). "
                        "Check the TIME_PERIOD column, or send the periods in several files."
                    ),
                    where=self.where(line, "TIME_PERIOD"),
                    limit=MAX_PERIODS,
                    line=line,
                )
            periods.add(period)

    # -- reading -----------------------------------------------------------------------------
    def read(
        self, table_of: Callable[[list[str], int], str | None], required: list[str]
    ) -> Dataset:
        dataset, batches = self.stream(table_of, required)
        for batch in batches:
            dataset.observations.extend(batch)
        return dataset

    def stream(
        self,
        table_of: Callable[[list[str], int], str | None],
        required: list[str],
        *,
        batch: int = BATCH,
        kept: int | None = None,
    ) -> tuple[Dataset, Iterator[list[Observation]]]:
        """The file's dataset (its provider, metadata and findings complete once the last
        batch is read) and its observations in lists of ``batch``, read as they are asked
        for. ``kept``: the reader's findings kept at most (the rest counted in
        :attr:`findings_dropped`), so that a file of bad numbers does not fill memory."""
        self.require(required)
        dataset = Dataset(file_name=self.file_name, format=self.format, provider="")
        return dataset, self._batches(dataset, table_of, batch, kept)

    def _batches(
        self,
        dataset: Dataset,
        table_of: Callable[[list[str], int], str | None],
        size: int,
        kept: int | None,
    ) -> Iterator[list[Observation]]:
        observations: list[Observation] = []
        findings = dataset.findings
        areas: dict[str, int] = {}
        known: Seen = (areas, set())
        seen = 0
        for line, fields in self._records:
            table_id = table_of(fields, line)
            if not table_id:
                raise InputError(
                    N_("The table is not given on line {line}."), where=self.where(line), line=line
                )
            tdef = self.table(table_id, line, self.table_column)
            self.meta_columns.take(tdef.id, fields, line, code_value)
            self._row(tdef, fields, line, observations, findings, known)
            if kept is not None and len(findings) > kept:
                self.findings_dropped += len(findings) - kept
                del findings[kept:]
            if len(observations) >= size:
                seen += len(observations)
                yield observations
                observations = []
        seen += len(observations)
        if not seen and not findings:
            raise InputError(N_("The file has a header but no data rows."), where=self.where())
        dataset.provider = self._provider(areas)
        dataset.metadata = SubmissionMetadata(
            country=next(iter(areas)) if len(areas) == 1 else None
        )
        self.meta_columns.apply(dataset.metadata)
        if observations:
            yield observations

    def _row(
        self,
        tdef: TableDef,
        fields: list[str],
        line: int,
        observations: list[Observation],
        findings: list[Finding],
        seen: Seen,
    ) -> None:
        ref_area = self.area(code_value(self.field(fields, "REF_AREA")))
        period = self.field(fields, "TIME_PERIOD")
        self._bound(ref_area, period, line, seen)
        key = tuple(code_value(self.field(fields, d)) for d in tdef.dimension_ids)
        raw = self.field(fields, "OBS_VALUE")
        obs_status = code_value(self.field(fields, "OBS_STATUS"))
        conf_status = code_value(self.field(fields, "CONF_STATUS"))
        comment = self.field(fields, "COMMENT") or None
        precision = self.precision(fields, line) if self._has_precision else None
        where = self.where(line)
        try:
            reading = read_text(raw)
        except NotANumber as problem:
            keys = dict(zip(tdef.dimension_ids, key, strict=True))
            keys.update(REF_AREA=ref_area, TIME_PERIOD=period)
            findings.append(
                Finding(
                    rule="STRUCT_NOT_NUMBER",
                    severity=Severity.ERROR,
                    message=N_(
                        "OBS_VALUE “{text}” on line {line} is not a number. Give a number, "
                        "or leave it empty and give OBS_STATUS (L, M, O or Q) or "
                        "CONF_STATUS C."
                    ),
                    params={"text": problem.text, "line": line},
                    table=tdef.id,
                    where=Location(file=self.file_name, line=line, column="OBS_VALUE"),
                    key=keys,
                    values={},
                )
            )
            return
        if reading is None:
            if obs_status not in MISSING_STATUSES and conf_status in ("", "F"):
                return  # nothing given: not an observation
            value = None
            notation_obs, notation_conf = "A", "F"
        else:
            value = reading.value
            notation_obs, notation_conf = reading.obs_status, reading.conf_status
        observations.append(
            Observation(
                table=tdef.id,
                ref_area=ref_area,
                time_period=period,
                key=key,
                value=value,
                obs_status=obs_status or notation_obs,
                conf_status=conf_status or notation_conf,
                comment=comment,
                where=where,
                precision=precision,
            )
        )

    def precision(self, fields: list[str], line: int) -> Precision | None:
        """A survey estimate's precision from the attribute columns ``STD_ERROR`` …
        ``RELIABILITY``, or ``None`` when the row gives none."""
        try:
            return from_attributes({a: code_value(self.field(fields, a)) for a in PRECISION})
        except BadAttribute as bad:
            raise InputError(
                N_(
                    "{column} “{text}” on line {line} is not valid: STD_ERROR and COEF_VAR "
                    "take a number of 0 or more, CI_LOWER and CI_UPPER a number, CI_LEVEL a "
                    "whole per cent (95), RELIABILITY reliable, flagged or suppressed."
                ),
                where=self.where(line, bad.column),
                column=bad.column,
                text=bad.text,
                line=line,
            ) from None

    def _provider(self, areas: dict[str, int]) -> str:
        if self.country:
            expected = self._country(self.country, None)
            for code, line in areas.items():
                if code != expected:
                    raise InputError(
                        N_(
                            "The file has figures for {found} (REF_AREA, line "
                            "{line}), but it is submitted for {expected}."
                        ),
                        where=self.where(line, "REF_AREA"),
                        found=code,
                        expected=expected,
                        line=line,
                    )
            return self.provider or expected
        if self.provider:
            return self.provider
        if len(areas) == 1:
            code, line = next(iter(areas.items()))
            return self._country(code, line)
        raise InputError(
            N_(
                "The file has figures for several countries ({codes}); say which "
                "provider stands behind them."
            ),
            where=self.where(),
            codes=", ".join(sorted(areas)),
        )

    def _country(self, code: str, line: int | None) -> str:
        try:
            return self.registry.country(code)
        except NotFoundError:
            raise InputError(
                N_("Unknown country {code}: give an ISO 3166 alpha-3 code such as KGZ."),
                where=self.where(line, "REF_AREA" if line else None),
                code=code,
            ) from None


TableOf = Callable[[list[str], int], str | None]
"""The table of a row (its fields and line), or ``None`` when the row does not say."""
R = TypeVar("R", bound=CsvReader)


@dataclass(frozen=True, slots=True)
class Opened(Generic[R]):
    """A CSV file opened by its format's reader, with how each row's table is told and the
    columns it requires: read whole or as a stream, the same way for every format."""

    reader: R
    table_of: TableOf
    required: list[str]

    def read(self) -> Dataset:
        """The whole dataset."""
        return self.reader.read(self.table_of, self.required)

    def stream(self, kept: int | None = None) -> tuple[Dataset, Iterator[list[Observation]], R]:
        """As a stream (:meth:`CsvReader.stream`): the dataset, complete once the last batch
        is read, its observations in batches, and the reader (which counts the findings it
        did not keep past ``kept``)."""
        dataset, batches = self.reader.stream(self.table_of, self.required, kept=kept)
        return dataset, batches, self.reader
