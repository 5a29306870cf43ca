"""A small, fast reader of .xlsx cell values, with guards against damaged files and zip bombs.

openpyxl builds a Python object per cell; reading the 150,000 cells of a full questionnaire
that way takes over a second. This module streams each sheet's XML with ElementTree and
yields ``(row, column, value, kind)`` only for cells that hold something. ``kind`` is ``n``
(number), ``s`` (text), ``b`` (boolean), ``e`` (an error such as ``#DIV/0!``), ``d`` (an ISO
date written as such) or ``f`` (a formula: ``value`` is its text, starting with ``=``).

Before anything is unpacked the zip directory is checked: a damaged archive or one whose
members would unpack to more than the size limit is refused with an :class:`InputError`.
"""

from __future__ import annotations

import html
import io
import posixpath
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from xml.etree import ElementTree as ET

from migstat.formats.limits import max_file_bytes, mb
from migstat.i18n import N_
from migstat.model import InputError, Location

Cell = tuple[int, int, object, str]

# The cell element as Excel, LibreOffice and openpyxl write it (attributes r, s, t in this order).
# Sheets written otherwise fall back to a full XML parse (see XlsxReader.cells).
_FAST_CELL = re.compile(
    r'<c r="([A-Z]{1,3})(\d+)"(?: s="\d+")?(?: t="(\w+)")?\s*'
    r"(?:/>|>(?:<v>([^<]*)</v>|(.*?))</c>)",
    re.S,
)
_INNER_V = re.compile(r"<v>([^<]*)</v>")
_INNER_F = re.compile(r"<f\b[^>]*?(?:/>|>(.*?)</f>)", re.S)
_INNER_T = re.compile(r"<t(?:\s[^>]*)?>(.*?)</t>", re.S)
_PHONETIC = re.compile(r"<rPh\b.*?</rPh>", re.S)


# What reading a damaged zip member can raise: a bad header or CRC, a broken deflate stream, a
# compression method (or flag) zipfile does not implement, a stream cut short.
ZIP_DAMAGE: tuple[type[BaseException], ...] = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    NotImplementedError,
    OSError,
    EOFError,
)


def open_zip(data: bytes, *, file_name: str, max_bytes: int | None = None) -> zipfile.ZipFile:
    """The zip archive in ``data``, after checking it is intact and not a zip bomb."""
    where = Location(file=file_name)
    limit = max_file_bytes() if max_bytes is None else max_bytes
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (*ZIP_DAMAGE, ValueError):
        raise InputError(
            N_(
                "The workbook is damaged: it is not a valid .xlsx (zip) file. Open "
                "it in Excel and save it again as an Excel workbook (.xlsx)."
            ),
            where=where,
        ) from None
    unpacked = sum(info.file_size for info in infos)
    if unpacked > limit:
        raise InputError(
            N_(
                "The workbook would unpack to {size} MB, more than the limit of "
                "{limit} MB, and is not read. Send the tables in smaller files "
                "(the limit is set by MIGSTAT_MAX_FILE_MB)."
            ),
            where=where,
            size=mb(unpacked),
            limit=mb(limit),
        )
    return archive


def _local(tag: str) -> str:
    return tag[tag.rfind("}") + 1 :]


@cache
def column_index(letters: str) -> int:
    """``A`` → 1, ``AB`` → 28."""
    n = 0
    for ch in letters.upper():
        n = n * 26 + (ord(ch) - 64)
    return n


@cache
def column_letters(index: int) -> str:
    """1 → ``A``, 28 → ``AB``."""
    out = ""
    while index:
        index, rest = divmod(index - 1, 26)
        out = chr(65 + rest) + out
    return out


_MERGE_CELL = re.compile(
    rb'<(?:\w+:)?mergeCell\b[^>]*?\bref="([A-Z]{1,3}[0-9]{1,7}(?::[A-Z]{1,3}[0-9]{1,7})?)"'
)


