"""What people do to a table sheet, each told once at its place.

A filled questionnaire comes back with cells merged, rows deleted or inserted, a country's name
typed where its code belongs. Read cell by cell, each of these shows only as its consequences
(a world total off in every column, a finding at every value of a row); here each is found
where it was done and reported once, naming the sheet and the row or cell:

* ``STRUCT_MERGED_CELLS``: a merged range over code cells (read as if each cell held the
  code: a warning) or over data cells (the figures of all but the first cell are lost: an
  error);
* ``STRUCT_CODE_NOT_CODE``: a code cell holds what is no code of its dimension, a country's
  name perhaps, with the code it names when the code list knows the name (the command adds
  the closest candidates of :mod:`migstat.sources.namematch`); the row is not read;
* ``STRUCT_CODE_MISSING``: a row with figures whose code cell was emptied;
* ``STRUCT_UNCODED_ROW`` / ``STRUCT_UNCODED_COLUMN``: figures in a row or column with no
  codes at all (inserted by hand): one finding per row or column, not one per cell;
* ``STRUCT_ROWS_MISSING`` / ``STRUCT_COLUMNS_MISSING``: rows or columns of the template that
  are gone (deleted), one finding per run of neighbours, at the row (or column) where they
  were. A warning by itself; validation files the totals that no longer add up because of it
  under it (:mod:`migstat.validation.causes`), and it becomes an error with them.

A moved row or column needs nothing: cells are read by their codes, not their position.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from migstat.formats.questionnaire.layout import ordered_codes
from migstat.formats.questionnaire.xlsx import Cell, cell_ref, column_letters
from migstat.i18n import N_, gettext_
from migstat.model import CodeList, Finding, Location, Registry, Severity, TableDef

LISTED = 6
"""Rows (or columns) named in one missing-rows finding; the rest are counted."""
RUNS_REPORTED = 5
"""Runs of missing rows reported one by one; more are one finding for the sheet."""

MSG_MERGED_CODES = N_(
    "Cells {range} are merged: each is read as “{code}”, but merged cells break sorting and "
    "copying. Unmerge them and write the code in each cell."
)
MSG_MERGED_DATA = N_(
    "Cells {range} are merged: a merged range keeps only the figure of its first cell, so "
    "the others are lost. Unmerge them and enter a figure in each cell."
)
MSG_NAME_FOR_CODE = N_(
    "Cell {cell} holds “{text}” where a code of “{dimension}” belongs: write the code {code} "
    "({name}) there. The row is not read until it has its codes."
)
MSG_NOT_A_CODE = N_(
    "Cell {cell} holds “{text}”, which is not a code of “{dimension}”{candidates}. Write the "
    "code in this cell (the names go in the label columns); the row is not read until then."
)
MSG_CODE_MISSING = N_(
    "Row {row} has figures but its code cell {cell} is empty, so the row is not read. "
    "Write the code back (compare the rows above and below)."
)
MSG_UNCODED_ROW = N_(
    "Row {row} holds figures ({cells}) but no codes in {code_cells}, so it is not read: was "
    "it inserted? Enter the figures in the table's own rows, then delete this row."
)
MSG_UNCODED_COLUMN = N_(
    "Column {column} holds figures ({cells}) but no codes in its code rows, so it is not "
    "read: was it inserted? Enter the figures in the table's own columns, then delete it."
)
MSG_ROWS_MISSING = N_(
    "Rows of the template are missing at row {row} (deleted?), {n} in all: {rows}. Do not delete "
    "rows: copy them back from a new template and leave their cells empty if there is "
    "nothing to report."
)
MSG_COLUMNS_MISSING = N_(
    "Columns of the template are missing at column {column} (deleted?), {n} in all: {columns}. Do "
    "not delete columns: copy them back from a new template."
)
MSG_MORE = N_("{listed} and {n} more")


@dataclass(slots=True)
class TableSpec:
    """Where the hidden sheet says a table's codes and data cells are (row and column
    numbers); the rows move down when rows were inserted above the code header."""

    row_dims: list[str]
    col_dims: list[str]
    code_cols: list[int]
    code_rows: list[int]
    first_row: int
    first_col: int


def bilingual(codelist: CodeList, code: str) -> dict[str, str]:
    """A code's label in each language, as a finding parameter (rendered in the reader's)."""
    return {lang: codelist.label(code, lang) for lang in ("en", "ru")}


def code_for_name(codelist: CodeList, text: str) -> str | None:
    """The code a name typed in a code cell stands for: an alias or a label of the code list
    in English or Russian (letter case aside); ``None`` when it names none."""
    found = codelist.resolve(text)
    if found is not None:
        return found
    folded = text.strip().casefold()
    for code in codelist:
        if any(label.casefold() == folded for label in code.name.values()):
            return code.id
    return None


@dataclass(slots=True)
class SheetDamage:
    """The damage findings of one table sheet, gathered while it is read."""

    file_name: str
    sheet: str
    table: TableDef
    registry: Registry
    lay: TableSpec
    lang: str = "en"
    """The workbook's first language: its rows follow that language's order."""
    findings: list[Finding] = field(default_factory=list)
    bad_rows: dict[int, tuple[str, ...]] = field(default_factory=dict)
    """Rows with a code that is no code (their cells are not read nor reported again)."""
    uncoded: dict[tuple[int, int], str] = field(default_factory=dict)

    # -- helpers ------------------------------------------------------------------------------
    def _at(self, ref: str) -> Location:
        return Location(file=self.file_name, sheet=self.sheet, cell=ref)

    def _add(self, rule: str, severity: Severity, message: str, ref: str, **params) -> None:
        self.findings.append(
            Finding(
                rule=rule,
                severity=severity,
                message=message,
                params={"cell": f"{self.sheet}!{ref}", **params},
                table=self.table.id,
                where=self._at(ref),
                values={},
            )
        )

    def _codelist(self, dim: str) -> CodeList:
        return self.registry.codelist(self.table.dimension(dim).codelist)

    # -- merged cells -------------------------------------------------------------------------
    def unmerge(self, cells: list[Cell], ranges: Iterable[tuple[int, int, int, int]]) -> list[Cell]:
        """Report each merged range over the table's codes or data; give every cell of a
        range over code cells the code of its first cell."""
        header_top = min(self.lay.code_rows)
        code_cols = set(self.lay.code_cols)
        values = {(r, c): (v, k) for r, c, v, k in cells}
        added: list[Cell] = []
        for r1, c1, r2, c2 in ranges:
            if r2 < header_top or (
                c2 < self.lay.first_col and not code_cols & set(range(c1, c2 + 1))
            ):
                continue  # the title block or the label columns: harmless
            span = f"{cell_ref(r1, c1)}:{cell_ref(r2, c2)}"
            first = values.get((r1, c1))
            is_code = (c2 < self.lay.first_col and c1 in code_cols) or (
                r2 < self.lay.first_row and c1 >= self.lay.first_col
            )
            if is_code and first is not None:
                for r, c in itertools.product(range(r1, r2 + 1), range(c1, c2 + 1)):
                    if (r, c) != (r1, c1) and (r, c) not in values:
                        added.append((r, c, first[0], first[1]))
                code = str(first[0]).strip()
                self._add(
                    "STRUCT_MERGED_CELLS", Severity.WARNING, MSG_MERGED_CODES, cell_ref(r1, c1),
                    range=span, code=code,
                )  # fmt: skip
            else:
                self._add(
                    "STRUCT_MERGED_CELLS", Severity.ERROR, MSG_MERGED_DATA, cell_ref(r1, c1),
                    range=span,
                )  # fmt: skip
        return cells + added if added else cells

    # -- the codes of the rows ----------------------------------------------------------------
    def rows(
        self, in_code_cols: dict[tuple[int, int], str], data_rows: set[int]
    ) -> dict[int, tuple[str, ...]]:
        """The rows whose code cells all hold codes; a finding for each row whose code cell
        holds something else, or is empty while the row has figures."""
        lists = [self._codelist(d) for d in self.lay.row_dims]
        out: dict[int, tuple[str, ...]] = {}
        for r in sorted({r for r, _c in in_code_cols if r >= self.lay.first_row} | data_rows):
            codes = tuple(in_code_cols.get((r, c), "") for c in self.lay.code_cols)
            if not any(codes):
                continue  # an empty or inserted row: its figures, if any, are told later
            bad = next((k for k, code in enumerate(codes) if code and code not in lists[k]), None)
            if bad is not None:
                self._not_a_code(r, bad, codes[bad], lists[bad])
                self.bad_rows[r] = codes
            elif not all(codes):
                self.bad_rows[r] = codes
                if r in data_rows:
                    empty = cell_ref(r, self.lay.code_cols[codes.index("")])
                    self._add("STRUCT_CODE_MISSING", Severity.ERROR, MSG_CODE_MISSING, empty, row=r)
            else:
                out[r] = codes
        return out

    def _not_a_code(self, r: int, k: int, text: str, codelist: CodeList) -> None:
        ref = cell_ref(r, self.lay.code_cols[k])
        dim = self.lay.row_dims[k]
        dimension = {lang: self.table.dimension(dim).label(lang) for lang in ("en", "ru")}
        code = code_for_name(codelist, text)
        if code is not None:
            self._add(
                "STRUCT_CODE_NOT_CODE", Severity.ERROR, MSG_NAME_FOR_CODE, ref,
                text=text, dimension=dimension, code=code, name=bilingual(codelist, code),
            )  # fmt: skip
        else:
            self._add(
                "STRUCT_CODE_NOT_CODE", Severity.ERROR, MSG_NOT_A_CODE, ref,
                text=text, dimension=dimension, candidates="", codelist=codelist.id,
            )  # fmt: skip

    # -- figures outside the table ------------------------------------------------------------
    def outside(self, r: int, c: int, text: str) -> None:
        """A data cell with something in it whose row or column has no codes."""
        if r not in self.bad_rows:
            self.uncoded[(r, c)] = text

    def report_outside(self, rows: dict[int, tuple[str, ...]]) -> None:
        """One finding per row without codes (or per column, when the row has its codes)."""
        by_row: dict[int, list[int]] = {}
        by_col: dict[int, list[int]] = {}
        for r, c in sorted(self.uncoded):
            if r in rows:
                by_col.setdefault(c, []).append(r)
            else:
                by_row.setdefault(r, []).append(c)
        for r, cols in by_row.items():
            ref = cell_ref(r, cols[0])
            span = ref if len(cols) == 1 else f"{ref}:{cell_ref(r, cols[-1])}"
            codes = f"{cell_ref(r, self.lay.code_cols[0])}:{cell_ref(r, self.lay.code_cols[-1])}"
            self._add(
                "STRUCT_UNCODED_ROW", Severity.ERROR, MSG_UNCODED_ROW, ref,
                row=r, cells=span, code_cells=codes,
            )  # fmt: skip
        for c, rs in by_col.items():
            ref = cell_ref(rs[0], c)
            span = ref if len(rs) == 1 else f"{ref}:{cell_ref(rs[-1], c)}"
            self._add(
                "STRUCT_UNCODED_COLUMN", Severity.ERROR, MSG_UNCODED_COLUMN, ref,
                column=column_letters(c), cells=span,
            )  # fmt: skip

    # -- rows and columns that are gone -------------------------------------------------------
    def report_missing_rows(self, rows: dict[int, tuple[str, ...]]) -> None:
        expected = list(
            itertools.product(
                *(ordered_codes(self.registry, self.table, d, self.lang) for d in self.lay.row_dims)
            )
        )
        runs = _missing_runs(expected, rows, self.bad_rows)
        if not runs:
            return
        lists = [self._codelist(d) for d in self.lay.row_dims]
        if len(runs) > RUNS_REPORTED:  # many: one finding for the sheet, at the first
            runs = [[(key, runs[0][0][1]) for run in runs for key, _row in run]]
        for run in runs:
            keys = [key for key, _row in run]
            row = run[0][1]
            ref = cell_ref(row, self.lay.code_cols[0])
            self._add(
                "STRUCT_ROWS_MISSING", Severity.WARNING, MSG_ROWS_MISSING, ref,
                n=len(keys), row=row, rows=_describe(keys, lists, expected),
            )  # fmt: skip

    def report_missing_columns(self, columns: dict[int, tuple[str, ...]]) -> None:
        expected = list(
            itertools.product(*(self.registry.codes(self.table, d) for d in self.lay.col_dims))
        )
        runs = _missing_runs(expected, columns, {})
        lists = [self._codelist(d) for d in self.lay.col_dims]
        for run in runs[:RUNS_REPORTED]:
            keys = [key for key, _col in run]
            col = run[0][1]
            ref = cell_ref(self.lay.code_rows[-1], col)
            self._add(
                "STRUCT_COLUMNS_MISSING", Severity.WARNING, MSG_COLUMNS_MISSING, ref,
                n=len(keys), column=column_letters(col),
                columns=_describe(keys, lists, expected),
            )  # fmt: skip


def _missing_runs(
    expected: Sequence[tuple[str, ...]],
    present: dict[int, tuple[str, ...]],
    bad: dict[int, tuple[str, ...]],
) -> list[list[tuple[tuple[str, ...], int]]]:
    """Runs of neighbouring keys of the template that no row (column) has, each key with the
    row (column) where it would be: the one that now holds the next key that is there. A
    row whose code is no code accounts for one missing key between its neighbours."""
    at = {key: n for n, key in sorted(present.items(), reverse=True)}
    position = {key: i for i, key in enumerate(expected)}
    gone = [key for key in expected if key not in at]
    if not gone:
        return []
    for r, codes in sorted(bad.items()):
        gone = _account_for(r, codes, gone, present, position)
    last = max([*present, *bad], default=0) + 1
    runs: list[list[tuple[tuple[str, ...], int]]] = []
    previous = -2
    for key in gone:
        i = position[key]
        nxt = next((at[k] for k in expected[i + 1 :] if k in at), last)
        if i != previous + 1 or not runs:
            runs.append([])
        runs[-1].append((key, nxt))
        previous = i
    for run in runs:  # every key of a run is where the run's first is
        run[:] = [(key, run[0][1]) for key, _n in run]
    return runs


def _account_for(
    r: int,
    codes: tuple[str, ...],
    gone: list[tuple[str, ...]],
    present: dict[int, tuple[str, ...]],
    position: dict[tuple[str, ...], int],
) -> list[tuple[str, ...]]:
    """``gone`` without the key that the damaged row ``r`` (``codes``) stands for: one
    between its neighbours whose other codes agree with the row's."""
    before = max((n for n in present if n < r), default=None)
    after = min((n for n in present if n > r), default=None)
    low = position.get(present[before], -1) if before is not None else -1
    high = position.get(present[after], len(position)) if after is not None else len(position)
    for key in gone:
        if low < position[key] < high and all(
            c == k for c, k in zip(codes, key, strict=True) if c and c in key
        ):
            return [k for k in gone if k != key]
    return gone


def _describe(
    keys: list[tuple[str, ...]], lists: list[CodeList], expected: Sequence[tuple[str, ...]]
) -> dict[str, str]:
    """The rows of ``keys`` named in each language: whole blocks by their first code
    (``Armenia (ARM)``), single rows by all their codes (``ARM F``); the first few only."""
    size = Counter(k[0] for k in expected)
    blocks: list[str] = []
    for first, group in itertools.groupby(keys, key=lambda k: k[0]):
        members = list(group)
        if len(members) == size[first]:
            blocks.append(first)
        else:
            blocks.extend(" ".join(m) for m in members)
    out: dict[str, str] = {}
    for lang in ("en", "ru"):
        named = [f"{lists[0].label(b, lang)} ({b})" if " " not in b else b for b in blocks[:LISTED]]
        text = "; ".join(named)
        if len(blocks) > LISTED:
            text = gettext_(MSG_MORE, lang, listed=text, n=len(blocks) - LISTED)
        out[lang] = text
    return out
