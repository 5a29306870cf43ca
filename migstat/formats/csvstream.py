"""A CSV file on disk read as text a piece at a time, with the decoding rules of
:func:`migstat.formats.csvbase.decode` (UTF-8, with or without a byte-order mark, UTF-16 with
one, or the one encoding a user names; strict, no legacy code page guessed).

The whole-text decoder sees every byte before a line is read; a stream sees a bad byte only
when it gets there. When it does, :func:`locate` reads the file again from the start, in
pieces of :data:`PIECE` bytes with an incremental decoder, to find the offset and line of the
first byte that is not text, so that the error names the same line as the whole-text
decoder would. Memory: one piece, whatever the file's size.
"""

from __future__ import annotations

import codecs
import io
from pathlib import Path
from typing import IO

from migstat.formats.text import UTF8_BOM, UTF16_BOMS, known_encoding
from migstat.i18n import N_
from migstat.model import InputError, Location

PIECE = 1 << 20
"""Bytes read at a time (1 MiB)."""
HEAD = 1 << 16
"""Bytes read to tell the format and find the header's separator (64 KiB)."""


def codec_of(head: bytes, encoding: str | None) -> str:
    """The codec a file starting with ``head`` is read in: the one named, UTF-8 with its
    byte-order mark dropped, UTF-16 (by its mark), else UTF-8."""
    if encoding:
        return known_encoding(encoding)
    if head.startswith(UTF8_BOM):
        return "utf-8-sig"
    if head.startswith(UTF16_BOMS):
        return "utf-16"
    return "utf-8"


def open_text(path: Path, codec: str) -> IO[str]:
    """The file as a text stream for :mod:`csv` (``newline=""``: line ends left to it)."""
    return io.TextIOWrapper(
        io.BufferedReader(io.FileIO(path, "r"), PIECE), encoding=codec, newline=""
    )


def locate(path: Path, codec: str) -> int:
    """The line (1-based, counted as the whole-text decoder counts) of the first byte of
    ``path`` that ``codec`` cannot read."""
    decoder = codecs.getincrementaldecoder(codec)()
    utf16 = is_utf16(codec)
    lines = 1
    with path.open("rb") as handle:
        order = "utf-16-be" if handle.read(2) == b"\xfe\xff" else "utf-16-le"
        handle.seek(0)
        while True:
            piece = handle.read(PIECE)
            final = not piece
            try:
                text = decoder.decode(piece, final=final)
            except UnicodeDecodeError as problem:
                good = piece[: max(0, problem.start)]
                if utf16:
                    return lines + good.decode(order, errors="ignore").count("\n")
                return lines + good.count(b"\n")
            lines += text.count("\n") if utf16 else piece.count(b"\n")
            if final:
                return lines


def is_utf16(codec: str) -> bool:
    return codec.lower().replace("_", "-") in ("utf-16", "utf16")


def undecodable(file_name: str, line: int, *, encoding: str | None, utf16: bool) -> InputError:
    """The error of a CSV file whose text stops being readable at ``line``."""
    where = Location(file=file_name, line=line)
    if encoding:
        return InputError(
            N_("The file cannot be read as {encoding} (line {line})."),
            where=where,
            encoding=encoding,
            line=line,
        )
    if utf16:
        return InputError(
            N_(
                "The file starts as UTF-16 text but is cut off or damaged at line {line}: "
                "save it again (as “CSV UTF-8”) and send the whole file."
            ),
            where=where,
            line=line,
        )
    return InputError(
        N_(
            "The file is not UTF-8 text: line {line} holds characters in another "
            "encoding (perhaps Windows-1251 or Latin-1). Save the file as "
            "“CSV UTF-8” and send it again."
        ),
        where=where,
        line=line,
    )
