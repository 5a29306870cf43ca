"""What a UN DESA migrant-stock sheet holds, found by its words rather than its position.

Every edition (1990-2024 revisions) and family (totals, by sex, by destination and origin)
shares a few words but puts them in different rows and columns: the header row has an M49
code column (``Code``, ``Country code``, ``Location code``, ``Location code of destination``,
``Код``); the years are numbers in the header row or the row next to it; the sex of a block
of years is written above it (``(both sexes)``, ``(males)``, ``Female``, ``оба пола``,
``женщины``) or in the sheet's title (``Male migrant stock at mid-year by origin ...``); the
origins of a matrix stand in a row under a cell saying ``Country of origin``, or in a column
of their own with a second code column (``Location code of origin``); a year is a column
(``Year``) or the end of the title (``..., 2015``). This module reads those words; the
readers (:mod:`migstat.sources.undesa_workbook`, :mod:`migstat.sources.undesa_origin`) read
the numbers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

CODE_WORDS = ("code", "код")
"""A header cell naming the M49 code column starts with or ends in one of these (``Code``,
``Country code``, ``Location code of origin``, ``Код страны``)."""
ORIGIN_WORDS = ("origin", "происхожд", "рождени")
DESTINATION_WORDS = ("destination", "назначени", "пребывани")
YEAR_WORDS = frozenset({"year", "год"})
TOTAL_WORDS = frozenset({"total", "всего", "итого", "world", "весь мир"})
"""An origin column or row that is the total over all origins (stored as ``FOR``)."""
_SEX_WORDS = (
    (re.compile(r"\bfemales?\b|\bwomen\b|женщин", re.I), "F"),
    (re.compile(r"\bboth sexes\b|оба пола", re.I), "_T"),
    (re.compile(r"\bmales?\b|\bmen\b|мужчин", re.I), "M"),
)
"""Words naming a sex, female before male (``female`` contains ``male``)."""
_YEAR_AT_END = re.compile(r"(?:^|\D)((?:19|20)\d\d)\s*\.?\s*$")
FIRST_YEAR, LAST_YEAR = 1950, 2100


def folded(cell: Any) -> str:
    """A header cell's words, in one line, case folded (``""`` for a number or nothing)."""
    return " ".join(cell.split()).casefold() if isinstance(cell, str) else ""


def sex_in(text: str) -> str | None:
    """The SEX code a header or title names, if any."""
    for pattern, code in _SEX_WORDS:
        if pattern.search(text):
            return code
    return None


def is_code_header(cell: Any) -> bool:
    text = folded(cell)
    if not text or len(text) > 60:
        return False
    words = text.replace("(", " ").replace(")", " ").split()
    return bool(words) and (
        words[0] in CODE_WORDS or words[-1] in CODE_WORDS or any(w in CODE_WORDS for w in words)
    )


def year_of(cell: Any) -> int | None:
    """A year heading (``1990``, ``1990.0``, ``"2015"``), else ``None``."""
    if isinstance(cell, bool):
        return None
    if isinstance(cell, (int, float)) and float(cell).is_integer():
        year = int(cell)
    elif isinstance(cell, str) and cell.strip().isdigit() and len(cell.strip()) == 4:
        year = int(cell.strip())
    else:
        return None
    return year if FIRST_YEAR <= year <= LAST_YEAR else None


def has_words(cell: Any, words: tuple[str, ...]) -> bool:
    text = folded(cell)
    return any(w in text for w in words)


@dataclass(frozen=True, slots=True)
class SheetLayout:
    """Where a sheet's header is and what its columns hold (indices from 0)."""

    head_row: int
    """The row with the code column."""
    first_row: int
    """The first row of figures."""
    code_col: int
    """The destination's (or the only) M49 code column."""
    name_col: int
    type_col: int | None
    """``Type of data`` (B, C, R, I), where given."""
    origin_code_col: int | None
    """A second code column: the long matrix (2020, 2024)."""
    year_col: int | None
    """A ``Year`` column: the wide matrix with every year in one sheet (2019)."""
    year_columns: list[tuple[int, str, str]]
    """(column, SEX, year) of every value column of a table by year."""
    origin_columns: list[tuple[int, str]]
    """(column, published name) of every origin column of a wide matrix."""
    title: str
    """The title rows' text above the header (edition, sex, year of a matrix)."""

    @property
    def family(self) -> str:
        if self.origin_code_col is not None:
            return "long matrix"
        if self.origin_columns:
            return "matrix"
        return "by year" if self.year_columns else ""

    def title_year(self) -> str | None:
        """The year a matrix sheet's title ends in (``..., 2015``)."""
        for line in self.title.splitlines():
            match = _YEAR_AT_END.search(line.strip())
            if match and any(w in line.casefold() for w in ("stock", "мигрант")):
                return match.group(1)
        return None

    def title_sex(self) -> str:
        """The sex a matrix sheet's title names (``Male migrant stock ...``); both sexes
        where it names none (``Total migrant stock ...``)."""
        for line in self.title.splitlines():
            if "stock" in line.casefold() or "мигрант" in line.casefold():
                sex = sex_in(line.replace("by sex", ""))
                if sex:
                    return sex
        return "_T"


