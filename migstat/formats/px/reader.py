"""PX (PC-Axis) files, the text cube format PxWeb serves: keywords, then the data.

A PX file is a list of statements ``KEYWORD[lang]("sub","keys")=value;`` ending with
``DATA=...;``. Values are quoted strings (adjacent strings concatenate, so long texts can span
lines), lists of them separated by commas, bare words (``YES``, ``0``) or ``TLIST(A1, ...)``.

What this reader handles, because the statistical offices of the region publish it:

* ``CODEPAGE`` Windows-1251, UTF-8 (with or without BOM), ISO-8859-1 (the format's default);
* multilingual files: ``LANGUAGE`` is the default language, ``LANGUAGES`` lists all of them,
  and ``STUB[en]``, ``VALUES[en]("sex")`` ... give the texts in another language (variables
  and values correspond by position);
* ``STUB`` and ``HEADING`` (the data run row by row over the stub variables, and within a row
  over the heading variables, the last variable varying fastest), ``VALUES``, ``CODES``,
  ``ELIMINATION``, ``TIMEVAL``;
* the data: numbers, and the missing-value symbols ``"."`` to ``"......"`` (whose meaning a
  file may state in ``DATASYMBOL1`` to ``DATASYMBOL6``) and ``"-"`` (nil, ``DATASYMBOLNIL``).

The reader only reads the format; mapping a table onto migstat's tables is
:mod:`migstat.sources.px`.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from math import prod
from pathlib import Path

from migstat.formats.text import decode_as
from migstat.i18n import N_
from migstat.model.data import Location
from migstat.model.findings import InputError

MISSING_SYMBOLS = {".": 1, "..": 2, "...": 3, "....": 4, ".....": 5, "......": 6}
"""The PX missing-value symbols and the number n of their ``DATASYMBOLn`` keyword."""
NIL_SYMBOL = "-"
"""A true zero (``DATASYMBOLNIL`` may state how it is shown)."""

_CODEPAGES = {
    "windows-1251": "cp1251",
    "cp1251": "cp1251",
    "win-1251": "cp1251",
    "utf-8": "utf-8",
    "utf8": "utf-8",
    "iso-8859-1": "cp1252",
    "latin1": "cp1252",
    "windows-1252": "cp1252",
    "iso-8859-15": "iso-8859-15",
    "iso-8859-5": "iso-8859-5",
}
_CODEPAGE = re.compile(rb'CODEPAGE\s*=\s*"([^"]+)"', re.I)
_LANGUAGE = re.compile(rb'LANGUAGE\s*=\s*"([^"]+)"', re.I)
CYRILLIC = frozenset({"ru", "uk", "be", "bg", "kk", "ky", "mk", "mn", "sr", "tg"})
"""Languages whose PX files without ``CODEPAGE`` are read as Windows-1251."""
_HEAD = re.compile(
    r"\s*([A-Za-z][A-Za-z0-9_-]*)(?:\[([^\]]*)\])?\s*"
    r'(?:\(((?:"[^"]*"|[^)"])*)\))?\s*=',
    re.S,
)
_DATA_TOKEN = re.compile(r'"([^"]*)"|([^\s,;"]+)')
_TLIST = re.compile(r"^TLIST\(\s*([A-Za-z]\d?)\s*(?:,(.*))?\)$", re.S | re.I)


@dataclass(slots=True)
class PxVariable:
    """One variable (dimension) of a PX table, in the file's default language, with the
    texts of the other languages by language code."""

    name: str
    values: list[str]
    codes: list[str] | None = None
    names: dict[str, str] = field(default_factory=dict)
    labels: dict[str, list[str]] = field(default_factory=dict)
    elimination: str | None = None
    """``YES`` (may be summed away), the value that is the total, or ``None``."""
    time: bool = False
    timescale: str | None = None
    """For a ``TIMEVAL`` variable: ``A1`` annual, ``Q1`` quarterly, ``M1`` monthly ..."""
    heading: bool = False

    def all_names(self) -> list[str]:
        return [self.name, *(n for n in self.names.values() if n != self.name)]

    def texts(self, i: int) -> list[str]:
        """Every text of value ``i``: its code, then its label in each language."""
        out = [self.codes[i]] if self.codes and i < len(self.codes) else []
        out.append(self.values[i])
        out.extend(labels[i] for labels in self.labels.values() if i < len(labels))
        return out

    @property
    def elimination_index(self) -> int | None:
        """The position of the value named by ``ELIMINATION``, if it names one."""
        if self.elimination and self.elimination.upper() not in ("YES", "NO"):
            for i in range(len(self.values)):
                if self.elimination in self.texts(i):
                    return i
        return None


@dataclass(slots=True)
class PxFile:
    """A PX file read: its keywords, variables and data tokens."""

    file_name: str
    encoding: str
    keywords: dict[tuple[str, str | None, tuple[str, ...]], list[str]]
    keyword_lines: dict[str, int]
    """The line of each keyword's first statement (``VALUES``), and of each variable's
    (``VALUES(sex)``)."""
    variables: list[PxVariable]
    data: list[str]
    """The data tokens as written (quotes removed): numbers or symbols."""
    data_offsets: list[int]
    newlines: list[int]
    language: str | None = None
    languages: list[str] = field(default_factory=list)

    def keyword(
        self, name: str, lang: str | None = None, sub: tuple[str, ...] = ()
    ) -> list[str] | None:
        """The items of ``NAME[lang](sub)``; in another language falls back to the default."""
        name = name.upper()
        found = self.keywords.get((name, lang, sub))
        if found is None and lang is not None and lang == self.language:
            found = self.keywords.get((name, None, sub))
        return found

    def text(self, name: str, lang: str | None = None) -> str | None:
        items = self.keyword(name, lang)
        if items is None and lang is not None:
            items = self.keyword(name)
        return ", ".join(items) if items else None

    @property
    def stub(self) -> list[PxVariable]:
        return [v for v in self.variables if not v.heading]

    @property
    def heading(self) -> list[PxVariable]:
        return [v for v in self.variables if v.heading]

    def line_of(self, offset: int) -> int:
        """The line (1-based) of a character offset in the file's text."""
        return bisect.bisect_right(self.newlines, offset) + 1

    def cell_location(self, index: int) -> Location:
        """Where the ``index``-th data cell is written: its line, and its place in DATA."""
        return Location(
            file=self.file_name,
            line=self.line_of(self.data_offsets[index]),
            column=f"DATA[{index + 1}]",
        )

    def cells(self) -> Iterator[tuple[tuple[int, ...], int, str]]:
        """``(value indices per variable, cell number, token)`` in data order."""
        found = value_indices([len(v.values) for v in self.variables])
        for n, (indices, token) in enumerate(zip(found, self.data, strict=False)):
            yield indices, n, token

    def cells_with_lines(self) -> Iterator[tuple[tuple[int, ...], int, str, int]]:
        """:meth:`cells` with the line each cell is written on (as a stream of the file
        gives them, :class:`migstat.formats.px.stream.PxStream`)."""
        for indices, n, token in self.cells():
            yield indices, n, token, self.line_of(self.data_offsets[n])

    def check_count(self) -> None:
        """Nothing to do: a file read whole had its cells counted when it was parsed."""

    def symbol_text(self, symbol: str) -> str | None:
        """What the file says a missing-value symbol means (``DATASYMBOLn``/``NIL``)."""
        if symbol == NIL_SYMBOL:
            return self.text("DATASYMBOLNIL")
        n = MISSING_SYMBOLS.get(symbol)
        return self.text(f"DATASYMBOL{n}") if n else None


