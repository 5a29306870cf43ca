"""The table sheets of the questionnaire's writer: title block, header and data rows.

A full questionnaire has up to 150,000 data cells. openpyxl writes the title block and the
header; the data rows are made here as XML text and put into the saved workbook by
:func:`save_with_rows`, ten times faster than openpyxl's cell objects.
"""

from __future__ import annotations

import re
import zipfile
from io import BytesIO
from pathlib import Path
from xml.sax.saxutils import escape as xml_escape

from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from migstat.formats.notation import write_cell
from migstat.formats.questionnaire.layout import (
    BANNER,
    HEADER_ROW_PROTECTION,
    LEGEND,
    UNLOCKED,
    SheetLayout,
    Styles,
    print_setup,
    protect,
    put,
)
from migstat.formats.questionnaire.xlsx import cell_ref, column_letters
from migstat.i18n import N_, gettext_
from migstat.model import Observation, PeriodType, Registry, pick

_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
"""Characters XML 1.0 does not allow in text (a label pasted from elsewhere may hold them)."""


def _xml_text(ref: str, style_id: int, text: str) -> str:
    text = _ILLEGAL_XML.sub("", text)
    space = ' xml:space="preserve"' if text != text.strip() else ""
    return (
        f'<c r="{ref}" s="{style_id}" t="inlineStr"><is><t{space}>{xml_escape(text)}</t></is></c>'
    )


def save_with_rows(wb: Workbook, path: Path, rows_xml: dict[str, str]) -> None:
    """Save ``wb`` to ``path`` with extra rows (XML text) appended to some sheets' data."""
    buffer = BytesIO()
    wb.save(buffer)
    parts = {wb[name].path.lstrip("/"): xml for name, xml in rows_xml.items() if xml}
    tmp = path.with_name(path.name + ".part")
    with (
        zipfile.ZipFile(buffer) as src,
        zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as dst,
    ):
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


def write_table(
    ws: Worksheet,
    st: Styles,
    reg: Registry,
    lay: SheetLayout,
    year: int,
    meta_sheet: str,
    synthetic: bool,
    values: dict[tuple[str, ...], Observation],
    rows_xml: dict[str, str],
) -> None:
    """One table sheet: title block, column header, data rows (as XML text into ``rows_xml``,
    see :func:`save_with_rows`), column widths and protection."""
    _write_title_block(ws, st, lay, year, meta_sheet, synthetic)
    _write_header(ws, st, reg, lay)
    rows_xml[ws.title], label_cache = _data_rows_xml(ws, st, reg, lay, values)
    _size_columns(ws, lay, label_cache)


def _write_title_block(
    ws: Worksheet, st: Styles, lay: SheetLayout, year: int, meta_sheet: str, synthetic: bool
) -> None:
    """The banner, titles, description (universe, unit, period) and legend of a table sheet."""
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
            period = gettext_(
                N_("Reference date: {date} (if different, correct it on the sheet {sheet})"),
                lng,
                date=f"{year}-01-01",
                sheet=meta_sheet,
            )
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


def _write_header(ws: Worksheet, st: Styles, reg: Registry, lay: SheetLayout) -> None:
    """The column header (labels per column dimension and language, then the code rows) and
    the row dimensions' codes and labels on the last code row; header rows stay locked."""
    table = lay.table
    for k, dim_id in enumerate(lay.col_dims):
        dim = table.dimension(dim_id)
        cl = reg.codelist(dim.codelist)
        for lng in lay.langs:
            _write_column_labels(
                ws,
                st,
                lay,
                k,
                lng,
                dim.label(lng),
                [cl.label(codes[k], lng) for codes in lay.col_codes],
            )
        r = lay.code_rows[k]
        for j, codes in enumerate(lay.col_codes):
            put(ws, r, lay.first_data_col + j, codes[k], st.code_head)
    code_row = lay.code_rows[-1]
    for k, dim_id in enumerate(lay.row_dims):
        dim = table.dimension(dim_id)
        put(ws, code_row, lay.code_cols[k], dim_id, st.code_head)
        for lng in lay.langs:
            put(ws, code_row, lay.label_cols[(lng, k)], dim.label(lng), st.head_left)
    # header rows stay locked even in the unlocked data columns
    for r in range(1, lay.first_data_row):
        ws.row_dimensions[r].protection = HEADER_ROW_PROTECTION


def _write_column_labels(
    ws: Worksheet, st: Styles, lay: SheetLayout, k: int, lng: str, dim_label: str, texts: list[str]
) -> None:
    """The label row of column dimension ``k`` in language ``lng``: the dimension's name left
    of the data columns, then the label of each column's code."""
    r = lay.label_rows[(k, lng)]
    put(ws, r, lay.first_data_col - 1, dim_label, st.head_right)
    previous = None
    for j, codes in enumerate(lay.col_codes):
        # a label spanning several columns is written once, over its first column
        shown = texts[j] if (k == len(lay.col_dims) - 1 or codes[: k + 1] != previous) else ""
        put(ws, r, lay.first_data_col + j, shown, st.head)
        previous = codes[: k + 1]
    longest = max((len(t) for t in texts), default=10)
    ws.row_dimensions[r].height = 15 * min(4, max(1, -(-longest // 12)))


def _data_rows_xml(
    ws: Worksheet,
    st: Styles,
    reg: Registry,
    lay: SheetLayout,
    values: dict[tuple[str, ...], Observation],
) -> tuple[str, dict[tuple[int, str, str], str]]:
    """The data rows as XML text: codes, labels, and (when filling) the values; also the row
    labels written, by (row dimension, language, code), to size their columns.

    There are up to 150,000 cells; they are written as XML text after openpyxl has saved the
    rest of the sheet (see :func:`save_with_rows`), which is ten times faster than openpyxl's
    cell objects."""
    table = lay.table
    langs = lay.langs
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
                cells.append(_xml_text(f"{letters[lay.label_cols[(lng, k)]]}{r}", sid_label, text))
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
    return "".join(out), label_cache


def _size_columns(
    ws: Worksheet, lay: SheetLayout, label_cache: dict[tuple[int, str, str], str]
) -> None:
    """Column widths (label columns fit their longest label); data columns unlocked through
    the column style (no per-cell styling); panes frozen at the first data cell; protection."""
    for k in range(len(lay.row_dims)):
        ws.column_dimensions[column_letters(lay.code_cols[k])].width = 12
        for lng in lay.langs:
            longest = max(
                (len(t) for (kk, lg, _c), t in label_cache.items() if kk == k and lg == lng),
                default=10,
            )
            ws.column_dimensions[column_letters(lay.label_cols[(lng, k)])].width = min(
                40, max(10, longest + 2)
            )
    for j in range(len(lay.col_codes)):
        dim = ws.column_dimensions[column_letters(lay.first_data_col + j)]
        dim.width = 12
        dim.protection = UNLOCKED
    ws.freeze_panes = cell_ref(lay.first_data_row, lay.first_data_col)
    print_setup(
        ws,
        area=f"A1:{cell_ref(lay.last_data_row, lay.last_data_col)}",
        title_rows=f"{lay.header_row}:{lay.code_rows[-1]}",
    )
    protect(ws)
