"""Summary indices of a migration system: net migration, turnover, rates, intensity, impact,
connectivity and spatial focusing (the Gini family), distance and age profile.

The definitions are those of Bell et al. (2002, JRSS-A 165:435), Plane & Mulligan (1997,
Demography 34:251), Rogers & Sweeney (1998), Bell & Muhidin (2009) and Bernard, Bell &
Charles-Edwards (2014), as computed by the R packages migest (``index_*``) and
migration.indices; each function says where it follows a package's particular choice. The
formulas, with what each index assumes, are in ``docs/methods/indices.md``.

``M`` is an origin x destination matrix of flows (rows = origins), its diagonal ignored
(people who did not move between areas). Everything is vectorised with numpy; the pairwise
sums of the Gini indices use the sorted-values identity instead of n^4 comparisons.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

import numpy as np

from migstat.i18n import N_
from migstat.model import MigstatError


def _flows(m: np.ndarray) -> np.ndarray:
    """A float copy of a square flow matrix with its diagonal set to zero."""
    out = np.array(m, dtype=float)
    if out.ndim != 2 or out.shape[0] != out.shape[1]:
        raise MigstatError(
            N_("A flow matrix must be square (origins x destinations); this one is {shape}."),
            shape="x".join(map(str, out.shape)),
        )
    if not np.isfinite(out).all():
        raise MigstatError(N_("The flow matrix has cells that are not numbers."))
    np.fill_diagonal(out, 0.0)
    return out


def _off_diagonal(m: np.ndarray) -> np.ndarray:
    n = m.shape[0]
    return m[~np.eye(n, dtype=bool)]


def matrix_from_long(
    orig: Sequence[str],
    dest: Sequence[str],
    values: Sequence[float],
    codes: Sequence[str] | None = None,
) -> tuple[list[str], np.ndarray]:
    """An origin x destination matrix from tidy rows; areas sorted unless ``codes`` given."""
    names = list(codes) if codes is not None else sorted(set(orig) | set(dest))
    index = {c: i for i, c in enumerate(names)}
    m = np.zeros((len(names), len(names)))
    for o, d, v in zip(orig, dest, values, strict=True):
        m[index[o], index[d]] += float(v)
    return names, m


# -- flows by area ----------------------------------------------------------------------------
def in_flows(m: np.ndarray) -> np.ndarray:
    """Arrivals in each area (column sums, diagonal excluded)."""
    return _flows(m).sum(axis=0)


def out_flows(m: np.ndarray) -> np.ndarray:
    """Departures from each area (row sums, diagonal excluded)."""
    return _flows(m).sum(axis=1)


def net_migration(m: np.ndarray) -> np.ndarray:
    """Arrivals minus departures of each area."""
    f = _flows(m)
    return f.sum(axis=0) - f.sum(axis=1)


def turnover(m: np.ndarray) -> np.ndarray:
    """Arrivals plus departures of each area (gross migration)."""
    f = _flows(m)
    return f.sum(axis=0) + f.sum(axis=1)


def crude_rates(
    m: np.ndarray, population: Sequence[float] | np.ndarray, *, per: float = 1000.0
) -> dict[str, np.ndarray]:
    """In-, out-, net and gross migration rates of each area per ``per`` people (the
    population at risk, e.g. mid-period)."""
    p = np.asarray(population, dtype=float)
    if (p <= 0).any():
        raise MigstatError(N_("Rates need a positive population for every area."))
    arrivals, departures = in_flows(m), out_flows(m)
    return {
        "in": per * arrivals / p,
        "out": per * departures / p,
        "net": per * (arrivals - departures) / p,
        "gross": per * (arrivals + departures) / p,
    }


def net_from_balance(
    p0: np.ndarray, p1: np.ndarray, births: np.ndarray, deaths: np.ndarray
) -> np.ndarray:
    """Net migration as the residual of the balancing equation: (P1 - P0) - (B - D)."""
    return (np.asarray(p1, float) - np.asarray(p0, float)) - (
        np.asarray(births, float) - np.asarray(deaths, float)
    )


def net_survival_ratio(
    p0: np.ndarray,
    p1: np.ndarray,
    survival: np.ndarray,
    *,
    method: Literal["forward", "reverse", "average"] = "forward",
) -> np.ndarray:
    """Net migration of cohorts by the survival-ratio method (UN Manual VI, 1970).

    ``p0[x]`` is the cohort aged x at the start, ``p1[x]`` the same cohort at the end (aged
    x + t), ``survival[x]`` the probability of surviving the period. Forward: P1 - s P0
    (survivors of migrants are counted at the end); reverse: P1 / s - P0; average: their mean.
    """
    a0, a1, s = (np.asarray(v, dtype=float) for v in (p0, p1, survival))
    if ((s <= 0) | (s > 1)).any():
        raise MigstatError(N_("Survival ratios must lie in (0, 1]."))
    forward = a1 - s * a0
    reverse = a1 / s - a0
    if method == "forward":
        return forward
    if method == "reverse":
        return reverse
    return (forward + reverse) / 2


# -- intensity and impact ---------------------------------------------------------------------
def intensity(total_migrations: float, population: float, n: int) -> dict[str, float]:
    """Crude migration probability (CMP, per 100 people; Bell et al. 2002) and Courgeau's k,
    the CMP divided by ln(n^2) so that systems of different numbers of areas compare."""
    cmp = 100.0 * total_migrations / population
    return {"cmp": cmp, "courgeau_k": cmp / math.log(n**2)}


def impact(m: np.ndarray, population: Sequence[float] | np.ndarray) -> dict[str, float]:
    """Migration effectiveness, aggregate net migration rate, index of preference and index of
    velocity (Bell et al. 2002; UN DESA 1983 Manual VI).

    ``population`` is in the same order as the matrix; the rates are in the units it is given
    in (migest's documentation example passes millions, hence its huge ANMR)."""
    f = _flows(m)
    p = np.asarray(population, dtype=float)
    net = f.sum(axis=0) - f.sum(axis=1)
    turn = f.sum(axis=0) + f.sum(axis=1)
    share = p / p.sum()
    total = f.sum()
    return {
        "effectiveness": 100.0 * np.abs(net).sum() / turn.sum(),
        "anmr": 100.0 * 0.5 * np.abs(net).sum() / p.sum(),
        "preference": float((f / (total * np.outer(share, share))).sum()),
        "velocity": float((f / np.outer(p, p) * p.sum()).sum()),
    }


# -- connectivity and spatial focusing --------------------------------------------------------
def _pair_sum(values: np.ndarray, axis: int = -1) -> np.ndarray:
    """Sum over ordered pairs of |x_a - x_b| along ``axis``: 2 * sum_i x_(i) (2i - N + 1)."""
    x = np.sort(values, axis=axis)
    n = x.shape[axis]
    shape = [1] * x.ndim
    shape[axis] = n
    rank = (2 * np.arange(n) - n + 1).reshape(shape)
    return 2.0 * (x * rank).sum(axis=axis)


def _rows_without_diagonal(m: np.ndarray) -> np.ndarray:
    """Row i of the result: row i of ``m`` without its diagonal cell (n x (n - 1))."""
    n = m.shape[0]
    return m[~np.eye(n, dtype=bool)].reshape(n, n - 1)


def gini_total(m: np.ndarray, *, corrected: bool = True) -> float:
    """Total flows Gini (Plane & Mulligan 1997): every flow compared with every other;
    ``corrected`` uses Bell et al.'s denominator 2(n(n-1) - 1), which lets it reach 1."""
    f = _flows(m)
    n = f.shape[0]
    denominator = 2 * (n * (n - 1) - 1) if corrected else 2 * n * (n - 1)
    return float(_pair_sum(_off_diagonal(f)) / (denominator * f.sum()))


def gini_fields(m: np.ndarray, *, corrected: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Out-migration field Ginis (per origin, over its destinations) and in-migration field
    Ginis (per destination, over its origins); ``corrected`` divides by 2(n - 2)
    (Bell et al. 2002) instead of 2(n - 1)."""
    f = _flows(m)
    n = f.shape[0]
    denominator = 2 * (n - 2) if corrected else 2 * (n - 1)
    rows = _pair_sum(_rows_without_diagonal(f), axis=1)
    cols = _pair_sum(_rows_without_diagonal(f.T), axis=1)
    out = np.divide(rows, denominator * f.sum(axis=1), out=np.zeros(n), where=f.sum(axis=1) > 0)
    into = np.divide(cols, denominator * f.sum(axis=0), out=np.zeros(n), where=f.sum(axis=0) > 0)
    return out, into


def _poisson_fit(
    y: np.ndarray, x: np.ndarray, *, tol: float = 1e-8, max_iter: int = 50
) -> tuple[np.ndarray, np.ndarray]:
    """Coefficients and fitted means of a Poisson log-linear model by iteratively reweighted
    least squares, with R's ``glm`` start (y + 0.1) and stopping rule (relative change in
    deviance below 1e-8)."""
    mu = y + 0.1
    eta = np.log(mu)
    deviance_old = math.inf
    beta = np.zeros(x.shape[1])
    for _ in range(max_iter):
        z = eta + (y - mu) / mu
        w = np.sqrt(mu)
        beta = np.linalg.lstsq(x * w[:, None], z * w, rcond=None)[0]
        eta = x @ beta
        mu = np.exp(eta)
        terms = np.where(y > 0, y * np.log(np.where(y > 0, y, 1.0) / mu), 0.0)
        deviance = float(2.0 * (terms - (y - mu)).sum())
        if abs(deviance - deviance_old) / (abs(deviance) + 0.1) < tol:
            break
        deviance_old = deviance
    return beta, mu


def _design(n: int, extra: np.ndarray | None = None) -> np.ndarray:
    """Intercept, origin and destination effects (first area as reference) and extra
    covariates, one row per off-diagonal cell in row-major order."""
    orig, dest = np.nonzero(~np.eye(n, dtype=bool))
    columns = [np.ones(len(orig))]
    columns += [(orig == i).astype(float) for i in range(1, n)]
    columns += [(dest == j).astype(float) for j in range(1, n)]
    if extra is not None:
        columns.append(extra)
    return np.column_stack(columns)


def connectivity(m: np.ndarray) -> dict[str, float]:
    """Connectivity, inequality and spatial-focusing indices of a migration system.

    As in migest's ``index_connectivity``: the mean-weighted Ginis weight each origin's field
    Gini by that area's *in*-flows and each destination's by its *out*-flows (the
    migration.indices choice, kept so the numbers compare); ``cv`` is migest's
    sqrt(sum((m - mean)^2) / (N(N - 1)) / mean) over all N = n^2 cells, diagonal zeros
    included.
    """
    f = _flows(m)
    n = f.shape[0]
    values = _off_diagonal(f)
    total = values.sum()
    _, fitted = _poisson_fit(np.round(values), _design(n))
    out_gini, in_gini = gini_fields(f)
    mwg_orig = float((out_gini * f.sum(axis=0) / total).sum() / n)
    mwg_dest = float((in_gini * f.sum(axis=1) / total).sum() / n)
    uncorrected = gini_total(f, corrected=False)
    cells = f.ravel()
    big_n = cells.size
    cv = math.sqrt(((cells - cells.mean()) ** 2).sum() / (big_n * (big_n - 1)) / cells.mean())
    return {
        "connectivity": float((values != 0).sum() / (n * (n - 1))),
        "inequality_equal": float(0.5 * np.abs(values / total - values.mean() / total).sum()),
        "inequality_sim": float(0.5 * np.abs(values / total - fitted / fitted.sum()).sum()),
        "gini_total": gini_total(f),
        "gini_orig_standardized": float(
            _pair_sum(_rows_without_diagonal(f), axis=1).sum()
            / (2 * n * (n - 1) * total)
            / uncorrected
        ),
        "gini_dest_standardized": float(
            _pair_sum(_rows_without_diagonal(f.T), axis=1).sum()
            / (2 * n * (n - 1) * total)
            / uncorrected
        ),
        "mwg_orig": mwg_orig,
        "mwg_dest": mwg_dest,
        "mwg_mean": (mwg_orig + mwg_dest) / 2,
        "cv": cv,
        "acv": _acv(f),
    }


def _acv(f: np.ndarray) -> float:
    """Aggregated system-wide coefficient of variation (Rogers & Sweeney 1998): the
    flow-weighted mean of the origins' and of the destinations' coefficients of variation
    (population standard deviation over the n - 1 partners), added."""
    total = f.sum()
    rows = _rows_without_diagonal(f)
    cols = _rows_without_diagonal(f.T)
    cv_out = np.divide(
        rows.std(axis=1), rows.mean(axis=1), out=np.zeros(len(rows)), where=rows.mean(axis=1) > 0
    )
    cv_in = np.divide(
        cols.std(axis=1), cols.mean(axis=1), out=np.zeros(len(cols)), where=cols.mean(axis=1) > 0
    )
    return float((f.sum(axis=0) / total * cv_in).sum() + (f.sum(axis=1) / total * cv_out).sum())


# -- distance ---------------------------------------------------------------------------------
def weighted_median(x: np.ndarray, w: np.ndarray) -> float:
    """The interpolated weighted median (``matrixStats::weightedMedian``): values sorted,
    cumulative weights centred on each value, linear interpolation at half the total."""
    keep = w > 0
    xs, ws = np.asarray(x, float)[keep], np.asarray(w, float)[keep]
    if xs.size == 0:
        return math.nan
    if xs.size == 1:
        return float(xs[0])
    order = np.argsort(xs, kind="stable")
    xs, ws = xs[order], ws[order]
    centred = np.cumsum(ws) - ws / 2
    middle = ws.sum() / 2
    k = max(1, int((centred < middle).sum())) - 1
    k = min(k, xs.size - 2)
    step = (middle - centred[k]) / (centred[k + 1] - centred[k])
    return float(xs[k] + step * (xs[k + 1] - xs[k]))


def distance(m: np.ndarray, dist: np.ndarray) -> dict[str, float]:
    """Flow-weighted mean and (interpolated) median distance of moves, and the distance-decay
    parameter: the coefficient of log distance in a Poisson model of the rounded flows with
    origin and destination effects (Bell et al. 2002)."""
    f = _flows(m)
    d = np.asarray(dist, dtype=float)
    n = f.shape[0]
    flows, lengths = _off_diagonal(f), _off_diagonal(d)
    if (lengths <= 0).any():
        raise MigstatError(N_("Distances between different areas must be positive."))
    beta, _ = _poisson_fit(np.round(flows), _design(n, np.log(lengths)))
    return {
        "mean": float((flows * lengths).sum() / flows.sum()),
        "median": weighted_median(lengths, flows),
        "decay": float(beta[-1]),
    }


# -- age profile ------------------------------------------------------------------------------
def age_profile(
    ages: Sequence[float],
    intensities: Sequence[float],
    *,
    age_min: float = 5,
    age_max: float = 65,
    breadth: int = 5,
    window: Literal["centred", "migest"] = "centred",
) -> dict[str, float]:
    """Summary measures of an age profile of migration intensities (migrants / population by
    single year of age): gross migraproduction rate (Rogers 1975), peak intensity and age
    (Bell et al. 2002), breadth and share of the peak (Bell & Muhidin 2009), maximum upward
    and downward rates of change and their asymmetry (Bernard et al. 2014).

    The peak and the rates of change are sought among ages strictly between ``age_min`` and
    ``age_max``. The breadth window is the ``breadth`` ages either side of the peak
    (``centred``); ``migest`` reproduces migest's positional indexing, which for ages that
    start at 0 takes ages peak - 6 to peak + 4.
    """
    a = np.asarray(ages, dtype=float)
    mi = 100.0 * np.asarray(intensities, dtype=float)
    if a.shape != mi.shape or a.size < 3:
        raise MigstatError(
            N_("An age profile needs one intensity per age and at least three ages.")
        )
    share = mi / mi.sum()
    change = np.concatenate([[0.0], np.diff(share)])
    study = (a > age_min) & (a < age_max)
    if not study.any():
        raise MigstatError(N_("No ages lie between {low} and {high}."), low=age_min, high=age_max)
    peak = int(np.flatnonzero(study)[np.argmax(mi[study])])
    peak_age = a[peak]
    if window == "migest":
        first = int(peak_age) - breadth - 1
        span = slice(max(first, 0), int(peak_age) + breadth)
    else:
        span = slice(max(peak - breadth, 0), peak + breadth + 1)
    up = a[np.flatnonzero(study)[np.argmax(change[study])]]
    down = a[np.flatnonzero(study)[np.argmin(change[study])]]
    return {
        "gmr": float(mi.sum() / 100),
        "peak_mi": float(mi[peak]),
        "peak_age": float(peak_age),
        "peak_breadth": float(mi[span].sum()),
        "peak_share": float(100 * share[span].sum()),
        "murc": float(up),
        "mdrc": float(down),
        "asymmetry": float(up / down),
    }
