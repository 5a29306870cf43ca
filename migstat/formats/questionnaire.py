"""The questionnaire workbook: a template a statistician fills in Excel, and its reader.

Sheets of a questionnaire (names follow the workbook's language; the hidden sheet records them):

* ``Instructions`` / ``Инструкция``: what to fill, the notation of numbers and flags, what an
  empty cell means, how totals add up, where to send the file.
* ``Metadata`` / ``Метаданные``: agency and contact, then one row per table (source type,
  reference date, residence rule, population covered, origin concept, rounding base, notes).
  Column A holds machine keys (``agency``, ``table``, ``source_type`` ...); the reader finds
  fields by these keys.
* one sheet per table, named by the table id (``S01``): a title block, then the column header
  (label rows, then one *code row* per column dimension) and the data rows, each starting with
  one *code column* per row dimension, then the labels. Data cells are the only unlocked cells.
* ``_lists`` (hidden): the drop-down entries.
* ``_migstat`` (very hidden): machine-readable facts, so the reader never guesses::

      A                    B
      migstat_template     1            (template version)
      country              KGZ
      year                 2024
      language             both
      synthetic            0 | 1
      tables               S01,S02,...
      instructions_sheet   Instructions
      metadata_sheet       Metadata
      metadata_key_col     A
      metadata_value_col   D
      created              2025-01-01T00:00:00+00:00
      (empty row)
      table | sheet | period | row_dims | col_dims | code_cols | code_rows | first_data_row |
      first_data_col | last_data_row | last_data_col            (one row per table below)

The notation of numbers and flags in data cells is that of :mod:`migstat.formats.notation`.
"""

from __future__ import annotations

import gc
import itertools
import re
import zipfile
from collections.abc import Sequence
from copy import copy
from datetime import UTC, date, datetime
from io import BytesIO
from operator import itemgetter
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape as xml_escape

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from migstat.formats import vocabulary as vocab
from migstat.formats.notation import NotANumber, read_value, write_cell
from migstat.formats.xlsx import (
    XlsxReader,
    cell_ref,
    column_index,
    column_letters,
    open_workbook,
)
from migstat.i18n import N_, gettext_
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
    TableDef,
    TableMetadata,
    default_registry,
    pick,
)

TEMPLATE_VERSION = "1"
HIDDEN_SHEET = "_migstat"
LISTS_SHEET = "_lists"
FORMAT = "questionnaire"
BANNER = ("SYNTHETIC DEMO DATA / СИНТЕТИЧЕСКИЕ ДАННЫЕ — not real statistics / "
          "не настоящая статистика")

SHEET_NAMES = {
    "instructions": {"en": "Instructions", "ru": "Инструкция"},
    "metadata": {"en": "Metadata", "ru": "Метаданные"},
}

SUBMISSION_FIELDS: list[tuple[str, str]] = [
    ("country", N_("Country")),
    ("year", N_("Year")),
    ("agency", N_("Agency that produced the figures")),
    ("contact_name", N_("Contact person")),
    ("contact_email", N_("E-mail")),
    ("revision_reason", N_("Reason for revision (only if this replaces an earlier submission)")),
]
TABLE_FIELDS: list[tuple[str, str]] = [
    ("table", N_("Table")),
    ("title", N_("Title")),
    ("source_type", N_("Source of the data")),
    ("reference_date", N_("Reference date (stocks) or year (flows)")),
    ("residence_rule", N_("Residence rule applied")),
    ("residence_rule_months", N_("Residence rule: number of months (if other)")),
    ("population_covered", N_("Population covered (who is included or excluded)")),
    ("origin_concept", N_("Origin concept")),
    ("rounding_base", N_("Rounding base (1 = not rounded)")),
    ("notes", N_("Notes: definitions, breaks in series, deviations")),
]
TABLE_FIELD_WIDTHS = {"table": 8, "title": 40, "source_type": 34, "reference_date": 16,
                      "residence_rule": 34, "residence_rule_months": 14,
                      "population_covered": 40, "origin_concept": 34, "rounding_base": 12,
                      "notes": 50}

