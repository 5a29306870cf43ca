"""The questionnaire's writer: a template workbook for one country and year, optionally filled.

Where everything goes is defined in :mod:`.layout`; this module puts it there with openpyxl,
except the data rows of the table sheets (up to 150,000 cells), which are written as XML text
after openpyxl has saved the rest (see :func:`_save_with_rows`).
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Sequence
from datetime import UTC, date, datetime
from io import BytesIO
from pathlib import Path
from xml.sax.saxutils import escape as xml_escape

from openpyxl import Workbook
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from migstat.formats import vocabulary as vocab
from migstat.formats.notation import write_cell
from migstat.formats.questionnaire.layout import (
    BANNER,
    CHOICES,
    FACT_COLUMNS,
    HEADER_ROW_PROTECTION,
    HIDDEN_SHEET,
    LEGEND,
    LISTS_SHEET,
    SHEET_NAMES,
    SUBMISSION_FIELDS,
    TABLE_FIELD_WIDTHS,
    TABLE_FIELDS,
    TEMPLATE_VERSION,
    UNLOCKED,
    SheetLayout,
    Styles,
    protect,
    put,
)
from migstat.formats.questionnaire.xlsx import cell_ref, column_letters
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
    pick,
)

_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
"""Characters XML 1.0 does not allow in text (a label pasted from elsewhere may hold them)."""


def write_template(path: str | Path, *, country: str, year: int,
                   tables: Sequence[str] | None = None, lang: str = "both",
                   registry: Registry | None = None, data: Dataset | None = None,
                   synthetic: bool = False, send_to: str | None = None) -> Path:
    """Write a questionnaire workbook for ``country`` and ``year`` (optionally filled with
    ``data``) and return its path. ``tables`` defaults to the registry's standard tables."""
    reg = registry or default_registry()
    langs = vocab.languages(lang)
    country = reg.country(country)
    if tables:
        tdefs = list({reg.table(t).id: reg.table(t) for t in tables}.values())
    else:  # stocks, flows, then administrative tables, as in the brief
        tdefs = sorted(reg.standard_tables(),
                       key=lambda t: ("SFBA".find(t.id[0]) % 5, t.id))
    path = Path(path)

    wb = Workbook()
    styles = Styles(wb)
    first = wb.active
    names = {kind: (SHEET_NAMES[kind]["ru"] if lang == "ru" else SHEET_NAMES[kind]["en"])
             for kind in SHEET_NAMES}
    first.title = names["instructions"]
    meta_ws = wb.create_sheet(names["metadata"])
    lists_ws = wb.create_sheet(LISTS_SHEET)
    lists = _write_lists(lists_ws, langs)
    layouts = [SheetLayout(t, reg, langs, synthetic) for t in tdefs]
    _write_instructions(first, styles, reg, country, year, tdefs, langs, names, synthetic,
                        send_to)
    meta_cols = _write_metadata(meta_ws, styles, reg, country, year, tdefs, langs, lists,
                                synthetic, data.metadata if data is not None else None)
    values = _values_by_table(data, country) if data is not None else {}
    rows_xml: dict[str, str] = {}
    for layout in layouts:
        ws = wb.create_sheet(layout.table.sheet)
        _write_table(ws, styles, reg, layout, year, names["metadata"], synthetic,
                     values.get(layout.table.id, {}), rows_xml)
    hidden = wb.create_sheet(HIDDEN_SHEET)
    _write_facts(hidden, country, year, lang, synthetic, tdefs, layouts, names, meta_cols)
    hidden.sheet_state = "veryHidden"
    lists_ws.sheet_state = "hidden"
    wb.active = 0
    path.parent.mkdir(parents=True, exist_ok=True)
    _save_with_rows(wb, path, rows_xml)
    return path


