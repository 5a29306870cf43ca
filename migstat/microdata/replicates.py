"""Replicate-weight variances of totals and domain totals, as R ``survey``'s ``svrepdesign``.

The file carries the full-sample weight and ``R`` replicate weights per record (combined
weights: each already includes the sampling weight, R's ``combined.weights = TRUE``). For each
cell the ``R`` replicate totals ``T_r`` are one matrix product of the cell x record indicator
with the record x replicate matrix ``y * W``; then::

    v(T) = scale * sum_r rscales_r * (T_r - centre)^2

with ``centre`` the mean of the replicate totals (of those with ``rscales_r > 0``), or the
full-sample total when ``mse=True`` (R's ``mse`` / ``options(survey.replicates.mse)``).
``scale`` and ``rscales`` by ``method``, as ``svrepdesign(type = ...)`` sets them:

=========================  ========================  ===================  ===================
method (R ``type=``)       ``scale``                 ``rscales``          notes
=========================  ========================  ===================  ===================
``successive-difference``  ``4 / R``                 1                    Fay & Train (1995)
``JK1``                    ``(R - 1) / R`` unless    1 unless given       delete-one-PSU
                           given
``JKn``                    1 unless given            required:            stratified jackknife
                                                     ``(n_h - 1) / n_h``
``bootstrap``              ``1 / (R - 1)`` unless    1 unless given       e.g. Rao-Wu rescaled
                           given
``BRR``                    ``1 / R``                 1                    balanced half-samples
``Fay``                    ``1 / (R (1 - rho)^2)``   1                    ``rho`` required
``other``                  required                  1 unless given
=========================  ========================  ===================  ===================
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from migstat.i18n import N_
from migstat.microdata.cells import cell_counts, cell_matrix_sums, cell_sums, membership
from migstat.microdata.estimates import Estimates, check_level, check_values, check_weights
from migstat.model import MigstatError

METHODS = ("successive-difference", "JK1", "JKn", "bootstrap", "BRR", "Fay", "other")
# Methods whose scale and rscales are fixed by the method (R ignores any given with a warning).
_FIXED = ("successive-difference", "BRR", "Fay")
MAX_REPLICATES = 10_000
# Cells x replicates held at once (800 MB of float64): a bound on the table times the weights.
MAX_CELL_REPLICATES = 100_000_000


@dataclass(frozen=True)
class ReplicateDesign:
    """Full-sample ``weights`` (n,), combined ``replicate_weights`` (n, R) and the method;
    ``rho`` is Fay's coefficient, ``scale``/``rscales`` override the method's defaults where R
    allows it, and ``mse`` centres the replicates on the full-sample estimate."""

    weights: np.ndarray
    replicate_weights: np.ndarray
    method: str
    rho: float | None = None
    scale: float | None = None
    rscales: np.ndarray | None = None
    mse: bool = False


def _replicate_matrix(design: ReplicateDesign, n_records: int) -> np.ndarray:
    matrix = np.asarray(design.replicate_weights, dtype=float)
    if matrix.ndim != 2 or matrix.shape[0] != n_records or matrix.shape[1] < 2:
        raise MigstatError(
            N_(
                "The replicate weights must be a table of {records} records by at least two "
                "replicates; got the shape {shape}."
            ),
            records=n_records,
            shape=str(matrix.shape),
        )
    if matrix.shape[1] > MAX_REPLICATES:
        raise MigstatError(
            N_("There are {found} replicate weights; at most {limit} are supported."),
            found=matrix.shape[1],
            limit=MAX_REPLICATES,
        )
    total = np.sum(matrix)  # cheap test first: any NaN or infinity makes the sum not finite
    bad = np.argwhere(~np.isfinite(matrix)) if not np.isfinite(total) else np.empty((0, 2))
    if bad.size:
        raise MigstatError(
            N_("Record {row}: replicate weight {replicate} is missing or not a number."),
            row=int(bad[0][0]) + 1,
            replicate=int(bad[0][1]) + 1,
        )
    return matrix


def _fixed_method(design: ReplicateDesign, r: int) -> float:
    if design.scale is not None or design.rscales is not None:
        raise MigstatError(
            N_("The {method} method fixes scale and rscales; do not give them."),
            method=design.method,
        )
    if design.method == "successive-difference":
        return 4.0 / r
    if design.method == "BRR":
        return 1.0 / r
    rho = design.rho
    if rho is None or not 0 <= rho < 1:
        raise MigstatError(N_("Fay's method needs its coefficient rho, at least 0 and below 1."))
    return 1.0 / (r * (1.0 - rho) ** 2)


def _rscales(design: ReplicateDesign, r: int) -> np.ndarray:
    if design.rscales is None:
        if design.method == "JKn":
            raise MigstatError(
                N_(
                    "The JKn method needs rscales, (n_h - 1) / n_h for each replicate's "
                    "stratum h with n_h PSUs."
                )
            )
        return np.ones(r)
    rscales = np.broadcast_to(np.asarray(design.rscales, dtype=float), (r,)).copy()
    if not np.all(np.isfinite(rscales) & (rscales >= 0)):
        raise MigstatError(N_("rscales must be numbers of 0 or more, one per replicate."))
    return rscales


def scales(design: ReplicateDesign, r: int) -> tuple[float, np.ndarray]:
    """``(scale, rscales)`` of the design's method for ``r`` replicates, as R sets them."""
    if design.method not in METHODS:
        raise MigstatError(
            N_("Unknown replicate method {method}; use one of {methods}."),
            method=design.method,
            methods=", ".join(METHODS),
        )
    if design.method in _FIXED:
        return _fixed_method(design, r), np.ones(r)
    rscales = _rscales(design, r)
    defaults = {"JK1": (r - 1) / r, "JKn": 1.0, "bootstrap": 1.0 / (r - 1)}
    if design.scale is None and design.method == "other":
        raise MigstatError(N_("The 'other' replicate method needs its scale."))
    scale = design.scale if design.scale is not None else defaults[design.method]
    if not (np.isfinite(scale) and scale > 0):
        raise MigstatError(
            N_("The replicate scale must be a positive number; got {scale}."), scale=scale
        )
    return float(scale), rscales


