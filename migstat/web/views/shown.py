"""The explorer's view as API users and spreadsheet users want it: the SDMX address of
exactly what is shown, and the table as displayed ("download as shown": wide, with the row
and column labels in the page's language, the dimensions held fixed, the sources) beside the
tidy long downloads.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from migstat.formats import sdmx_layout
from migstat.formats.neutral import neutral_row
from migstat.i18n import N_, gettext_
from migstat.web.views.dims import AREA, PROVIDER

if TYPE_CHECKING:
    from migstat.model import TableDef
    from migstat.web.views.explore import Explorer


def sdmx_url(table: TableDef, selection: Mapping[str, Any]) -> str:
    """``/sdmx/rest/data/F01/KGZ.....CISSTAT?startPeriod=2025&endPeriod=2025``: the SDMX
    2.1 query for the series shown (an empty key position is every code)."""
    chosen = {**selection, "DATA_PROVIDER": selection.get(PROVIDER) or []}
    chosen.setdefault("REF_AREA", selection.get(AREA) or [])
    key = ".".join("+".join(chosen.get(dim) or []) for dim in sdmx_layout.dimensions(table))
    periods = [
        f"{name}={selection[field]}"
        for name, field in (("startPeriod", "start"), ("endPeriod", "end"))
        if selection.get(field) is not None
    ]
    return f"/sdmx/rest/data/{table.id}/{key}" + ("?" + "&".join(periods) if periods else "")


def shown_rows(view: Explorer, lang: str) -> list[list[Any]]:
    """The pivot as the page shows it: title, the dimensions held fixed, the header rows,
    one row per line of the table (numbers as numbers, flags beside them), the sources."""
    pivot = view.pivot
    out: list[list[Any]] = [[f"{view.table.id}. {view.title}"]]
    out += [[name, value] for name, value in pivot.fixed]
    out.append([])
    n_rows = len(pivot.row_dims)
    for level, (_dim, label) in enumerate(pivot.col_dims):
        head = [""] * n_rows
        if level == len(pivot.col_dims) - 1:
            head = [rd[1] for rd in pivot.row_dims]
            head[-1] = f"{head[-1]} \\ {label}"
        out.append([*head, *(col[level] for col in pivot.columns)])
    for labels, cells in pivot.rows:
        out.append([*labels, *(_value(c) for c in cells)])
    out.append([])
    flags = "; ".join(f"{letter}: {meaning}" for letter, meaning in view.flags)
    if flags:
        out.append([gettext_(N_("Flags"), lang), flags])
    for source in view.sources:
        out.append(
            [gettext_(N_("Source"), lang), source["provider"], source.get("date", "")]
            + [f"{k}: {v}" for k, v in source.get("facts", [])]
        )
    return out


def _value(cell: Any) -> Any:
    """A number as a number (a spreadsheet can add it up); a flagged or missing one as the
    page writes it."""
    if cell.value is not None and not cell.flags:
        return int(cell.value) if float(cell.value).is_integer() else cell.value
    return cell.text + (f" ({cell.flags})" if cell.flags else "")


def shown_csv(rows: Sequence[Sequence[Any]]) -> str:
    """The rows as CSV (UTF-8 with a BOM, so a spreadsheet reads Cyrillic), every text cell
    neutralised against formulas."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow(neutral_row(list(row)))
    return buffer.getvalue()
