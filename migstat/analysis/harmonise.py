"""Harmonisation of mirror flows: duration-of-stay corrections and anchored correction factors.

Two steps bring the two reports of a corridor onto one definition; both are *estimates*, are
computed on demand from a :class:`~migstat.analysis.mirror.MirrorMatrix` and are never written
over reported data.

1. **Duration of stay** (:mod:`migstat.analysis.duration_of_stay`, whose names are importable
   from here too). A flow reported under a residence rule of *t* months (or permanent
   registration) is multiplied by a coefficient to approximate the flow under the 12-month
   rule, from published coefficient sets or a user's file in the same layout.
2. **Correction factors** (the family of de Beer, Raymer, van der Erf and van Wissen 2010):
   one factor per country and direction, ``s_i`` for what country *i* records as emigration and
   ``r_j`` for what *j* records as immigration, chosen so that ``r_j·I_ij ≈ s_i·E_ij`` over
   every corridor reported by both sides, with the factors of the anchor country (or of each
   country of an anchor group) fixed at 1. In log space the model is
   ``ln I_ij - ln E_ij = ln s_i - ln r_j + e_ij`` (weighted least squares); in level space
   ``Σ w_ij (r_j·I_ij - s_i·E_ij)²`` is minimised. Uncertainty comes from a corridor bootstrap
   (corridor-years resampled with replacement), computed for all replicates at once: the
   normal equations are built from per-corridor sums, so one replicate costs a small
   ``2N x 2N`` solve, batched by numpy.

The parts marked *reconstructed* in the domain brief (the exact objective and benchmark of
de Beer et al.) are choices here, all of them parameters: space, weights, anchor, trimming of
discordant pairs, and the rule giving one harmonised value per corridor.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from migstat.analysis.duration_of_stay import (
    DEFAULT_SET,
    DurationCoefficients,
    duration_adjusted,
    load_coefficients,
    side_coefficients,
)
from migstat.analysis.harmonise_solve import (
    connected_components,
    discordant,
    log_residuals,
    normal_equations,
    percentile_interval,
    rms,
    safe_log,
    solve_anchored,
)
from migstat.analysis.mirror_model import MirrorMatrix, plain_number
from migstat.i18n import N_
from migstat.model import InputError

BOOTSTRAP_BATCH = 250
"""Bootstrap replicates solved together: large enough to vectorise, small enough for memory."""


def _sides(
    matrix: MirrorMatrix,
    years: Sequence[int] | None,
    coefficients: DurationCoefficients | None,
    name: str,
) -> tuple[list[int], np.ndarray, np.ndarray]:
    """Year indices and both sides for ``years`` (all by default), duration-corrected when
    ``coefficients`` are given."""
    if coefficients is not None:
        emi, imm = duration_adjusted(matrix, coefficients, name)
    else:
        emi, imm = matrix.emigration, matrix.immigration
    ys = list(range(len(matrix.years))) if years is None else [matrix.year_index(y) for y in years]
    return ys, emi[ys], imm[ys]


# -- correction factors ----------------------------------------------------------------------


@dataclass(slots=True)
class FactorFit:
    """Correction factors per country and direction, with bootstrap intervals.

    ``emigration[k]`` (``s``) multiplies what ``countries[k]`` records as emigration,
    ``immigration[k]`` (``r``) what it records as immigration. NaN where a factor is not
    identified (no corridor reported by both sides links the country to an anchor).
    """

    countries: list[str]
    anchor: list[str]
    space: str
    weights: str
    years: list[int]
    emigration: np.ndarray
    immigration: np.ndarray
    emigration_interval: np.ndarray
    """``(2, N)``: lower and upper bound."""
    immigration_interval: np.ndarray
    replicates: int
    level: float
    pairs: np.ndarray
    """``(2, N)``: corridor-years used per country as sender and as receiver."""
    diagnostics: dict[str, Any] = field(default_factory=dict)
    draws: np.ndarray | None = None
    """``(B, 2N)`` replicate factors (emigration then immigration), for intervals of derived
    numbers."""
    duration_set: str | None = None

    def rows(self) -> list[dict[str, Any]]:
        """One row per country: both factors, their intervals and the pairs behind them."""
        out = []
        for k, c in enumerate(self.countries):
            if c not in self.anchor and not self.pairs[:, k].any():
                continue  # never on both sides of a corridor: nothing to estimate
            out.append(
                {
                    "COUNTRY": c,
                    "ANCHOR": c in self.anchor,
                    "EMIGRATION_FACTOR": _r(self.emigration[k]),
                    "EMIGRATION_LOWER": _r(self.emigration_interval[0, k]),
                    "EMIGRATION_UPPER": _r(self.emigration_interval[1, k]),
                    "EMIGRATION_PAIRS": int(self.pairs[0, k]),
                    "IMMIGRATION_FACTOR": _r(self.immigration[k]),
                    "IMMIGRATION_LOWER": _r(self.immigration_interval[0, k]),
                    "IMMIGRATION_UPPER": _r(self.immigration_interval[1, k]),
                    "IMMIGRATION_PAIRS": int(self.pairs[1, k]),
                    "OBS_STATUS": "E",
                }
            )
        return out


FACTOR_COLUMNS = [
    "COUNTRY",
    "ANCHOR",
    "EMIGRATION_FACTOR",
    "EMIGRATION_LOWER",
    "EMIGRATION_UPPER",
    "EMIGRATION_PAIRS",
    "IMMIGRATION_FACTOR",
    "IMMIGRATION_LOWER",
    "IMMIGRATION_UPPER",
    "IMMIGRATION_PAIRS",
    "OBS_STATUS",
]


def _r(value: float) -> float | None:
    return None if value != value else round(float(value), 4)


def _check_options(space: str, weights: str, level: float) -> None:
    """Refuse the options :func:`estimate_factors` does not know, before any work."""
    if space not in ("log", "level"):
        raise InputError(N_("Unknown space {space}: use log or level."), space=space)
    if weights not in ("equal", "flow"):
        raise InputError(N_("Unknown weights {weights}: use equal or flow."), weights=weights)
    if not 0 < level < 1:
        raise InputError(
            N_("The interval level must lie between 0 and 1, not {level}."), level=level
        )


def _anchors(anchor: Sequence[str], countries: list[str]) -> list[str]:
    """The anchor codes, each of which must be a country of the matrix."""
    anchors = [a.upper() for a in anchor]
    missing = [a for a in anchors if a not in countries]
    if not anchors or missing:
        raise InputError(
            N_(
                "The anchor {anchor} has no corridor reported by both sides in "
                "this selection: choose a country among {countries}."
            ),
            anchor=", ".join(missing or anchors) or "-",
            countries=", ".join(countries) or "-",
        )
    return anchors


def estimate_factors(
    matrix: MirrorMatrix,
    anchor: Sequence[str],
    *,
    space: str = "log",
    weights: str = "flow",
    years: Sequence[int] | None = None,
    bootstrap: int = 1000,
    level: float = 0.95,
    seed: int = 0,
    trim: float | None = None,
    coefficients: DurationCoefficients | None = None,
    duration_set: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> FactorFit:
    """Estimate one factor per country and direction, anchored on ``anchor`` (see the module
    docstring). ``weights``: ``equal`` or ``flow`` (the geometric mean of the two sides, so big
    corridors, whose ratios are steadier, count more). ``trim``: refit once without the
    corridor-years whose log residual exceeds ``trim`` robust standard deviations (discordant
    pairs). With ``coefficients``, both sides are first put on the 12-month definition.
    Replicates are solved in batches of :data:`BOOTSTRAP_BATCH` (bounded memory);
    ``progress(done, total)`` is called after each batch.
    """
    _check_options(space, weights, level)
    countries = matrix.countries
    anchors = _anchors(anchor, countries)
    ys, e, i = _sides(matrix, years, coefficients, duration_set or DEFAULT_SET)
    ok = ~np.isnan(e) & ~np.isnan(i)
    ok &= (e > 0) & (i > 0) if space == "log" else (e + i) > 0
    n = len(countries)
    ok &= ~np.eye(n, dtype=bool)[None]
    _, o_idx, d_idx = np.nonzero(ok)
    ev, iv = e[ok], i[ok]
    if ev.size == 0:
        raise InputError(
            N_(
                "No corridor is reported by both sides in this selection, so no "
                "factor can be estimated."
            )
        )
    w = np.ones(ev.size) if weights == "equal" else np.sqrt(ev * iv)
    if space == "level" and weights == "flow":
        w = 1.0 / np.maximum((ev + iv) / 2, 1.0)  # level residuals grow with size: scale down
    fixed = np.zeros(2 * n, dtype=bool)
    for a in anchors:
        k = countries.index(a)
        fixed[k] = fixed[n + k] = True
    fixed_value = 0.0 if space == "log" else 1.0

    def fit(mask: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Estimates for every row of ``counts`` (replicate multiplicities of the kept
        corridor-years), and which parameters are identified."""
        oo, dd = o_idx[mask], d_idx[mask]
        pair = oo * n + dd
        order = np.argsort(pair, kind="stable")
        uniq, starts = np.unique(pair[order], return_index=True)
        wc = counts[:, mask][:, order] * w[mask][order]
        comps = []
        if space == "log":
            y = np.log(iv[mask] / ev[mask])[order]
            comps = [wc, wc * y]
        else:
            ee, ii = ev[mask][order], iv[mask][order]
            comps = [wc * ee * ee, wc * ii * ii, wc * ee * ii]
        sums = []
        for comp in comps:
            full = np.zeros((counts.shape[0], n * n))
            full[:, uniq] = np.add.reduceat(comp, starts, axis=1)
            sums.append(full.reshape(-1, n, n))
        while len(sums) < 3:
            sums.append(sums[0])
        q, c = normal_equations(space, n, *sums)
        labels = connected_components(2 * n, oo, n + dd)
        anchored = set(labels[fixed].tolist())
        used = np.zeros(2 * n, dtype=bool)
        used[oo] = True
        used[n + dd] = True
        identified = used & np.isin(labels, list(anchored))
        return solve_anchored(q, c, fixed, fixed_value, identified & ~fixed), identified | fixed

    keep = np.ones(ev.size, dtype=bool)
    point, identified = fit(keep, np.ones((1, ev.size)))
    trimmed = 0
    if trim is not None:
        resid = log_residuals(point[0], o_idx, d_idx, ev, iv, n, space)
        spread = 1.4826 * np.nanmedian(np.abs(resid - np.nanmedian(resid)))
        if spread > 0:
            keep = ~(np.abs(resid) > trim * spread)
            trimmed = int((~keep).sum())
            if trimmed:
                point, identified = fit(keep, np.ones((1, ev.size)))
    draws = None
    lower = upper = np.full(2 * n, np.nan)
    failed = 0
    if bootstrap > 0:
        rng = np.random.default_rng(seed)
        m = int(keep.sum())
        parts = []
        for start in range(0, bootstrap, BOOTSTRAP_BATCH):
            size = min(BOOTSTRAP_BATCH, bootstrap - start)
            counts = np.zeros((size, ev.size))
            counts[:, keep] = rng.multinomial(m, np.full(m, 1.0 / m), size=size)
            parts.append(fit(keep, counts)[0])
            if progress is not None:
                progress(start + size, bootstrap)
        theta = np.vstack(parts)
        draws = np.exp(theta) if space == "log" else theta
        draws[:, ~identified] = np.nan
        failed = int(np.isnan(draws[:, identified]).any(axis=1).sum())
        lower, upper = percentile_interval(draws, level)
    est = np.exp(point[0]) if space == "log" else point[0]
    est[~identified] = np.nan
    pairs = np.zeros((2, n), dtype=int)
    np.add.at(pairs[0], o_idx[keep], 1)
    np.add.at(pairs[1], d_idx[keep], 1)
    before = np.log(iv[keep] / ev[keep]) if space == "log" else safe_log(iv[keep], ev[keep])
    after = log_residuals(point[0], o_idx[keep], d_idx[keep], ev[keep], iv[keep], n, space)
    diagnostics = {
        "corridor_years": int(keep.sum()),
        "corridors": int(np.unique(o_idx[keep] * n + d_idx[keep]).size),
        "trimmed": trimmed,
        "not_identified": [
            countries[k % n] + (" E" if k < n else " I") for k in np.flatnonzero(~identified)
        ],
        "rms_log_ratio_before": rms(before),
        "rms_log_ratio_after": rms(after),
        "replicates_with_gaps": failed,
        "discordant": discordant(
            after, o_idx[keep], d_idx[keep], countries, [matrix.years[y] for y in ys], ok, keep
        ),
    }
    return FactorFit(
        countries,
        anchors,
        space,
        weights,
        [matrix.years[y] for y in ys],
        est[:n],
        est[n:],
        np.vstack([lower[:n], upper[:n]]),
        np.vstack([lower[n:], upper[n:]]),
        bootstrap,
        level,
        pairs,
        diagnostics,
        draws,
        duration_set if coefficients is not None else None,
    )


