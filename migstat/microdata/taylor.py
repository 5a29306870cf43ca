"""Taylor-linearised variances of totals and domain totals for stratified cluster designs.

The design is R ``survey``'s ``svydesign(ids = ~psu, strata = ~stratum, weights = ~w,
nest = TRUE)``, optionally with ``fpc = ~fpc``: primary sampling units (PSUs) drawn with
replacement within strata (the "ultimate cluster" approximation; later stages are not needed
for it). For a total of ``z_i = w_i y_i`` over a domain ``d``, with ``t_hi`` the domain's sum in
PSU ``i`` of stratum ``h`` (zero where the PSU has no domain record), ``n_h`` the PSUs of the
stratum and ``f_h = 1 - n_h / N_h`` (1 without ``fpc``)::

    v(T_d) = sum_h f_h n_h / (n_h - 1) * sum_i (t_hi - mean_h t)^2

All cells are computed at once: the (cell, PSU) sums come from one ``bincount`` over the sorted
pairs, the stratum means from another, and the PSUs a cell misses enter through their count.

A stratum with one PSU (``lonely_psu``, R's ``options(survey.lonely.psu = ...)``):
``"fail"`` (R's default) stops; ``"remove"`` and ``"certainty"`` give it no variance;
``"adjust"`` centres its PSU total at zero instead of at the stratum mean (``f_h t^2``, what
R 4.x computes); ``"average"`` gives each cell the mean variance of its other strata (the sum
times the cell's strata over its strata with more than one PSU). R's
``survey.adjust.domain.lonely`` stays at its default ``FALSE``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from migstat.i18n import N_
from migstat.microdata.cells import Membership, cell_counts, cell_sums, membership
from migstat.microdata.estimates import (
    FPC_MESSAGES,
    Estimates,
    check_level,
    check_values,
    check_weights,
)
from migstat.model import MigstatError

LONELY_PSU = ("fail", "remove", "certainty", "adjust", "average")


@dataclass(frozen=True)
class TaylorDesign:
    """A stratified cluster sample: one value per record of ``weights`` (the sampling
    weights), ``strata`` (``None``: one stratum), ``clusters`` (the PSU within its stratum;
    ``None``: every record its own PSU) and ``fpc`` (the stratum's population number of PSUs,
    or its sampling fraction when every value is at most 1, as R reads ``fpc``)."""

    weights: np.ndarray
    strata: np.ndarray | None = None
    clusters: np.ndarray | None = None
    fpc: np.ndarray | None = None
    lonely_psu: str = "fail"


@dataclass(frozen=True)
class _Structure:
    """The design's PSUs: the PSU of every record, the stratum of every PSU, per stratum its
    PSU count, variance factor ``f_h n_h / (n_h - 1)`` and whether it is lonely (one PSU out
    of several in the population, so its variance is unknown)."""

    psu: np.ndarray
    psu_stratum: np.ndarray
    n_psu: np.ndarray
    factor: np.ndarray
    lonely: np.ndarray
    labels: np.ndarray


_LENGTH = {
    "strata": N_("The strata have {found} values but the design has {records} records."),
    "clusters": N_("The clusters have {found} values but the design has {records} records."),
}


def _codes(values: np.ndarray | None, n: int, role: str) -> tuple[np.ndarray, np.ndarray]:
    if values is None:
        return np.zeros(n, dtype=np.int64), np.array([0])
    array = np.asarray(values)
    if array.shape != (n,):
        raise MigstatError(_LENGTH[role], found=array.size, records=n)
    labels, inverse = np.unique(array, return_inverse=True)
    return inverse.ravel().astype(np.int64), labels


def _finite_population(design: TaylorDesign, stratum: np.ndarray, n_psu: np.ndarray):
    """``f_h = 1 - n_h / N_h`` per stratum (ones without an fpc), checked as R checks it."""
    if design.fpc is None:
        return np.ones(n_psu.size)
    fpc = check_weights(design.fpc, stratum.size, FPC_MESSAGES)
    per_stratum = np.full(n_psu.size, np.nan)
    per_stratum[stratum] = fpc
    if np.any(per_stratum[stratum] != fpc):
        raise MigstatError(
            N_("The finite population correction must be the same within a stratum.")
        )
    population = n_psu / per_stratum if np.all(fpc <= 1) else per_stratum
    if np.any(population < n_psu):
        raise MigstatError(
            N_("The finite population correction implies more than 100% sampling in a stratum.")
        )
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(np.isinf(population), 1.0, (population - n_psu) / population)


def _structure(design: TaylorDesign) -> _Structure:
    weights = np.asarray(design.weights)
    n = weights.size
    stratum, labels = _codes(design.strata, n, "strata")
    cluster, _ = _codes(design.clusters, n, "clusters")
    if design.clusters is None:
        cluster = np.arange(n, dtype=np.int64)
    keys = stratum * (int(cluster.max(initial=0)) + 1) + cluster
    _, psu = np.unique(keys, return_inverse=True)
    psu = psu.ravel().astype(np.int64)
    psu_stratum = np.zeros(int(psu.max(initial=-1)) + 1, dtype=np.int64)
    psu_stratum[psu] = stratum
    n_psu = np.bincount(psu_stratum, minlength=labels.size).astype(float)
    f = _finite_population(design, stratum, n_psu)
    single = n_psu == 1
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(single, f, f * n_psu / (n_psu - 1))
    enumerated = f < 1e-7  # every PSU taken: no sampling variance, lonely or not (as R)
    factor[enumerated] = 0.0
    lonely = single & ~enumerated
    return _Structure(psu, psu_stratum, n_psu, factor, lonely, labels)


def _check_lonely(design: TaylorDesign, s: _Structure) -> None:
    if design.lonely_psu not in LONELY_PSU:
        raise MigstatError(
            N_("Unknown lonely-PSU rule {rule}; use one of {rules}."),
            rule=design.lonely_psu,
            rules=", ".join(LONELY_PSU),
        )
    if design.lonely_psu == "fail" and s.lonely.any():
        raise MigstatError(
            N_(
                "Stratum {stratum} has only one PSU, so its variance cannot be estimated; "
                "merge it with a similar stratum or choose a lonely-PSU rule (remove, "
                "certainty, adjust or average)."
            ),
            stratum=s.labels[np.flatnonzero(s.lonely)[0]].item(),
        )


def _cell_variances(m: Membership, z: np.ndarray, s: _Structure, rule: str) -> np.ndarray:
    """The variance of every cell total of ``z`` (already weighted), all cells at once."""
    n_units, n_strata = s.psu_stratum.size, s.n_psu.size
    pair_keys, pair = np.unique(m.cells * n_units + s.psu[m.rows], return_inverse=True)
    t = np.bincount(pair.ravel(), weights=z[m.rows])
    stratum = s.psu_stratum[pair_keys % n_units]
    group_keys, group = np.unique((pair_keys // n_units) * n_strata + stratum, return_inverse=True)
    group = group.ravel()
    cell, h = group_keys // n_strata, group_keys % n_strata
    present = np.bincount(group)
    mean = np.bincount(group, weights=t) / s.n_psu[h]
    if rule == "adjust":
        mean[s.lonely[h]] = 0.0
    squares = np.bincount(group, weights=(t - mean[group]) ** 2)
    squares += (s.n_psu[h] - present) * mean**2
    variance = np.bincount(cell, weights=squares * s.factor[h], minlength=m.n_cells)
    if rule == "average":
        strata = np.bincount(cell, minlength=m.n_cells).astype(float)
        kept = np.bincount(cell, weights=~s.lonely[h], minlength=m.n_cells)
        with np.errstate(divide="ignore", invalid="ignore"):
            variance = np.where(strata > 0, variance * strata / kept, 0.0)
    return variance


def taylor_totals(
    design: TaylorDesign,
    cells: np.ndarray,
    y: np.ndarray | None = None,
    *,
    n_cells: int | None = None,
    level: float = 0.95,
) -> Estimates:
    """Totals of ``y`` (persons when ``None``) over every cell, with linearised standard
    errors: R's ``svyby(~y, ~cell, design, svytotal)`` for each classification at once."""
    w = check_weights(design.weights, None)
    z = w * check_values(y, w.size)
    m = membership(cells, w.size, n_cells)
    s = _structure(design)
    _check_lonely(design, s)
    variance = _cell_variances(m, z, s, design.lonely_psu)
    return Estimates(
        total=cell_sums(m, z),
        se=np.sqrt(np.maximum(variance, 0.0)),
        records=cell_counts(m),
        level=check_level(level),
    )


def degrees_of_freedom(design: TaylorDesign) -> int:
    """PSUs minus strata among the records of non-zero weight (R's ``degf()``)."""
    w = np.asarray(design.weights, dtype=float)
    s = _structure(design)
    used = np.unique(s.psu[w != 0])
    return int(used.size - np.unique(s.psu_stratum[used]).size)
