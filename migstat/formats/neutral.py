"""Text that a spreadsheet would run as a formula, made inert: one rule for every CSV and XLSX
migstat writes (query outputs, SDMX-CSV, mappings, estimates, mirror statistics).

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is taken by Excel
and LibreOffice for a formula (``=HYPERLINK(…)``, ``=cmd|' /C calc'!A0``, ``+…``, ``@SUM(…)``),
so such text is written with a leading apostrophe, which a spreadsheet shows as text and does
not store. A plain number (``-12``, ``+3.5``) is not a formula and is written as it is, so that
negative flows stay numbers. Readers of migstat's own CSV forms undo the apostrophe with
:func:`restore`, so a download can be corrected and imported again.
"""

from __future__ import annotations

import re
from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""The first characters that make a spreadsheet read a cell as a formula."""
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def neutralise(value: Any) -> Any:
    """``value`` with an apostrophe before text a spreadsheet would run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_START) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def restore(value: str) -> str:
    """Text read back from a file :func:`neutralise` wrote: the apostrophe it added removed."""
    if value.startswith("'") and value[1:].startswith(FORMULA_START):
        return value[1:]
    return value


def neutral_row(row: list[Any]) -> list[Any]:
    """A row of cells, each through :func:`neutralise`."""
    return [neutralise(v) for v in row]