# -- harmonised matrix -----------------------------------------------------------------------


@dataclass(slots=True)
class Harmonised:
    """Estimated flows on one definition, kept apart from the reported ones."""

    matrix: MirrorMatrix
    fit: FactorFit
    year: int
    rule: str
    values: np.ndarray
    lower: np.ndarray
    upper: np.ndarray

    def rows(self) -> list[dict[str, Any]]:
        y = self.matrix.year_index(self.year)
        out = []
        countries = self.matrix.countries
        for o, d in zip(*np.nonzero(~np.isnan(self.values)), strict=True):
            out.append(
                {
                    "TIME_PERIOD": str(self.year),
                    "ORIGIN": countries[o],
                    "DESTINATION": countries[d],
                    **self.matrix.cell,
                    "EMIGRATION_REPORTED": plain_number(self.matrix.emigration[y, o, d]),
                    "IMMIGRATION_REPORTED": plain_number(self.matrix.immigration[y, o, d]),
                    "HARMONISED": plain_number(self.values[o, d], 1),
                    "LOWER": plain_number(self.lower[o, d], 1),
                    "UPPER": plain_number(self.upper[o, d], 1),
                    "RULE": self.rule,
                    "OBS_STATUS": "E",
                }
            )
        return out


HARMONISED_COLUMNS = [
    "TIME_PERIOD",
    "ORIGIN",
    "DESTINATION",
    "EMIGRATION_REPORTED",
    "IMMIGRATION_REPORTED",
    "HARMONISED",
    "LOWER",
    "UPPER",
    "RULE",
    "OBS_STATUS",
]


