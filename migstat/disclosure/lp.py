"""The linear programmes of disclosure control, solved by HiGHS through SciPy.

Three questions, all over a :class:`~migstat.disclosure.system.TableSystem` ``A x = 0, x >= 0``:

- :func:`witness`: a *perturbation* ``y`` with ``A y = 0`` that moves a target cell up by its
  protection width while keeping every cell non-negative (``y >= -x``), using published cells
  as little as possible (each costs its weight per unit). Every cell it touches, once hidden,
  leaves the target's value free over ``[x_t, x_t + width]``: the attacker cannot tell the true
  table from ``x + y``. This is the separation step of Fischetti and Salazar-González (1999)
  and Castro's (2007) heuristic in LP form.
- :func:`bounds`: the attacker's lowest and highest value of each hidden cell, given the values
  of the published cells.
- :func:`impute`: values for hidden cells whose value nobody sent (``x``, confidential), the
  point of the feasible set that keeps them as far from zero as it can: the protection then
  starts from a table that adds up.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse
from scipy.optimize import linprog

EPS = 1e-7
"""Perturbations smaller than this are rounding noise of the solver, not a cell to hide."""
SUPPRESSED_COST = 1e-4
"""Per-unit cost of moving a cell that is already hidden: nearly free, but the solver still
prefers short perturbations (fewer cells touched, the same protection)."""


class SolverError(RuntimeError):
    """HiGHS did not solve a programme that always has a solution (a defect, not bad input)."""


def _rows_used(a: sparse.csc_matrix) -> sparse.csr_matrix:
    """``a`` without its empty rows."""
    csr = a.tocsr()
    keep = np.flatnonzero(np.diff(csr.indptr))
    return csr[keep]


def witness(
    a: sparse.csc_matrix,
    x: np.ndarray,
    columns: np.ndarray,
    hidden: np.ndarray,
    weight: np.ndarray,
    target: int,
    width: float,
) -> tuple[np.ndarray, np.ndarray] | None:
    """The cheapest perturbation raising ``target`` by ``width`` over ``columns`` (indices into
    the system's columns, ``target`` among them): ``(columns touched, |y| on them)``, or
    ``None`` when no perturbation over these columns exists.

    Hidden columns cost :data:`SUPPRESSED_COST` per unit, the others ``weight / width``.
    """
    sub = _rows_used(a[:, columns])
    n = len(columns)
    upper_down = np.nan_to_num(x[columns], nan=np.inf)
    # A published cell costs its weight when it moves by the full width, or, going down, by
    # all it has: a cell of 1 cannot take 3 units off a total, and three such cells cost
    # three weights, not one (the relaxation stays close to the count of cells touched).
    up = weight[columns] / width
    down = weight[columns] / np.clip(upper_down, EPS, width)
    free = hidden[columns]
    cost = np.concatenate(
        [np.where(free, SUPPRESSED_COST, up), np.where(free, SUPPRESSED_COST, down)]
    )
    lower = np.zeros(2 * n)
    upper = np.concatenate([np.full(n, np.inf), upper_down])
    t = int(np.flatnonzero(columns == target)[0])
    lower[t] = upper[t] = width
    upper[n + t] = 0.0
    a_eq = sparse.hstack([sub, -sub], format="csr")
    result = linprog(
        cost,
        A_eq=a_eq,
        b_eq=np.zeros(a_eq.shape[0]),
        bounds=np.column_stack([lower, upper]),
        method="highs",
    )
    if result.status == 2:  # infeasible over these columns
        return None
    if result.status != 0:
        raise SolverError(result.message)
    y = result.x[:n] - result.x[n:]
    moved = np.abs(y) > EPS
    return columns[moved], np.abs(y[moved])


def bounds(a: sparse.csr_matrix, known: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The attacker's interval of every unknown column (``~known``), component by component:
    ``(lower, upper)`` arrays over the system's columns (NaN for known columns, ``inf`` for an
    unbounded upper end)."""
    lower = np.full(a.shape[1], np.nan)
    upper = np.full(a.shape[1], np.nan)
    unknown = np.flatnonzero(~known)
    if not len(unknown):
        return lower, upper
    a = a.tocsc()
    b = -(a[:, known] @ x[known])
    u = a[:, unknown].tocsr()
    rows = np.flatnonzero(np.diff(u.indptr))
    u, b = u[rows], b[rows]
    # Unknowns that share a relation are one component; each is solved on its own.
    link = (u.T @ u).tocsr()
    n_comp, label = sparse.csgraph.connected_components(link, directed=False)
    for comp in range(n_comp):
        members = np.flatnonzero(label == comp)
        sub = u[:, members].tocsr()
        keep = np.flatnonzero(np.diff(sub.indptr))
        low, high = _component_bounds(sub[keep], b[keep])
        lower[unknown[members]] = low
        upper[unknown[members]] = high
    return lower, upper


def _trivial_upper(a: sparse.csr_matrix, b: np.ndarray) -> np.ndarray:
    """Upper bounds read off single relations: where every unknown of a row has the same sign,
    none exceeds the row's right-hand side (all unknowns are non-negative)."""
    bound = np.full(a.shape[1], np.inf)
    for r in range(a.shape[0]):
        start, end = a.indptr[r], a.indptr[r + 1]
        coef = a.data[start:end]
        if (coef > 0).all() or (coef < 0).all():
            cols = a.indices[start:end]
            rhs = b[r] / coef
            np.minimum.at(bound, cols, rhs)
    return bound


def _component_bounds(a: sparse.csr_matrix, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``min`` and ``max`` of every variable of one component, ``a x = b``, ``x >= 0``.

    Every solution found is a point of the feasible set: a variable it puts at zero has
    minimum zero, and one it puts at its trivial upper bound has that maximum, so most
    variables need fewer than their two programmes."""
    n = a.shape[1]
    low = np.full(n, np.nan)
    high = np.full(n, np.nan)
    if a.shape[0] == 0:
        return np.zeros(n), np.full(n, np.inf)
    cap = _trivial_upper(a, b)

    def learn(point: np.ndarray | None) -> None:
        if point is None:
            return
        low[np.isnan(low) & (point <= EPS)] = 0.0
        reached = np.isnan(high) & np.isfinite(cap) & (point >= cap - EPS)
        high[reached] = cap[reached]

    for k in range(n):
        c = np.zeros(n)
        if np.isnan(low[k]):
            c[k] = 1.0
            low[k], point = _extreme(c, a, b)
            learn(point)
        if np.isnan(high[k]):
            c[k] = -1.0
            value, point = _extreme(c, a, b)
            high[k] = -value
            learn(point)
    return low, high


def _extreme(
    c: np.ndarray, a_eq: sparse.csr_matrix, b_eq: np.ndarray
) -> tuple[float, np.ndarray | None]:
    """The optimum of ``c @ x`` and a solution (``-inf`` and ``None`` when unbounded)."""
    result = linprog(c, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
    if result.status == 3:  # unbounded: the cell can be as large as one likes
        return -np.inf, None
    if result.status != 0:
        raise SolverError(result.message)
    return float(result.fun), result.x


def impute(a: sparse.csr_matrix, x: np.ndarray) -> np.ndarray:
    """``x`` with its NaN columns filled so that ``a @ x = 0``, ``x >= 0``, maximising the
    smallest filled value (capped at the largest known value). Raises :class:`SolverError`
    when the known values admit no such completion."""
    unknown = np.isnan(x)
    if not unknown.any():
        return x
    known = ~unknown
    a = a.tocsc()
    b = -(a[:, known] @ x[known])
    u = a[:, unknown]
    m = int(unknown.sum())
    cap = float(np.nanmax(x)) if known.any() else 1.0
    # Variables: the unknowns, then t; maximise t with every unknown >= t.
    c = np.zeros(m + 1)
    c[-1] = -1.0
    a_eq = sparse.hstack([u, sparse.csc_matrix((u.shape[0], 1))], format="csr")
    a_ub = sparse.hstack([-sparse.identity(m), np.ones((m, 1))], format="csr")
    result = linprog(
        c,
        A_ub=a_ub,
        b_ub=np.zeros(m),
        A_eq=a_eq,
        b_eq=b,
        bounds=[(0, None)] * m + [(0, max(cap, 1.0))],
        method="highs",
    )
    if result.status != 0:
        raise SolverError(result.message)
    filled = x.copy()
    filled[unknown] = result.x[:m]
    return filled