def _write_lists(ws: Worksheet, langs: tuple[str, ...]) -> dict[str, str]:
    out: dict[str, str] = {}
    for col, (key, choices) in enumerate((("source_type", vocab.SOURCE_TYPES),
                                          ("residence_rule", vocab.RESIDENCE_RULES),
                                          ("origin_concept", vocab.ORIGIN_CONCEPTS)), start=1):
        ws.cell(1, col, key)
        items = vocab.entries(choices, langs)
        for row, item in enumerate(items, start=2):
            ws.cell(row, col, item)
        letter = column_letters(col)
        out[key] = f"'{LISTS_SHEET}'!${letter}$2:${letter}${len(items) + 1}"
    ws.protection.sheet = True
    return out


def _write_instructions(ws: Worksheet, st: Styles, reg: Registry, country: str, year: int,
                        tdefs: list[TableDef], langs: tuple[str, ...], names: dict[str, str],
                        synthetic: bool, send_to: str | None) -> None:
    table_list = ", ".join(t.id for t in tdefs)
    meta = names["metadata"]
    blocks: list[tuple[str, str, dict[str, object]]] = [
        ("title", N_("Questionnaire on international migration statistics"), {}),
        ("bold", N_("{country} ({code}), {year}"), {"code": country, "year": year}),
        ("", "", {}),
        ("head", N_("What to fill"), {}),
        ("text", N_("Every table has its own sheet, named by the table code ({tables}). Rows and "
                    "columns carry codes and names; enter the figures in the white cells."),
         {"tables": table_list}),
        ("text", N_("Grey cells (codes, names, titles) are protected. Do not rename, move or "
                    "delete sheets, rows or columns: the file is read automatically."), {}),
        ("text", N_("On the sheet {sheet} give the agency, a contact person and e-mail, and for "
                    "every table the source of the data, the reference date, the residence rule "
                    "actually applied and the population covered."), {"sheet": meta}),
        ("text", N_("If a table cannot be provided, leave its sheet empty and explain why in the "
                    "notes on the sheet {sheet}."), {"sheet": meta}),
        ("", "", {}),
        ("head", N_("Numbers and flags"), {}),
        ("text", N_("1234: a number. Spaces between thousands are allowed (1 234)."), {}),
        ("text", N_(".. or …: not available (the figure exists but was not collected or cannot "
                    "be given)."), {}),
        ("text", N_("x: confidential (not for publication)."), {}),
        ("text", N_("-: nil, the value is zero (0 may be entered too)."), {}),
        ("text", N_("123 e: estimated value. 123 p: provisional value."), {}),
        ("text", N_("No formulas: copy the figures and paste them as values only (Paste "
                    "Special, Values)."), {}),
        ("", "", {}),
        ("head", N_("Empty cells"), {}),
        ("text", N_("An empty cell means that the figure was not provided. It is never read as "
                    "zero: enter - or 0 for a true zero and .. when the figure is not "
                    "available."), {}),
        ("", "", {}),
        ("head", N_("Totals"), {}),
        ("text", N_("Totals must equal the sum of their parts: both sexes = males + females + "
                    "sex unknown; all ages = the sum of the age groups + age unknown; all "
                    "countries of the world = the sum of the countries + stateless persons + "
                    "unknown."), {}),
        ("text", N_("The same population must have the same total in every table: for example "
                    "the total of S01 equals the total of S02."), {}),
        ("text", N_("If the figures are rounded (for example to 5), give the rounding base on "
                    "the sheet {sheet}: small differences in totals are then accepted."),
         {"sheet": meta}),
        ("", "", {}),
        ("head", N_("Where to send"), {}),
        ("text", N_("Send the completed workbook to the clearing-house coordinator or upload it "
                    "to the clearing-house. It comes back with any problems marked in the cells "
                    "and listed on a first sheet."), {}),
    ]
    if send_to:
        blocks.append(("bold", N_("Send to: {address}"), {"address": send_to}))
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
            put(ws, row, i, gettext_(msgid, lng, **shown),
                 getattr(st, style) if style else None)
        row += 1
    for i in range(1, len(langs) + 1):
        ws.column_dimensions[column_letters(i)].width = 90
    protect(ws)


