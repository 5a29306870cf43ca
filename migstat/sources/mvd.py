"""The Russian Interior Ministry's form 2-RD, "Selected indicators of the migration situation".

The Ministry's migration directorate (GUVM MVD) publishes the form as an old Excel workbook
(``.xls``, BIFF8, read with xlrd): one sheet by region of Russia, one by country of
citizenship; a title that names the months ("за январь - декабрь 2016 год"), a header of
merged cells five rows deep and a row of column numbers ("код графы" 1, 2, 3 ...). Everything
is found by its content, not its position:

* the column-number row is the row that reads 1, 2, 3 ... across (or starts "код графы");
  each column's header is the text above it, with a merged group's text carried to the
  columns under it;
* a column is stored when its header names what a migstat table holds: acquisitions of
  citizenship ("приобретение гражданства") → C01 by former citizenship; decisions to grant a
  temporary residence permit ("принято решений о выдаче РВП", the first permit a foreigner
  receives) → A01, reason total; the persons living on a temporary residence permit
  ("проживает по РВП") and on a residence permit ("проживает по ВнЖ") → A02, valid
  residence permits, as their sum (the two kinds of permit a foreigner lives on in Russia),
  on the last day of the period (31 December of a full year: the form counts them at the
  end of the period it reports). Invitations, visas, migration registration and decisions
  on residence permits (ВнЖ, not a first permit: a temporary permit comes first) are named
  in one finding and not stored;
* a sheet is by country when its row labels are countries (Russian names, "ЛИЦА БЕЗ
  ГРАЖДАНСТВА", the total "ВСЕГО"); a sheet by region of Russia has no partner country and
  is left out with a finding;
* the year is the title's, and only a full year (January to December) is an annual figure.

The reporting country is Russia (``--country`` for a form of another country in the same
layout); the provider ``RUS_MVD``.
"""

from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from migstat.i18n import N_
from migstat.model.data import Dataset, Location, Observation, Provenance, SourceType
from migstat.model.findings import Finding, InputError, Severity
from migstat.model.registry import Registry
from migstat.sources.common import key_for
from migstat.sources.cube import RULE_NOT_STORED
from migstat.sources.names import NameReport, resolve_country
from migstat.sources.tabular import add_metadata

NAME = "mvd"
PROVIDER = "RUS_MVD"
TABLES = ("C01", "A01", "A02")
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_COLUMNS: tuple[tuple[str, str], ...] = (
    (r"приобретени\w* гражданств", "C01"),
    (r"решени\w* о выдаче рвп|выдан\w* разрешени\w* на временное прожива", "A01"),
    (r"прожива\W*ет\w* по (рвп|внж)|проживающ\w* по (рвп|внж)", "A02"),
)
_STOCKS = frozenset({"A02"})
"""Tables counted at the end of the period, not during it."""
_TOTAL = re.compile(r"^(всего|итого)\b", re.I)
_FULL_YEAR = re.compile(r"январ\w*\s*[-–—]\s*декабр\w*\s*(\d{4})", re.I)
_ANY_YEAR = re.compile(r"\b(19\d{2}|20\d{2})\b")


def _open(path: Path) -> Any:
    import xlrd

    try:  # xlrd writes its warnings to standard output unless given a log of its own
        return xlrd.open_workbook(str(path), on_demand=False, logfile=io.StringIO())
    except Exception as exc:  # xlrd raises many kinds (XLRDError, struct.error, ...)
        raise InputError(
            N_("Not a readable old-format Excel workbook (.xls): {error}"),
            where=Location(file=path.name),
            error=str(exc) or type(exc).__name__,
        ) from exc


def sniff(path: Path, head: bytes) -> bool:
    """An old Excel workbook with a column-number row and a 2-RD column header."""
    if not head.startswith(OLE_MAGIC):
        return False
    try:
        book = _open(path)
    except InputError:
        return False
    return any(_layout(sheet) is not None for sheet in book.sheets())


@dataclass(slots=True)
class _Layout:
    numbers_row: int
    headers: dict[int, str]
    """Column → its header, the texts above the column-number row joined."""


def _text(value: Any) -> str:
    return " ".join(str(value).split()) if isinstance(value, str) else ""


def _numbers_row(sheet: Any) -> int | None:
    """The row that numbers the columns (1, 2, 3 ... across, or "код графы" first)."""
    for r in range(min(sheet.nrows, 30)):
        row = sheet.row_values(r)
        if _text(row[0]).lower().startswith("код граф"):
            return r
        numbers = [v for v in row[1:] if isinstance(v, float) and v]
        if len(numbers) >= 3 and numbers[:3] == [1.0, 2.0, 3.0]:
            return r
    return None