def harmonise(
    matrix: MirrorMatrix,
    fit: FactorFit,
    year: int,
    *,
    rule: str = "mean",
    coefficients: DurationCoefficients | None = None,
) -> Harmonised:
    """One harmonised value per corridor of ``year``: ``mean`` of the two adjusted sides
    (one adjusted side where only one was reported), or the adjusted ``receiver`` or
    ``sender`` side (the other when it is missing). Intervals from the bootstrap draws."""
    if rule not in ("mean", "receiver", "sender"):
        raise InputError(N_("Unknown rule {rule}: use mean, receiver or sender."), rule=rule)
    y = matrix.year_index(year)
    if coefficients is not None:
        emi, imm = duration_adjusted(matrix, coefficients, fit.duration_set or DEFAULT_SET)
    else:
        emi, imm = matrix.emigration, matrix.immigration
    e, i = emi[y], imm[y]
    n = len(matrix.countries)
    off = ~np.eye(n, dtype=bool)

    def combine(s: np.ndarray, r: np.ndarray) -> np.ndarray:
        se = e * s[..., :, None]
        ri = i * r[..., None, :]
        if rule == "mean":
            both = np.where(np.isnan(se), ri, np.where(np.isnan(ri), se, (se + ri) / 2))
        elif rule == "receiver":
            both = np.where(np.isnan(ri), se, ri)
        else:
            both = np.where(np.isnan(se), ri, se)
        return np.where(off, both, np.nan)

    values = combine(fit.emigration, fit.immigration)
    lower = upper = np.full((n, n), np.nan)
    if fit.draws is not None:
        lower, upper = percentile_interval(combine(fit.draws[:, :n], fit.draws[:, n:]), fit.level)
    return Harmonised(matrix, fit, int(year), rule, values, lower, upper)


