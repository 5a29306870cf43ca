"""Helpers shared by the publishers' readers: delimited files, keys, hashes, memory.

Published files arrive as UTF-8 (with or without a byte-order mark) or as Windows-1251
(:mod:`migstat.formats.text` decodes them), with commas, semicolons or tabs between fields;
numbers are read by :mod:`migstat.formats.notation`. These helpers absorb the rest once so
that each reader deals only with its publisher's layout.
"""

from __future__ import annotations

import codecs
import csv
import gc
import hashlib
import io
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from itertools import chain, islice
from pathlib import Path
from typing import Any, TextIO

from migstat.formats.csvbase import sniff_separator
from migstat.formats.text import CYRILLIC, UTF8_BOM, UTF16_BOMS, decode_text, line_one
from migstat.i18n import N_
from migstat.model.data import Location
from migstat.model.findings import InputError
from migstat.model.tables import TableDef


def header_fields(head: bytes, *, legacy: tuple[str, ...] = CYRILLIC) -> list[str]:
    """The fields of the first line of a delimited text file, from its first bytes (in the
    ``legacy`` code pages when not UTF-8); every reader sniffs a header with it."""
    line = line_one(decode_text(head, legacy=legacy, sample=True))
    try:
        return [f.strip() for f in next(csv.reader([line], delimiter=sniff_separator(line)))]
    except (csv.Error, StopIteration):
        return []


HEADER_WITHIN = 30
"""How many lines a preamble may take before the header."""


class CsvFile:
    """A delimited text file read as a stream: header, then records with their line numbers.

    ``is_header`` finds the header by its content among the first :data:`HEADER_WITHIN`
    lines, past a publisher's preamble (a title, "Date extracted: ...", a blank line); the
    separator is the header line's. Without it the header is line 1.

    A file on disk is never held whole: one pass in chunks takes its SHA-256 and proves that
    it decodes (UTF-8, else each legacy code page, as :func:`decode_text` tries them), then the
    records are read from the file through that codec, so memory does not grow with the file.
    A file that no codec reads whole is decoded by :func:`decode_text` at once, which names the
    byte and its offset."""

    def __init__(
        self,
        path: Path,
        data: bytes | None = None,
        *,
        is_header: Callable[[list[str]], bool] | None = None,
        legacy: tuple[str, ...] = CYRILLIC,
    ) -> None:
        self.path = Path(path)
        self.name = self.path.name
        self.legacy = legacy
        """The code pages tried when the file is not UTF-8."""
        stream = self._open(data)
        self.offset = 0
        """Lines before the header (the preamble)."""
        head = _head_lines(stream, HEADER_WITHIN if is_header is not None else 1)
        at = self._header_at(head, is_header) if is_header is not None else None
        self.offset = at or 0
        # the header line as found (with its line break), else line 1 without it
        first = head[at] if at is not None else line_one(head[0]) if head else ""
        self.delimiter = sniff_separator(first)
        self._reader = csv.reader(chain(head[at:], stream), delimiter=self.delimiter)
        try:
            self.header = [h.strip() for h in next(self._reader)]
        except StopIteration:
            self.close()
            raise InputError(N_("The file is empty."), where=Location(file=self.name)) from None

    def _open(self, data: bytes | None) -> Iterator[str]:
        """The file's lines (``newline=""``), read through the codec that decodes it whole."""
        if data is None:
            self._handle, self.sha256 = open_text(self.path, self.legacy)
            return self._handle
        self.sha256 = hashlib.sha256(data).hexdigest()
        return io.StringIO(decode_text(data, legacy=self.legacy), newline="")

    @staticmethod
    def _header_at(head: list[str], is_header: Callable[[list[str]], bool]) -> int | None:
        """The index of the header among the first lines (``None`` when none matches)."""
        for number, line in enumerate(head):
            fields = next(csv.reader([line], delimiter=sniff_separator(line)), [])
            if is_header([f.strip() for f in fields]):
                return number
        return None

    def close(self) -> None:
        """Close the file (done when the records are read to the end)."""
        handle = getattr(self, "_handle", None)
        if handle is not None:
            handle.close()

    def __del__(self) -> None:
        self.close()

    def column(self, *names: str, required: bool = True) -> int | None:
        """The index of the first header among ``names`` (case-insensitive)."""
        folded = [h.casefold() for h in self.header]
        for name in names:
            if name.casefold() in folded:
                return folded.index(name.casefold())
        if required:
            raise InputError(
                N_("Column {column} is missing; the header has: {header}."),
                where=Location(file=self.name, line=1),
                column=names[0],
                header=", ".join(self.header),
            )
        return None

    def records(self) -> Iterator[tuple[int, list[str]]]:
        """``(line number, fields)`` for every non-empty record after the header."""
        reader, offset = self._reader, self.offset
        try:
            for row in reader:
                if any(row) and (len(row) > 1 or row[0].strip()):
                    yield offset + reader.line_num, row
        finally:
            self.close()


CHUNK = 1 << 20
"""Bytes read at a time when a file is hashed and its encoding proved."""


