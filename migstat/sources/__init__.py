"""Importers of published migration statistics: one small module per publisher's quirks.

Each module turns a publisher's file into a :class:`~migstat.model.Dataset` of the standard
tables, recording where every number was read, the publisher's provenance (with the file's
SHA-256) and the table metadata the publisher's practice implies. A module offers

* ``sniff(path, head) -> bool``: whether the file looks like this publisher's, from its first
  bytes (and, for workbooks, a look inside);
* ``read(path, *, registry, **options) -> Dataset``.

Options every reader accepts: ``allow_unmatched`` (skip rows with a code that matches nothing
and report them as warnings instead of stopping with an error; a country *name* that matches
nothing is always skipped and reported, with the closest codes). Readers ignore
options they do not know. :func:`read_source` adds ``table`` (keep one table only; it is
also passed to the reader, since generic formats such as PX and matrices may need it).

Country names go through :mod:`migstat.sources.names` and its normalisation in
:mod:`migstat.sources.namematch`; nothing is guessed.

What is generic has its own module, so that a publisher's module holds only its quirks:
:mod:`~migstat.sources.common` (delimited files, keys, hashes), :mod:`~migstat.sources.names`
(country names and the UN's groups), :mod:`~migstat.sources.skipped` (what a reader leaves out
and where, for its findings), :mod:`~migstat.sources.cube` and :mod:`~migstat.sources.coded`
(coded records of any agency into tables; an agency's quirks are an ``Agency``), and
:mod:`~migstat.sources.tabular` (what the PX, matrix and long-table readers share). Text is
decoded by :mod:`migstat.formats.text` and numbers read by :mod:`migstat.formats.notation`.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from migstat.formats.limits import check_file, check_whole
from migstat.formats.questionnaire.xlsx import ZIP_DAMAGE
from migstat.i18n import N_
from migstat.model.data import Dataset, Location, Observation
from migstat.model.findings import InputError, MigstatError
from migstat.model.registry import Registry, default_registry
from migstat.sources import (
    belstat,
    cisstat,
    columns,
    columns_read,
    eurostat,
    eurostat_files,
    jsonstat,
    matrix,
    mvd,
    px,
    sdmx,
    undesa,
    unhcr,
    unhcr_columns,
)
from migstat.sources.tabular import WORKBOOK_SUFFIXES

HEAD_BYTES = 8192
"""How much of a file :func:`read_source` reads for :func:`detect_source`."""


@dataclass(frozen=True, slots=True)
class SourceReader:
    """A publisher's importer as registered in :data:`SOURCES`."""

    name: str
    publisher: str
    provider: str
    tables: tuple[str, ...]
    """The tables the reader fills; empty for readers of any table made from a structure."""
    sniff: Callable[[Path, bytes], bool]
    read: Callable[..., Dataset]
    stream: Callable[..., tuple[Dataset, Iterator[list[Observation]]]] | None = None
    """Reads the file as a stream: the dataset, and its observations in batches (the
    dataset is complete once the last batch is read); ``None``: the reader holds the file."""
    columnar: Callable[..., Dataset | None] | None = None
    """The reader's plan for the columnar import: fills the DuckDB table ``obs`` of the
    connection ``con`` and gives the dataset as :attr:`stream` would have made it, or
    ``None`` for a file the row path must read (docs/importing.md)."""