def split_ref(ref: str) -> tuple[int, int]:
    """``D17`` → (17, 4)."""
    i = 0
    while i < len(ref) and ref[i].isalpha():
        i += 1
    return int(ref[i:]), column_index(ref[:i])


def cell_ref(row: int, col: int) -> str:
    return f"{column_letters(col)}{row}"


@dataclass(frozen=True, slots=True)
class SheetInfo:
    name: str
    path: str
    state: str = "visible"


def _text_of(element: ET.Element) -> str:
    """The text of a string item (``<si>`` or ``<is>``), without phonetic runs."""
    parts: list[str] = []
    for child in element:
        local = _local(child.tag)
        if local == "t":
            parts.append(child.text or "")
        elif local == "r":
            for sub in child:
                if _local(sub.tag) == "t":
                    parts.append(sub.text or "")
    return "".join(parts)


def _formula_or_inline(typ: str | None, inner: str) -> tuple[object, str] | None:
    """A cell's formula (its text, from ``=``) or inline string, matched in the cell's inner
    XML; ``None`` when it has neither (then its ``<v>`` holds the value)."""
    if "<f" in inner:
        formula = _INNER_F.search(inner)
        if formula is not None:
            ftext = html.unescape(formula.group(1) or "")
            return ("=" + ftext if ftext else "=…", "f")
    if typ == "inlineStr":
        if "<rPh" in inner:
            inner = _PHONETIC.sub("", inner)
        found_text = "".join(_INNER_T.findall(inner))
        return (html.unescape(found_text) if "&" in found_text else found_text, "s")
    return None


def _typed_value(
    typ: str, text: str, shared: list[str], *, escaped: bool
) -> tuple[object, str] | None:
    """The value and kind of a cell of type ``typ`` (not a number) from the text of its
    ``<v>``, still XML-escaped when ``escaped``; ``None`` for a type not known here."""
    if typ == "s":
        try:
            return (shared[int(text)], "s")
        except (ValueError, IndexError):
            return (text, "s")
    if typ == "str":
        return (html.unescape(text) if escaped and "&" in text else text, "s")
    if typ == "b":
        return (text.strip() in ("1", "true"), "b")
    if typ == "e":
        return (html.unescape(text) if escaped else text, "e")
    if typ == "d":
        return (text, "d")
    return None


