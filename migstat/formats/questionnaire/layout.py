"""The layout of the questionnaire workbook, which its writer and its reader share.

The questionnaire is a template a statistician fills in Excel; :mod:`.writer` makes it and
:mod:`.reader` reads it back. Both rely on what this module defines: the sheet names, the
fields of the metadata sheet, where each table's codes and data cells are
(:class:`SheetLayout`), the facts of the hidden sheet, the cell styles and the header text.

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

import itertools
from copy import copy
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.styles.cell_style import StyleArray
from openpyxl.worksheet.worksheet import Worksheet

from migstat.formats import vocabulary as vocab
from migstat.formats.questionnaire.xlsx import column_letters
from migstat.i18n import N_
from migstat.model import Registry, TableDef

TEMPLATE_VERSION = "1"
HIDDEN_SHEET = "_migstat"
LISTS_SHEET = "_lists"
FORMAT = "questionnaire"
BANNER = (
    "SYNTHETIC DEMO DATA / СИНТЕТИЧЕСКИЕ ДАННЫЕ — not real statistics / не настоящая статистика"
)

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
TABLE_FIELD_WIDTHS = {
    "table": 8,
    "title": 40,
    "source_type": 34,
    "reference_date": 16,
    "residence_rule": 34,
    "residence_rule_months": 14,
    "population_covered": 40,
    "origin_concept": 34,
    "rounding_base": 12,
    "notes": 50,
}

LEGEND = N_(
    "Enter a number, or: .. not available · x confidential · - nil (zero) · "
    "123 e estimated · 123 p provisional. Leave the cell empty if not provided."
)
CHOICES = {
    "source_type": vocab.SOURCE_TYPES,
    "residence_rule": vocab.RESIDENCE_RULES,
    "origin_concept": vocab.ORIGIN_CONCEPTS,
}
"""The metadata fields answered from a drop-down list, and the vocabulary of each."""

# -- styles ---------------------------------------------------------------------------------------
GREY = PatternFill("solid", fgColor="E7E6E6")
HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
CODE_FILL = PatternFill("solid", fgColor="F2F2F2")
BANNER_FILL = PatternFill("solid", fgColor="FFFF00")
INPUT_FILL = PatternFill("solid", fgColor="FFFFFF")
THIN = Side(style="thin", color="BFBFBF")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
UNLOCKED = Protection(locked=False)
HEADER_ROW_PROTECTION = Protection(locked=True, hidden=True)
"""A row style that keeps empty header cells locked above the unlocked data columns
(``hidden`` only hides formulas, and these rows have none; it makes the style non-default)."""


class Styles:
    """Style arrays made once and copied into cells (much faster than styling each cell)."""

    def __init__(self, wb: Workbook) -> None:
        scratch = wb.create_sheet("_scratch")
        self._cell = scratch.cell(1, 1)
        self.cache: dict[str, StyleArray] = {}
        self.title = self.make("title", font=Font(bold=True, size=13))
        self.bold = self.make("bold", font=Font(bold=True))
        self.text = self.make("text", alignment=Alignment(wrap_text=True, vertical="top"))
        self.note = self.make("note", font=Font(italic=True, color="404040"))
        self.banner = self.make(
            "banner", font=Font(bold=True, color="C00000", size=12), fill=BANNER_FILL
        )
        self.head = self.make(
            "head",
            font=Font(bold=True),
            fill=HEADER_FILL,
            border=BOX,
            alignment=Alignment(wrap_text=True, vertical="center", horizontal="center"),
        )
        self.head_left = self.make(
            "head_left",
            font=Font(bold=True),
            fill=HEADER_FILL,
            border=BOX,
            alignment=Alignment(wrap_text=True, vertical="center"),
        )
        self.head_right = self.make(
            "head_right",
            font=Font(bold=True),
            fill=HEADER_FILL,
            alignment=Alignment(horizontal="right", vertical="center"),
        )
        self.code_head = self.make(
            "code_head",
            font=Font(bold=True, color="595959", size=9),
            fill=CODE_FILL,
            border=BOX,
            alignment=Alignment(horizontal="center"),
        )
        self.code = self.make("code", font=Font(color="595959", size=9), fill=CODE_FILL, border=BOX)
        self.label = self.make("label", fill=GREY, border=BOX)
        self.data = self.make("data", protection=UNLOCKED, border=BOX)
        self.input = self.make(
            "input",
            protection=UNLOCKED,
            border=BOX,
            fill=INPUT_FILL,
            alignment=Alignment(wrap_text=True, vertical="top"),
        )
        self.input_date = self.make(
            "input_date",
            protection=UNLOCKED,
            border=BOX,
            number_format="yyyy-mm-dd",
            alignment=Alignment(horizontal="left", vertical="top"),
        )
        wb.remove(scratch)

    def make(self, name: str, **attrs: Any) -> StyleArray:
        cell = self._cell
        cell._style = StyleArray()
        for key, value in attrs.items():
            setattr(cell, key, value)
        self.cache[name] = copy(cell._style)
        return self.cache[name]


def put(ws: Worksheet, row: int, col: int, value: object, style: StyleArray | None = None):
    """Write ``value`` at (``row``, ``col``) with a copy of a ready-made ``style``."""
    cell = ws.cell(row, col, value)
    if style is not None:
        cell._style = copy(style)
    return cell


def protect(ws: Worksheet) -> None:
    """Protect a sheet so that only unlocked cells can be edited, while columns and rows may
    still be resized."""
    ws.protection.sheet = True
    ws.protection.formatColumns = False  # columns may be widened
    ws.protection.formatRows = False
    ws.protection.selectLockedCells = False
    ws.protection.selectUnlockedCells = False


def print_setup(
    ws: Worksheet,
    *,
    area: str,
    title_rows: str | None = None,
    landscape: bool = True,
) -> None:
    """A sheet that prints as people read it: one page wide (as many pages tall as it
    takes), on A4, landscape when wide, the header rows repeated on every page, only the
    sheet's own cells (``area``) printed, and page numbers in the footer."""
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.print_area = area
    if title_rows:
        ws.print_title_rows = title_rows
    ws.oddFooter.center.text = "&P / &N"