SOURCES: dict[str, SourceReader] = {
    "undesa": SourceReader(
        "undesa",
        "UN DESA Population Division",
        undesa.PROVIDER,
        ("S01", "P01"),
        undesa.sniff,
        undesa.read,
    ),
    "unhcr": SourceReader(
        "unhcr",
        "UNHCR",
        unhcr.PROVIDER,
        ("R01",),
        unhcr.sniff,
        unhcr.read,
        unhcr.stream,
        unhcr_columns.plan,
    ),
    "cisstat": SourceReader(
        "cisstat",
        "Interstate Statistical Committee of the CIS",
        cisstat.PROVIDER,
        ("F01", "F02"),
        cisstat.sniff,
        cisstat.read,
    ),
    "belstat": SourceReader(
        "belstat",
        "National Statistical Committee of the Republic of Belarus",
        belstat.PROVIDER,
        ("F01", "F02"),
        belstat.sniff,
        belstat.read,
    ),
    "eurostat": SourceReader(
        "eurostat",
        eurostat.PUBLISHER,
        eurostat.PROVIDER,
        ("A01", "A01V", "A02", "A05", "A06", "S01", "F03", "C01", "E01", "E02", "E03", "E04"),
        eurostat_files.sniff,
        eurostat_files.read,
        eurostat_files.stream,
    ),
    "sdmx": SourceReader(
        "sdmx", "SDMX data of any agency", sdmx.PROVIDER, (), sdmx.sniff, sdmx.read, sdmx.stream
    ),
    "jsonstat": SourceReader(
        "jsonstat",
        "JSON-stat of any publisher",
        jsonstat.PROVIDER,
        (),
        jsonstat.sniff,
        jsonstat.read,
        jsonstat.stream,
    ),
    "px": SourceReader(
        "px",
        "A statistical office's PX (PC-Axis) table",
        px.PROVIDER,
        px.TABLES,
        px.sniff,
        px.read,
        px.stream,
    ),
    "matrix": SourceReader(
        "matrix",
        "An origin-destination matrix",
        matrix.PROVIDER,
        matrix.TABLES,
        matrix.sniff,
        matrix.read,
    ),
    "mvd": SourceReader(
        "mvd",
        "Russian Interior Ministry, form 2-RD",
        mvd.PROVIDER,
        mvd.TABLES,
        mvd.sniff,
        mvd.read,
    ),
    "columns": SourceReader(
        "columns",
        "A long table with named columns",
        columns.PROVIDER,
        columns.TABLES,
        columns.sniff,
        columns_read.read,
        columns_read.stream,
    ),
}
"""The importers by source name (the ``--source`` of ``migstat import``)."""


def detect_source(path: Path | str, head_bytes: bytes) -> str | None:
    """The name of the one source whose reader recognises the file, or ``None``."""
    path = Path(path)
    found = []
    for name, reader in SOURCES.items():
        try:
            if reader.sniff(path, head_bytes):
                found.append(name)
        # a sniffer that cannot read the head (a damaged zip, text, CSV) says: not this file
        except (*ZIP_DAMAGE, ValueError, KeyError, csv.Error):
            continue
    return found[0] if len(found) == 1 else None


def _reader(path: Path, source: str | None) -> SourceReader:
    """The importer of ``path`` (named, or detected from its first bytes), once the file is
    known to exist and to be within its size limit."""
    where = Location(file=path.name)
    if not path.is_file():
        raise InputError(N_("File not found: {path}"), where=where, path=str(path))
    check_file(path, import_=True)
    if source is None:
        with path.open("rb") as handle:
            head = handle.read(HEAD_BYTES)
        source = detect_source(path, head)
        if source is None:
            raise InputError(
                N_(
                    "Cannot tell which publisher's file this is; name the source (one of: {known})."
                ),
                where=where,
                known=", ".join(SOURCES),
            )
    reader = SOURCES.get(source.strip().lower())
    if reader is None:
        raise InputError(
            N_("Unknown source {source}; known sources: {known}."),
            where=where,
            source=source,
            known=", ".join(SOURCES),
        )
    return reader


def _wanted(reader: SourceReader, table: str | None, registry: Registry, path: Path) -> str | None:
    """The registry's id of the one table asked for, which the reader must fill."""
    if table is None:
        return None
    wanted = registry.table(table).id
    if reader.tables and wanted not in reader.tables:
        raise InputError(
            N_("Source {source} has no table {table}; it has: {tables}."),
            where=Location(file=path.name),
            source=reader.name,
            table=wanted,
            tables=", ".join(reader.tables),
        )
    return wanted


def _only(dataset: Dataset, wanted: str) -> None:
    """Keep ``dataset``'s metadata and findings of table ``wanted`` (and those of none)."""
    dataset.metadata.tables = {k: v for k, v in dataset.metadata.tables.items() if k == wanted}
    dataset.findings = [f for f in dataset.findings if getattr(f, "table", None) in (None, wanted)]