def _write_metadata(ws: Worksheet, st: Styles, reg: Registry, country: str, year: int,
                    tdefs: list[TableDef], langs: tuple[str, ...], lists: dict[str, str],
                    synthetic: bool, given: SubmissionMetadata | None = None) -> dict[str, str]:
    """The metadata sheet; fields of ``given`` (a dataset's metadata) are filled in."""
    row = 1
    if synthetic:
        put(ws, 1, 1, BANNER, st.banner)
        row = 2
    for lng in langs:
        put(ws, row, 1, gettext_(N_("Metadata of the submission"), lng), st.title)
        row += 1
    for lng in langs:
        put(ws, row, 1, gettext_(N_("Fill the white cells; where a cell has a drop-down list, "
                                     "choose from it. Notes may be written in English or "
                                     "Russian."), lng), st.note)
        row += 1
    row += 1
    value_col = 2 + len(langs)
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
    row += 1
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
    dv_source = DataValidation(type="list", formula1=lists["source_type"], allow_blank=True,
                               showDropDown=False)
    dv_rule = DataValidation(type="list", formula1=lists["residence_rule"], allow_blank=True)
    dv_origin = DataValidation(type="list", formula1=lists["origin_concept"], allow_blank=True,
                               errorStyle="warning")
    dv_date = DataValidation(type="date", operator="between", formula1="18264",
                             formula2="73051", allow_blank=True)
    dv_year = DataValidation(type="whole", operator="between", formula1="1950",
                             formula2="2100", allow_blank=True)
    dv_int = DataValidation(type="whole", operator="between", formula1="1", formula2="1000000",
                            allow_blank=True)
    for dv, msgid in ((dv_source, N_("Choose the source of the data from the list.")),
                      (dv_rule, N_("Choose the residence rule from the list.")),
                      (dv_origin, N_("Choose from the list, or describe the concept.")),
                      (dv_date, N_("Enter a date, for example {date}.")),
                      (dv_year, N_("Enter the year, for example {year}.")),
                      (dv_int, N_("Enter a whole number."))):
        dv.error = vocab.label(msgid, langs, "\n").format(date=f"{year}-01-01", year=year)
        dv.showErrorMessage = True
        ws.add_data_validation(dv)
    first_table_row = row
    for tdef in tdefs:
        tm = given.tables.get(tdef.id) if given else None
        for col, (key, _m) in enumerate(TABLE_FIELDS, start=1):
            if key == "table":
                put(ws, row, col, tdef.id, st.code)
            elif key == "title":
                put(ws, row, col, "\n".join(tdef.label(lng) for lng in langs), st.label)
            elif key == "reference_date":
                stated = _given_date(tm.reference_date if tm else None, tdef, year)
                if tdef.period_type == PeriodType.DATE:
                    put(ws, row, col, stated, st.input_date)
                    dv_date.add(f"{cols[key]}{row}")
                else:
                    put(ws, row, col, stated, st.input)
                    dv_year.add(f"{cols[key]}{row}")
            else:
                put(ws, row, col, _given_field(tm, key, langs), st.input)
        dv_source.add(f"{cols['source_type']}{row}")
        dv_rule.add(f"{cols['residence_rule']}{row}")
        dv_origin.add(f"{cols['origin_concept']}{row}")
        dv_int.add(f"{cols['residence_rule_months']}{row}")
        dv_int.add(f"{cols['rounding_base']}{row}")
        ws.row_dimensions[row].height = 30 if len(langs) > 1 else 15
        row += 1
    for key, letter in cols.items():
        ws.column_dimensions[letter].width = TABLE_FIELD_WIDTHS[key]
    ws.column_dimensions["A"].width = 16
    ws.freeze_panes = f"C{first_table_row}"
    protect(ws)
    return {"metadata_key_col": "A", "metadata_value_col": column_letters(value_col),
            "metadata_table_header_row": str(header_row)}


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


