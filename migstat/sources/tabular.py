"""What the generic importers (PX tables, origin-destination matrices) share.

A publisher's own reader knows its files; a generic reader knows only the format, so what the
file does not say comes from options: the table (``table``), the year or date (``year``), the
reporting country (``country``), who stands behind the numbers (``provider``), the source
type and residence rule of the table's metadata. These helpers turn those options, and the
codes and names found in a file, into what a :class:`~migstat.model.Dataset` needs.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from itertools import chain
from pathlib import Path
from typing import Any

from migstat.formats.csvbase import sniff_separator
from migstat.formats.limits import check_whole
from migstat.formats.text import CYRILLIC, line_one
from migstat.i18n import N_
from migstat.model.codelists import CodeList
from migstat.model.data import (
    Dataset,
    Location,
    ResidenceRule,
    SourceType,
    TableMetadata,
)
from migstat.model.findings import Finding, InputError, Severity
from migstat.model.registry import Registry
from migstat.model.tables import TableDef
from migstat.sources.common import Reopened, sheet_rows


def category_key(text: str) -> str:
    """How categories are compared: spacing, letter case and ё/е do not matter."""
    return " ".join(str(text).split()).casefold().replace("ё", "е")


TOTAL_WORDS = frozenset(
    category_key(w)
    for w in (
        "total",
        "all",
        "both sexes",
        "all ages",
        "all reasons",
        "all levels",
        "all types",
        "всего",
        "итого",
        "оба пола",
        "все возрасты",
        "все причины",
        "все уровни",
        "все виды",
        "всего по всем причинам",
        "all countries",
        "все страны",
    )
)
"""Names a publisher gives the total of a breakdown."""

SYNONYMS: dict[str, dict[str, str]] = {
    "SEX": {
        category_key(k): v
        for k, v in (
            ("male", "M"),
            ("males", "M"),
            ("men", "M"),
            ("man", "M"),
            ("мужчины", "M"),
            ("мужской", "M"),
            ("муж.", "M"),
            ("female", "F"),
            ("females", "F"),
            ("women", "F"),
            ("woman", "F"),
            ("женщины", "F"),
            ("женский", "F"),
            ("жен.", "F"),
        )
    },
}
"""Spellings of common categories that are not the code lists' labels."""

_RANGE = re.compile(r"^\D*?(\d+)\s*[-\u2013\u2014]\s*(\d+)\b")
_OPEN_TOP = re.compile(
    r"^\D*?(\d+)\s*(?:\+|\D*(?:и старше|и более|and over|and older|or over|"
    r"or older|years and over|лет и старше))",
    re.I,
)
_UNDER = re.compile(r"^(?:under|less than|younger than|моложе|младше|до)\s+(\d+)", re.I)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class CodeFinder:
    """Finds the code of a category in a code list by code, alias, label (EN/RU) or age span."""

    def __init__(self, codes: CodeList, total: str | None) -> None:
        self.codes = codes
        self.total = total
        self._labels: dict[str, str] = {}
        for code in codes:
            for text in code.name.values():
                self._labels.setdefault(category_key(text), code.id)
        self._synonyms = SYNONYMS.get(codes.id, {})

    def find(self, texts: list[str]) -> str | None:
        for text in texts:
            if not text:
                continue
            found = self.codes.resolve(text)
            if found is not None:
                return found
            key = category_key(text)
            found = self._labels.get(key) or self._synonyms.get(key)
            if found is not None:
                return found
            if key in TOTAL_WORDS and self.total:
                return self.total
            if self.codes.id == "AGE":
                found = self._age(key)
                if found is not None:
                    return found
        return None

    def _age(self, key: str) -> str | None:
        bounds: tuple[int, int | None] | None = None
        if m := _RANGE.match(key):
            bounds = (int(m.group(1)), int(m.group(2)) + 1)
        elif m := _OPEN_TOP.match(key):
            bounds = (int(m.group(1)), None)
        elif m := _UNDER.match(key):
            bounds = (0, int(m.group(1)))
        if bounds is None:
            return None
        for code in self.codes:
            if code.lower == bounds[0] and code.upper == bounds[1]:
                return code.id
        return None


RULE_TABLE_CHOSEN = "IMPORT_TABLE_CHOSEN"


def standard_first(registry: Registry, candidates: list[str]) -> list[str]:
    """Of tables with the same variables that a file's words do not tell apart (first
    permits A01 and valid permits A02), the one of the standard questionnaire, when there is
    exactly one; :func:`chosen_among` says so."""
    standard = [c for c in candidates if registry.table(c).group == "standard"]
    return standard if len(candidates) > 1 and len(standard) == 1 else candidates


def chosen_among(
    registry: Registry, chosen: TableDef, candidates: list[str], file_name: str
) -> list[Finding]:
    """A warning when :func:`standard_first` chose ``chosen`` over others."""
    others = [c for c in candidates if c != chosen.id]
    if not others or standard_first(registry, candidates) != [chosen.id]:
        return []
    return [
        Finding(
            rule=RULE_TABLE_CHOSEN,
            severity=Severity.WARNING,
            table=chosen.id,
            where=Location(file=file_name),
            message=N_(
                "The file does not say whether it holds {table} or {others} (tables with the "
                "same variables): read as {table}, the standard table. Import it with --table "
                "if it holds another."
            ),
            params={"table": chosen.id, "others": ", ".join(others)},
        )
    ]


