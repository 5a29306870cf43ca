"""A PX file read as a stream: its keywords first, then its DATA cell by cell, never held whole.

:func:`open_px` proves the file's encoding in one pass of chunks (the order of
:func:`migstat.formats.px.reader.decode_px`), reads the keywords up to ``DATA=`` and parses
them as :func:`~migstat.formats.px.reader.parse_metadata` does; :meth:`PxStream.cells_with_lines`
then reads the data in pieces of :data:`CHUNK` characters, each cut where no cell goes on, and
gives every cell with its value indices (the stub and heading order, the last variable
varying fastest), its number and its line. What it gives is what
:func:`~migstat.formats.px.reader.parse_px` reads from the whole text: the cells up to the
file's last semicolon, and the same error (named after every cell is counted) when they are
not as many as the variables' values make.

Memory is bounded by the keywords (at most :data:`MAX_HEADER` characters before ``DATA=``), one
piece of data and at most :data:`MAX_PENDING` cells written after a semicolon inside DATA
(which count only if another semicolon follows); past those bounds the file is refused with an
error naming its line. A file whose bytes no encoding reads is decoded whole, once, to name
the byte that cannot be read.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from dataclasses import dataclass, field
from math import prod
from pathlib import Path
from typing import TextIO

from migstat.formats.px.reader import (
    _DATA_TOKEN,
    _HEAD,
    PxFile,
    _value_end,
    count_error,
    decode_px,
    parse_metadata,
    px_codecs,
    value_indices,
)
from migstat.formats.text import UTF8_BOM, UTF16_BOMS
from migstat.i18n import N_
from migstat.model.data import Location
from migstat.model.findings import InputError

CHUNK = 1 << 18
"""Characters read at a time."""
MAX_HEADER = 64 << 20
"""Characters of keywords before ``DATA=`` (the variables' values, notes and texts)."""
MAX_CELL = 1 << 20
"""Characters of DATA without a break between cells (a cell, or a quotation never closed)."""
MAX_PENDING = 100_000
"""Cells held after a semicolon inside DATA until it is known whether another one follows."""
_BREAKS = " \t\r\n\f\v,;"

Cell = tuple[tuple[int, ...], int, str, int]
"""A data cell: its value index per variable, its number (from 0), its token and its line."""


def px_encoding(path: Path) -> tuple[str, str, str]:
    """``(codec, errors, encoding)``: how to read the PX file at ``path`` as text, proven by
    decoding it in chunks in the order of :func:`~migstat.formats.px.reader.decode_px`, and
    the encoding it names for provenance. A file no codec reads whole is decoded at once so
    that the error names the byte."""
    with path.open("rb") as handle:
        head = handle.read(65536)
    if head.startswith(UTF8_BOM):
        tried = [("utf-8-sig", "utf-8")]
    elif head.startswith(UTF16_BOMS):
        tried = [("utf-16", "utf-16")]
    else:
        declared, legacy, replace = px_codecs(head)
        tried = [(declared, declared)] if declared and _known(declared) else []
        tried += [("utf-8", "utf-8")] + [(c, c) for c in legacy]
        if replace:
            tried[-1] = (legacy[-1], "replace:" + legacy[-1])
    for codec, encoding in tried:
        if encoding.startswith("replace:"):
            return codec, "replace", codec
        if _decodes(path, codec):
            return codec, "strict", encoding
    decode_px(path.read_bytes())  # raises the error naming the byte that cannot be read
    raise AssertionError("decode_px reads what no codec read")  # pragma: no cover


def _known(codec: str) -> bool:
    try:
        codecs.lookup(codec)
    except (LookupError, ValueError):
        return False
    return True


def _decodes(path: Path, codec: str) -> bool:
    decoder = codecs.getincrementaldecoder(codec)("strict")
    try:
        with path.open("rb") as handle:
            for chunk in iter(lambda: handle.read(CHUNK), b""):
                decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except (UnicodeDecodeError, ValueError):
        return False
    return True


@dataclass(slots=True)
class PxStream:
    """A PX file open for reading its cells: ``px`` holds its keywords and variables (its
    ``data`` is empty), the cells are read as they are asked for."""

    px: PxFile
    handle: TextIO
    rest: str
    """The text read after ``DATA=`` with the keywords."""
    line: int
    """The line on which ``rest`` begins."""
    _tokens: Iterator[tuple[int, str, int]] | None = field(default=None)

    def cells_with_lines(self) -> Iterator[Cell]:
        """The data cells in the file's order (see :data:`Cell`); after the last one, the
        count is checked."""
        sizes = [len(v.values) for v in self.px.variables]
        expected, found = prod(sizes), value_indices(sizes)
        for n, token, line in self._read():
            if n >= expected:  # more cells than values: counted to the end, then refused
                self.check_count()
                return
            yield next(found), n, token, line

    def check_count(self) -> None:
        """Read the cells left, and refuse the file if they are not as many as the values
        make (an error found before the end is raised only once the count is right)."""
        for _cell in self._read():
            pass

    def _read(self) -> Iterator[tuple[int, str, int]]:
        if self._tokens is None:
            self._tokens = self._tokens_counted()
        return self._tokens

    def _tokens_counted(self) -> Iterator[tuple[int, str, int]]:
        count, last = 0, None
        try:
            for token, line in _tokens(self._pieces(), self.px.file_name):
                yield count, token, line
                count, last = count + 1, line
        finally:
            self.handle.close()
        if count != prod(len(v.values) for v in self.px.variables):
            raise count_error(self.px, count, last or self.px.keyword_lines["DATA"])

    def _pieces(self) -> Iterator[tuple[str, int]]:
        """The data in pieces ``(text, first line)`` cut where no cell goes on: after a break
        between cells, and with its quotation marks paired."""
        buffer, line = self.rest, self.line
        self.rest = ""
        while True:
            chunk = self.handle.read(CHUNK)
            buffer += chunk
            if not chunk:
                yield buffer, line
                return
            cut = _cut(buffer)
            if cut <= 0:
                if len(buffer) > MAX_CELL:
                    raise _too_long(self.px.file_name, line)
                continue
            piece, buffer = buffer[:cut], buffer[cut:]
            yield piece, line
            line += piece.count("\n")


def _cut(text: str) -> int:
    """Where ``text`` may be cut with no cell across the cut: after its last break, or before
    its last quotation mark when that one opens a quoted cell."""
    cut = max(text.rfind(c) for c in _BREAKS) + 1
    if cut > 0 and text.count('"', 0, cut) % 2:
        cut = text.rfind('"', 0, cut)
    return cut


def _tokens(pieces: Iterator[tuple[str, int]], name: str) -> Iterator[tuple[str, int]]:
    """``(token, line)`` of the cells before the last semicolon (all of them if DATA has
    none): the cells after a semicolon are held until another one follows."""
    pending: list[tuple[str, int]] = []
    closed = False  # a semicolon was seen: the cells after it count only if another follows
    for text, first in pieces:
        pos, line = 0, first
        for match in _DATA_TOKEN.finditer(text):
            start = match.start()
            if text.find(";", pos, start) >= 0:
                yield from pending
                pending, closed = [], True
            line += text.count("\n", pos, start)
            token = match.group(1) if match.group(1) is not None else match.group(2)
            if closed:
                pending.append((token.strip(), line))
                if len(pending) > MAX_PENDING:
                    raise _after_semicolon(name, pending[0][1])
            else:
                yield token.strip(), line
            pos = match.end()
            line += text.count("\n", start, pos)
        if text.find(";", pos) >= 0:
            yield from pending
            pending, closed = [], True


def _too_long(name: str, line: int) -> InputError:
    return InputError(
        N_(
            "DATA runs for more than {size} characters without a break between cells "
            "(a quotation mark never closed?): correct the file and import it again."
        ),
        where=Location(file=name, line=line),
        size=f"{MAX_CELL:,}",
    )


def _after_semicolon(name: str, line: int) -> InputError:
    return InputError(
        N_(
            "DATA is closed by a semicolon before line {line}, but more than {count} cells "
            "follow it: remove that semicolon, or what follows it, and import the file again."
        ),
        where=Location(file=name, line=line),
        line=line,
        count=f"{MAX_PENDING:,}",
    )


def open_px(path: Path | str, *, file_name: str | None = None) -> PxStream:
    """Open a PX file for streaming: its keywords read and parsed, its cells not yet."""
    path = Path(path)
    name = file_name or path.name
    try:
        codec, errors, encoding = px_encoding(path)
        handle = path.open(encoding=codec, errors=errors, newline="")
    except OSError as problem:
        raise InputError(
            N_("The file cannot be opened: {problem}."),
            where=Location(file=name),
            problem=problem.strerror or str(problem),
        ) from None
    try:
        header, rest = _header(handle, name)
        px, data_start = parse_metadata(header, file_name=name, encoding=encoding)
    except BaseException:
        handle.close()
        raise
    return PxStream(px, handle, rest, line=header.count("\n", 0, data_start) + 1)


def _header(handle: TextIO, name: str) -> tuple[str, str]:
    """The text up to and with ``DATA=``, and what was read after it; at the end of a file
    without DATA (or with a value never closed) the whole text, which the parse refuses."""
    buffer, pos = "", 0
    while True:
        chunk = handle.read(CHUNK)
        buffer += chunk
        while True:
            while pos < len(buffer) and buffer[pos] in " \t\r\n;":
                pos += 1
            match = _HEAD.match(buffer, pos)
            if match is None:
                break
            if match.group(1).upper() == "DATA":
                return buffer[: match.end()], buffer[match.end() :]
            stop = _value_end(buffer, match.end())
            if stop < 0:
                break
            pos = stop + 1
        if not chunk:
            return buffer, ""
        if len(buffer) > MAX_HEADER:
            raise InputError(
                N_(
                    "The keywords before DATA run past {size} characters: this is not a "
                    "PX table migstat can read (is DATA missing, or a quotation mark "
                    "never closed?)."
                ),
                where=Location(file=name, line=buffer.count("\n", 0, pos) + 1),
                size=f"{MAX_HEADER:,}",
            )


__all__ = ["CHUNK", "MAX_HEADER", "MAX_PENDING", "PxStream", "open_px", "px_encoding"]
