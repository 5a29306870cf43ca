"""Bytes of a published or submitted text file as text: one decoder, one fallback order.

Files arrive as UTF-8 (with or without a byte-order mark), as UTF-16 with a byte-order mark
(Excel's "Unicode text"), or in a legacy code page: Windows-1251 from the CIS region's offices,
Windows-1252 or ISO-8859-1 from Eurostat's older exports and PX files. :func:`decode_text`
tries, in this order:

0. an ``encoding`` the user names: that one only (a byte-order mark is dropped);
1. a UTF-8 byte-order mark: the file says it is UTF-8, so it must be (no fallback);
2. a UTF-16 byte-order mark (either byte order): UTF-16, when the rest decodes;
3. an encoding the file ``declared`` (a PX file's ``CODEPAGE``), when it is known and decodes;
4. UTF-8;
5. each of the ``legacy`` code pages the caller names, in its order: those its publishers use
   (:data:`CYRILLIC`, :data:`WESTERN`), or the one a file's language makes likely. With
   ``replace`` the last one replaces what it cannot decode. A caller that accepts UTF-8 only
   (migstat's own CSV templates, which say "save as CSV UTF-8") names none.

When no step gives text the decode is strict: :class:`UndecodableText` (one of the project's
input errors) names the byte and the line where the text stops being readable and says how to
save the file. No character is replaced silently, because a replaced letter in a country name
or a digit in a number changes what a statistics file says; the one exception is the
documented ``replace`` of the PX format's default code page, whose few undefined bytes can
only be in labels. A UTF-16 file that is cut off (an odd number of bytes) or damaged is such an
error too, not text guessed in another encoding.

``sample=True`` reads the first bytes of a file for sniffing: a character cut at the end of
the sample is dropped, UTF-16 errors are ignored and the first legacy code page replaces what
it cannot decode, so that a sample always gives text.
"""

from __future__ import annotations

import codecs
from typing import AnyStr

from migstat.i18n import N_
from migstat.model.data import Location
from migstat.model.findings import InputError

UTF8_BOM = b"\xef\xbb\xbf"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
CYRILLIC: tuple[str, ...] = ("cp1251",)
"""Windows-1251: the exports of the CIS region's statistical offices."""
WESTERN: tuple[str, ...] = ("cp1252", "latin-1")
"""Windows-1252, then ISO-8859-1 (which decodes any byte): Eurostat's older exports."""


class UndecodableText(InputError):
    """Bytes that are text in none of the encodings tried: ``start`` is the offset of the first
    byte that cannot be read (counted in the whole file), ``line`` its line."""

    def __init__(self, message: str, *, data: bytes, start: int, **params: object) -> None:
        self.start = start
        if data.startswith(UTF16_BOMS):
            self.line = data[:start].decode("utf-16", errors="ignore").count("\n") + 1
        else:
            self.line = data[:start].count(b"\n") + 1
        byte = f"0x{data[start]:02X}" if start < len(data) else "end"
        super().__init__(message, where=Location(line=self.line), byte=byte, offset=start, **params)


def _undecodable(data: bytes, problem: UnicodeDecodeError, tried: str) -> UndecodableText:
    return UndecodableText(
        N_(
            "The byte {byte} at offset {offset} cannot be read as text in {tried}: "
            'save the file as UTF-8 ("CSV UTF-8" in Excel) and try again.'
        ),
        data=data,
        start=problem.start,
        tried=tried,
    )


def decode_text(
    data: bytes,
    *,
    legacy: tuple[str, ...] = (),
    sample: bool = False,
    encoding: str | None = None,
    declared: str | None = None,
    replace: bool = False,
) -> str:
    """The text of ``data`` in the order of the module's docstring.

    Raises :class:`UndecodableText` when no step gives text (its ``start`` counted in the
    whole file) and when an ``encoding`` named is unknown.
    """
    return decode_as(
        data, legacy=legacy, sample=sample, encoding=encoding, declared=declared, replace=replace
    )[0]


def decode_as(
    data: bytes,
    *,
    legacy: tuple[str, ...] = (),
    sample: bool = False,
    encoding: str | None = None,
    declared: str | None = None,
    replace: bool = False,
) -> tuple[str, str]:
    """:func:`decode_text`, with the encoding that gave the text (for provenance notes)."""
    if encoding:
        return _named(data, encoding), encoding
    if data.startswith(UTF8_BOM):
        if sample:
            return _utf8_sample(data[3:], legacy)
        return _strict(data, "utf-8-sig", "UTF-8"), "utf-8"
    if data.startswith(UTF16_BOMS):
        if sample:
            return data.decode("utf-16", errors="ignore"), "utf-16"
        return _strict(data, "utf-16", "UTF-16"), "utf-16"
    if declared and (text := _declared(data, declared)) is not None:
        return text, declared
    if sample:
        return _utf8_sample(data, legacy)
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as problem:
        for n, code_page in enumerate(legacy, start=1):
            try:
                errors = "replace" if replace and n == len(legacy) else "strict"
                return data.decode(code_page, errors=errors), code_page
            except UnicodeDecodeError:
                continue
        raise _undecodable(data, problem, " / ".join(("UTF-8", *legacy))) from None


def _strict(data: bytes, codec: str, shown: str) -> str:
    try:
        return data.decode(codec)
    except UnicodeDecodeError as problem:
        if codec == "utf-16" and problem.end >= len(data):
            raise UndecodableText(
                N_(
                    "The file is UTF-16 text cut off after {offset} bytes (a character "
                    "is incomplete at its end): send the whole file again."
                ),
                data=data,
                start=problem.start,
            ) from None
        raise _undecodable(data, problem, shown) from None


def known_encoding(encoding: str) -> str:
    """``encoding`` as a user names it, refused with a clear error when Python has no such
    codec (read whole here, or in pieces by :mod:`migstat.formats.csvstream`)."""
    try:
        codecs.lookup(encoding)
    except (LookupError, ValueError):  # ValueError: a NUL byte in the name
        raise InputError(
            N_("Unknown encoding {encoding}: name one such as utf-8 or cp1251."),
            encoding=encoding.replace("\x00", "\\0"),
        ) from None
    return encoding


def _named(data: bytes, encoding: str) -> str:
    """``data`` in the one ``encoding`` a user names (a byte-order mark dropped)."""
    known_encoding(encoding)
    return _strict(data, encoding, encoding).removeprefix("\ufeff")


def _declared(data: bytes, declared: str) -> str | None:
    """``data`` in the encoding the file declares, or ``None`` when that is no known encoding
    (a damaged ``CODEPAGE``) or the bytes are not in it: the next step then tries."""
    try:
        return data.decode(declared)
    except (LookupError, ValueError):  # UnicodeDecodeError is a ValueError, as is a NUL
        return None


def _utf8_sample(head: bytes, legacy: tuple[str, ...]) -> tuple[str, str]:
    try:
        return head.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as problem:
        if problem.start >= len(head) - 3 or not legacy:  # a character cut at the end
            return head[: problem.start].decode("utf-8"), "utf-8"
        return head.decode(legacy[0], errors="replace"), legacy[0]


def line_one(text: AnyStr) -> AnyStr:
    """Line 1 of a text or of a file's first bytes, blank or not, without its line break.

    A header must be on line 1, so this is where readers that take the header from the first
    line look (compare :func:`migstat.formats.csvbase.first_line`, the first non-blank line).
    """
    if isinstance(text, bytes):
        return text.split(b"\n", 1)[0].rstrip(b"\r")
    return text.split("\n", 1)[0].rstrip("\r")
