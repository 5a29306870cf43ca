"""The questionnaire's reader: a filled workbook back into a :class:`Dataset`.

The hidden sheet (see :mod:`.layout`) says where every table's codes and data cells are, so the
reader never guesses; cells are read with the streaming :mod:`.xlsx` reader, not openpyxl.
"""

from __future__ import annotations

import gc
import re
from datetime import date
from operator import itemgetter
from pathlib import Path

from migstat.formats import vocabulary as vocab
from migstat.formats.notation import NotANumber, read_value
from migstat.formats.questionnaire.layout import (
    FORMAT,
    HIDDEN_SHEET,
    SHEET_NAMES,
    SUBMISSION_FIELDS,
)
from migstat.formats.questionnaire.xlsx import (
    XlsxReader,
    cell_ref,
    column_index,
    column_letters,
    open_workbook,
)
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
    SubmissionMetadata,
    TableMetadata,
    default_registry,
)


def _as_bytes(source: bytes | bytearray | str | Path) -> bytes:
    if isinstance(source, bytes | bytearray):
        return bytes(source)
    return Path(source).read_bytes()


def _text(value: object) -> str:
    """A cell value as text; whole numbers without ``.0``."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


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
            first = _text(cells.get(1))
            if header is None and first == "table" and _text(cells.get(2)) == "sheet":
                header = [_text(cells.get(c)) for c in range(1, max(cells) + 1)]
            elif header is not None:
                if first:
                    self.tables.append({name: _text(cells.get(i)) for i, name in
                                        enumerate(header, start=1) if name})
            elif first:
                self.values[first] = _text(cells.get(2))
        if "migstat_template" not in self.values or "country" not in self.values:
            raise InputError(N_("The workbook has a {sheet} sheet, but it does not describe a "
                                "migstat questionnaire. Download a new template and copy the "
                                "figures into it."), where=Location(file=file_name),
                             sheet=HIDDEN_SHEET)

    @property
    def year(self) -> int | None:
        try:
            return int(self.values.get("year", ""))
        except ValueError:
            return None


def read_questionnaire(source: bytes | str | Path, *, file_name: str | None = None,
                       registry: Registry | None = None, country: str | None = None,
                       max_bytes: int | None = None) -> Dataset:
    """Read a filled questionnaire workbook into a :class:`Dataset`.

    Cells that are not numbers become ``STRUCT_NOT_NUMBER`` findings, formulas
    ``STRUCT_FORMULA`` findings (in ``dataset.findings``); everything else is for validation.
    """
    reg = registry or default_registry()
    if file_name is None:
        file_name = Path(source).name if isinstance(source, str | Path) else "workbook.xlsx"
    data = _as_bytes(source)
    reader = open_workbook(data, file_name=file_name, max_bytes=max_bytes)
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
        raise InputError(N_("This Excel workbook is not a migstat questionnaire: it has no "
                            "hidden sheet {sheet} (its sheets are: {sheets}). Download a "
                            "template (migstat template) and copy the figures into it."),
                         where=where, sheet=HIDDEN_SHEET,
                         sheets=", ".join(reader.sheet_names) or "—")
    facts = Facts(reader, file_name)
    code = facts.values["country"]
    try:
        code = reg.country(code)
    except NotFoundError:
        raise InputError(N_("The workbook names an unknown country {code}: give an ISO 3166 "
                            "alpha-3 code such as KGZ."), where=where, code=code) from None
    if country:
        try:
            expected = reg.country(country)
        except NotFoundError:
            raise InputError(N_("Unknown country {code}: give an ISO 3166 alpha-3 code such as "
                                "KGZ."), where=where, code=country) from None
        if expected != code:
            raise InputError(N_("The workbook is the questionnaire of {found}, not of "
                                "{expected}."), where=where, found=code, expected=expected)
    year = facts.year
    if year is None:
        raise InputError(N_("The workbook does not say which year it covers (hidden sheet "
                            "{sheet}). Download a new template."), where=where,
                         sheet=HIDDEN_SHEET)
    findings: list[Finding] = []
    metadata = _read_metadata(reader, facts, file_name, code, year, findings)
    dataset = Dataset(file_name=file_name, format=FORMAT, provider=code, metadata=metadata,
                      synthetic=facts.values.get("synthetic", "0") in ("1", "true", "True"),
                      findings=findings)
    for spec in facts.tables:
        _read_table(reader, reg, spec, dataset, year)
    if not dataset.observations and not dataset.findings:
        raise InputError(N_("The workbook holds no figures: every table sheet is empty. Enter "
                            "the figures in the white cells and send it again."), where=where)
    return dataset


def _iso_date(value: object, reader: XlsxReader) -> str | None:
    """A reference date as ``YYYY-MM-DD`` when it can be read as a date."""
    if isinstance(value, float):
        if 3000 < value < 2958466:
            return reader.to_date(value).isoformat()
        return None
    text = _text(value)
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


def _read_metadata(reader: XlsxReader, facts: Facts, file_name: str, country: str,
                   year: int, findings: list[Finding]) -> SubmissionMetadata:
    sheet = facts.values.get("metadata_sheet") or ""
    meta = SubmissionMetadata(country=country, year=year,
                              language=facts.values.get("language") or None)
    if reader.sheet(sheet) is None:
        candidates = [n for n in SHEET_NAMES["metadata"].values() if reader.sheet(n)]
        if not candidates:
            return meta
        sheet = candidates[0]
    key_col = column_index(facts.values.get("metadata_key_col") or "A")
    value_col = column_index(facts.values.get("metadata_value_col") or "D")
    grid = reader.grid(sheet)

    def loc(r: int, c: int) -> Location:
        return Location(file=file_name, sheet=sheet, cell=cell_ref(r, c))

    rows = sorted({r for r, _c in grid})
    header_row: int | None = None
    simple = {key for key, _m in SUBMISSION_FIELDS} - {"country", "year"}
    for r in rows:
        key = _text(grid.get((r, key_col), (None, ""))[0])
        if key == "table" and header_row is None:
            header_row = r
            continue
        if header_row is None and key in simple:
            meta.where[key] = loc(r, value_col)
            text = _text(grid.get((r, value_col), (None, ""))[0])
            setattr(meta, key, text or None)
    if header_row is None:
        return meta
    columns: dict[str, int] = {}
    for (r, c), (value, _kind) in grid.items():
        if r == header_row and _text(value):
            columns[_text(value)] = c
    table_ids = {t["table"] for t in facts.tables}
    for r in rows:
        if r <= header_row:
            continue
        table_id = _text(grid.get((r, columns.get("table", key_col)), (None, ""))[0])
        if table_id not in table_ids:
            continue
        tm = TableMetadata(table=table_id)
        period = next((t.get("period") for t in facts.tables if t["table"] == table_id), "")
        for field_name, c in columns.items():
            if field_name in ("table", "title") or not hasattr(tm, field_name):
                continue
            tm.where[field_name] = loc(r, c)
            value, kind = grid.get((r, c), (None, ""))
            if value is None or _text(value) == "":
                continue
            if kind == "f":
                findings.append(_formula(file_name, sheet, cell_ref(r, c), str(value),
                                         table_id))
                continue
            if field_name == "source_type":
                tm.source_type = vocab.read_choice(_text(value), vocab.SOURCE_TYPES)
            elif field_name == "residence_rule":
                tm.residence_rule = vocab.read_choice(_text(value), vocab.RESIDENCE_RULES)
            elif field_name == "origin_concept":
                tm.origin_concept = vocab.read_choice(_text(value), vocab.ORIGIN_CONCEPTS)
            elif field_name == "reference_date":
                if period == PeriodType.DATE.value:
                    tm.reference_date = _iso_date(value, reader) or _text(value)
                else:
                    tm.reference_date = _text(value)
            elif field_name in ("rounding_base", "residence_rule_months"):
                try:
                    reading = read_value(value)
                except NotANumber:
                    reading = None
                if reading is None or reading.value is None or not reading.value.is_integer():
                    findings.append(_not_number(file_name, sheet, cell_ref(r, c), _text(value),
                                                table_id))
                else:
                    setattr(tm, field_name, int(reading.value))
            else:
                setattr(tm, field_name, _text(value))
        meta.tables[table_id] = tm
    return meta


def _not_number(file_name: str, sheet: str, ref: str, text: str, table: str | None,
                key: dict[str, str] | None = None) -> Finding:
    return Finding(
        rule="STRUCT_NOT_NUMBER", severity=Severity.ERROR,
        message=N_("The cell holds “{text}”, which is neither a number nor a flag. Enter a "
                   "number, .. (not available), x (confidential), - (nil), or a number "
                   "followed by e (estimated) or p (provisional)."),
        params={"text": text}, table=table,
        where=Location(file=file_name, sheet=sheet, cell=ref), key=key, values={})


def _formula(file_name: str, sheet: str, ref: str, text: str, table: str | None,
             key: dict[str, str] | None = None) -> Finding:
    return Finding(
        rule="STRUCT_FORMULA", severity=Severity.ERROR,
        message=N_("The cell holds a formula ({formula}); formulas are not read. Copy the "
                   "figures and paste them as values only (Paste Special, Values)."),
        params={"formula": text}, table=table,
        where=Location(file=file_name, sheet=sheet, cell=ref), key=key, values={})


def _int_list(text: str) -> list[int]:
    return [int(x) for x in text.split(",") if x.strip()]


def _col_list(text: str) -> list[int]:
    return [column_index(x.strip()) for x in text.split(",") if x.strip()]


def _read_table(reader: XlsxReader, reg: Registry, spec: dict[str, str], dataset: Dataset,
                year: int) -> None:
    file_name = dataset.file_name
    table_id = spec.get("table", "")
    sheet = spec.get("sheet") or table_id
    where = Location(file=file_name, sheet=sheet)
    try:
        tdef = reg.table(table_id)
    except NotFoundError:
        raise InputError(N_("The workbook has a sheet for table {table}, which is not in the "
                            "registry."), where=where, table=table_id) from None
    if reader.sheet(sheet) is None:
        raise InputError(N_("The sheet {sheet} of table {table} is missing from the workbook. "
                            "Do not delete or rename sheets."), where=Location(file=file_name),
                         sheet=sheet, table=table_id)
    try:
        row_dims = [d for d in spec["row_dims"].split(",") if d]
        col_dims = [d for d in spec["col_dims"].split(",") if d]
        code_cols = _col_list(spec["code_cols"])
        code_rows = _int_list(spec["code_rows"])
        first_row = int(spec["first_data_row"])
        first_col = column_index(spec["first_data_col"])
    except (KeyError, ValueError):
        raise InputError(N_("The hidden sheet {sheet} is damaged: the layout of table {table} "
                            "cannot be read. Download a new template."),
                         where=Location(file=file_name), sheet=HIDDEN_SHEET,
                         table=table_id) from None

    cells = list(reader.cells(sheet))
    if not cells:
        raise InputError(N_("The sheet {sheet} is empty: its codes and labels were deleted. "
                            "Copy the figures into a new template."), where=where, sheet=sheet)
    code_col_set = set(code_cols)
    in_code_cols = {(r, c): _text(v) for r, c, v, _k in cells if c in code_col_set}

    # the code header must be where the hidden sheet says; if rows were inserted above it,
    # find it again by the dimension ids in the code columns
    def codes_in_row(r: int) -> list[str]:
        return [in_code_cols.get((r, c), "") for c in code_cols]

    if codes_in_row(code_rows[-1]) != row_dims:
        found = next((r for r in sorted({r for r, _c in in_code_cols})
                      if codes_in_row(r) == row_dims), None)
        if found is None:
            raise InputError(N_("The sheet {sheet} has lost its code header ({codes} in the "
                                "first columns). Copy the figures into a new template."),
                             where=where, sheet=sheet, codes=", ".join(row_dims))
        shift = found - code_rows[-1]
        code_rows = [r + shift for r in code_rows]
        first_row += shift

    code_row_set = set(code_rows)
    in_code_rows = {(r, c): _text(v) for r, c, v, _k in cells
                    if r in code_row_set and c >= first_col}
    columns: dict[int, tuple[str, ...]] = {}
    for c in sorted({c for _r, c in in_code_rows}):
        codes = tuple(in_code_rows.get((r, c), "") for r in code_rows)
        if all(codes):
            columns[c] = codes
    rows: dict[int, tuple[str, ...]] = {}
    for r in sorted({r for r, _c in in_code_cols if r >= first_row}):
        codes = tuple(codes_in_row(r))
        if all(codes):
            rows[r] = codes

    if tdef.period_type == PeriodType.DATE:
        tm = dataset.metadata.tables.get(tdef.id)
        ref_date = tm.reference_date if tm else None
        period = (ref_date if ref_date and re.fullmatch(r"\d{4}-\d{2}-\d{2}", ref_date)
                  else f"{year}-01-01")
    else:
        period = str(year)
    ref_area = dataset.provider
    # the key in the table's dimension order, from (row codes + column codes)
    layout_order = (*row_dims, *col_dims)
    try:
        perm = [layout_order.index(d) for d in tdef.dimension_ids]
    except ValueError:
        raise InputError(N_("The layout of sheet {sheet} does not match table {table} in the "
                            "registry. Download a new template."), where=where, sheet=sheet,
                         table=tdef.id) from None
    if perm == list(range(len(perm))):
        def make_key(combined: tuple[str, ...]) -> tuple[str, ...]:
            return combined
    elif len(perm) == 1:
        def make_key(combined: tuple[str, ...]) -> tuple[str, ...]:
            return (combined[perm[0]],)
    else:
        make_key = itemgetter(*perm)
    observations = dataset.observations
    findings = dataset.findings
    dim_ids = tdef.dimension_ids

    def key_dict(key: tuple[str, ...]) -> dict[str, str]:
        out = dict(zip(dim_ids, key, strict=True))
        out["REF_AREA"] = ref_area
        out["TIME_PERIOD"] = period
        return out

    table = tdef.id
    for r, c, value, kind in cells:
        if r < first_row or c < first_col:
            continue
        row_codes = rows.get(r)
        col_codes = columns.get(c)
        ref = f"{column_letters(c)}{r}"
        if row_codes is None or col_codes is None:
            if _text(value):
                findings.append(Finding(
                    rule="STRUCT_UNCODED_CELL", severity=Severity.ERROR,
                    message=N_("The cell holds “{text}” outside the table (its row or column "
                               "has no codes); it is not read."),
                    params={"text": _text(value)}, table=table,
                    where=Location(file=file_name, sheet=sheet, cell=ref), values={}))
            continue
        if kind == "n":
            observations.append(Observation(
                table, ref_area, period, make_key(row_codes + col_codes), value,
                where=Location(file_name, sheet, ref)))
            continue
        key = make_key(row_codes + col_codes)
        if kind == "f" or (kind == "s" and str(value).lstrip().startswith("=")):
            problem = _formula(file_name, sheet, ref, str(value).strip(), table, key_dict(key))
        elif kind in ("e", "b", "d"):
            problem = _not_number(file_name, sheet, ref, _text(value), table, key_dict(key))
        else:
            try:
                reading = read_value(value)
                problem = None
            except NotANumber as bad:
                problem = _not_number(file_name, sheet, ref, bad.text, table, key_dict(key))
        if problem is not None:
            # An unreadable cell is kept as a cell without a value (flag O, missing), not
            # dropped: the totals it belongs to are then checked as "some part not given"
            # instead of counting it as zero and reporting a second, misleading error.
            findings.append(problem)
            observations.append(Observation(table, ref_area, period, key, None,
                                            ObsStatus.MISSING,
                                            where=Location(file_name, sheet, ref)))
            continue
        if reading is None:
            continue
        observations.append(Observation(
            table, ref_area, period, key, reading.value, reading.obs_status,
            reading.conf_status, where=Location(file_name, sheet, ref)))
