"""Which cells a certificate for one hidden cell may use: a small programme, always solvable.

A certificate (:func:`migstat.disclosure.lp.witness`) over every cell of a full questionnaire
table (250 partner countries x 4 sexes x 19 age groups) is a programme of 40,000 variables; it
needs few of them. The neighbourhood of a target cell is

- cells already hidden (free to move) or non-zero, whose code, in every *long* dimension
  (more than :data:`LONG` codes: the partner countries), is the target's, a total, or one of
  the :data:`LARGEST` codes with the largest sums (large cells make good complements: they
  can give up the width),
- and an inner cell under the target with every total above it, so that raising the target
  with its totals is always possible (the programme always has a solution).

Zero cells elsewhere could only rise with the target; leaving them out loses little. Any
perturbation found within the neighbourhood is a perturbation of the whole table, so the
restriction costs at most some optimality, never protection.
"""

from __future__ import annotations

import numpy as np

from migstat.disclosure.system import TableSystem

LONG = 24
"""A dimension with more codes than this is restricted (partner countries; not sex or age)."""
LARGEST = 4
"""How many of a long dimension's largest codes the neighbourhood keeps."""


class Neighbourhood:
    """The cells of one system by code, its relations by total and by part, built once."""

    def __init__(self, system: TableSystem, x: np.ndarray) -> None:
        self._long: list[tuple[np.ndarray, np.ndarray]] = []
        """Per long dimension: every cell's code index, and the codes kept for any target."""
        self.system = system
        self.x = np.nan_to_num(x)
        n = system.n_cells
        keys = [o.key for o in system.observations]
        width = len(keys[0]) if keys else 0
        base = np.zeros(system.n_columns, dtype=bool)
        base[:n] = self.x[:n] > 0
        for d in range(width):
            column = [key[d] for key in keys]
            distinct = list(dict.fromkeys(column))
            if len(distinct) <= LONG:
                continue
            index = {code: j for j, code in enumerate(distinct)}
            codes = np.fromiter((index[c] for c in column), dtype=np.int64, count=n)
            sizes = np.bincount(codes, weights=self.x[:n], minlength=len(distinct))
            totals = {index[code] for dim, code in system.rules if dim == d and code in index}
            keep = np.zeros(len(distinct), dtype=bool)
            keep[list(totals)] = True
            inner = [j for j in np.argsort(-sizes, kind="stable") if j not in totals]
            keep[inner[:LARGEST]] = True
            self._long.append((codes, keep))
        self.base = base
        csc = system.matrix.tocsc()
        self.parents: list[np.ndarray] = []
        for j in range(n):
            start, end = csc.indptr[j], csc.indptr[j + 1]
            rows = csc.indices[start:end][csc.data[start:end] < 0]
            self.parents.append(system.totals[rows])
        self.first_row: dict[int, int] = {}
        for row, total in enumerate(system.totals.tolist()):
            self.first_row.setdefault(total, row)

    def columns(self, t: int, hidden: np.ndarray) -> np.ndarray:
        """The columns a certificate for cell ``t`` may use."""
        n = self.system.n_cells
        use = self.base | hidden
        for codes, keep in self._long:
            allowed = keep.copy()
            allowed[codes[t]] = True
            use[:n] &= allowed[codes]
        stack = [self._leaf(t)]
        seen = set(stack)
        while stack:
            j = stack.pop()
            use[j] = True
            for p in self.parents[j].tolist():
                if p not in seen:
                    seen.add(p)
                    stack.append(p)
        return np.flatnonzero(use)

    def _leaf(self, t: int) -> int:
        """An inner cell under ``t``: from a total down to its largest part, until a cell that
        is no relation's total."""
        csr = self.system.matrix
        n = self.system.n_cells
        cur = t
        while (row := self.first_row.get(cur)) is not None:
            start, end = csr.indptr[row], csr.indptr[row + 1]
            cols = csr.indices[start:end]
            parts = cols[(csr.data[start:end] < 0) & (cols < n)]
            if not len(parts):
                break
            cur = int(parts[np.argmax(self.x[parts])])
        return cur