def open_text(path: Path, legacy: tuple[str, ...] = CYRILLIC) -> tuple[TextIO, str]:
    """A text file opened for reading its lines (``newline=""``) and its SHA-256, without
    holding it: one pass in chunks proves the codec that decodes it whole (UTF-8, else each of
    ``legacy``) and the lines are read through it. A UTF-16 file, or one that no codec reads
    whole, is decoded at once by :func:`decode_text`, which names the byte and its offset."""
    codec, sha256 = _streamable(path, legacy)
    if codec is not None:
        return path.open(encoding=codec, newline=""), sha256
    return io.StringIO(decode_text(path.read_bytes(), legacy=legacy), newline=""), sha256


class Reopened:
    """A text file whose lines may be read more than once: opened by :func:`open_text` (the
    codec proven, the SHA-256 taken), and opened again when its lines are asked for again."""

    def __init__(self, path: Path, legacy: tuple[str, ...] = CYRILLIC) -> None:
        self.path = Path(path)
        self.legacy = legacy
        handle, self.sha256 = open_text(self.path, legacy)
        self._first: TextIO | None = handle

    def lines(self) -> Iterator[str]:
        """The file's lines from the start, with their line breaks (the file is closed at
        the end)."""
        handle = self._first if self._first is not None else open_text(self.path, self.legacy)[0]
        self._first = None
        return _closing(handle)


def _closing(handle: TextIO) -> Iterator[str]:
    try:
        yield from handle
    finally:
        handle.close()


def _head_lines(stream: Iterator[str], count: int) -> list[str]:
    """Up to ``count`` first lines of ``stream`` (the header and any preamble before it)."""
    return list(islice(stream, count))


def _streamable(path: Path, legacy: tuple[str, ...]) -> tuple[str | None, str]:
    """``(codec, SHA-256)``: the first codec of UTF-8 (with or without its byte-order mark)
    and ``legacy`` that decodes the whole file, read in chunks; ``None`` for a UTF-16 file
    or when none does."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        start = handle.read(3)
    if start.startswith(UTF16_BOMS):
        return None, file_sha256(path)
    codecs_ = ("utf-8-sig",) if start.startswith(UTF8_BOM) else ("utf-8", *legacy)
    for n, codec in enumerate(codecs_):
        decoder = codecs.getincrementaldecoder(codec)("strict")
        try:
            with path.open("rb") as handle:
                for chunk in iter(lambda: handle.read(CHUNK), b""):
                    if n == 0:
                        digest.update(chunk)
                    decoder.decode(chunk)
                decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            if n == 0:
                digest = None  # type: ignore[assignment]
            continue
        return codec, digest.hexdigest() if digest is not None else file_sha256(path)
    return None, file_sha256(path)


def sheet_rows(path: Path, sheet: str | None = None) -> tuple[str, list[tuple[Any, ...]]]:
    """The title and the cell values, row by row, of one sheet of a workbook (the first when
    ``sheet`` is not named); a damaged workbook or a missing sheet is an error."""
    import openpyxl

    name = Path(path).name
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise InputError(
            N_("Not a readable Excel workbook: {error}"), where=Location(file=name), error=str(exc)
        ) from exc
    try:
        if sheet is not None and sheet not in wb.sheetnames:
            raise InputError(
                N_("Sheet {sheet} is missing; the workbook has: {sheets}."),
                where=Location(file=name),
                sheet=sheet,
                sheets=", ".join(wb.sheetnames),
            )
        ws = wb[sheet] if sheet else wb.worksheets[0]
        return ws.title, _all_rows(ws, name)
    finally:
        wb.close()


def _all_rows(ws: Any, name: str) -> list[tuple[Any, ...]]:
    """The rows of a read-only sheet: a read-only workbook parses its XML as the rows are read,
    so damage inside a sheet shows here, not when the workbook is opened."""
    rows: list[tuple[Any, ...]] = []
    cells = 0
    try:
        for row in ws.iter_rows(values_only=True):
            cells += len(row)
            if cells > MAX_SHEET_CELLS:
                raise _too_many_cells(name, ws.title)
            rows.append(row)
    except InputError:
        raise
    except Exception as exc:  # openpyxl raises many kinds for a damaged sheet
        raise InputError(
            N_("Not a readable Excel workbook: {error}"),
            where=Location(file=name, sheet=ws.title),
            error=str(exc),
        ) from exc
    return rows


MAX_SHEET_CELLS = 5_000_000
"""Cells of one sheet a reader holds (a sheet read read-only, row by row, then held: UN DESA's
largest workbook has about 1.7 million cells in all)."""


def _too_many_cells(name: str, sheet: str) -> InputError:
    return InputError(
        N_(
            "Sheet {sheet} holds more than {limit} cells, more than migstat reads from one "
            "sheet. Save the table as CSV, which is read line by line, or split it."
        ),
        where=Location(file=name, sheet=sheet),
        sheet=sheet,
        limit=f"{MAX_SHEET_CELLS:,}",
    )


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while building many small acyclic objects.

    Reading a large matrix creates hundreds of thousands of observations that hold no
    reference cycles; collections triggered by their allocation would only rescan them.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def key_for(table: TableDef, codes: dict[str, str]) -> tuple[str, ...]:
    """The observation key of ``table`` from codes by dimension id (``_T`` where not given)."""
    return tuple(codes.get(dim.id, dim.total or "_T") for dim in table.dimensions)


def check_columns(table: TableDef, codes: dict[str, str]) -> None:
    unknown = set(codes) - set(table.dimension_ids)
    if unknown:  # a programming error in a reader, not a user's mistake
        raise ValueError(f"{table.id} has no dimensions {sorted(unknown)}")