class XlsxReader:
    """Sheet list and cell values of one workbook."""

    def __init__(self, archive: zipfile.ZipFile, *, file_name: str) -> None:
        self.archive = archive
        self.file_name = file_name
        self.names = set(archive.namelist())
        self.workbook_path = self._office_document()
        if self.workbook_path not in self.names:
            raise InputError(
                N_(
                    "The file is a zip archive but not an Excel workbook (.xlsx): "
                    "it has no workbook part."
                ),
                where=Location(file=file_name),
            )
        self.date1904 = False
        self.sheets: list[SheetInfo] = []
        self._shared_path: str | None = None
        self._shared: list[str] | None = None
        self._read_workbook()

    # -- structure ---------------------------------------------------------------------------
    def _xml(self, part: str) -> ET.Element:
        try:
            return ET.fromstring(self.archive.read(part))
        except (ET.ParseError, KeyError, ValueError, *ZIP_DAMAGE) as problem:
            raise InputError(
                N_(
                    "The workbook is damaged: its part {part} cannot be read "
                    "({problem}). Open it in Excel and save it again."
                ),
                where=Location(file=self.file_name),
                part=part,
                problem=str(problem),
            ) from None

    def _office_document(self) -> str:
        if "_rels/.rels" in self.names:
            for rel in self._xml("_rels/.rels"):
                if rel.get("Type", "").endswith("/officeDocument"):
                    return rel.get("Target", "").lstrip("/")
        return "xl/workbook.xml"

    def _rels(self, part: str) -> dict[str, tuple[str, str]]:
        folder, name = posixpath.split(part)
        rels_path = posixpath.join(folder, "_rels", name + ".rels")
        out: dict[str, tuple[str, str]] = {}
        if rels_path not in self.names:
            return out
        for rel in self._xml(rels_path):
            target = rel.get("Target", "")
            if rel.get("TargetMode") == "External":
                continue
            full = (
                target.lstrip("/")
                if target.startswith("/")
                else posixpath.normpath(posixpath.join(folder, target))
            )
            out[rel.get("Id", "")] = (rel.get("Type", ""), full)
        return out

    def _read_workbook(self) -> None:
        root = self._xml(self.workbook_path)
        rels = self._rels(self.workbook_path)
        for _type, target in rels.values():
            if _type.endswith("/sharedStrings"):
                self._shared_path = target
        for element in root.iter():
            local = _local(element.tag)
            if local == "workbookPr":
                self.date1904 = element.get("date1904", "0") in ("1", "true")
            elif local == "sheet":
                rid = next((v for k, v in element.attrib.items() if _local(k) == "id"), "")
                _type, target = rels.get(rid, ("", ""))
                if target:
                    self.sheets.append(
                        SheetInfo(element.get("name", ""), target, element.get("state", "visible"))
                    )

    @property
    def sheet_names(self) -> list[str]:
        return [s.name for s in self.sheets]

    def sheet(self, name: str) -> SheetInfo | None:
        return next((s for s in self.sheets if s.name == name), None)

    @property
    def shared_strings(self) -> list[str]:
        if self._shared is None:
            self._shared = []
            if self._shared_path and self._shared_path in self.names:
                root = self._xml(self._shared_path)
                self._shared = [_text_of(si) for si in root if _local(si.tag) == "si"]
        return self._shared

    # -- cells -------------------------------------------------------------------------------
    def cells(self, name: str) -> Iterator[Cell]:
        """Every cell of sheet ``name`` that holds a value or a formula, in file order."""
        info = self.sheet(name)
        if info is None or info.path not in self.names:
            return
        shared = self.shared_strings
        fast = self._fast_cells(info.path, shared)
        if fast is not None:
            yield from fast
            return
        yield from self._parsed_cells(info, shared)

    def _parsed_cells(self, info: SheetInfo, shared: list[str]) -> Iterator[Cell]:
        """The cells of a sheet by a full XML parse, for sheets :meth:`_fast_cells` cannot read
        (cells without references, other attribute orders ...)."""
        name = info.name
        row_no = 0
        col_no = 0
        pending: list[tuple[int | None, int, object, str]] = []
        try:
            with self.archive.open(info.path) as handle:
                for _event, element in ET.iterparse(handle, events=("end",)):
                    tag = element.tag
                    local = tag[tag.rfind("}") + 1 :]
                    if local == "c":
                        ref = element.get("r")
                        cell_row: int | None = None
                        if ref:
                            cell_row, col_no = split_ref(ref)
                        else:
                            col_no += 1
                        cell = self._cell(element, shared)
                        element.clear()
                        if cell is not None:
                            pending.append((cell_row, col_no, cell[0], cell[1]))
                    elif local == "row":
                        number = element.get("r")
                        row_no = int(number) if number else row_no + 1
                        element.clear()
                        col_no = 0
                        for cell_row, col, value, kind in pending:
                            yield (cell_row or row_no, col, value, kind)
                        pending.clear()
                    elif local == "sheetData":
                        element.clear()
        # ValueError: a cell reference or row number that is not one (r="A", r="1.5")
        except (ET.ParseError, ValueError, *ZIP_DAMAGE) as problem:
            raise InputError(
                N_(
                    "The workbook is damaged: sheet {sheet} cannot be read "
                    "({problem}). Open it in Excel and save it again."
                ),
                where=Location(file=self.file_name, sheet=name),
                sheet=name,
                problem=str(problem),
            ) from None

    def _fast_cells(self, path: str, shared: list[str]) -> list[Cell] | None:
        """All cells of a sheet by pattern matching, or ``None`` if the sheet is written in a
        way the pattern does not cover (then it is parsed as XML)."""
        try:
            text = self.archive.read(path).decode("utf-8")
        except (UnicodeDecodeError, *ZIP_DAMAGE):
            return None
        start = text.find("<sheetData")
        end = text.rfind("</sheetData>")
        if start < 0:
            return None
        if end < 0:
            return (
                []
                if text.find("<sheetData/>", start) >= 0 or text.find("<sheetData />", start) >= 0
                else None
            )
        body = text[start:end]
        expected = body.count("<c ") + body.count("<c>") + body.count("<c/>")
        out: list[Cell] = []
        append = out.append
        unescape = html.unescape
        matched = 0
        for match in _FAST_CELL.finditer(body):
            matched += 1
            letters, digits, typ, simple, inner = match.groups()
            row = int(digits)
            col = column_index(letters)
            if inner:
                cell = _formula_or_inline(typ, inner)
                if cell is not None:
                    append((row, col, *cell))
                    continue
                found = _INNER_V.search(inner)
                if found is None:
                    continue
                simple = found.group(1)
            if simple is None:
                continue
            if typ is None or typ == "n":
                try:
                    append((row, col, float(simple), "n"))
                except ValueError:
                    append((row, col, unescape(simple), "s"))
                continue
            cell = _typed_value(typ, simple, shared, escaped=True)
            if cell is None:
                return None
            append((row, col, *cell))
        return out if matched == expected else None

    def merged(self, name: str) -> list[tuple[int, int, int, int]]:
        """The merged ranges of sheet ``name`` as (first row, first column, last row, last
        column); a range the file writes wrongly is passed over (merging loses no cell the
        reader would have read, it only explains what is missing)."""
        info = self.sheet(name)
        if info is None or info.path not in self.names:
            return []
        try:
            data = self.archive.read(info.path)
        except ZIP_DAMAGE:
            return []
        tail = data[data.rfind(b"</sheetData>") + 1 :] if b"</sheetData>" in data else b""
        out: list[tuple[int, int, int, int]] = []
        for match in _MERGE_CELL.finditer(tail):
            first, _, last = match.group(1).decode("ascii").partition(":")
            try:
                r1, c1 = split_ref(first)
                r2, c2 = split_ref(last or first)
            except ValueError:
                continue
            out.append((min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2)))
        return out

    def grid(self, name: str) -> dict[tuple[int, int], tuple[object, str]]:
        return {(r, c): (v, k) for r, c, v, k in self.cells(name)}

    def _cell(self, element: ET.Element, shared: list[str]) -> tuple[object, str] | None:
        typ = element.get("t", "n")
        raw: str | None = None
        formula: str | None = None
        inline: ET.Element | None = None
        for child in element:
            local = _local(child.tag)
            if local == "v":
                raw = child.text
            elif local == "f":
                formula = child.text or ""
            elif local == "is":
                inline = child
        if formula is not None:
            return ("=" + formula if formula else "=…", "f")
        if typ == "inlineStr":
            return (_text_of(inline), "s") if inline is not None else None
        if raw is None:
            return None
        cell = _typed_value(typ, raw, shared, escaped=False)
        if cell is not None:
            return cell
        try:
            return (float(raw), "n")
        except ValueError:
            return (raw, "s")

    def to_date(self, serial: float) -> date:
        """An Excel date serial number as a date."""
        base = datetime(1904, 1, 1) if self.date1904 else datetime(1899, 12, 30)
        return (base + timedelta(days=float(serial))).date()


def open_workbook(data: bytes, *, file_name: str, max_bytes: int | None = None) -> XlsxReader:
    return XlsxReader(open_zip(data, file_name=file_name, max_bytes=max_bytes), file_name=file_name)
