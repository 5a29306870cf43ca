"""Which records fall in which cell, and weighted sums over cells without a loop per cell.

A table's cells (with its totals and subtotals) are numbered ``0 .. n_cells-1``. Every record
belongs to at most one cell of each *classification* (a grouping set: the detailed cells, a
margin, the grand total), so membership is an ``(n_records, k)`` integer array with ``-1``
where a record is outside every cell of that classification. The sums over cells are segment
sums of the member records sorted by cell: the product of the sparse cell x record indicator
matrix with a record x replicate matrix, done in blocks of records so memory stays bounded.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from migstat.i18n import N_
from migstat.model import MigstatError

# Bounds on what one call handles: more cells than this is not a table anyone publishes.
MAX_CELLS = 10_000_000
# Records x replicates multiplied per block of the segment sums (about 64 MB of float64).
BLOCK_VALUES = 8_000_000


@dataclass(frozen=True)
class Membership:
    """The (record, cell) pairs of a table: ``rows[j]`` is in cell ``cells[j]``."""

    rows: np.ndarray
    cells: np.ndarray
    n_cells: int
    n_records: int


def membership(cells: np.ndarray, n_records: int, n_cells: int | None = None) -> Membership:
    """Check a cell-index array (``(n,)`` or ``(n, k)``, ``-1`` = in no cell) and flatten it
    into (record, cell) pairs."""
    index = np.asarray(cells)
    if index.ndim == 1:
        index = index[:, None]
    if index.ndim != 2 or index.shape[0] != n_records:
        raise MigstatError(
            N_("The cell index has {found} rows but the design has {records} records."),
            found=index.shape[0] if index.ndim else 0,
            records=n_records,
        )
    if index.size and not np.issubdtype(index.dtype, np.integer):
        raise MigstatError(N_("Cell numbers must be whole numbers (-1 for no cell)."))
    index = index.astype(np.int64, copy=False)
    top = int(index.max()) + 1 if index.size else 0
    count = top if n_cells is None else int(n_cells)
    if count > MAX_CELLS or top > count or (index.size and int(index.min()) < -1):
        raise MigstatError(
            N_("Cell numbers must lie between -1 and {last}, and there may be at most {limit}."),
            last=count - 1,
            limit=MAX_CELLS,
        )
    rows = np.repeat(np.arange(n_records, dtype=np.int64), index.shape[1])
    flat = index.ravel()
    keep = flat >= 0
    return Membership(rows=rows[keep], cells=flat[keep], n_cells=count, n_records=n_records)


def cell_sums(m: Membership, values: np.ndarray) -> np.ndarray:
    """Sum a per-record vector over the cells: ``(n_cells,)``."""
    return np.bincount(m.cells, weights=values[m.rows], minlength=m.n_cells)


def cell_counts(m: Membership) -> np.ndarray:
    """The number of sample records in each cell (unweighted)."""
    return np.bincount(m.cells, minlength=m.n_cells)


def cell_matrix_sums(m: Membership, y: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """``D @ (y * matrix)`` for the cell x record indicator ``D``: an ``(n_cells, R)`` array.

    The pairs are sorted by cell once; each block of pairs is reduced with ``np.add.reduceat``
    over its runs of equal cells and added to the rows of those cells.
    """
    width = matrix.shape[1]
    out = np.zeros((m.n_cells, width))
    if not m.cells.size:
        return out
    order = np.argsort(m.cells, kind="stable")
    rows, cells = m.rows[order], m.cells[order]
    block = max(1, BLOCK_VALUES // max(width, 1))
    for start in range(0, cells.size, block):
        part_rows = rows[start : start + block]
        part_cells = cells[start : start + block]
        heads = np.flatnonzero(np.r_[True, part_cells[1:] != part_cells[:-1]])
        values = matrix[part_rows] * y[part_rows, None]
        out[part_cells[heads]] += np.add.reduceat(values, heads, axis=0)
    return out


def domains(*columns: np.ndarray) -> tuple[np.ndarray, list[tuple[object, ...]]]:
    """Number the distinct combinations of the given per-record columns (sorted), for one
    classification: the cell index of every record and the label of every cell."""
    if not columns:
        raise MigstatError(N_("A classification needs at least one variable."))
    codes = []
    uniques = []
    for column in columns:
        values, inverse = np.unique(np.asarray(column), return_inverse=True)
        uniques.append(values)
        codes.append(inverse.ravel())
    combined, index = np.unique(np.stack(codes, axis=1), axis=0, return_inverse=True)
    labels = [tuple(uniques[j][row[j]].item() for j in range(len(columns))) for row in combined]
    return index.ravel().astype(np.int64), labels