LEGEND = N_("Enter a number, or: .. not available · x confidential · - nil (zero) · "
            "123 e estimated · 123 p provisional. Leave the cell empty if not provided.")

# -- styles ---------------------------------------------------------------------------------------
GREY = PatternFill("solid", fgColor="E7E6E6")
HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
CODE_FILL = PatternFill("solid", fgColor="F2F2F2")
BANNER_FILL = PatternFill("solid", fgColor="FFFF00")
INPUT_FILL = PatternFill("solid", fgColor="FFFFFF")
THIN = Side(style="thin", color="BFBFBF")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
UNLOCKED = Protection(locked=False)
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")
HEADER_ROW_PROTECTION = Protection(locked=True, hidden=True)
"""A row style that keeps empty header cells locked above the unlocked data columns
(``hidden`` only hides formulas, and these rows have none; it makes the style non-default)."""


class _Styles:
    """Style arrays made once and copied into cells (much faster than styling each cell)."""

    def __init__(self, wb: Workbook) -> None:
        scratch = wb.create_sheet("_scratch")
        self._cell = scratch.cell(1, 1)
        self.cache: dict[str, StyleArray] = {}
        self.title = self.make("title", font=Font(bold=True, size=13))
        self.bold = self.make("bold", font=Font(bold=True))
        self.text = self.make("text", alignment=Alignment(wrap_text=True, vertical="top"))
        self.note = self.make("note", font=Font(italic=True, color="404040"))
        self.banner = self.make("banner", font=Font(bold=True, color="C00000", size=12),
                                fill=BANNER_FILL)
        self.head = self.make("head", font=Font(bold=True), fill=HEADER_FILL, border=BOX,
                              alignment=Alignment(wrap_text=True, vertical="center",
                                                  horizontal="center"))
        self.head_left = self.make("head_left", font=Font(bold=True), fill=HEADER_FILL,
                                   border=BOX, alignment=Alignment(wrap_text=True,
                                                                   vertical="center"))
        self.head_right = self.make("head_right", font=Font(bold=True), fill=HEADER_FILL,
                                    alignment=Alignment(horizontal="right", vertical="center"))
        self.code_head = self.make("code_head", font=Font(bold=True, color="595959", size=9),
                                   fill=CODE_FILL, border=BOX,
                                   alignment=Alignment(horizontal="center"))
        self.code = self.make("code", font=Font(color="595959", size=9), fill=CODE_FILL,
                              border=BOX)
        self.label = self.make("label", fill=GREY, border=BOX)
        self.data = self.make("data", protection=UNLOCKED, border=BOX)
        self.input = self.make("input", protection=UNLOCKED, border=BOX, fill=INPUT_FILL,
                               alignment=Alignment(wrap_text=True, vertical="top"))
        self.input_date = self.make("input_date", protection=UNLOCKED, border=BOX,
                                    number_format="yyyy-mm-dd",
                                    alignment=Alignment(horizontal="left", vertical="top"))
        wb.remove(scratch)

    def make(self, name: str, **attrs: Any) -> StyleArray:
        cell = self._cell
        cell._style = StyleArray()
        for key, value in attrs.items():
            setattr(cell, key, value)
        self.cache[name] = copy(cell._style)
        return self.cache[name]


def _put(ws: Worksheet, row: int, col: int, value: object, style: StyleArray | None = None):
    cell = ws.cell(row, col, value)
    if style is not None:
        cell._style = copy(style)
    return cell


def _protect(ws: Worksheet) -> None:
    ws.protection.sheet = True
    ws.protection.formatColumns = False  # columns may be widened
    ws.protection.formatRows = False
    ws.protection.selectLockedCells = False
    ws.protection.selectUnlockedCells = False


