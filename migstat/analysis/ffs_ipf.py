"""Iterative proportional fitting (IPF) for flows from stocks, vectorised with numpy.

Three shapes are needed and each gets the cheapest exact form:

- :func:`scale_to` fits one margin of a table (a single proportional step, exact at once);
- :func:`ipf2` fits both margins of a two-way table. It follows the rule of the R package
  ``mipfp`` (``Ipfp``) that migest's published tables were produced with: rows, then columns,
  in each iteration; a factor is 0 where the target or the current margin is 0; stop once no
  cell moved by ``tol`` or more in a whole iteration. Reproducing the published numbers to
  1e-6 needs exactly this order and stopping rule, not merely a converged fit;
- :func:`scale_newton` solves the same two-way fit to convergence in a few Newton steps, for
  large tables where the rule above takes thousands of iterations;
- :func:`ipf_seeded` fits a separate two-way table for every place of birth k to row and
  column targets, starting from one origin-destination seed shared by all k. The fitted
  tables are ``a[i, k] * seed[i, j] * b[j, k]``, so only the factors ``a`` and ``b`` are
  iterated, with matrix products: memory n^2, not n^3.

Unlike ``mipfp``, which silently turns counts into proportions when the two target margins
have different sums, :func:`ipf2` refuses them (:class:`MarginMismatch`): the caller says
which input is at fault.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np

DEFAULT_TOL = 1e-3
"""migest's tolerance on the largest change of a cell between two iterations."""
DEFAULT_MAX_ITER = 100_000


@cache
def _threadpools() -> Any:
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


def one_blas_thread() -> AbstractContextManager[Any]:
    """Run the enclosed numpy work on one BLAS thread. The fits are sequences of small dense
    products and solves; spread over threads on a machine whose cores are busy they run
    10-100 times slower, and a 500 x 500 product gains nothing from threads anyway."""
    return _threadpools().limit(limits=1, user_api="blas")


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


def ipf2(
    seed: np.ndarray,
    row_target: np.ndarray,
    col_target: np.ndarray,
    *,
    tol: float = DEFAULT_TOL,
    max_iter: int = DEFAULT_MAX_ITER,
    margin_tol: float = DEFAULT_TOL,
) -> Fit:
    """Fit ``seed`` to row and column targets, rows first, stopping as ``mipfp`` does: after
    the first iteration in which no cell moved by ``tol`` or more.

    The same iterates as the cell-by-cell procedure, computed in factor form: the table is
    always ``r[k] * seed[k, i] * c[i]``, so an iteration is two matrix-vector products. The
    largest change of a cell is bounded from below by a few watched cells (the diagonal, and
    every cell found largest before); only when that bound falls under ``tol`` is the whole
    table compared, which happens a handful of times per fit.
    """
    s = np.asarray(seed, dtype=float)
    rows = np.asarray(row_target, dtype=float)
    cols = np.asarray(col_target, dtype=float)
    if abs(rows.sum() - cols.sum()) > margin_tol:
        raise MarginMismatch(float(rows.sum()), float(cols.sum()))
    n, m = s.shape
    s_t = np.ascontiguousarray(s.T)
    r, c = np.ones(n), np.ones(m)
    watch_k = watch_i = np.arange(min(n, m))
    watched = s[watch_k, watch_i]
    # the watched cells' factor product of the previous iterate, kept rather than gathered
    # again: per iteration the fixed cost of numpy calls, not arithmetic, is what counts
    before = r[watch_k] * c[watch_i]
    row_now = s @ c
    zeros_n, zeros_m = np.zeros(n), np.zeros(m)
    for iteration in range(1, max_iter + 1):
        r_new = np.divide(rows, row_now, out=zeros_n.copy(), where=(r * row_now) > 0)
        col_now = s_t @ r_new
        c_new = np.divide(cols, col_now, out=zeros_m.copy(), where=(c * col_now) > 0)
        now = r_new[watch_k] * c_new[watch_i]
        diff = watched * np.abs(now - before)
        bound = diff.max() if diff.size else 0.0
        if bound < tol:
            change = s * np.abs(np.outer(r_new, c_new) - np.outer(r, c))
            largest = int(np.argmax(change)) if change.size else 0
            if not change.size or change.flat[largest] < tol:
                return Fit(r_new[:, None] * s * c_new[None, :], iteration, True)
            k, i = divmod(largest, m)
            watch_k, watch_i = np.append(watch_k, k), np.append(watch_i, i)
            watched = s[watch_k, watch_i]
            now = r_new[watch_k] * c_new[watch_i]
        r, c, before = r_new, c_new, now
        row_now = s @ c
    return Fit(r[:, None] * s * c[None, :], max_iter, False)


