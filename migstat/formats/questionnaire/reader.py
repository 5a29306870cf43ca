"""The questionnaire's reader: a filled workbook back into a :class:`Dataset`.

The hidden sheet (see :mod:`.layout`) says where every table's codes and data cells are, so the
reader never guesses; cells are read with the streaming :mod:`.xlsx` reader, not openpyxl.
This module reads the hidden sheet and the metadata sheet; :mod:`.read_tables` reads the
table sheets.
"""

from __future__ import annotations

import gc
import re
from datetime import date
from pathlib import Path

from migstat.formats import vocabulary as vocab
from migstat.formats.limits import check_whole_size
from migstat.formats.notation import NotANumber, read_value
from migstat.formats.questionnaire.layout import (
    CHOICES,
    FORMAT,
    HIDDEN_SHEET,
    SHEET_NAMES,
    SUBMISSION_FIELDS,
)
from migstat.formats.questionnaire.read_tables import (
    cell_text,
    formula_finding,
    not_number_finding,
    read_table,
)
from migstat.formats.questionnaire.xlsx import (
    XlsxReader,
    cell_ref,
    column_index,
    open_workbook,
)
from migstat.i18n import N_
from migstat.model import (
    Dataset,
    Finding,
    InputError,
    Location,
    NotFoundError,
    PeriodType,
    Registry,
    SubmissionMetadata,
    TableMetadata,
    default_registry,
)


def _as_bytes(source: bytes | bytearray | str | Path) -> bytes:
    if isinstance(source, bytes | bytearray):
        return bytes(source)
    return Path(source).read_bytes()


class Facts:
    """The hidden sheet, parsed."""

    def __init__(self, reader: XlsxReader, file_name: str) -> None:
        self.values: dict[str, str] = {}
        self.tables: list[dict[str, str]] = []
        grid: dict[int, dict[int, object]] = {}
        for r, c, v, _k in reader.cells(HIDDEN_SHEET):
            grid.setdefault(r, {})[c] = v
        header: list[str] | None = None
        for r in sorted(grid):
            cells = grid[r]
            first = cell_text(cells.get(1))
            if header is None and first == "table" and cell_text(cells.get(2)) == "sheet":
                header = [cell_text(cells.get(c)) for c in range(1, max(cells) + 1)]
            elif header is not None:
                if first:
                    self.tables.append(
                        {
                            name: cell_text(cells.get(i))
                            for i, name in enumerate(header, start=1)
                            if name
                        }
                    )
            elif first:
                self.values[first] = cell_text(cells.get(2))
        if "migstat_template" not in self.values or "country" not in self.values:
            raise InputError(
                N_(
                    "The workbook has a {sheet} sheet, but it does not describe a "
                    "migstat questionnaire. Download a new template and copy the "
                    "figures into it."
                ),
                where=Location(file=file_name),
                sheet=HIDDEN_SHEET,
            )

    @property
    def year(self) -> int | None:
        try:
            return int(self.values.get("year", ""))
        except ValueError:
            return None


def read_questionnaire(
    source: bytes | str | Path,
    *,
    file_name: str | None = None,
    registry: Registry | None = None,
    country: str | None = None,
    max_bytes: int | None = None,
) -> Dataset:
    """Read a filled questionnaire workbook into a :class:`Dataset`.

    Cells that are not numbers become ``STRUCT_NOT_NUMBER`` findings, formulas
    ``STRUCT_FORMULA`` findings (in ``dataset.findings``); everything else is for validation.
    """
    reg = registry or default_registry()
    if file_name is None:
        file_name = Path(source).name if isinstance(source, str | Path) else "workbook.xlsx"
    data = _as_bytes(source)
    # the workbook is held whole: its file, and its parts unpacked, within the reader's limit
    check_whole_size(len(data), file_name=file_name, reader="questionnaire")
    reader = open_workbook(data, file_name=file_name, max_bytes=max_bytes)
    unpacked = sum(info.file_size for info in reader.archive.infolist())
    check_whole_size(unpacked, file_name=file_name, reader="questionnaire", unpacked=True)
    collecting = gc.isenabled()
    gc.disable()  # 150,000 observations: the cyclic collector would run hundreds of times
    try:
        return _read(reader, reg, file_name, country)
    finally:
        if collecting:
            gc.enable()