def value_indices(sizes: list[int]) -> Iterator[tuple[int, ...]]:
    """The value index of each variable, cell after cell in the order of DATA (the last
    variable varying fastest)."""
    indices = [0] * len(sizes)
    last = len(sizes) - 1
    for _cell in range(prod(sizes)):
        yield tuple(indices)
        j = last
        while j >= 0:
            indices[j] += 1
            if indices[j] < sizes[j]:
                break
            indices[j] = 0
            j -= 1


def decode_px(data: bytes) -> tuple[str, str]:
    """The text of a PX file and the encoding used: ``CODEPAGE`` when stated (a BOM wins),
    else UTF-8, else Windows-1251 for a file whose ``LANGUAGE`` is written in Cyrillic, else
    the format's default ISO-8859-1 (read as Windows-1252); see :mod:`migstat.formats.text`."""
    declared, legacy, replace = px_codecs(data[:65536])
    return decode_as(data, declared=declared, legacy=legacy, replace=replace)


def px_codecs(head: bytes) -> tuple[str | None, tuple[str, ...], bool]:
    """What the first 64 KB of a PX file say of its encoding: the ``CODEPAGE`` declared, the
    legacy code page to fall back on (Windows-1251 for the region's offices, whose
    ``LANGUAGE`` is written in Cyrillic) and whether that one replaces what it cannot read."""
    match = _CODEPAGE.search(head)
    declared = None
    if match:
        stated = match.group(1).decode("ascii", "replace").strip().lower()
        declared = _CODEPAGES.get(stated, stated)
    language = _LANGUAGE.search(head)
    if language and language.group(1).decode("ascii", "replace").lower() in CYRILLIC:
        return declared, ("cp1251",), False
    return declared, ("cp1252",), True


