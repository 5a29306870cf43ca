"""Helpers shared by the publishers' readers: text decoding, CSV dialects, numbers, keys.

Published files arrive as UTF-8 (with or without a byte-order mark) or as Windows-1251, with
commas, semicolons or tabs between fields, and with numbers written with thin or no-break
spaces between thousands. These helpers absorb that once so that each reader deals only with
its publisher's layout.
"""

from __future__ import annotations

import csv
import gc
import hashlib
import io
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from migstat.formats.csvbase import sniff_separator
from migstat.i18n import N_
from migstat.model.data import Location
from migstat.model.findings import InputError
from migstat.model.tables import TableDef

ENCODINGS = ("utf-8", "cp1251")
"""Tried in order after a byte-order mark: UTF-8, then Windows-1251 (Cyrillic exports)."""

_SPACES = str.maketrans("", "", " \u00a0\u202f\u2009\u2007")


def decode(data: bytes) -> str:
    """Text of a file: UTF-8 with or without BOM, UTF-16 with BOM, else Windows-1251."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1251")


def decode_head(head: bytes) -> str:
    """The start of a file as text for sniffing (a cut multi-byte character is tolerated)."""
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    elif head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return head.decode("utf-16", errors="ignore")
    try:
        return head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start >= len(head) - 3:  # a character cut at the end of the sample
            return head[: exc.start].decode("utf-8")
        return head.decode("cp1251", errors="replace")


def first_line(text: str) -> str:
    return text.split("\n", 1)[0].rstrip("\r")


def header_fields(head: bytes) -> list[str]:
    """The fields of the first line of a delimited text file, from its first bytes."""
    line = first_line(decode_head(head))
    try:
        return [f.strip() for f in next(csv.reader([line], delimiter=sniff_separator(line)))]
    except (csv.Error, StopIteration):
        return []


class CsvFile:
    """A delimited text file read whole: header, then records with their line numbers."""

    def __init__(self, path: Path, data: bytes | None = None) -> None:
        self.path = Path(path)
        self.name = self.path.name
        raw = self.path.read_bytes() if data is None else data
        self.sha256 = hashlib.sha256(raw).hexdigest()
        self.text = decode(raw)
        self.delimiter = sniff_separator(first_line(self.text))
        self._reader = csv.reader(io.StringIO(self.text, newline=""), delimiter=self.delimiter)
        try:
            self.header = [h.strip() for h in next(self._reader)]
        except StopIteration:
            raise InputError(N_("The file is empty."), where=Location(file=self.name)) from None

    def column(self, *names: str, required: bool = True) -> int | None:
        """The index of the first header among ``names`` (case-insensitive)."""
        folded = [h.casefold() for h in self.header]
        for name in names:
            if name.casefold() in folded:
                return folded.index(name.casefold())
        if required:
            raise InputError(N_("Column {column} is missing; the header has: {header}."),
                             where=Location(file=self.name, line=1), column=names[0],
                             header=", ".join(self.header))
        return None

    def records(self) -> Iterator[tuple[int, list[str]]]:
        """``(line number, fields)`` for every non-empty record after the header."""
        reader = self._reader
        for row in reader:
            if any(row) and (len(row) > 1 or row[0].strip()):
                yield reader.line_num, row


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


def parse_count(text: Any) -> int | float | None:
    """A published count: ``"1 234"`` (any kind of space), ``"1009.0"``, ``12``; else None.

    Only unambiguous forms are accepted: a comma is never read as a thousands separator here.
    """
    if isinstance(text, bool):
        return None
    if isinstance(text, int):
        return text
    if isinstance(text, float):
        return _whole(text)
    if text is None:
        return None
    cleaned = str(text).translate(_SPACES)
    if not cleaned:
        return None
    try:
        return int(cleaned)
    except ValueError:
        pass
    try:
        number = float(cleaned)
    except ValueError:
        return None
    return _whole(number)


def _whole(number: float) -> int | float:
    """A count computed in a spreadsheet (``38891.00000000001``) is the whole number it
    stands for; a real fraction stays a fraction."""
    nearest = round(number)
    if number.is_integer() or abs(number - nearest) < 1e-9 * max(1.0, abs(number)):
        return int(nearest)
    return number


def key_for(table: TableDef, codes: dict[str, str]) -> tuple[str, ...]:
    """The observation key of ``table`` from codes by dimension id (``_T`` where not given)."""
    return tuple(codes.get(dim.id, dim.total or "_T") for dim in table.dimensions)


def check_columns(table: TableDef, codes: dict[str, str]) -> None:
    unknown = set(codes) - set(table.dimension_ids)
    if unknown:  # a programming error in a reader, not a user's mistake
        raise ValueError(f"{table.id} has no dimensions {sorted(unknown)}")