# -- the layout of a table sheet ------------------------------------------------------------------
def _russian_key(text: str) -> str:
    """Russian alphabetical order: letter case aside, "ё" with "е"."""
    return text.casefold().replace("ё", "е")


def ordered_codes(registry: Registry, table: TableDef, dim: str, lang: str) -> tuple[str, ...]:
    """The rows of a dimension in a workbook whose first language is ``lang``: the partner
    countries after the region's block (the CIS) follow the alphabet of that language (the
    registry's order is the English one); every other dimension keeps the registry's order."""
    codes = registry.codes(table, dim)
    codelist = registry.codelist(table.dimension(dim).codelist)
    if lang == "en" or list(codes) != codelist.subsets.get("partner"):
        return codes
    fixed = {"_T", *codelist.subsets.get("partner_first", ())}
    last = set(codelist.subsets.get("partner_last", ()))
    head = [c for c in codes if c in fixed]
    rest = sorted(
        (c for c in codes if c not in fixed and c not in last),
        key=lambda c: _russian_key(codelist.label(c, lang)),
    )
    return (*head, *rest, *(c for c in codes if c in last))


class SheetLayout:
    """Where everything is on one table sheet."""

    def __init__(
        self, table: TableDef, registry: Registry, langs: tuple[str, ...], synthetic: bool
    ) -> None:
        self.table = table
        self.langs = langs
        self.row_dims = list(table.layout.rows)
        self.col_dims = list(table.layout.columns)
        self.row_codes = list(
            itertools.product(*(ordered_codes(registry, table, d, langs[0]) for d in self.row_dims))
        )
        self.col_codes = list(itertools.product(*(registry.codes(table, d) for d in self.col_dims)))
        top = 2 if synthetic else 1
        n_lang = len(langs)
        self.title_row = top
        # title (per language), description line (per language), legend (per language), blank
        self.header_row = top + 3 * n_lang + 1
        self.label_rows = {
            (k, lang): self.header_row + k * n_lang + i
            for k in range(len(self.col_dims))
            for i, lang in enumerate(langs)
        }
        first_code_row = self.header_row + len(self.col_dims) * n_lang
        self.code_rows = [first_code_row + k for k in range(len(self.col_dims))]
        self.first_data_row = self.code_rows[-1] + 1
        self.last_data_row = self.first_data_row + len(self.row_codes) - 1
        self.code_cols = list(range(1, len(self.row_dims) + 1))
        self.label_cols = {
            (lang, k): len(self.row_dims) + 1 + i * len(self.row_dims) + k
            for i, lang in enumerate(langs)
            for k in range(len(self.row_dims))
        }
        self.first_data_col = len(self.row_dims) * (1 + n_lang) + 1
        self.last_data_col = self.first_data_col + len(self.col_codes) - 1

    def facts(self) -> list[object]:
        return [
            self.table.id,
            self.table.sheet,
            self.table.period_type.value,
            ",".join(self.row_dims),
            ",".join(self.col_dims),
            ",".join(column_letters(c) for c in self.code_cols),
            ",".join(str(r) for r in self.code_rows),
            self.first_data_row,
            column_letters(self.first_data_col),
            self.last_data_row,
            column_letters(self.last_data_col),
        ]