def _layout(sheet: Any) -> _Layout | None:
    at = _numbers_row(sheet)
    if at is None or at == 0:
        return None
    headers: dict[int, str] = {}
    carried: dict[int, str] = {}
    for c in range(1, sheet.ncols):
        parts = []
        for r in range(at):
            text = _text(sheet.cell_value(r, c))
            if text:
                carried[r] = text
            elif r in carried and not any(
                _text(sheet.cell_value(rr, c)) for rr in range(r + 1, at)
            ):
                carried.pop(r, None)  # a group ends where a column has nothing below it
            if text:
                parts.append(text)
            elif r in carried and c > 1:
                parts.append(carried[r])
        headers[c] = " / ".join(parts)
    if not any(_table_of(h) for h in headers.values()):
        return None
    return _Layout(at, headers)


def _table_of(header: str) -> str | None:
    low = header.lower()
    for pattern, table in _COLUMNS:
        if re.search(pattern, low):
            return table
    return None


def _year(book: Any, name: str, year: str | int | None) -> str:
    """The year the title names (a full year only), or the option."""
    if year is not None:
        return str(year).strip()[:4]
    for sheet in book.sheets():
        for r in range(min(sheet.nrows, 10)):
            for value in sheet.row_values(r):
                text = _text(value)
                found = _FULL_YEAR.search(text)
                if found:
                    return found.group(1)
                if _ANY_YEAR.search(text) and "январ" in text.lower():
                    raise InputError(
                        N_(
                            "The title says “{title}”: not a full year, so not an annual "
                            "figure. Give --year only if it is one."
                        ),
                        where=Location(file=name, sheet=sheet.name, cell=f"A{r + 1}"),
                        title=text,
                    )
    raise InputError(
        N_("The title names no year (“за январь - декабрь YYYY”): give it with --year."),
        where=Location(file=name),
    )


def _partners(
    sheet: Any, layout: _Layout, registry: Registry
) -> list[tuple[int, str, str | None]] | None:
    """``(row, label, AREA code or None)`` of each data row, or ``None`` when the rows are
    not countries (a sheet by region)."""
    rows = []
    for r in range(layout.numbers_row + 1, sheet.nrows):
        label = _text(sheet.cell_value(r, 0))
        if not label:
            continue
        code = "_T" if _TOTAL.match(label) else resolve_country(label, registry)
        rows.append((r, label, code))
    found = sum(1 for _, _, code in rows if code)
    return rows if rows and found >= len(rows) / 2 else None


def read(
    path: Path,
    *,
    registry: Registry,
    table: str | None = None,
    year: str | int | None = None,
    country: str | None = None,
    provider: str | None = None,
    edition: str | None = None,
    allow_unmatched: bool = False,
    **_: Any,
) -> Dataset:
    """Form 2-RD: the columns migstat holds of the sheets by country (see the docstring)."""
    path = Path(path)
    name = path.name
    book = _open(path)
    period = _year(book, name, year)
    ref_area = registry.country(country) if country else "RUS"
    report = NameReport(file=name, registry=registry)
    observations: list[Observation] = []
    findings: list[Finding] = []
    for sheet in book.sheets():
        layout = _layout(sheet)
        if layout is None:
            continue
        rows = _partners(sheet, layout, registry)
        where = Location(file=name, sheet=sheet.name, cell=f"A{layout.numbers_row + 2}")
        if rows is None:
            findings.append(_not_stored(where, sheet.name, "regions"))
            continue
        stored = {c: t for c, h in layout.headers.items() if (t := _table_of(h))}
        stored = {c: t for c, t in stored.items() if table is None or t == table}
        left = [h or f"#{c}" for c, h in layout.headers.items() if c not in stored]
        if left:
            findings.append(_not_stored(where, sheet.name, "; ".join(left)))
        seen: dict[str, int] = {}
        for r, label, code in rows:
            if code is None:
                report.add(label, Location(file=name, sheet=sheet.name, cell=f"A{r + 1}"))
                continue
            if code in seen and _same(sheet, seen[code], r, stored):
                findings.append(_twice(name, sheet.name, seen[code], r, code))
                continue
            seen.setdefault(code, r)
            for table_id, columns in _by_table(stored).items():
                when = f"{period}-12-31" if table_id in _STOCKS else period
                observations.append(
                    _observation(registry, sheet, r, columns, table_id, ref_area, when, code, name)
                )
    if not observations and not findings:
        raise InputError(
            N_(
                "No sheet has a column of a migstat table (acquisitions of citizenship, "
                "temporary residence permits)."
            ),
            where=Location(file=name),
        )
    return _dataset(
        path, observations, findings, report, registry, provider, edition, period, allow_unmatched
    )


def _by_table(stored: dict[int, str]) -> dict[str, list[int]]:
    """The columns of each table, in the sheet's order (A02 has two: its sum)."""
    out: dict[str, list[int]] = {}
    for c, table_id in stored.items():
        out.setdefault(table_id, []).append(c)
    return out