def replicate_variances(
    replicate_totals: np.ndarray, totals: np.ndarray, scale: float, rscales: np.ndarray, mse: bool
) -> np.ndarray:
    """``scale * sum_r rscales_r (T_r - centre)^2`` for every row (cell) of the totals."""
    centre = totals if mse else replicate_totals[:, rscales > 0].mean(axis=1)
    return ((replicate_totals - centre[:, None]) ** 2 @ rscales) * scale


def replicate_totals(
    design: ReplicateDesign,
    cells: np.ndarray,
    y: np.ndarray | None = None,
    *,
    n_cells: int | None = None,
    level: float = 0.95,
) -> Estimates:
    """Totals of ``y`` (persons when ``None``) over every cell with replicate standard errors:
    R's ``svyby(~y, ~cell, svrepdesign(...), svytotal)`` for each classification at once."""
    w = check_weights(design.weights, None)
    values = check_values(y, w.size)
    matrix = _replicate_matrix(design, w.size)
    scale, rscales = scales(design, matrix.shape[1])
    m = membership(cells, w.size, n_cells)
    if m.n_cells * matrix.shape[1] > MAX_CELL_REPLICATES:
        raise MigstatError(
            N_(
                "{cells} cells times {replicates} replicate weights is more than {limit} "
                "estimates at once; estimate the tables in smaller groups."
            ),
            cells=m.n_cells,
            replicates=matrix.shape[1],
            limit=MAX_CELL_REPLICATES,
        )
    totals = cell_sums(m, w * values)
    variance = replicate_variances(
        cell_matrix_sums(m, None if y is None else values, matrix),
        totals,
        scale,
        rscales,
        design.mse,
    )
    return Estimates(
        total=totals,
        se=np.sqrt(np.maximum(variance, 0.0)),
        records=cell_counts(m),
        level=check_level(level),
    )