FACT_COLUMNS = [
    "table",
    "sheet",
    "period",
    "row_dims",
    "col_dims",
    "code_cols",
    "code_rows",
    "first_data_row",
    "first_data_col",
    "last_data_row",
    "last_data_col",
]


Block = tuple[str, str, dict[str, object]]
"""One line of the instructions: a style name (of :class:`Styles`, or empty), a message and its
parameters; a ``code`` parameter also gets the country's name as ``country``."""


def instruction_blocks(
    country: str, year: int, tables: list[str], metadata_sheet: str, send_to: str | None
) -> list[Block]:
    """The text of the instructions sheet, line by line, before translation."""
    table_list = ", ".join(tables)
    meta = metadata_sheet
    blocks: list[Block] = [
        ("title", N_("Questionnaire on international migration statistics"), {}),
        ("bold", N_("{country} ({code}), {year}"), {"code": country, "year": year}),
        ("", "", {}),
        ("head", N_("What to fill"), {}),
        (
            "text",
            N_(
                "Every table has its own sheet, named by the table code ({tables}). Rows and "
                "columns carry codes and names; enter the figures in the white cells."
            ),
            {"tables": table_list},
        ),
        (
            "text",
            N_(
                "Grey cells (codes, names, titles) are protected. Do not rename, move or "
                "delete sheets, rows or columns: the file is read automatically."
            ),
            {},
        ),
        (
            "text",
            N_(
                "On the sheet {sheet} give the agency, a contact person and e-mail, and for "
                "every table the source of the data, the reference date, the residence rule "
                "actually applied and the population covered."
            ),
            {"sheet": meta},
        ),
        (
            "text",
            N_(
                "If a table cannot be provided, leave its sheet empty and explain why in the "
                "notes on the sheet {sheet}."
            ),
            {"sheet": meta},
        ),
        ("", "", {}),
        ("head", N_("Numbers and flags"), {}),
        ("text", N_("1234: a number. Spaces between thousands are allowed (1 234)."), {}),
        (
            "text",
            N_(
                ".. or …: not available (the figure exists but was not collected or cannot "
                "be given)."
            ),
            {},
        ),
        ("text", N_("x: confidential (not for publication)."), {}),
        ("text", N_("-: nil, the value is zero (0 may be entered too)."), {}),
        ("text", N_("123 e: estimated value. 123 p: provisional value."), {}),
        (
            "text",
            N_(
                "No formulas: copy the figures and paste them as values only (Paste "
                "Special, Values)."
            ),
            {},
        ),
        ("", "", {}),
        ("head", N_("Empty cells"), {}),
        (
            "text",
            N_(
                "An empty cell means that the figure was not provided. It is never read as "
                "zero: enter - or 0 for a true zero and .. when the figure is not "
                "available."
            ),
            {},
        ),
        ("", "", {}),
        ("head", N_("Totals"), {}),
        (
            "text",
            N_(
                "Totals must equal the sum of their parts: both sexes = males + females + "
                "sex unknown; all ages = the sum of the age groups + age unknown; all "
                "countries of the world = the sum of the countries + stateless persons + "
                "unknown."
            ),
            {},
        ),
        (
            "text",
            N_(
                "The same population must have the same total in every table: for example "
                "the total of S01 equals the total of S02."
            ),
            {},
        ),
        (
            "text",
            N_(
                "If the figures are rounded (for example to 5), give the rounding base on "
                "the sheet {sheet}: small differences in totals are then accepted."
            ),
            {"sheet": meta},
        ),
        ("", "", {}),
        ("head", N_("Where to send"), {}),
        (
            "text",
            N_(
                "Send the completed workbook to the clearing-house coordinator or upload it "
                "to the clearing-house. It comes back with any problems marked in the cells "
                "and listed on a first sheet."
            ),
            {},
        ),
    ]
    if send_to:
        blocks.append(("bold", N_("Send to: {address}"), {"address": send_to}))
    return blocks