def _values_by_table(data: Dataset,
                     country: str) -> dict[str, dict[tuple[str, ...], Observation]]:
    out: dict[str, dict[tuple[str, ...], Observation]] = {}
    for obs in data.observations:
        if obs.ref_area and obs.ref_area != country:
            continue
        out.setdefault(obs.table, {})[tuple(obs.key)] = obs
    return out


def _xml_text(ref: str, style_id: int, text: str) -> str:
    text = _ILLEGAL_XML.sub("", text)
    space = ' xml:space="preserve"' if text != text.strip() else ""
    return (f'<c r="{ref}" s="{style_id}" t="inlineStr"><is><t{space}>{xml_escape(text)}</t>'
            f"</is></c>")


def _save_with_rows(wb: Workbook, path: Path, rows_xml: dict[str, str]) -> None:
    """Save ``wb`` to ``path`` with extra rows (XML text) appended to some sheets' data."""
    buffer = BytesIO()
    wb.save(buffer)
    parts = {wb[name].path.lstrip("/"): xml for name, xml in rows_xml.items() if xml}
    tmp = path.with_name(path.name + ".part")
    with zipfile.ZipFile(buffer) as src, \
            zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            extra = parts.get(info.filename)
            if extra:
                text = data.decode("utf-8")
                if "</sheetData>" in text:
                    text = text.replace("</sheetData>", extra + "</sheetData>", 1)
                else:
                    text = text.replace("<sheetData />", f"<sheetData>{extra}</sheetData>", 1)
                    text = text.replace("<sheetData/>", f"<sheetData>{extra}</sheetData>", 1)
                text = re.sub(r'<dimension ref="[^"]*"\s*/>', "", text, count=1)
                data = text.encode("utf-8")
            dst.writestr(info.filename, data)
    tmp.replace(path)


