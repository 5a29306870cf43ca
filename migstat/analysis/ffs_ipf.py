"""Iterative proportional fitting (IPF) for flows from stocks, vectorised with numpy.

Three shapes are needed and each gets the cheapest exact form:

- :func:`scale_to` fits one margin of a table (a single proportional step, exact at once);
- :func:`ipf2` fits both margins of a two-way table. It follows the rule of the R package
  ``mipfp`` (``Ipfp``) that migest's published tables were produced with: rows, then columns,
  in each iteration; a factor is 0 where the target or the current margin is 0; stop once no
  cell moved by ``tol`` or more in a whole iteration. Reproducing the published numbers to
  1e-6 needs exactly this order and stopping rule, not merely a converged fit;
- :func:`ipf_seeded` fits a separate two-way table for every place of birth k to row and
  column targets, starting from one origin-destination seed shared by all k. The fitted
  tables are ``a[i, k] * seed[i, j] * b[j, k]``, so only the factors ``a`` and ``b`` are
  iterated, with matrix products: memory n^2, not n^3.

Unlike ``mipfp``, which silently turns counts into proportions when the two target margins
have different sums, :func:`ipf2` refuses them (:class:`MarginMismatch`): the caller says
which input is at fault.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

DEFAULT_TOL = 1e-3
"""migest's tolerance on the largest change of a cell between two iterations."""
DEFAULT_MAX_ITER = 100_000


class MarginMismatch(ValueError):
    """The row and column targets of a two-way fit have different sums."""

    def __init__(self, rows: float, cols: float) -> None:
        super().__init__(f"row targets sum to {rows}, column targets to {cols}")
        self.rows = rows
        self.cols = cols


@dataclass(frozen=True, slots=True)
class Fit:
    """A fitted table and how the iteration ended."""

    table: np.ndarray
    iterations: int
    converged: bool


def factors(target: np.ndarray, current: np.ndarray) -> np.ndarray:
    """target / current, and 0 where either is 0 (a structural zero stays zero)."""
    out = np.zeros(np.broadcast(target, current).shape)
    np.divide(target, current, out=out, where=(current != 0) & (target != 0))
    return out


def scale_to(table: np.ndarray, target: np.ndarray, axis: int) -> np.ndarray:
    """``table`` with its sums along ``axis`` made equal to ``target`` (axis 1: row sums)."""
    current = table.sum(axis=axis)
    f = factors(np.asarray(target, dtype=float), current)
    return table * (f[:, None] if axis == 1 else f[None, :])


def ipf2(seed: np.ndarray, row_target: np.ndarray, col_target: np.ndarray, *,
         tol: float = DEFAULT_TOL, max_iter: int = DEFAULT_MAX_ITER,
         margin_tol: float = DEFAULT_TOL) -> Fit:
    """Fit ``seed`` to row and column targets, rows first, stopping as ``mipfp`` does."""
    rows = np.asarray(row_target, dtype=float)
    cols = np.asarray(col_target, dtype=float)
    if abs(rows.sum() - cols.sum()) > margin_tol:
        raise MarginMismatch(float(rows.sum()), float(cols.sum()))
    x = np.array(seed, dtype=float)
    for iteration in range(1, max_iter + 1):
        before = x
        x = x * factors(rows, x.sum(axis=1))[:, None]
        x = x * factors(cols, x.sum(axis=0))[None, :]
        if np.max(np.abs(x - before), initial=0.0) < tol:
            return Fit(x, iteration, True)
    return Fit(x, max_iter, False)


def ipf2_columns_first(seed: np.ndarray, row_target: np.ndarray, col_target: np.ndarray, *,
                       tol: float = 1e-5, max_iter: int = 500) -> Fit:
    """Fit ``seed`` to both margins the way migest's own ``ipf2`` does (used for deaths by the
    accounting method): columns first, then rows, stopping once the margins met before the
    last step are within ``tol``."""
    rows = np.asarray(row_target, dtype=float)
    cols = np.asarray(col_target, dtype=float)
    if round(float(rows.sum())) != round(float(cols.sum())):
        raise MarginMismatch(float(rows.sum()), float(cols.sum()))
    x = np.array(seed, dtype=float)
    for iteration in range(1, max_iter + 1):
        col_now = x.sum(axis=0)
        x = x * factors(cols, col_now)[None, :]
        row_now = x.sum(axis=1)
        x = x * factors(rows, row_now)[:, None]
        gap = max(np.max(np.abs(rows - row_now), initial=0.0),
                  np.max(np.abs(cols - col_now), initial=0.0))
        if gap <= tol:
            return Fit(x, iteration, True)
    return Fit(x, max_iter, False)


@dataclass(frozen=True, slots=True)
class SeededFit:
    """Factors of the fitted tables ``a[i, k] * seed[i, j] * b[j, k]``."""

    a: np.ndarray
    b: np.ndarray
    iterations: int
    converged: bool

    def table(self, seed: np.ndarray, k: int) -> np.ndarray:
        return self.a[:, k, None] * seed * self.b[None, :, k]

    def summed(self, seed: np.ndarray) -> np.ndarray:
        """The fitted tables summed over k: ``seed * (a @ b.T)``."""
        return seed * (self.a @ self.b.T)


def ipf_seeded(seed: np.ndarray, row_targets: np.ndarray, col_targets: np.ndarray, *,
               tol: float = DEFAULT_TOL, max_iter: int = DEFAULT_MAX_ITER) -> SeededFit:
    """Fit, for every column k of the targets, ``seed`` to rows ``row_targets[:, k]`` and
    columns ``col_targets[:, k]``; stop when every margin is within ``tol``.

    Rows first, then columns, as in :func:`ipf2`. The stopping rule is on the margins (the
    cells are never formed), which for a converging fit is the stricter of the two.
    """
    s = np.asarray(seed, dtype=float)
    r = np.asarray(row_targets, dtype=float)
    c = np.asarray(col_targets, dtype=float)
    b = np.ones_like(c)
    a = np.ones_like(r)
    for iteration in range(1, max_iter + 1):
        a = factors(r, s @ b)
        b = factors(c, s.T @ a)
        gap = np.max(np.abs(a * (s @ b) - r), initial=0.0)
        if gap < tol:
            return SeededFit(a, b, iteration, True)
    return SeededFit(a, b, max_iter, False)
