"""The questionnaire's writer: a template workbook for one country and year, optionally filled.

Where everything goes is defined in :mod:`.layout`. This module assembles the workbook and
writes its instructions, metadata, lists and hidden sheets; the table sheets, with their many
data cells, are written by :mod:`.write_tables`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path

from openpyxl import Workbook
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from migstat.formats import vocabulary as vocab
from migstat.formats.questionnaire.layout import (
    BANNER,
    CHOICES,
    FACT_COLUMNS,
    HIDDEN_SHEET,
    LISTS_SHEET,
    SHEET_NAMES,
    SUBMISSION_FIELDS,
    TABLE_FIELD_WIDTHS,
    TABLE_FIELDS,
    TEMPLATE_VERSION,
    SheetLayout,
    Styles,
    instruction_blocks,
    print_setup,
    protect,
    put,
)
from migstat.formats.questionnaire.write_tables import save_with_rows, write_table
from migstat.formats.questionnaire.xlsx import column_letters
from migstat.i18n import N_, gettext_
from migstat.model import (
    Dataset,
    Observation,
    PeriodType,
    Registry,
    SubmissionMetadata,
    TableDef,
    TableMetadata,
    default_registry,
)


def write_template(
    path: str | Path,
    *,
    country: str,
    year: int,
    tables: Sequence[str] | None = None,
    lang: str = "both",
    registry: Registry | None = None,
    data: Dataset | None = None,
    synthetic: bool = False,
    send_to: str | None = None,
) -> Path:
    """Write a questionnaire workbook for ``country`` and ``year`` (optionally filled with
    ``data``) and return its path. ``tables`` defaults to the registry's standard tables."""
    reg = registry or default_registry()
    langs = vocab.languages(lang)
    country = reg.country(country)
    if tables:
        tdefs = list({reg.table(t).id: reg.table(t) for t in tables}.values())
    else:  # stocks, flows, then administrative tables, as in the brief
        tdefs = sorted(reg.standard_tables(), key=lambda t: ("SFBA".find(t.id[0]) % 5, t.id))
    path = Path(path)

    wb = Workbook()
    styles = Styles(wb)
    first = wb.active
    names = {kind: SHEET_NAMES[kind][langs[0]] for kind in SHEET_NAMES}
    first.title = names["instructions"]
    meta_ws = wb.create_sheet(names["metadata"])
    lists_ws = wb.create_sheet(LISTS_SHEET)
    lists = _write_lists(lists_ws, langs)
    layouts = [SheetLayout(t, reg, langs, synthetic) for t in tdefs]
    _write_instructions(first, styles, reg, country, year, tdefs, langs, names, synthetic, send_to)
    meta_cols = _write_metadata(
        meta_ws,
        styles,
        reg,
        country,
        year,
        tdefs,
        langs,
        lists,
        synthetic,
        data.metadata if data is not None else None,
    )
    values = _values_by_table(data, country) if data is not None else {}
    rows_xml: dict[str, str] = {}
    for layout in layouts:
        ws = wb.create_sheet(layout.table.sheet)
        write_table(
            ws,
            styles,
            reg,
            layout,
            year,
            names["metadata"],
            synthetic,
            values.get(layout.table.id, {}),
            rows_xml,
        )
    hidden = wb.create_sheet(HIDDEN_SHEET)
    _write_facts(hidden, country, year, lang, synthetic, tdefs, layouts, names, meta_cols)
    hidden.sheet_state = "veryHidden"
    lists_ws.sheet_state = "hidden"
    wb.active = 0
    path.parent.mkdir(parents=True, exist_ok=True)
    save_with_rows(wb, path, rows_xml)
    return path


def _write_lists(ws: Worksheet, langs: tuple[str, ...]) -> dict[str, str]:
    out: dict[str, str] = {}
    for col, (key, choices) in enumerate(
        (
            ("source_type", vocab.SOURCE_TYPES),
            ("residence_rule", vocab.RESIDENCE_RULES),
            ("origin_concept", vocab.ORIGIN_CONCEPTS),
        ),
        start=1,
    ):
        ws.cell(1, col, key)
        items = vocab.entries(choices, langs)
        for row, item in enumerate(items, start=2):
            ws.cell(row, col, item)
        letter = column_letters(col)
        out[key] = f"'{LISTS_SHEET}'!${letter}$2:${letter}${len(items) + 1}"
    ws.protection.sheet = True
    return out