def _write_table(ws: Worksheet, st: Styles, reg: Registry, lay: SheetLayout, year: int,
                 meta_sheet: str, synthetic: bool,
                 values: dict[tuple[str, ...], Observation], rows_xml: dict[str, str]) -> None:
    table = lay.table
    langs = lay.langs
    if synthetic:
        put(ws, 1, 1, BANNER, st.banner)
    row = lay.title_row
    for lng in langs:
        put(ws, row, 1, f"{table.id} — {table.label(lng)}", st.title)
        row += 1
    for lng in langs:
        if table.period_type == PeriodType.DATE:
            period = gettext_(N_("Reference date: {date} (if different, correct it on the sheet "
                                 "{sheet})"), lng, date=f"{year}-01-01", sheet=meta_sheet)
        else:
            period = gettext_(N_("Reference period: calendar year {year}"), lng, year=year)
        universe = gettext_(N_("Universe: {universe}"), lng, universe=pick(table.universe, lng))
        unit = gettext_(N_("Unit: {unit}"), lng, unit=pick(table.unit, lng))
        parts = [universe if table.universe else "", unit, period]
        put(ws, row, 1, ". ".join(p for p in parts if p) + ".", None)
        row += 1
    for lng in langs:
        put(ws, row, 1, gettext_(LEGEND, lng), st.note)
        row += 1

    last_left = lay.first_data_col - 1
    # column header: labels per column dimension and language, then the code rows
    for k, dim_id in enumerate(lay.col_dims):
        dim = table.dimension(dim_id)
        cl = reg.codelist(dim.codelist)
        for lng in langs:
            r = lay.label_rows[(k, lng)]
            put(ws, r, last_left, dim.label(lng), st.head_right)
            previous = None
            texts = []
            for j, codes in enumerate(lay.col_codes):
                text = cl.label(codes[k], lng)
                texts.append(text)
                # a label spanning several columns is written once, over its first column
                shown = text if (k == len(lay.col_dims) - 1 or codes[:k + 1] != previous) else ""
                put(ws, r, lay.first_data_col + j, shown, st.head)
                previous = codes[:k + 1]
            longest = max((len(t) for t in texts), default=10)
            ws.row_dimensions[r].height = 15 * min(4, max(1, -(-longest // 12)))
        r = lay.code_rows[k]
        for j, codes in enumerate(lay.col_codes):
            put(ws, r, lay.first_data_col + j, codes[k], st.code_head)
    code_row = lay.code_rows[-1]
    for k, dim_id in enumerate(lay.row_dims):
        dim = table.dimension(dim_id)
        put(ws, code_row, lay.code_cols[k], dim_id, st.code_head)
        for lng in langs:
            put(ws, code_row, lay.label_cols[(lng, k)], dim.label(lng), st.head_left)
    # header rows stay locked even in the unlocked data columns
    for r in range(1, lay.first_data_row):
        ws.row_dimensions[r].protection = HEADER_ROW_PROTECTION

    # data rows: codes, labels, and (when filling) the values. There are up to 150,000 cells;
    # they are written as XML text after openpyxl has saved the rest of the sheet (see
    # _save_with_rows), which is ten times faster than openpyxl's cell objects.
    wb = ws.parent
    sid_code = wb._cell_styles.add(st.code)
    sid_label = wb._cell_styles.add(st.label)
    sid_data = wb._cell_styles.add(st.data)
    row_cls = [reg.codelist(table.dimension(d).codelist) for d in lay.row_dims]
    key_order = [table.key_index(d) for d in (*lay.row_dims, *lay.col_dims)]
    n_dims = len(table.dimensions)
    label_cache: dict[tuple[int, str, str], str] = {}
    letters = {c: column_letters(c) for c in range(1, lay.last_data_col + 1)}
    out: list[str] = []
    for i, codes in enumerate(lay.row_codes):
        r = lay.first_data_row + i
        cells: list[str] = []
        for k, code in enumerate(codes):
            cells.append(_xml_text(f"{letters[lay.code_cols[k]]}{r}", sid_code, code))
        for lng in langs:
            for k, code in enumerate(codes):
                key = (k, lng, code)
                text = label_cache.get(key)
                if text is None:
                    text = label_cache[key] = row_cls[k].label(code, lng)
                cells.append(_xml_text(f"{letters[lay.label_cols[(lng, k)]]}{r}", sid_label,
                                       text))
        if values:
            for j, col_codes in enumerate(lay.col_codes):
                key_list = [""] * n_dims
                for pos, code in zip(key_order, (*codes, *col_codes), strict=True):
                    key_list[pos] = code
                obs = values.get(tuple(key_list))
                if obs is None:
                    continue
                content = write_cell(obs.value, obs.obs_status, obs.conf_status)
                ref = f"{letters[lay.first_data_col + j]}{r}"
                if isinstance(content, str):
                    cells.append(_xml_text(ref, sid_data, content))
                else:
                    cells.append(f'<c r="{ref}" s="{sid_data}"><v>{content!r}</v></c>')
        out.append(f'<row r="{r}">{"".join(cells)}</row>')
    rows_xml[ws.title] = "".join(out)

    # columns: widths; data columns unlocked through the column style (no per-cell styling)
    for k in range(len(lay.row_dims)):
        ws.column_dimensions[column_letters(lay.code_cols[k])].width = 12
        for lng in langs:
            longest = max((len(t) for (kk, lg, _c), t in label_cache.items()
                           if kk == k and lg == lng), default=10)
            ws.column_dimensions[column_letters(lay.label_cols[(lng, k)])].width = \
                min(40, max(10, longest + 2))
    for j in range(len(lay.col_codes)):
        dim = ws.column_dimensions[column_letters(lay.first_data_col + j)]
        dim.width = 12
        dim.protection = UNLOCKED
    ws.freeze_panes = cell_ref(lay.first_data_row, lay.first_data_col)
    protect(ws)


def _write_facts(ws: Worksheet, country: str, year: int, lang: str, synthetic: bool,
                 tdefs: list[TableDef], layouts: list[SheetLayout], names: dict[str, str],
                 meta_cols: dict[str, str]) -> None:
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
