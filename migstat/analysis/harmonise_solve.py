"""The numbers behind the correction factors of :mod:`migstat.analysis.harmonise`.

The weighted least-squares solve, batched over bootstrap replicates (normal equations from
per-corridor sums, the anchor's factors held fixed, unidentified factors left NaN), the
percentile intervals of the replicates, and the diagnostics of a fit: the log ratios still
separating the two sides of each corridor-year and the corridor-years explained worst.
Pure numpy on arrays, so :func:`~migstat.analysis.harmonise.estimate_factors` keeps only the
choice of corridors, weights and anchors.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np


def connected_components(n_params: int, edges_a: np.ndarray, edges_b: np.ndarray) -> np.ndarray:
    """Connected component label of each parameter node (union-find over the corridors)."""
    parent = list(range(n_params))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in zip(edges_a.tolist(), edges_b.tolist(), strict=True):
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[ra] = rb
    return np.array([find(x) for x in range(n_params)])


def normal_equations(
    space: str, n: int, s1: np.ndarray, s2: np.ndarray, s3: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Batched ``Q (B, 2N, 2N)`` and ``c (B, 2N)`` from per-corridor sums ``(B, N, N)``.

    Log space: ``s1 = Σw``, ``s2 = Σw·y``; level space: ``s1 = Σw·E²``, ``s2 = Σw·I²``,
    ``s3 = Σw·E·I``. Parameters: the N emigration (sender) terms, then the N immigration
    (receiver) terms.
    """
    b = s1.shape[0]
    q = np.zeros((b, 2 * n, 2 * n))
    c = np.zeros((b, 2 * n))
    diag = np.arange(n)
    if space == "log":
        q[:, diag, diag] = s1.sum(axis=2)
        q[:, n + diag, n + diag] = s1.sum(axis=1)
        q[:, :n, n:] = -s1
        c[:, :n] = s2.sum(axis=2)
        c[:, n:] = -s2.sum(axis=1)
    else:
        q[:, diag, diag] = s1.sum(axis=2)
        q[:, n + diag, n + diag] = s2.sum(axis=1)
        q[:, :n, n:] = -s3
    q[:, n:, :n] = np.swapaxes(q[:, :n, n:], 1, 2)
    return q, c


def solve_anchored(
    q: np.ndarray, c: np.ndarray, fixed: np.ndarray, fixed_value: float, active: np.ndarray
) -> np.ndarray:
    """Solve every replicate with the ``fixed`` parameters held at ``fixed_value``.

    ``active`` marks parameters to estimate (identified, not fixed); a parameter whose
    replicate lost all its corridors (zero diagonal) comes back NaN for that replicate.
    """
    b, p = c.shape
    theta = np.full((b, p), np.nan)
    theta[:, fixed] = fixed_value
    free = np.flatnonzero(active)
    if free.size == 0:
        return theta
    fixed_idx = np.flatnonzero(fixed)
    qff = q[:, free][:, :, free].copy()
    rhs = c[:, free] - q[:, free][:, :, fixed_idx] @ np.full(fixed_idx.size, fixed_value)
    empty = np.diagonal(qff, axis1=1, axis2=2) <= 0
    if empty.any():
        bb, kk = np.nonzero(empty)
        qff[bb, :, kk] = 0.0
        qff[bb, kk, :] = 0.0
        qff[bb, kk, kk] = 1.0
        rhs[bb, kk] = 0.0
    try:
        sol = np.linalg.solve(qff, rhs[:, :, None])[:, :, 0]
    except np.linalg.LinAlgError:
        sol = np.einsum("bij,bj->bi", np.linalg.pinv(qff), rhs)
    sol[empty] = np.nan
    theta[:, free] = sol
    return theta


def percentile_interval(draws: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Percentile interval of bootstrap ``draws`` along the first axis (NaN where no draw)."""
    alpha = (1 - level) / 2
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns: unidentified
        return (np.nanquantile(draws, alpha, axis=0), np.nanquantile(draws, 1 - alpha, axis=0))


def safe_log(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.log(a / b)
    return np.where(np.isfinite(out), out, np.nan)


def log_residuals(
    theta: np.ndarray,
    o: np.ndarray,
    d: np.ndarray,
    ev: np.ndarray,
    iv: np.ndarray,
    n: int,
    space: str,
) -> np.ndarray:
    """ln(r_d·I) - ln(s_o·E) per corridor-year: what still separates the two sides."""
    if space == "log":
        return np.log(iv / ev) - theta[o] + theta[n + d]
    with np.errstate(all="ignore"):
        return safe_log(theta[n + d] * iv, theta[o] * ev)


def rms(values: np.ndarray) -> float | None:
    values = values[np.isfinite(values)]
    return round(float(np.sqrt(np.mean(values**2))), 4) if values.size else None


def discordant(
    resid: np.ndarray,
    o: np.ndarray,
    d: np.ndarray,
    countries: list[str],
    years: list[int],
    ok: np.ndarray,
    keep: np.ndarray,
    top: int = 10,
) -> list[dict[str, Any]]:
    """The corridor-years the factors explain worst (largest remaining log ratio)."""
    yy = np.nonzero(ok)[0][keep]
    order = np.argsort(-np.nan_to_num(np.abs(resid), nan=-1.0))[:top]
    return [
        {
            "year": years[yy[k]],
            "origin": countries[o[k]],
            "destination": countries[d[k]],
            "log_ratio_after": round(float(resid[k]), 4),
        }
        for k in order
        if np.isfinite(resid[k])
    ]