# -- undercount ratios -----------------------------------------------------------------------


def undercount_ratios(
    matrix: MirrorMatrix,
    reference: Sequence[str],
    *,
    years: Sequence[int] | None = None,
    coefficients: DurationCoefficients | None = None,
    duration_set: str = DEFAULT_SET,
) -> list[dict[str, Any]]:
    """Per country X, against a reference group Y of good-data countries:
    ``U^E = Σ_c E(X->Y_c, by X) / Σ_c I(X->Y_c, by Y_c)`` and the same for immigration, over
    corridors with both sides, optionally duration-corrected (UndercountMigScores'
    bilateral ratio); ``ln U < 0`` means X records fewer moves than its reference partners."""
    ref = [r.upper() for r in reference]
    ref_idx = [matrix.countries.index(r) for r in ref if r in matrix.countries]
    if not ref_idx:
        raise InputError(
            N_("No country of the reference group {group} is in this selection."),
            group=", ".join(ref),
        )
    _, e, i = _sides(matrix, years, coefficients, duration_set)
    both = ~np.isnan(e) & ~np.isnan(i)
    e0, i0 = np.where(both, e, 0.0), np.where(both, i, 0.0)
    out = []
    for k, country in enumerate(matrix.countries):
        partners = [j for j in ref_idx if j != k]
        emi_own = float(e0[:, k, partners].sum())
        emi_ref = float(i0[:, k, partners].sum())
        imm_own = float(i0[:, partners, k].sum())
        imm_ref = float(e0[:, partners, k].sum())
        ue = emi_own / emi_ref if emi_ref else None
        ui = imm_own / imm_ref if imm_ref else None
        if ue is None and ui is None:
            continue
        out.append(
            {
                "COUNTRY": country,
                "EMIGRATION_RATIO": _r(ue) if ue else ue,
                "LN_EMIGRATION_RATIO": _r(np.log(ue)) if ue else None,
                "IMMIGRATION_RATIO": _r(ui) if ui else ui,
                "LN_IMMIGRATION_RATIO": _r(np.log(ui)) if ui else None,
            }
        )
    return out


__all__ = [
    "FACTOR_COLUMNS",
    "HARMONISED_COLUMNS",
    "DurationCoefficients",
    "FactorFit",
    "Harmonised",
    "duration_adjusted",
    "estimate_factors",
    "harmonise",
    "load_coefficients",
    "side_coefficients",
    "undercount_ratios",
]