def _read(reader: XlsxReader, reg: Registry, file_name: str, country: str | None) -> Dataset:
    where = Location(file=file_name)
    if reader.sheet(HIDDEN_SHEET) is None:
        raise InputError(
            N_(
                "This Excel workbook is not a migstat questionnaire: it has no "
                "hidden sheet {sheet} (its sheets are: {sheets}). Download a "
                "template (migstat template) and copy the figures into it."
            ),
            where=where,
            sheet=HIDDEN_SHEET,
            sheets=", ".join(reader.sheet_names) or "—",
        )
    facts = Facts(reader, file_name)
    code = facts.values["country"]
    try:
        code = reg.country(code)
    except NotFoundError:
        raise InputError(
            N_(
                "The workbook names an unknown country {code}: give an ISO 3166 "
                "alpha-3 code such as KGZ."
            ),
            where=where,
            code=code,
        ) from None
    if country:
        try:
            expected = reg.country(country)
        except NotFoundError:
            raise InputError(
                N_("Unknown country {code}: give an ISO 3166 alpha-3 code such as KGZ."),
                where=where,
                code=country,
            ) from None
        if expected != code:
            raise InputError(
                N_("The workbook is the questionnaire of {found}, not of {expected}."),
                where=where,
                found=code,
                expected=expected,
            )
    year = facts.year
    if year is None:
        raise InputError(
            N_(
                "The workbook does not say which year it covers (hidden sheet "
                "{sheet}). Download a new template."
            ),
            where=where,
            sheet=HIDDEN_SHEET,
        )
    findings: list[Finding] = []
    metadata = _read_metadata(reader, facts, file_name, code, year, findings)
    dataset = Dataset(
        file_name=file_name,
        format=FORMAT,
        provider=code,
        metadata=metadata,
        synthetic=facts.values.get("synthetic", "0") in ("1", "true", "True"),
        findings=findings,
    )
    first = _first_language(facts.values.get("language") or "")
    for spec in facts.tables:
        read_table(reader, reg, spec, dataset, year, first)
    if not dataset.observations and not dataset.findings:
        raise InputError(
            N_(
                "The workbook holds no figures: every table sheet is empty. Enter "
                "the figures in the white cells and send it again."
            ),
            where=where,
        )
    return dataset


def _first_language(lang: str) -> str:
    """The workbook's first language (its rows are in that language's order)."""
    try:
        return vocab.languages(lang)[0]
    except ValueError:
        return "en"


def _iso_date(value: object, reader: XlsxReader) -> str | None:
    """A reference date as ``YYYY-MM-DD`` when it can be read as a date."""
    if isinstance(value, float):
        if 3000 < value < 2958466:
            return reader.to_date(value).isoformat()
        return None
    text = cell_text(value)
    match = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ].*)?", text)
    if match:
        y, m, d = (int(g) for g in match.groups())
    else:
        match = re.fullmatch(r"(\d{1,2})[./](\d{1,2})[./](\d{4})", text)
        if not match:
            return None
        d, m, y = (int(g) for g in match.groups())
    try:
        return date(y, m, d).isoformat()
    except ValueError:
        return None


def _read_metadata(
    reader: XlsxReader,
    facts: Facts,
    file_name: str,
    country: str,
    year: int,
    findings: list[Finding],
) -> SubmissionMetadata:
    """The metadata sheet: the submission's fields (agency, contact ...), found by their keys
    in the key column, then one row per table below the key row of the table block."""
    meta = SubmissionMetadata(
        country=country, year=year, language=facts.values.get("language") or None
    )
    sheet = _metadata_sheet(reader, facts)
    if sheet is None:
        return meta
    key_col = column_index(facts.values.get("metadata_key_col") or "A")
    value_col = column_index(facts.values.get("metadata_value_col") or "D")
    grid = reader.grid(sheet)
    rows = sorted({r for r, _c in grid})
    header_row = _read_submission_fields(meta, grid, rows, key_col, value_col, file_name, sheet)
    if header_row is None:
        return meta
    columns = {
        cell_text(value): c
        for (r, c), (value, _kind) in grid.items()
        if r == header_row and cell_text(value)
    }
    periods: dict[str, str | None] = {}
    for t in facts.tables:
        periods.setdefault(t["table"], t.get("period"))
    for r in rows:
        if r <= header_row:
            continue
        table_id = cell_text(grid.get((r, columns.get("table", key_col)), (None, ""))[0])
        if table_id in periods:
            meta.tables[table_id] = _read_table_metadata(
                reader, grid, r, columns, table_id, periods[table_id], file_name, sheet, findings
            )
    return meta


