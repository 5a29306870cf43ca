"""The reader's table sheets: every coded data cell of a table into an observation.

A full questionnaire has up to 150,000 data cells, nearly all numbers. The hidden sheet says
where each table's codes and data cells are; :func:`read_table` checks the code header is
still there (or finds it again, if rows were inserted above it), then reads the cells in one
loop that turns a number into an observation at once and passes anything else (a flag, a
formula, text) to :func:`_text_cell`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from operator import itemgetter

from migstat.formats.notation import NotANumber, read_value
from migstat.formats.questionnaire.damage import SheetDamage, TableSpec
from migstat.formats.questionnaire.layout import HIDDEN_SHEET
from migstat.formats.questionnaire.xlsx import Cell, XlsxReader, column_index, column_letters
from migstat.i18n import N_
from migstat.model import (
    Dataset,
    Finding,
    InputError,
    Location,
    NotFoundError,
    Observation,
    ObsStatus,
    PeriodType,
    Registry,
    Severity,
    TableDef,
)


def cell_text(value: object) -> str:
    """A cell value as text; whole numbers without ``.0``."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def not_number_finding(
    file_name: str,
    sheet: str,
    ref: str,
    text: str,
    table: str | None,
    key: dict[str, str] | None = None,
) -> Finding:
    """A cell that should hold a number or a flag holds ``text``."""
    return Finding(
        rule="STRUCT_NOT_NUMBER",
        severity=Severity.ERROR,
        message=N_(
            "The cell holds “{text}”, which is neither a number nor a flag. Enter a "
            "number, .. (not available), x (confidential), - (nil), or a number "
            "followed by e (estimated) or p (provisional)."
        ),
        params={"text": text},
        table=table,
        where=Location(file=file_name, sheet=sheet, cell=ref),
        key=key,
        values={},
    )


def formula_finding(
    file_name: str,
    sheet: str,
    ref: str,
    text: str,
    table: str | None,
    key: dict[str, str] | None = None,
) -> Finding:
    """A cell holds a formula, which is not read: figures are to be pasted as values."""
    return Finding(
        rule="STRUCT_FORMULA",
        severity=Severity.ERROR,
        message=N_(
            "The cell holds a formula ({formula}); formulas are not read. Copy the "
            "figures and paste them as values only (Paste Special, Values)."
        ),
        params={"formula": text},
        table=table,
        where=Location(file=file_name, sheet=sheet, cell=ref),
        key=key,
        values={},
    )


_GROUPED = re.compile(r"\d{1,3}(?:,\d{3})+|\d{1,3}(?:\.\d{3})+")
"""A whole number with commas or points between its thousands (``1,234``, ``12.345.678``)."""


def grouped_finding(
    t: _TableCells, ref: str, text: str, value: float, key: tuple[str, ...]
) -> Finding:
    """A count typed as text with its thousands marked: read as the whole number, with a
    warning at the cell (a decimal point would make no sense in a count of people)."""
    return Finding(
        rule="STRUCT_TEXT_NUMBER",
        severity=Severity.WARNING,
        message=N_(
            "The cell holds the text “{text}”, read as {value} (a comma or point between "
            "thousands). Enter figures as numbers, without separators."
        ),
        params={"text": text, "value": value},
        table=t.table,
        where=Location(file=t.file_name, sheet=t.sheet, cell=ref),
        key=t.key_dict(key),
        values={},
    )


def _int_list(text: str) -> list[int]:
    return [int(x) for x in text.split(",") if x.strip()]


def _col_list(text: str) -> list[int]:
    return [column_index(x.strip()) for x in text.split(",") if x.strip()]


def _table_spec(spec: dict[str, str], file_name: str, table_id: str) -> TableSpec:
    """A table's row of the hidden sheet, parsed; a damaged row is an :class:`InputError`."""
    try:
        found = TableSpec(
            row_dims=[d for d in spec["row_dims"].split(",") if d],
            col_dims=[d for d in spec["col_dims"].split(",") if d],
            code_cols=_col_list(spec["code_cols"]),
            code_rows=_int_list(spec["code_rows"]),
            first_row=int(spec["first_data_row"]),
            first_col=column_index(spec["first_data_col"]),
        )
        if not found.code_rows:
            raise ValueError("no code rows")
        # a code column per row dimension and a code row per column dimension, as written
        if len(found.code_cols) != len(found.row_dims) or len(found.code_rows) != len(
            found.col_dims
        ):
            raise ValueError("dimensions and code positions differ in number")
        return found
    except (KeyError, ValueError, AttributeError, TypeError):  # a cell missing, a number not one
        raise InputError(
            N_(
                "The hidden sheet {sheet} is damaged: the layout of table {table} "
                "cannot be read. Download a new template."
            ),
            where=Location(file=file_name),
            sheet=HIDDEN_SHEET,
            table=table_id,
        ) from None