def scale_newton(
    seed: np.ndarray,
    row_target: np.ndarray,
    col_target: np.ndarray,
    *,
    tol: float = DEFAULT_TOL,
    max_iter: int = 200,
    margin_tol: float = DEFAULT_TOL,
) -> Fit:
    """The same fit as :func:`ipf2` (the table ``r[k] * seed[k, i] * c[i]`` whose margins are
    the targets) solved to convergence by Newton's method on the convex dual
    ``sum(table) - rows . log r - cols . log c``, with a backtracking line search.

    A handful of iterations, each one n x n linear solve, instead of the thousands of
    proportional steps IPF needs when the counts are large and the tolerance is in persons.
    The result is the limit IPF tends to,
    so it differs from :func:`ipf2`'s stopping point by at most that fit's own remaining
    error. Rows and columns with a zero target are zero.

    Stops when every margin is within ``tol / 1000`` (or 1e-11 of the largest margin, about
    the limit of floating-point sums over cells that span nine orders of magnitude); after 50
    steps it reports convergence if the margins are within ``tol``.
    """
    s = np.asarray(seed, dtype=float)
    rows = np.asarray(row_target, dtype=float)
    cols = np.asarray(col_target, dtype=float)
    if abs(rows.sum() - cols.sum()) > margin_tol:
        raise MarginMismatch(float(rows.sum()), float(cols.sum()))
    keep_r, keep_c = np.flatnonzero(rows > 0), np.flatnonzero(cols > 0)
    a = s[np.ix_(keep_r, keep_c)]
    big_r, big_c = rows[keep_r], cols[keep_c]
    out = np.zeros_like(s)
    if a.size == 0:
        return Fit(out, 0, True)
    if not ((a.sum(axis=1) > 0).all() and (a.sum(axis=0) > 0).all()):
        return Fit(out, 0, False)
    u = np.log(big_r / a.sum(axis=1))
    v = np.log(big_c / (a * np.exp(u)[:, None]).sum(axis=0))

    def table(u: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, float]:
        x = a * np.exp(u)[:, None] * np.exp(v)[None, :]
        return x, float(x.sum() - big_r @ u - big_c @ v)

    x, objective = table(u, v)
    # margins of a table with cells from 1 to 1e9 are not summed (nor solved for) more exactly
    # than about 1e-11 of their size
    enough = max(tol * 1e-3, 1e-11 * float(max(big_r.max(), big_c.max())))
    converged = False
    iteration = 0
    for iteration in range(1, min(max_iter, 50) + 1):  # noqa: B007 (the count is returned)
        x_rows, x_cols = x.sum(axis=1), x.sum(axis=0)
        gu, gv = x_rows - big_r, x_cols - big_c
        gap = max(np.abs(gu).max(), np.abs(gv).max())
        if gap < enough:
            converged = True
            break
        # Newton step; u eliminated (Schur complement), the last column fixes the gauge
        y = x / x_rows[:, None]
        system = np.diag(x_cols) - x.T @ y
        rhs = y.T @ gu - gv
        dv = np.zeros_like(v)
        scale = 1.0 / np.sqrt(np.abs(np.diag(system)[:-1]) + 1e-300)  # Jacobi scaling
        try:
            dv[:-1] = scale * np.linalg.solve(
                system[:-1, :-1] * scale[:, None] * scale[None, :], rhs[:-1] * scale
            )
        except np.linalg.LinAlgError:
            break
        du = (-gu - x @ dv) / x_rows
        slope = float(gu @ du + gv @ dv)
        step = 1.0
        while True:
            x_new, value = table(u + step * du, v + step * dv)
            # near the solution the objective's change is below its rounding: full steps
            if gap < tol or value <= objective + 1e-4 * step * slope or step < 1e-10:
                break
            step /= 2
        if step < 1e-10:  # no further progress in floating point
            break
        u, v, x, objective = u + step * du, v + step * dv, x_new, value
    else:
        gap = max(np.abs(x.sum(axis=1) - big_r).max(), np.abs(x.sum(axis=0) - big_c).max())
    converged = converged or gap < tol
    out[np.ix_(keep_r, keep_c)] = x
    return Fit(out, iteration, converged)


def ipf2_columns_first(
    seed: np.ndarray,
    row_target: np.ndarray,
    col_target: np.ndarray,
    *,
    tol: float = 1e-5,
    max_iter: int = 500,
) -> Fit:
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
        gap = max(
            np.max(np.abs(rows - row_now), initial=0.0), np.max(np.abs(cols - col_now), initial=0.0)
        )
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


def ipf_seeded(
    seed: np.ndarray,
    row_targets: np.ndarray,
    col_targets: np.ndarray,
    *,
    tol: float = DEFAULT_TOL,
    max_iter: int = DEFAULT_MAX_ITER,
) -> SeededFit:
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
