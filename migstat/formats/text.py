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
   (migstat's own CSV templates, which say "save as CSV UTF-8") names none, and the UTF-8
   error reaches it.

``sample=True`` reads the first bytes of a file for sniffing: a character cut at the end of
the sample is dropped, UTF-16 errors are ignored and the first legacy code page replaces what
it cannot decode, so that a sample always gives text.
"""

from __future__ import annotations

from typing import AnyStr

UTF8_BOM = b"\xef\xbb\xbf"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
CYRILLIC: tuple[str, ...] = ("cp1251",)
"""Windows-1251: the exports of the CIS region's statistical offices."""
WESTERN: tuple[str, ...] = ("cp1252", "latin-1")
"""Windows-1252, then ISO-8859-1 (which decodes any byte): Eurostat's older exports."""


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

    Raises :class:`UnicodeDecodeError` (from UTF-8, or from the named ``encoding``) when no
    step gives text, its ``start`` counted from after a UTF-8 byte-order mark; an unknown
    ``encoding`` raises :class:`LookupError`.
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
        return data.decode(encoding).removeprefix("\ufeff"), encoding
    if data.startswith(UTF8_BOM):
        if sample:
            return _utf8_sample(data[3:], legacy)
        return data.decode("utf-8-sig"), "utf-8"
    if data.startswith(UTF16_BOMS):
        if sample:
            return data.decode("utf-16", errors="ignore"), "utf-16"
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            pass
    if declared:
        try:
            return data.decode(declared), declared
        except (LookupError, UnicodeDecodeError):
            pass
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
        raise problem from None


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