Grid = dict[tuple[int, int], tuple[object, str]]


def _metadata_sheet(reader: XlsxReader, facts: Facts) -> str | None:
    """The metadata sheet the hidden sheet names, or else one of its usual names."""
    sheet = facts.values.get("metadata_sheet") or ""
    if reader.sheet(sheet) is not None:
        return sheet
    return next((n for n in SHEET_NAMES["metadata"].values() if reader.sheet(n)), None)


def _read_submission_fields(
    meta: SubmissionMetadata,
    grid: Grid,
    rows: list[int],
    key_col: int,
    value_col: int,
    file_name: str,
    sheet: str,
) -> int | None:
    """Fill the submission's fields of ``meta`` from the rows above the table block; return
    the table block's key row (``table`` in the key column), or ``None`` when there is none."""
    simple = {key for key, _m in SUBMISSION_FIELDS} - {"country", "year"}
    for r in rows:
        key = cell_text(grid.get((r, key_col), (None, ""))[0])
        if key == "table":
            return r
        if key in simple:
            meta.where[key] = Location(file=file_name, sheet=sheet, cell=cell_ref(r, value_col))
            text = cell_text(grid.get((r, value_col), (None, ""))[0])
            setattr(meta, key, text or None)
    return None


def _read_table_metadata(
    reader: XlsxReader,
    grid: Grid,
    r: int,
    columns: dict[str, int],
    table_id: str,
    period: str | None,
    file_name: str,
    sheet: str,
    findings: list[Finding],
) -> TableMetadata:
    """One table's row ``r`` of the metadata sheet; formulas and numbers that are not whole
    become findings."""
    tm = TableMetadata(table=table_id)
    for field_name, c in columns.items():
        if field_name in ("table", "title") or not hasattr(tm, field_name):
            continue
        ref = cell_ref(r, c)
        tm.where[field_name] = Location(file=file_name, sheet=sheet, cell=ref)
        value, kind = grid.get((r, c), (None, ""))
        if value is None or cell_text(value) == "":
            continue
        if kind == "f":
            findings.append(formula_finding(file_name, sheet, ref, str(value), table_id))
        elif not _set_table_field(tm, field_name, value, period, reader):
            findings.append(not_number_finding(file_name, sheet, ref, cell_text(value), table_id))
    return tm


def _set_table_field(
    tm: TableMetadata, field_name: str, value: object, period: str | None, reader: XlsxReader
) -> bool:
    """Set one field of ``tm`` from its cell's value; ``False`` if a whole number was due and
    the cell holds none."""
    if field_name in CHOICES:
        setattr(tm, field_name, vocab.read_choice(cell_text(value), CHOICES[field_name]))
    elif field_name == "reference_date":
        if period == PeriodType.DATE.value:
            tm.reference_date = _iso_date(value, reader) or cell_text(value)
        else:
            tm.reference_date = cell_text(value)
    elif field_name in ("rounding_base", "residence_rule_months"):
        number = _whole_number(value)
        if number is None:
            return False
        setattr(tm, field_name, number)
    else:
        setattr(tm, field_name, cell_text(value))
    return True


def _whole_number(value: object) -> int | None:
    """The whole number a cell holds (as a number or as text), else ``None``."""
    try:
        reading = read_value(value)
    except NotANumber:
        return None
    if reading is None or reading.value is None or not reading.value.is_integer():
        return None
    return int(reading.value)
