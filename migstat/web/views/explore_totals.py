"""The explorer's total row over the partner countries: the publisher's, else one computed
from the rows shown and labelled as such.

OECD Data Explorer and PxWeb show the totals a table holds as its own codes (``_T``, "All
countries", "Total") and never add up on their own; PxWeb adds a sum only when the reader asks
for it ("Edit and calculate"), as a new, named row. The explorer does the same with one
difference: a table of partner countries without its published total gets a first row that is
the sum of the country rows shown, named "Total of the rows shown (computed)", drawn apart
from the published numbers, with a note under the table saying it is not a published figure.
Where the publisher's total is among the rows (UN DESA's ``FOR``, all foreign countries of
birth; CIS-Stat's ``_T``, all countries), it is the total row, first, and nothing is added up.

Only countries and residual categories (unknown, stateless) are summed: the publishers'
groups (CIS, non-CIS) would count their members twice. A column with a country row that has
no value (confidential, not available) gets no computed total: a sum of what is left would
read as the total.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from migstat.i18n import N_, gettext_
from migstat.store.records import StoredObservation
from migstat.web.views.data import number

TOTAL_KINDS = ("world",)
"""Area kinds that are a publisher's total over the partners."""
TOTAL_CODES = ("FOR",)
"""Area codes that are a publisher's total although grouped with the aggregates: UN DESA's
(and OECD's) total over all foreign countries of birth in a stock table."""
NOT_SUMMED = ("world", "aggregate")
"""Area kinds left out of a computed total (already totals, or groups of countries)."""
COMPUTED_LABEL = N_("Total of the rows shown (computed)")
COMPUTED_TITLE = N_(
    "Computed by the portal as the sum of the {n} country rows shown; not a published figure."
)
NO_SUM_TITLE = N_(
    "Not computed: {n} of the country rows shown have no value in this column, so a sum "
    "would understate the total."
)

Key = tuple[str, ...]
Cells = dict[tuple[Key, Key], StoredObservation]


def is_total(code: str, kind: Callable[[str], str]) -> bool:
    """Whether the partner ``code`` is a publisher's total over the partners."""
    return code in TOTAL_CODES or kind(code) in TOTAL_KINDS


def totals_first(rows: list[Key], kind: Callable[[str], str]) -> list[Key]:
    """The rows with the publisher's totals (the world, then all foreign countries) first."""
    totals = [r for r in rows if is_total(r[0], kind)]
    totals.sort(key=lambda r: (kind(r[0]) not in TOTAL_KINDS, r[0]))
    return totals + [r for r in rows if not is_total(r[0], kind)]


@dataclass(slots=True)
class ComputedTotal:
    """The computed row: its value per column (``None`` where it cannot be added up) and
    the cell tooltips saying what it is."""

    label: str
    values: list[float | None]
    titles: list[str]
    note: str


def computed_total(
    rows: Sequence[Key],
    columns: Sequence[Key],
    cells: Cells,
    kind: Callable[[str], str],
    lang: str,
) -> ComputedTotal | None:
    """The sum of the country rows of each column, when no row is a published total and at
    least two rows are summed; ``None`` otherwise."""
    if any(is_total(r[0], kind) for r in rows):
        return None
    summed = [r for r in rows if kind(r[0]) not in NOT_SUMMED]
    if len(summed) < 2:
        return None
    values: list[float | None] = []
    titles: list[str] = []
    for c in columns:
        found = [cells.get((r, c)) for r in summed]
        lacking = sum(1 for o in found if o is None or o.value is None)
        if lacking:
            values.append(None)
            titles.append(gettext_(NO_SUM_TITLE, lang, n=lacking))
        else:
            values.append(sum(float(o.value) for o in found if o is not None and o.value))
            titles.append(gettext_(COMPUTED_TITLE, lang, n=len(summed)))
    return ComputedTotal(
        label=gettext_(COMPUTED_LABEL, lang),
        values=values,
        titles=titles,
        note=gettext_(COMPUTED_TITLE, lang, n=len(summed)),
    )


def total_text(value: float | None, lang: str) -> str:
    """A computed total as the page writes it (empty where none could be computed)."""
    return number(value, lang) if value is not None else ""


COMPUTED_COLUMN = N_("Total of the columns shown (computed)")
COMPUTED_COLUMN_TITLE = N_(
    "Computed by the portal as the sum of the {n} country columns shown; not a published figure."
)


@dataclass(slots=True)
class Totals:
    """Where the totals of a pivot are: row and column indices, and the notes of the ones
    computed (empty where the publisher's total is shown or none applies)."""

    rows: list[int]
    columns: list[int]
    row_note: str = ""
    column_note: str = ""


def place_totals(
    out_rows: list[tuple[list[str], list[Any]]],
    columns: list[list[str]],
    keys: tuple[Sequence[Key], Sequence[Key]],
    cells: Cells,
    on: tuple[bool, bool],
    kind: Callable[[str], str],
    lang: str,
    make_cell: Callable[[float | None, str], Any],
) -> Totals:
    """Mark the publisher's totals among the rows (``on[0]``: the rows are partner
    countries) or the columns (``on[1]``), else add the computed one first, labelled; the
    table's ``out_rows`` and ``columns`` are changed in place. ``keys`` are the rows shown
    and the columns, in order; ``make_cell`` makes a cell of a value and its tooltip."""
    row_keys, col_keys = keys
    totals = Totals([], [])
    if on[0]:
        totals.rows = [i for i, r in enumerate(row_keys) if is_total(r[0], kind)]
        added = computed_total(row_keys, col_keys, cells, kind, lang)
        if added is not None:
            line = [make_cell(v, t) for v, t in zip(added.values, added.titles, strict=True)]
            out_rows.insert(0, ([added.label], line))
            totals.rows, totals.row_note = [0], added.note
    elif on[1]:
        totals.columns = [j for j, c in enumerate(col_keys) if is_total(c[0], kind)]
        flipped = {(c, r): o for (r, c), o in cells.items()}
        added = computed_total(col_keys, row_keys, flipped, kind, lang)
        if added is not None:
            column = gettext_(COMPUTED_COLUMN, lang)
            n = sum(1 for c in col_keys if kind(c[0]) not in NOT_SUMMED)
            note = gettext_(COMPUTED_COLUMN_TITLE, lang, n=n)
            columns.insert(0, [column])  # one dimension on the columns: the partner
            for (_labels, line), value in zip(out_rows, added.values, strict=True):
                line.insert(0, make_cell(value, note))
            totals.columns, totals.column_note = [0], note
    return totals