def _write_instructions(
    ws: Worksheet,
    st: Styles,
    reg: Registry,
    country: str,
    year: int,
    tdefs: list[TableDef],
    langs: tuple[str, ...],
    names: dict[str, str],
    synthetic: bool,
    send_to: str | None,
) -> None:
    blocks = instruction_blocks(country, year, [t.id for t in tdefs], names["metadata"], send_to)
    row = 1
    if synthetic:
        put(ws, 1, 1, BANNER, st.banner)
        row = 2
    for style, msgid, params in blocks:
        for i, lng in enumerate(langs, start=1):
            if not msgid:
                continue
            shown = dict(params)
            if "code" in shown:
                shown["country"] = reg.areas.label(country, lng)
            put(ws, row, i, gettext_(msgid, lng, **shown), getattr(st, style) if style else None)
        row += 1
    for i in range(1, len(langs) + 1):
        ws.column_dimensions[column_letters(i)].width = 90
    print_setup(ws, area=f"A1:{column_letters(len(langs))}{row}", landscape=len(langs) > 1)
    protect(ws)


def _write_metadata(
    ws: Worksheet,
    st: Styles,
    reg: Registry,
    country: str,
    year: int,
    tdefs: list[TableDef],
    langs: tuple[str, ...],
    lists: dict[str, str],
    synthetic: bool,
    given: SubmissionMetadata | None = None,
) -> dict[str, str]:
    """The metadata sheet; fields of ``given`` (a dataset's metadata) are filled in."""
    row = _metadata_heading(ws, st, langs, synthetic)
    value_col = 2 + len(langs)
    row = _submission_rows(ws, st, row, value_col, country, year, langs, given) + 1
    # the per-table block: label rows, then the key row, then one row per table
    for lng in langs:
        for col, (_key, msgid) in enumerate(TABLE_FIELDS, start=1):
            put(ws, row, col, gettext_(msgid, lng), st.head)
        ws.row_dimensions[row].height = 45
        row += 1
    for col, (key, _msgid) in enumerate(TABLE_FIELDS, start=1):
        put(ws, row, col, key, st.code_head)
    header_row = row
    row += 1
    cols = {key: column_letters(col) for col, (key, _m) in enumerate(TABLE_FIELDS, start=1)}
    checks = _metadata_checks(ws, lists, langs, year)
    first_table_row = row
    for tdef in tdefs:
        tm = given.tables.get(tdef.id) if given else None
        _table_metadata_row(ws, st, row, tdef, tm, year, langs, cols, checks)
        row += 1
    for key, letter in cols.items():
        ws.column_dimensions[letter].width = TABLE_FIELD_WIDTHS[key]
    ws.column_dimensions["A"].width = 16
    ws.freeze_panes = f"C{first_table_row}"
    print_setup(
        ws,
        area=f"A1:{column_letters(len(TABLE_FIELDS))}{row - 1}",
        title_rows=f"{header_row - len(langs)}:{header_row}",
    )
    protect(ws)
    return {
        "metadata_key_col": "A",
        "metadata_value_col": column_letters(value_col),
        "metadata_table_header_row": str(header_row),
    }


def _metadata_heading(ws: Worksheet, st: Styles, langs: tuple[str, ...], synthetic: bool) -> int:
    """The banner, title and note above the metadata fields; returns the next free row."""
    row = 1
    if synthetic:
        put(ws, 1, 1, BANNER, st.banner)
        row = 2
    for lng in langs:
        put(ws, row, 1, gettext_(N_("Metadata of the submission"), lng), st.title)
        row += 1
    for lng in langs:
        put(
            ws,
            row,
            1,
            gettext_(
                N_(
                    "Fill the white cells; where a cell has a drop-down list, "
                    "choose from it. Notes may be written in English or "
                    "Russian."
                ),
                lng,
            ),
            st.note,
        )
        row += 1
    return row + 1


def _submission_rows(
    ws: Worksheet,
    st: Styles,
    row: int,
    value_col: int,
    country: str,
    year: int,
    langs: tuple[str, ...],
    given: SubmissionMetadata | None,
) -> int:
    """The fields of the whole submission (country, year, agency, contact ...), one a row,
    below their header at ``row``; returns the next free row."""
    put(ws, row, 1, "key", st.code_head)
    for i, lng in enumerate(langs):
        put(ws, row, 2 + i, gettext_(N_("Field"), lng), st.head_left)
    put(ws, row, value_col, vocab.label(N_("Value"), langs), st.head_left)
    row += 1
    for key, msgid in SUBMISSION_FIELDS:
        put(ws, row, 1, key, st.code)
        for i, lng in enumerate(langs):
            put(ws, row, 2 + i, gettext_(msgid, lng), st.label)
        if key == "country":
            put(ws, row, value_col, country, st.label)
        elif key == "year":
            put(ws, row, value_col, year, st.label)
        else:
            put(ws, row, value_col, getattr(given, key, None) if given else None, st.input)
        row += 1
    return row