@dataclass(slots=True)
class _TableCells:
    """What every data cell of one table sheet shares: where it is and what it belongs to."""

    file_name: str
    sheet: str
    table: str
    ref_area: str
    period: str
    dim_ids: list[str]
    observations: list[Observation]
    findings: list[Finding]
    outside: Callable[[int, int, str], None]
    """Told of each cell with something in it whose row or column has no codes."""

    def key_dict(self, key: tuple[str, ...]) -> dict[str, str]:
        """The full key of a cell, for a finding about it."""
        out = dict(zip(self.dim_ids, key, strict=True))
        out["REF_AREA"] = self.ref_area
        out["TIME_PERIOD"] = self.period
        return out


def read_table(
    reader: XlsxReader,
    reg: Registry,
    spec: dict[str, str],
    dataset: Dataset,
    year: int,
    lang: str = "en",
) -> None:
    """One table sheet into ``dataset``: an observation per coded data cell that holds
    something, a finding per cell that cannot be read (``lang``: the workbook's first
    language, whose order its rows follow)."""
    file_name = dataset.file_name
    table_id = spec.get("table", "")
    sheet = spec.get("sheet") or table_id
    where = Location(file=file_name, sheet=sheet)
    try:
        tdef = reg.table(table_id)
    except NotFoundError:
        raise InputError(
            N_("The workbook has a sheet for table {table}, which is not in the registry."),
            where=where,
            table=table_id,
        ) from None
    if reader.sheet(sheet) is None:
        raise InputError(
            N_(
                "The sheet {sheet} of table {table} is missing from the workbook. "
                "Do not delete or rename sheets."
            ),
            where=Location(file=file_name),
            sheet=sheet,
            table=table_id,
        )
    lay = _table_spec(spec, file_name, table_id)
    cells = list(reader.cells(sheet))
    if not cells:
        raise InputError(
            N_(
                "The sheet {sheet} is empty: its codes and labels were deleted. "
                "Copy the figures into a new template."
            ),
            where=where,
            sheet=sheet,
        )
    code_col_set = set(lay.code_cols)
    in_code_cols = {(r, c): cell_text(v) for r, c, v, _k in cells if c in code_col_set}
    _find_code_header(lay, in_code_cols, where)
    damage = SheetDamage(file_name, sheet, tdef, reg, lay, lang)
    merged = reader.merged(sheet)
    if merged:
        cells = damage.unmerge(cells, merged)
        in_code_cols = {(r, c): cell_text(v) for r, c, v, _k in cells if c in code_col_set}
    columns = _column_codes(cells, lay)
    data_rows = {
        r for r, c, v, _k in cells if r >= lay.first_row and c >= lay.first_col and cell_text(v)
    }
    rows = damage.rows(in_code_cols, data_rows)
    make_key = _key_maker(tdef, lay, where)
    table = _TableCells(
        file_name,
        sheet,
        tdef.id,
        dataset.provider,
        _table_period(tdef, dataset, year),
        tdef.dimension_ids,
        dataset.observations,
        dataset.findings,
        damage.outside,
    )
    _read_cells(cells, lay.first_row, lay.first_col, rows, columns, make_key, table)
    damage.report_outside(rows)
    damage.report_missing_rows(rows)
    damage.report_missing_columns(columns)
    dataset.findings.extend(damage.findings)


def _codes_in_row(
    in_code_cols: dict[tuple[int, int], str], code_cols: list[int], r: int
) -> list[str]:
    return [in_code_cols.get((r, c), "") for c in code_cols]


def _find_code_header(
    lay: TableSpec, in_code_cols: dict[tuple[int, int], str], where: Location
) -> None:
    """Check the code header is where the hidden sheet says; if rows were inserted above it,
    find it again by the dimension ids in the code columns and move ``lay`` down with it."""
    if _codes_in_row(in_code_cols, lay.code_cols, lay.code_rows[-1]) == lay.row_dims:
        return
    found = next(
        (
            r
            for r in sorted({r for r, _c in in_code_cols})
            if _codes_in_row(in_code_cols, lay.code_cols, r) == lay.row_dims
        ),
        None,
    )
    if found is None:
        raise InputError(
            N_(
                "The sheet {sheet} has lost its code header ({codes} in the "
                "first columns). Copy the figures into a new template."
            ),
            where=where,
            sheet=where.sheet,
            codes=", ".join(lay.row_dims),
        )
    shift = found - lay.code_rows[-1]
    lay.code_rows = [r + shift for r in lay.code_rows]
    lay.first_row += shift


def _column_codes(cells: list[Cell], lay: TableSpec) -> dict[int, tuple[str, ...]]:
    """The codes of every data column whose code rows are all filled, by column number."""
    code_row_set = set(lay.code_rows)
    in_code_rows = {
        (r, c): cell_text(v) for r, c, v, _k in cells if r in code_row_set and c >= lay.first_col
    }
    columns: dict[int, tuple[str, ...]] = {}
    for c in sorted({c for _r, c in in_code_rows}):
        codes = tuple(in_code_rows.get((r, c), "") for r in lay.code_rows)
        if all(codes):
            columns[c] = codes
    return columns


