"""Which records fall in which cell, and weighted sums over cells without a loop per cell.

A table's cells (with its totals and subtotals) are numbered ``0 .. n_cells-1``. Every record
belongs to at most one cell of each *classification* (a grouping set: the detailed cells, a
margin, the grand total), so membership is an ``(n_records, k)`` integer array with ``-1``
where a record is outside every cell of that classification. The sums over cells are segment
sums: the product of the sparse cell x record indicator matrix with a record x replicate
matrix, as ``bincount`` over blocks of records so memory stays bounded.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from migstat.i18n import N_
from migstat.model import MigstatError

# Bounds on what one call handles: more cells than this is not a table anyone publishes.
MAX_CELLS = 10_000_000
# Records x replicates summed per block of the segment sums (about 64 MB of float64).
BLOCK_VALUES = 8_000_000


@dataclass(frozen=True)
class Membership:
    """The (record, cell) pairs of a table: ``rows[j]`` is in cell ``cells[j]``; ``index`` is
    the checked ``(n_records, k)`` cell number of every record in every classification."""

    rows: np.ndarray
    cells: np.ndarray
    n_cells: int
    n_records: int
    index: np.ndarray


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
    return Membership(rows[keep], flat[keep], count, n_records, index)


def cell_sums(m: Membership, values: np.ndarray) -> np.ndarray:
    """Sum a per-record vector over the cells: ``(n_cells,)``."""
    return np.bincount(m.cells, weights=values[m.rows], minlength=m.n_cells)


def cell_counts(m: Membership) -> np.ndarray:
    """The number of sample records in each cell (unweighted)."""
    return np.bincount(m.cells, minlength=m.n_cells)


def _segment_sums(
    keys: np.ndarray, y: np.ndarray | None, matrix: np.ndarray, n_keys: int
) -> np.ndarray:
    """``out[g] = sum of y_i * matrix[i] over the rows i with keys[i] == g`` (``y`` = 1 when
    ``None``): one ``bincount`` per block of rows over the flattened (key, column) index, which
    reads the matrix in its own order and accumulates in an array the size of the result."""
    width = matrix.shape[1]
    out = np.zeros(n_keys * width)
    columns = np.arange(width, dtype=np.int64)
    block = max(1, BLOCK_VALUES // max(width, 1))
    for start in range(0, keys.size, block):
        part = matrix[start : start + block]
        if y is not None:
            part = part * y[start : start + block, None]
        flat = (keys[start : start + block, None] * width + columns).ravel()
        out += np.bincount(flat, weights=part.ravel(), minlength=out.size)
    return out.reshape(n_keys, width)


def _record_groups(index: np.ndarray, n_cells: int) -> tuple[np.ndarray, np.ndarray]:
    """Records in exactly the same cells of every classification form a group: the group of
    every record and one record of each group."""
    radix = n_cells + 1
    if radix ** index.shape[1] < 2**62:
        key = (index + 1) @ (radix ** np.arange(index.shape[1], dtype=np.int64))
    else:
        _, key = np.unique(index, axis=0, return_inverse=True)
    _, first, group = np.unique(key.ravel(), return_index=True, return_inverse=True)
    return group.ravel(), first


def cell_matrix_sums(m: Membership, y: np.ndarray | None, matrix: np.ndarray) -> np.ndarray:
    """``D @ (y * matrix)`` for the cell x record indicator ``D``: an ``(n_cells, R)`` array.

    The records are first summed within groups of identical cell membership (one pass over
    the record x replicate matrix however many classifications the table has: a table's
    margins are made of its detailed cells), then the few group rows into the cells.
    """
    group, first = _record_groups(m.index, m.n_cells)
    group_sums = _segment_sums(group, y, matrix, first.size)
    members = m.index[first]
    pairs = members.ravel()
    inside = pairs >= 0
    rows = np.repeat(np.arange(first.size), members.shape[1])[inside]
    return _segment_sums(pairs[inside], None, group_sums[rows], m.n_cells)


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