def sniff_px(head: bytes) -> bool:
    """Whether the first bytes look like a PX file (keyword statements such as CHARSET,
    AXIS-VERSION, CODEPAGE, LANGUAGE, MATRIX or STUB at the start)."""
    text = head.lstrip(b"\xef\xbb\xbf").lstrip()
    return bool(
        re.match(
            rb"(CHARSET|AXIS-VERSION|CODEPAGE|LANGUAGE|MATRIX|DECIMALS|"
            rb"SHOWDECIMALS|COPYRIGHT|SUBJECT-CODE)\s*=",
            text,
            re.I,
        )
    )


def read_px(source: Path | str | bytes, *, file_name: str | None = None) -> PxFile:
    """Read a PX file from a path or bytes."""
    if isinstance(source, bytes):
        data, name = source, file_name or "table.px"
    else:
        path = Path(source)
        name = file_name or path.name
        try:
            data = path.read_bytes()
        except OSError as problem:
            raise InputError(
                N_("The file cannot be opened: {problem}."),
                where=Location(file=name),
                problem=problem.strerror or str(problem),
            ) from None
    text, encoding = decode_px(data)
    return parse_px(text, file_name=name, encoding=encoding)


def _statements(
    text: str, name: str, newlines: list[int]
) -> Iterator[tuple[str, str | None, tuple[str, ...], str, int, int]]:
    """``(keyword, lang, subkeys, raw value, value offset, line)`` of each statement."""
    pos, end = 0, len(text)
    while True:
        while pos < end and text[pos] in " \t\r\n;":
            pos += 1
        if pos >= end:
            return
        line = bisect.bisect_right(newlines, pos) + 1
        match = _HEAD.match(text, pos)
        if not match:
            snippet = text[pos : pos + 40].split("\n", 1)[0]
            raise InputError(
                N_(
                    "Expected a PX keyword statement (KEYWORD=value;) but found \u201c{text}\u201d."
                ),
                where=Location(file=name, line=line),
                text=snippet,
            )
        keyword = match.group(1).upper()
        lang = match.group(2).strip() if match.group(2) else None
        sub = tuple(_items(match.group(3))) if match.group(3) is not None else ()
        start = match.end()
        if keyword == "DATA":
            yield keyword, lang, sub, "", start, line
            return
        stop = _value_end(text, start)
        if stop < 0:
            raise InputError(
                N_(
                    "The value of {keyword} has no closing semicolon (or an "
                    "unclosed quotation mark)."
                ),
                where=Location(file=name, line=line),
                keyword=keyword,
            )
        yield keyword, lang, sub, text[start:stop], start, line
        pos = stop + 1


def _value_end(text: str, start: int) -> int:
    quoted = False
    for i in range(start, len(text)):
        ch = text[i]
        if ch == '"':
            quoted = not quoted
        elif ch == ";" and not quoted:
            return i
    return -1