# -- the layout of a table sheet ------------------------------------------------------------------
class SheetLayout:
    """Where everything is on one table sheet."""

    def __init__(self, table: TableDef, registry: Registry, langs: tuple[str, ...],
                 synthetic: bool) -> None:
        self.table = table
        self.langs = langs
        self.row_dims = list(table.layout.rows)
        self.col_dims = list(table.layout.columns)
        self.row_codes = list(itertools.product(*(registry.codes(table, d)
                                                  for d in self.row_dims)))
        self.col_codes = list(itertools.product(*(registry.codes(table, d)
                                                  for d in self.col_dims)))
        top = 2 if synthetic else 1
        n_lang = len(langs)
        self.title_row = top
        # title (per language), description line (per language), legend (per language), blank
        self.header_row = top + 3 * n_lang + 1
        self.label_rows = {
            (k, lang): self.header_row + k * n_lang + i
            for k in range(len(self.col_dims)) for i, lang in enumerate(langs)
        }
        first_code_row = self.header_row + len(self.col_dims) * n_lang
        self.code_rows = [first_code_row + k for k in range(len(self.col_dims))]
        self.first_data_row = self.code_rows[-1] + 1
        self.last_data_row = self.first_data_row + len(self.row_codes) - 1
        self.code_cols = list(range(1, len(self.row_dims) + 1))
        self.label_cols = {
            (lang, k): len(self.row_dims) + 1 + i * len(self.row_dims) + k
            for i, lang in enumerate(langs) for k in range(len(self.row_dims))
        }
        self.first_data_col = len(self.row_dims) * (1 + n_lang) + 1
        self.last_data_col = self.first_data_col + len(self.col_codes) - 1

    def facts(self) -> list[object]:
        return [
            self.table.id, self.table.sheet, self.table.period_type.value,
            ",".join(self.row_dims), ",".join(self.col_dims),
            ",".join(column_letters(c) for c in self.code_cols),
            ",".join(str(r) for r in self.code_rows),
            self.first_data_row, column_letters(self.first_data_col),
            self.last_data_row, column_letters(self.last_data_col),
        ]


FACT_COLUMNS = ["table", "sheet", "period", "row_dims", "col_dims", "code_cols", "code_rows",
                "first_data_row", "first_data_col", "last_data_row", "last_data_col"]


# -- writer ---------------------------------------------------------------------------------------
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
    styles = _Styles(wb)
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