def _count(sheet: Any, r: int, c: int, where: Location) -> int | None:
    """A cell's count: a whole number, 0 for a dash, ``None`` for an empty cell."""
    value = sheet.cell_value(r, c)
    if isinstance(value, float):
        if not value.is_integer():
            raise InputError(N_("Cell value {value} is not a count."), where=where, value=value)
        return int(value)
    text = _text(value)
    if text in ("", "-", "–", "—"):
        return 0 if text else None
    raise InputError(N_("Cell value {value} is not a count."), where=where, value=text)


def _observation(
    registry: Registry,
    sheet: Any,
    r: int,
    columns: list[int],
    table_id: str,
    ref_area: str,
    period: str,
    partner: str,
    name: str,
) -> Observation:
    cells = [f"{_column_letter(c)}{r + 1}" for c in columns]
    where = Location(file=name, sheet=sheet.name, cell=cells[0])
    counts = [
        _count(sheet, r, c, Location(file=name, sheet=sheet.name, cell=cell))
        for c, cell in zip(columns, cells, strict=True)
    ]
    tdef = registry.table(table_id)
    key = key_for(tdef, {tdef.partner.id: partner} if tdef.partner else {})
    known = [n for n in counts if n is not None]
    if len(known) < len(counts):  # an empty cell: the sum is not known
        return Observation(table_id, ref_area, period, key, None, "O", where=where)
    obs = Observation(table_id, ref_area, period, key, sum(known), "A", where=where)
    if len(cells) > 1:
        obs.comment = "sum of cells " + " + ".join(cells)
    return obs


def _same(sheet: Any, first: int, again: int, columns: dict[int, str]) -> bool:
    return all(sheet.cell_value(first, c) == sheet.cell_value(again, c) for c in columns)


def _twice(name: str, sheet: str, first: int, again: int, code: str) -> Finding:
    """A country listed twice under two spellings with the same numbers ("Сен-Пьер и
    Микелон", "Сент-Пьер и Микелон"): the second row is the same data, not more."""
    return Finding(
        rule=RULE_NOT_STORED,
        severity=Severity.WARNING,
        where=Location(file=name, sheet=sheet, cell=f"A{again + 1}"),
        related=(Location(file=name, sheet=sheet, cell=f"A{first + 1}"),),
        message=N_(
            "Row {row} names {code} again, with the same numbers as row {first}: stored once."
        ),
        params={"row": again + 1, "first": first + 1, "code": code},
    )


def _column_letter(c: int) -> str:
    out = ""
    c += 1
    while c:
        c, rest = divmod(c - 1, 26)
        out = chr(65 + rest) + out
    return out


def _not_stored(where: Location, sheet: str, what: str) -> Finding:
    if what == "regions":
        return Finding(
            rule=RULE_NOT_STORED,
            severity=Severity.WARNING,
            where=where,
            message=N_(
                "Sheet {sheet} is by region of the reporting country, with no partner "
                "country: not stored."
            ),
            params={"sheet": sheet},
        )
    return Finding(
        rule=RULE_NOT_STORED,
        severity=Severity.INFO,
        where=where,
        message=N_("Columns of sheet {sheet} that no migstat table holds, not stored: {columns}."),
        params={"sheet": sheet, "columns": what},
    )


def _dataset(
    path: Path,
    observations: list[Observation],
    findings: list[Finding],
    report: NameReport,
    registry: Registry,
    provider: str | None,
    edition: str | None,
    period: str,
    allow_unmatched: bool,
) -> Dataset:
    raw = path.read_bytes()
    dataset = Dataset(
        file_name=path.name,
        format=NAME,
        provider=(provider or PROVIDER).strip().upper(),
        observations=observations,
        synthetic=False,
        provenance=Provenance(
            publisher="Главное управление по вопросам миграции МВД России (GUVM MVD)",
            dataset="Form 2-RD: selected indicators of the migration situation",
            edition=edition or period,
            notes=f"SHA-256 {hashlib.sha256(raw).hexdigest()}",
        ),
    )
    for table_id in sorted({o.table for o in observations}):
        stock = table_id in _STOCKS
        add_metadata(
            dataset,
            registry.table(table_id),
            {f"{period}-12-31" if stock else period},
            source_type=(
                SourceType.ADMINISTRATIVE if table_id == "C01" else SourceType.PERMITS
            ).value,
            residence_rule=None,
            notes=f"MVD form 2-RD {path.name}"
            + (
                "; persons living on a temporary residence permit (РВП) plus those living on a "
                "residence permit (ВнЖ), at the end of the period"
                if stock
                else ""
            ),
        )
    dataset.findings.extend(findings)
    report.settle(dataset, allow_unmatched)
    return dataset