def _metadata_checks(
    ws: Worksheet, lists: dict[str, str], langs: tuple[str, ...], year: int
) -> dict[str, DataValidation]:
    """The drop-down lists and input checks of the per-table metadata cells, by name
    (``source_type``, ``residence_rule``, ``origin_concept``, ``date``, ``year``, ``int``)."""
    checks = {
        "source_type": DataValidation(
            type="list", formula1=lists["source_type"], allow_blank=True, showDropDown=False
        ),
        "residence_rule": DataValidation(
            type="list", formula1=lists["residence_rule"], allow_blank=True
        ),
        "origin_concept": DataValidation(
            type="list", formula1=lists["origin_concept"], allow_blank=True, errorStyle="warning"
        ),
        "date": DataValidation(
            type="date", operator="between", formula1="18264", formula2="73051", allow_blank=True
        ),
        "year": DataValidation(
            type="whole", operator="between", formula1="1950", formula2="2100", allow_blank=True
        ),
        "int": DataValidation(
            type="whole", operator="between", formula1="1", formula2="1000000", allow_blank=True
        ),
    }
    errors = {
        "source_type": N_("Choose the source of the data from the list."),
        "residence_rule": N_("Choose the residence rule from the list."),
        "origin_concept": N_("Choose from the list, or describe the concept."),
        "date": N_("Enter a date, for example {date}."),
        "year": N_("Enter the year, for example {year}."),
        "int": N_("Enter a whole number."),
    }
    for name, dv in checks.items():
        dv.error = vocab.label(errors[name], langs, "\n").format(date=f"{year}-01-01", year=year)
        dv.showErrorMessage = True
        ws.add_data_validation(dv)
    return checks


_CHECKED_FIELDS = (
    ("source_type", "source_type"),
    ("residence_rule", "residence_rule"),
    ("origin_concept", "origin_concept"),
    ("int", "residence_rule_months"),
    ("int", "rounding_base"),
)
"""(check, field): the metadata cells every table's row checks, besides its reference date."""


def _table_metadata_row(
    ws: Worksheet,
    st: Styles,
    row: int,
    tdef: TableDef,
    tm: TableMetadata | None,
    year: int,
    langs: tuple[str, ...],
    cols: dict[str, str],
    checks: dict[str, DataValidation],
) -> None:
    """One table's row of the metadata sheet, filled from ``tm`` when given, with the checks
    of its cells."""
    for col, (key, _m) in enumerate(TABLE_FIELDS, start=1):
        if key == "table":
            put(ws, row, col, tdef.id, st.code)
        elif key == "title":
            put(ws, row, col, "\n".join(tdef.label(lng) for lng in langs), st.label)
        elif key == "reference_date":
            stated = _given_date(tm.reference_date if tm else None, tdef, year)
            dated = tdef.period_type == PeriodType.DATE
            put(ws, row, col, stated, st.input_date if dated else st.input)
            checks["date" if dated else "year"].add(f"{cols[key]}{row}")
        else:
            put(ws, row, col, _given_field(tm, key, langs), st.input)
    for check, field in _CHECKED_FIELDS:
        checks[check].add(f"{cols[field]}{row}")
    ws.row_dimensions[row].height = 30 if len(langs) > 1 else 15


def _given_date(stated: str | None, tdef: TableDef, year: int) -> object:
    """The reference date to show: the stated one, or 1 January / the year by default."""
    if tdef.period_type == PeriodType.DATE:
        if stated:
            try:
                return date.fromisoformat(stated[:10])
            except ValueError:
                return stated
        return date(year, 1, 1)
    if stated and stated.isdigit():
        return int(stated)
    return stated or year


def _given_field(tm: TableMetadata | None, key: str, langs: tuple[str, ...]) -> object:
    value = getattr(tm, key, None) if tm is not None else None
    if value is None:
        return None
    choices = CHOICES.get(key)
    if choices and value in choices:  # the drop-down entry, so that Excel accepts it
        return f"{value}{vocab.SEPARATOR}{vocab.label(choices[value], langs)}"
    return value


def _values_by_table(data: Dataset, country: str) -> dict[str, dict[tuple[str, ...], Observation]]:
    out: dict[str, dict[tuple[str, ...], Observation]] = {}
    for obs in data.observations:
        if obs.ref_area and obs.ref_area != country:
            continue
        out.setdefault(obs.table, {})[tuple(obs.key)] = obs
    return out


def _write_facts(
    ws: Worksheet,
    country: str,
    year: int,
    lang: str,
    synthetic: bool,
    tdefs: list[TableDef],
    layouts: list[SheetLayout],
    names: dict[str, str],
    meta_cols: dict[str, str],
) -> None:
    rows: list[list[object]] = [
        ["migstat_template", TEMPLATE_VERSION],
        ["country", country],
        ["year", year],
        ["language", lang],
        ["synthetic", 1 if synthetic else 0],
        ["tables", ",".join(t.id for t in tdefs)],
        ["instructions_sheet", names["instructions"]],
        ["metadata_sheet", names["metadata"]],
        *([k, v] for k, v in meta_cols.items()),
        ["created", datetime.now(UTC).replace(microsecond=0).isoformat()],
        [],
        FACT_COLUMNS,
        *(layout.facts() for layout in layouts),
    ]
    for r, values in enumerate(rows, start=1):
        for c, value in enumerate(values, start=1):
            ws.cell(r, c, value)
    ws.protection.sheet = True