def _table_period(tdef: TableDef, dataset: Dataset, year: int) -> str:
    """The period of a table's observations: the stated reference date of a stock table
    (1 January by default), the year of a flow table."""
    if tdef.period_type != PeriodType.DATE:
        return str(year)
    tm = dataset.metadata.tables.get(tdef.id)
    ref_date = tm.reference_date if tm else None
    if ref_date and re.fullmatch(r"\d{4}-\d{2}-\d{2}", ref_date):
        return ref_date
    return f"{year}-01-01"


def _key_maker(
    tdef: TableDef, lay: TableSpec, where: Location
) -> Callable[[tuple[str, ...]], tuple[str, ...]]:
    """The function that puts (row codes + column codes) in the table's dimension order."""
    layout_order = (*lay.row_dims, *lay.col_dims)
    try:
        perm = [layout_order.index(d) for d in tdef.dimension_ids]
    except ValueError:
        raise InputError(
            N_(
                "The layout of sheet {sheet} does not match table {table} in the "
                "registry. Download a new template."
            ),
            where=where,
            sheet=where.sheet,
            table=tdef.id,
        ) from None
    if perm == list(range(len(perm))):

        def make_key(combined: tuple[str, ...]) -> tuple[str, ...]:
            return combined
    elif len(perm) == 1:

        def make_key(combined: tuple[str, ...]) -> tuple[str, ...]:
            return (combined[perm[0]],)
    else:
        make_key = itemgetter(*perm)
    return make_key


def _read_cells(
    cells: list[Cell],
    first_row: int,
    first_col: int,
    rows: dict[int, tuple[str, ...]],
    columns: dict[int, tuple[str, ...]],
    make_key: Callable[[tuple[str, ...]], tuple[str, ...]],
    t: _TableCells,
) -> None:
    """The data cells of a table sheet. Numbers, nearly all of them, are read right here;
    text goes through :func:`_text_cell`."""
    file_name, sheet, table = t.file_name, t.sheet, t.table
    ref_area, period = t.ref_area, t.period
    observations = t.observations
    for r, c, value, kind in cells:
        if r < first_row or c < first_col:
            continue
        row_codes = rows.get(r)
        col_codes = columns.get(c)
        ref = f"{column_letters(c)}{r}"
        if row_codes is None or col_codes is None:
            if cell_text(value):
                t.outside(r, c, cell_text(value))
            continue
        if kind == "n":
            observations.append(
                Observation(
                    table,
                    ref_area,
                    period,
                    make_key(row_codes + col_codes),
                    value,
                    where=Location(file_name, sheet, ref),
                )
            )
            continue
        obs = _text_cell(t, ref, make_key(row_codes + col_codes), value, kind)
        if obs is not None:
            observations.append(obs)


def _text_cell(
    t: _TableCells, ref: str, key: tuple[str, ...], value: object, kind: str
) -> Observation | None:
    """The observation of a data cell that is not a plain number (a flag, a number with a
    flag, a formula ...), or ``None`` for a cell that holds nothing to read."""
    if kind == "f" or (kind == "s" and str(value).lstrip().startswith("=")):
        problem = formula_finding(
            t.file_name, t.sheet, ref, str(value).strip(), t.table, t.key_dict(key)
        )
    elif kind in ("e", "b", "d"):
        problem = not_number_finding(
            t.file_name, t.sheet, ref, cell_text(value), t.table, t.key_dict(key)
        )
    elif kind == "s" and (grouped := _GROUPED.fullmatch(str(value).strip())):
        # "1,234" or "1.234" typed as text: a count with its thousands marked, read as one
        whole = float(re.sub(r"[,.]", "", grouped.group(0)))
        t.findings.append(grouped_finding(t, ref, str(value).strip(), whole, key))
        return Observation(
            t.table, t.ref_area, t.period, key, whole, where=Location(t.file_name, t.sheet, ref)
        )
    else:
        try:
            reading = read_value(value)
        except NotANumber as bad:
            problem = not_number_finding(
                t.file_name, t.sheet, ref, bad.text, t.table, t.key_dict(key)
            )
        else:
            if reading is None:
                return None
            return Observation(
                t.table,
                t.ref_area,
                t.period,
                key,
                reading.value,
                reading.obs_status,
                reading.conf_status,
                where=Location(t.file_name, t.sheet, ref),
            )
    # An unreadable cell is kept as a cell without a value (flag O, missing), not dropped:
    # the totals it belongs to are then checked as "some part not given" instead of counting
    # it as zero and reporting a second, misleading error.
    t.findings.append(problem)
    return Observation(
        t.table,
        t.ref_area,
        t.period,
        key,
        None,
        ObsStatus.MISSING,
        where=Location(t.file_name, t.sheet, ref),
    )