def _items(raw: str) -> list[str]:
    """The items of a keyword value: quoted strings (adjacent ones joined), bare words."""
    items: list[str] = []
    current: list[str] = []
    has = False
    i, n = 0, len(raw)
    while i < n:
        ch = raw[i]
        if ch == '"':
            j = raw.find('"', i + 1)
            j = n if j < 0 else j
            current.append(raw[i + 1 : j])
            has = True
            i = j + 1
        elif ch == ",":
            items.append("".join(current))
            current, has = [], False
            i += 1
        elif ch.isspace():
            i += 1
        elif ch == "(":
            j = raw.find(")", i)
            j = n - 1 if j < 0 else j
            current.append(raw[i : j + 1])
            has = True
            i = j + 1
        else:
            j = i
            while j < n and raw[j] not in ',"(' and not raw[j].isspace():
                j += 1
            current.append(raw[i:j])
            has = True
            i = j
    if has or items:
        items.append("".join(current))
    return items


def _timeval(items: list[str]) -> tuple[str | None, list[str]]:
    """``TLIST(A1),"2018","2019"`` or ``TLIST(A1, "2018"-"2020")``: the scale and values."""
    if not items:
        return None, []
    head = items[0].replace('"', "")
    match = _TLIST.match(head.strip())
    if not match:
        return None, items
    scale = match.group(1).upper()
    values = [v for v in items[1:] if v]
    if match.group(2) and "-" in match.group(2):
        low, high = (s.strip() for s in match.group(2).split("-", 1))
        if low.isdigit() and high.isdigit() and scale.startswith("A"):
            values = [str(y) for y in range(int(low), int(high) + 1)]
    return scale, values


def parse_px(text: str, *, file_name: str = "table.px", encoding: str = "utf-8") -> PxFile:
    """Parse the text of a PX file (see the module's docstring for what is understood)."""
    px, data_start = parse_metadata(text, file_name=file_name, encoding=encoding)
    newlines = [m.start() for m in re.finditer("\n", text)]
    data: list[str] = []
    offsets: list[int] = []
    body_end = text.rfind(";")
    body_end = body_end if body_end >= data_start else len(text)
    for match in _DATA_TOKEN.finditer(text, data_start, body_end):
        token = match.group(1) if match.group(1) is not None else match.group(2)
        data.append(token.strip())
        offsets.append(match.start())
    expected = prod(len(v.values) for v in px.variables)
    if len(data) != expected:
        line = bisect.bisect_right(newlines, offsets[-1]) + 1 if offsets else None
        raise count_error(px, len(data), line or px.keyword_lines["DATA"])
    px.data, px.data_offsets, px.newlines = data, offsets, newlines
    return px


def count_error(px: PxFile, count: int, line: int) -> InputError:
    """The error of a DATA section whose cells are not as many as the values make."""
    return InputError(
        N_("DATA holds {count} cells, but the variables' values make {expected} ({sizes})."),
        where=Location(file=px.file_name, line=line),
        count=count,
        expected=prod(len(v.values) for v in px.variables),
        sizes=" \u00d7 ".join(f"{v.name} {len(v.values)}" for v in px.variables),
    )


def parse_metadata(
    text: str, *, file_name: str = "table.px", encoding: str = "utf-8"
) -> tuple[PxFile, int]:
    """The keywords and variables of a PX file's text (up to ``DATA=`` at least) without its
    data, and the offset where the data begin (read by :func:`parse_px`, or streamed by
    :mod:`migstat.formats.px.stream`)."""
    name = file_name
    newlines = [m.start() for m in re.finditer("\n", text)]
    keywords, lines, timevals, data_start = _keywords(text, name, newlines)
    language = (keywords.get(("LANGUAGE", None, ())) or [None])[0]
    languages = [lang for lang in keywords.get(("LANGUAGES", None, ()), []) if lang]
    variables = _variables(keywords, lines, timevals, name, language, languages)
    px = PxFile(
        file_name=name,
        encoding=encoding,
        keywords=keywords,
        keyword_lines=lines,
        variables=variables,
        data=[],
        data_offsets=[],
        newlines=newlines,
        language=language,
        languages=languages,
    )
    return px, data_start


_Keywords = dict[tuple[str, str | None, tuple[str, ...]], list[str]]