def _write_instructions(ws: Worksheet, st: _Styles, reg: Registry, country: str, year: int,
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
        _put(ws, 1, 1, BANNER, st.banner)
        row = 2
    for style, msgid, params in blocks:
        for i, lng in enumerate(langs, start=1):
            if not msgid:
                continue
            shown = dict(params)
            if "code" in shown:
                shown["country"] = reg.areas.label(country, lng)
            _put(ws, row, i, gettext_(msgid, lng, **shown),
                 getattr(st, style) if style else None)
        row += 1
    for i in range(1, len(langs) + 1):
        ws.column_dimensions[column_letters(i)].width = 90
    _protect(ws)


def _write_metadata(ws: Worksheet, st: _Styles, reg: Registry, country: str, year: int,
                    tdefs: list[TableDef], langs: tuple[str, ...], lists: dict[str, str],
                    synthetic: bool, given: SubmissionMetadata | None = None) -> dict[str, str]:
    """The metadata sheet; fields of ``given`` (a dataset's metadata) are filled in."""
    row = 1
    if synthetic:
        _put(ws, 1, 1, BANNER, st.banner)
        row = 2
    for lng in langs:
        _put(ws, row, 1, gettext_(N_("Metadata of the submission"), lng), st.title)
        row += 1
    for lng in langs:
        _put(ws, row, 1, gettext_(N_("Fill the white cells; where a cell has a drop-down list, "
                                     "choose from it. Notes may be written in English or "
                                     "Russian."), lng), st.note)
        row += 1
    row += 1
    value_col = 2 + len(langs)
    _put(ws, row, 1, "key", st.code_head)
    for i, lng in enumerate(langs):
        _put(ws, row, 2 + i, gettext_(N_("Field"), lng), st.head_left)
    _put(ws, row, value_col, vocab.label(N_("Value"), langs), st.head_left)
    row += 1
    for key, msgid in SUBMISSION_FIELDS:
        _put(ws, row, 1, key, st.code)
        for i, lng in enumerate(langs):
            _put(ws, row, 2 + i, gettext_(msgid, lng), st.label)
        if key == "country":
            _put(ws, row, value_col, country, st.label)
        elif key == "year":
            _put(ws, row, value_col, year, st.label)
        else:
            _put(ws, row, value_col, getattr(given, key, None) if given else None, st.input)
        row += 1
    row += 1
    # the per-table block: label rows, then the key row, then one row per table
    for lng in langs:
        for col, (_key, msgid) in enumerate(TABLE_FIELDS, start=1):
            _put(ws, row, col, gettext_(msgid, lng), st.head)
        ws.row_dimensions[row].height = 45
        row += 1
    for col, (key, _msgid) in enumerate(TABLE_FIELDS, start=1):
        _put(ws, row, col, key, st.code_head)
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
                _put(ws, row, col, tdef.id, st.code)
            elif key == "title":
                _put(ws, row, col, "\n".join(tdef.label(lng) for lng in langs), st.label)
            elif key == "reference_date":
                stated = _given_date(tm.reference_date if tm else None, tdef, year)
                if tdef.period_type == PeriodType.DATE:
                    _put(ws, row, col, stated, st.input_date)
                    dv_date.add(f"{cols[key]}{row}")
                else:
                    _put(ws, row, col, stated, st.input)
                    dv_year.add(f"{cols[key]}{row}")
            else:
                _put(ws, row, col, _given_field(tm, key, langs), st.input)
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
    _protect(ws)
    return {"metadata_key_col": "A", "metadata_value_col": column_letters(value_col),
            "metadata_table_header_row": str(header_row)}


CHOICES = {"source_type": vocab.SOURCE_TYPES, "residence_rule": vocab.RESIDENCE_RULES,
           "origin_concept": vocab.ORIGIN_CONCEPTS}


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


def _write_table(ws: Worksheet, st: _Styles, reg: Registry, lay: SheetLayout, year: int,
                 meta_sheet: str, synthetic: bool,
                 values: dict[tuple[str, ...], Observation], rows_xml: dict[str, str]) -> None:
    table = lay.table
    langs = lay.langs
    if synthetic:
        _put(ws, 1, 1, BANNER, st.banner)
    row = lay.title_row
    for lng in langs:
        _put(ws, row, 1, f"{table.id} — {table.label(lng)}", st.title)
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
        _put(ws, row, 1, ". ".join(p for p in parts if p) + ".", None)
        row += 1
    for lng in langs:
        _put(ws, row, 1, gettext_(LEGEND, lng), st.note)
        row += 1

    last_left = lay.first_data_col - 1
    # column header: labels per column dimension and language, then the code rows
    for k, dim_id in enumerate(lay.col_dims):
        dim = table.dimension(dim_id)
        cl = reg.codelist(dim.codelist)
        for lng in langs:
            r = lay.label_rows[(k, lng)]
            _put(ws, r, last_left, dim.label(lng), st.head_right)
            previous = None
            texts = []
            for j, codes in enumerate(lay.col_codes):
                text = cl.label(codes[k], lng)
                texts.append(text)
                # a label spanning several columns is written once, over its first column
                shown = text if (k == len(lay.col_dims) - 1 or codes[:k + 1] != previous) else ""
                _put(ws, r, lay.first_data_col + j, shown, st.head)
                previous = codes[:k + 1]
            longest = max((len(t) for t in texts), default=10)
            ws.row_dimensions[r].height = 15 * min(4, max(1, -(-longest // 12)))
        r = lay.code_rows[k]
        for j, codes in enumerate(lay.col_codes):
            _put(ws, r, lay.first_data_col + j, codes[k], st.code_head)
    code_row = lay.code_rows[-1]
    for k, dim_id in enumerate(lay.row_dims):
        dim = table.dimension(dim_id)
        _put(ws, code_row, lay.code_cols[k], dim_id, st.code_head)
        for lng in langs:
            _put(ws, code_row, lay.label_cols[(lng, k)], dim.label(lng), st.head_left)
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
    _protect(ws)


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


# -- reader ---------------------------------------------------------------------------------------
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