def _named(problem: MigstatError, path: Path) -> MigstatError:
    """Every error names the file, whichever reader raised it."""
    problem.where = _in_file(problem.where, path.name)
    problem.args = (problem.text("en"),)
    return problem


def whole_key(reader: str, path: Path) -> str:
    """The key of :data:`~migstat.formats.limits.WHOLE_READERS` whose limit bounds ``reader``
    holding ``path``: a workbook's, whichever reader reads it, else the reader's own."""
    return "xlsx" if path.suffix.lower() in WORKBOOK_SUFFIXES else reader


def read_source(
    path: Path | str,
    *,
    source: str | None = None,
    registry: Registry | None = None,
    table: str | None = None,
    **options: Any,
) -> Dataset:
    """Read a publisher's file into a dataset, detecting the publisher when not given."""
    path = Path(path)
    registry = registry or default_registry()
    reader = _reader(path, source)
    if reader.stream is None:
        check_whole(path, whole_key(reader.name, path))  # the reader holds the file
    try:
        dataset = reader.read(path, registry=registry, table=table, **options)
    except MigstatError as problem:
        _named(problem, path)
        raise
    wanted = _wanted(reader, table, registry, path)
    if wanted is not None:
        dataset.observations = [o for o in dataset.observations if o.table == wanted]
        _only(dataset, wanted)
    return dataset


def stream_source(
    path: Path | str,
    *,
    source: str | None = None,
    registry: Registry | None = None,
    table: str | None = None,
    **options: Any,
) -> tuple[Dataset, Iterator[list[Observation]]]:
    """A publisher's file as :func:`read_source` reads it, but its observations in batches,
    read as they are asked for: the dataset (complete once the last batch is read) and the
    batches. A reader that cannot stream reads the whole file and gives one batch."""
    path = Path(path)
    registry = registry or default_registry()
    reader = _reader(path, source)
    if reader.stream is None:
        dataset = read_source(path, source=reader.name, registry=registry, table=table, **options)
        whole, dataset.observations = dataset.observations, []
        return dataset, iter([whole] if whole else [])
    wanted = _wanted(reader, table, registry, path)
    try:
        dataset, batches = reader.stream(path, registry=registry, table=table, **options)
    except MigstatError as problem:
        _named(problem, path)
        raise
    return dataset, _streamed(dataset, batches, wanted, path)


def reader_of(path: Path | str, source: str | None) -> SourceReader:
    """The importer :func:`stream_source` would use for ``path`` (errors as it raises them)."""
    path = Path(path)
    try:
        return _reader(path, source)
    except MigstatError as problem:
        _named(problem, path)
        raise


def plan_source(
    path: Path | str,
    *,
    con: Any,
    source: str | None = None,
    registry: Registry | None = None,
    table: str | None = None,
    **options: Any,
) -> Dataset | None:
    """The columnar read of a publisher's file: its reader's plan fills DuckDB's ``obs`` on
    ``con``; the dataset, or ``None`` when the reader has no plan or the file needs the row
    path. Errors are those :func:`stream_source` raises for the same file."""
    path = Path(path)
    registry = registry or default_registry()
    reader = _reader(path, source)
    if reader.columnar is None:
        return None
    wanted = _wanted(reader, table, registry, path)
    if wanted is not None and reader.tables != (wanted,):
        return None
    try:
        return reader.columnar(path, con=con, registry=registry, table=table, **options)
    except MigstatError as problem:
        _named(problem, path)
        raise


def _streamed(
    dataset: Dataset, batches: Iterator[list[Observation]], wanted: str | None, path: Path
) -> Iterator[list[Observation]]:
    try:
        for batch in batches:
            yield batch if wanted is None else [o for o in batch if o.table == wanted]
    except MigstatError as problem:
        _named(problem, path)
        raise
    if wanted is not None:
        _only(dataset, wanted)


def _in_file(where: Location | None, name: str) -> Location:
    """``where`` with the file's name when it has none (a reader's error about its text)."""
    if where is None:
        return Location(file=name)
    return where if where.file else replace(where, file=name)


__all__ = [
    "HEAD_BYTES",
    "SOURCES",
    "SourceReader",
    "detect_source",
    "read_source",
    "stream_source",
]