def table_for(
    registry: Registry, table: str | None, file_name: str, candidates: list[str] | None = None
) -> TableDef:
    """The table named by the option, or the one candidate (the standard one of several
    alike); else an error asking for it."""
    where = Location(file=file_name)
    if table:
        return registry.table(table)
    if candidates:
        candidates = standard_first(registry, candidates)
    if candidates and len(candidates) == 1:
        return registry.table(candidates[0])
    raise InputError(
        N_(
            "The file does not say which table it holds; name it with --table "
            "(candidates: {candidates})."
        ),
        where=where,
        candidates=", ".join(candidates)
        if candidates
        else ", ".join(t for t, d in registry.tables.items() if d.partner is not None),
    )


def period_for(
    table: TableDef, year: str, *, date: str | None = None, where: Location | None = None
) -> str:
    """``TIME_PERIOD`` of ``table`` for a year (``2019``) or a date (``2019-07-01``).

    A stock table's period is a date: a bare year becomes ``<year>-<date>`` (``date`` as
    ``MM-DD``, default ``01-01``); a flow or event table's period is the year.
    """
    text = str(year).strip()
    if text.endswith(".0"):
        text = text[:-2]
    if _DATE.match(text):
        return text if table.period_type.value == "date" else text[:4]
    if not (len(text) == 4 and (text.isascii() and text.isdigit())):
        raise InputError(
            N_("{value} is not a year (YYYY) or a date (YYYY-MM-DD)."), where=where, value=text
        )
    if table.period_type.value == "date":
        return f"{text}-{(date or '01-01').strip()}"
    return text


def default_provider(provider: str | None, areas: set[str], fallback: str) -> str:
    """Who stands behind the numbers: the option, the national statistical office of the one
    reporting country (``NSO_KGZ``), or ``fallback``."""
    if provider:
        return provider.strip().upper()
    if len(areas) == 1:
        return f"NSO_{next(iter(areas))}"
    return fallback


def add_metadata(
    dataset: Dataset,
    table: TableDef,
    periods: set[str],
    *,
    source_type: str | None,
    residence_rule: str | None,
    notes: str,
) -> None:
    """The table's metadata from the options; what they leave out is ``other`` and said so."""
    for value, allowed, option in (
        (source_type, SourceType, "--source-type"),
        (residence_rule, ResidenceRule, "--residence-rule"),
    ):
        if value and value not in {v.value for v in allowed}:
            raise InputError(
                N_("{option} {value} is not one of: {allowed}."),
                where=Location(file=dataset.file_name),
                option=option,
                value=value,
                allowed=", ".join(v.value for v in allowed),
            )
    said = []
    if not source_type:
        said.append("source type")
    if table.kind.value == "flow" and not residence_rule:
        said.append("residence rule")
    if said:
        notes += f"; not stated in the file or the options: {', '.join(said)} (other)"
    ordered = sorted(periods)
    dataset.metadata.tables[table.id] = TableMetadata(
        table=table.id,
        source_type=source_type or "other",
        reference_date=(
            f"{ordered[0]}/{ordered[-1]}" if len(ordered) > 1 else (ordered[0] if ordered else None)
        ),
        residence_rule=(residence_rule or "other")
        if table.kind.value == "flow"
        else residence_rule,
        notes=notes,
    )


WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
"""Workbooks the tabular readers open with openpyxl."""


def separator(line: str) -> str:
    """The separator of a delimited file's first line (``|`` too, which the sniffer leaves
    aside)."""
    sep = sniff_separator(line)
    if sep == "," and "," not in line and "|" in line:
        return "|"
    return sep


def text_rows(path: Path) -> Iterator[tuple[Location, list[Any]]]:
    """The non-empty rows of a delimited text file, each with its line, read as they are
    asked for (the file is never held whole; :func:`~migstat.sources.common.open_text`)."""
    lines = Reopened(path, CYRILLIC).lines()
    first = next(lines, "")
    reader = csv.reader(chain([first], lines), delimiter=separator(line_one(first)))
    for row in reader:
        if any(str(c).strip() for c in row):
            yield Location(file=path.name, line=reader.line_num), row


def workbook_rows(path: Path, sheet: str | None) -> Iterator[tuple[Location, list[Any]]]:
    """The sheet's non-empty rows, each with the place of its first cell."""
    title, rows = sheet_rows(path, sheet)

    def generate() -> Iterator[tuple[Location, list[Any]]]:
        for i, row in enumerate(rows, start=1):
            if any(c not in (None, "") for c in row):
                yield Location(file=path.name, sheet=title, cell=f"A{i}"), list(row)

    return generate()


def header_and_rows(
    path: Path, sheet: str | None = None
) -> tuple[Location, list[Any], Iterator[tuple[Location, list[Any]]]]:
    """The first non-empty row of a delimited text file or a workbook (its header) with its
    place, and the rows after it; an empty file is an error."""
    if path.suffix.lower() in WORKBOOK_SUFFIXES:
        check_whole(path, "xlsx")  # the sheet's rows are held
        records = workbook_rows(path, sheet)
    else:
        records = text_rows(path)
    first = next(records, None)
    if first is None:
        raise InputError(N_("The file is empty."), where=Location(file=path.name))
    return first[0], first[1], records


def cell_at(at: Location, j: int, label: Any = None) -> Location:
    """The place of column ``j`` (0-based) in the row at ``at``: a workbook cell, or a line
    and the column's header."""
    if at.sheet and at.cell:
        from openpyxl.utils import get_column_letter

        return Location(
            file=at.file, sheet=at.sheet, cell=f"{get_column_letter(j + 1)}{at.cell[1:]}"
        )
    return Location(
        file=at.file,
        line=at.line,
        column=str(label).strip() if label not in (None, "") else str(j + 1),
    )