def find_layout(rows: list[tuple[Any, ...]]) -> SheetLayout | None:
    """The layout of a migrant-stock sheet, or ``None`` when no row has a code column."""
    head = next(
        (i for i, r in enumerate(rows[:60]) if r and any(is_code_header(c) for c in r)), None
    )
    if head is None:
        return None
    top = rows[head]
    codes = [j for j, c in enumerate(top) if is_code_header(c)]
    origin_code = next((j for j in codes if has_words(top[j], ORIGIN_WORDS)), None)
    code_col = next((j for j in codes if j != origin_code), codes[0])
    name_col = _name_col(top, code_col)
    type_col = next(
        (j for j, c in enumerate(top) if folded(c).startswith(("type of data", "тип"))), None
    )
    year_col = next((j for j, c in enumerate(top) if folded(c) in YEAR_WORDS), None)
    title = "\n".join(
        str(c).strip() for r in rows[:head] for c in r if isinstance(c, str) and c.strip()
    )
    origin_columns: list[tuple[int, str]] = []
    year_columns: list[tuple[int, str, str]] = []
    first = head + 1
    anchor = next(
        (
            j
            for j, c in enumerate(top)
            if j > code_col and j != origin_code and has_words(c, ORIGIN_WORDS)
        ),
        None,
    )
    if origin_code is None and anchor is not None:
        origin_columns, first = _origin_columns(rows, head, anchor)
    else:
        year_columns, first = _year_columns(rows, head)
    return SheetLayout(
        head_row=head,
        first_row=first,
        code_col=code_col,
        name_col=name_col,
        type_col=type_col,
        origin_code_col=origin_code,
        year_col=year_col,
        year_columns=year_columns,
        origin_columns=origin_columns,
        title=title,
    )


def _name_col(top: tuple[Any, ...], code_col: int) -> int:
    """The area name column: the first header naming a region, country or area (of
    destination, when the sheet names both)."""
    named = [
        j
        for j, c in enumerate(top)
        if any(w in folded(c) for w in ("country", "area", "region", "стран", "регион"))
        and not is_code_header(c)
    ]
    for j in named:
        if not has_words(top[j], ORIGIN_WORDS):
            return j
    return named[0] if named else max(code_col - 2, 0)


def _origin_columns(
    rows: list[tuple[Any, ...]], head: int, anchor: int
) -> tuple[list[tuple[int, str]], int]:
    """The origin names of a wide matrix: in the row under the ``Country of origin`` cell
    (2015, 2017), else in the header row itself from that cell on."""
    below = rows[head + 1] if head + 1 < len(rows) else ()
    names_row, first = (below, head + 2) if _texts(below, anchor) > 1 else (rows[head], head + 1)
    columns = [
        (j, " ".join(c.split()))
        for j, c in enumerate(names_row)
        if j >= anchor and isinstance(c, str) and c.strip()
    ]
    return columns, first


def _texts(row: tuple[Any, ...], start: int) -> int:
    return sum(1 for c in row[start:] if isinstance(c, str) and c.strip())


def _year_columns(rows: list[tuple[Any, ...]], head: int) -> tuple[list[tuple[int, str, str]], int]:
    """Every year column and the sex of its block: the year in the header row or the row
    under it, the sex in the nearest cell at or left of it that names one, in the rows
    from two above the header down to the year's row (merged block titles)."""
    lo, hi = max(head - 4, 0), min(head + 2, len(rows))
    years_at = next(
        (
            i
            for i in (head, head + 1)
            if i < hi and sum(year_of(c) is not None for c in rows[i]) > 1
        ),
        None,
    )
    if years_at is None:
        return [], head + 1
    columns = []
    for j, cell in enumerate(rows[years_at]):
        year = year_of(cell)
        if year is None:
            continue
        sex = _block_sex(rows, lo, years_at, j)
        columns.append((j, sex, str(year)))
    if all(sex is None for _j, sex, _y in columns):
        columns = [(j, "_T", y) for j, _s, y in columns]
    return [(j, s, y) for j, s, y in columns if s is not None], years_at + 1


def _block_sex(rows: list[tuple[Any, ...]], lo: int, last: int, col: int) -> str | None:
    """The sex named at or left of ``col`` nearest to it, in rows ``lo`` to ``last``."""
    best: tuple[int, str] | None = None
    for i in range(lo, last + 1):
        row = rows[i]
        for j in range(min(col, len(row) - 1), -1, -1):
            sex = sex_in(folded(row[j])) if isinstance(row[j], str) else None
            if sex is not None:
                if best is None or j > best[0]:
                    best = (j, sex)
                break
    return best[1] if best else None