def _keywords(
    text: str, name: str, newlines: list[int]
) -> tuple[_Keywords, dict[str, int], dict[str, str], int]:
    """The keywords before DATA, the line of each, the ``TIMEVAL`` scales and where the data
    begin; a file that is no full PX table is an error."""
    keywords: _Keywords = {}
    lines: dict[str, int] = {}
    timevals: dict[str, str] = {}
    data_start: int | None = None
    for keyword, lang, sub, raw, offset, line in _statements(text, name, newlines):
        if keyword == "DATA":
            data_start = offset
            lines["DATA"] = line
            break
        items = _items(raw)
        if keyword == "TIMEVAL" and sub:
            scale, values = _timeval(items)
            timevals[sub[0]] = scale or ""
            items = values
        keywords[(keyword, lang, sub)] = items
        lines.setdefault(keyword, line)
        if sub and lang is None:
            lines.setdefault(f"{keyword}({sub[0]})", line)
    if any(k[0] == "KEYS" for k in keywords):
        raise InputError(
            N_(
                "The file lists its data by KEYS (a sparse PX file); save the "
                "table from PxWeb as a full PX file."
            ),
            where=Location(file=name, line=lines.get("KEYS")),
        )
    if data_start is None:
        raise InputError(
            N_("The file has no DATA keyword: it is not a complete PX file."),
            where=Location(file=name),
        )
    if ("STUB", None, ()) not in keywords and ("HEADING", None, ()) not in keywords:
        raise InputError(
            N_("The file has neither STUB nor HEADING: no variables are declared."),
            where=Location(file=name, line=1),
        )
    return keywords, lines, timevals, data_start


def _variables(
    keywords: _Keywords,
    lines: dict[str, int],
    timevals: dict[str, str],
    name: str,
    language: str | None,
    languages: list[str],
) -> list[PxVariable]:
    """The variables of ``STUB`` then ``HEADING``, with their texts in every language."""
    variables: list[PxVariable] = []
    for part, heading in (("STUB", False), ("HEADING", True)):
        names = keywords.get((part, None, ()), [])
        for position, var_name in enumerate(names):
            values = keywords.get(("VALUES", None, (var_name,)))
            if values is None:
                values = keywords.get(("TIMEVAL", None, (var_name,)))
            if not values:
                raise InputError(
                    N_("Variable \u201c{name}\u201d of {part} has no VALUES."),
                    where=Location(file=name, line=lines.get(part)),
                    name=var_name,
                    part=part,
                )
            variable = PxVariable(name=var_name, values=list(values), heading=heading)
            codes = keywords.get(("CODES", None, (var_name,)))
            if codes and len(codes) == len(values):
                variable.codes = list(codes)
            elim = keywords.get(("ELIMINATION", None, (var_name,)))
            variable.elimination = elim[0] if elim else None
            if var_name in timevals:
                variable.time, variable.timescale = True, timevals[var_name] or None
            for lang in languages:
                if lang != language:
                    _other_language(variable, keywords, timevals, part, position, lang)
            variables.append(variable)
    return variables


def _other_language(
    variable: PxVariable,
    keywords: _Keywords,
    timevals: dict[str, str],
    part: str,
    position: int,
    lang: str,
) -> None:
    """The variable's name and labels in another language (matched by position)."""
    other = keywords.get((part, lang, ()))
    if not other or position >= len(other):
        return
    variable.names[lang] = other[position]
    labels = keywords.get(("VALUES", lang, (other[position],))) or keywords.get(
        ("TIMEVAL", lang, (other[position],))
    )
    if labels and len(labels) == len(variable.values):
        variable.labels[lang] = list(labels)
    if other[position] in timevals:
        variable.time = True
        variable.timescale = variable.timescale or timevals[other[position]]


def cell_value(token: str) -> float | None:
    """A data cell's number; ``None`` for a missing-value symbol; nil ``-`` is 0.

    Raises :class:`ValueError` for a token that is neither.
    """
    if token in MISSING_SYMBOLS:
        return None
    if token == NIL_SYMBOL:
        return 0.0
    return float(token.replace(",", "."))


__all__ = [
    "MISSING_SYMBOLS",
    "NIL_SYMBOL",
    "PxFile",
    "PxVariable",
    "cell_value",
    "count_error",
    "decode_px",
    "parse_metadata",
    "parse_px",
    "px_codecs",
    "read_px",
    "sniff_px",
    "value_indices",
]
