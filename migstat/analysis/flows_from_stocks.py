"""Bilateral migration flows estimated from two place-of-birth stock tables.

The demographic-accounting method of Abel (2013, Demographic Research 28(18)) and Abel &
Sander (2014, Science 343:1520), with the options of the R package migest (``ffs_demo``,
version 2.0.5), re-derived from the papers and the package's documented behaviour; the
method, its assumptions and where migstat departs from migest are in
``docs/methods/flows_from_stocks.md``.

Stocks are matrices of place of birth k (rows) by place of residence i (columns), the
native-born on the diagonal, at the start (``P0``) and end (``P1``) of a period; births and
deaths by place of residence are optional. The estimate is a flow table by origin, destination
and place of birth, summed here over the place of birth into the origin-destination table
(diagonal zero) without ever forming the n^3 array unless asked
(:meth:`FlowEstimate.by_birthplace`).

Every input the method cannot honour stops with a :class:`~migstat.model.MigstatError` that
says what and where (a negative stock, deaths above the population, totals that cannot be
matched), where migest prints a message or silently rescales and carries on. The adjustments
of the two tables before the flows are read off them are in
:mod:`migstat.analysis.ffs_accounts`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np

from migstat.analysis.ffs_accounts import (
    balance_world,
    balance_world_rounded,
    birth_table,
    check_after_demography,
    death_table,
    match_birthplace,
    native_born,
    total_tolerance,
)
from migstat.analysis.ffs_ipf import (
    DEFAULT_MAX_ITER,
    DEFAULT_TOL,
    SeededFit,
    factors,
    ipf_seeded,
    one_blas_thread,
)
from migstat.i18n import N_
from migstat.model import MigstatError

BirthplaceTotals = Literal["rescale", "open", "open-dr"]
GlobalMatch = Literal["before-demo-adjust", "after-demo-adjust", "none"]
BirthMethod = Literal["native", "proportion"]
DeathMethod = Literal["proportion", "accounting"]
Model = Literal["minimum", "independence", "pseudo-bayesian"]
FitMethod = Literal["mipfp", "newton"]

PSEUDO_BAYES_WEIGHT = 0.87
"""Weight of the minimum-migration (stayer) estimate in the pseudo-Bayesian blend of Abel &
Cohen (2019), the rest going to the independence estimate (after Azose & Raftery 2019)."""


@dataclass(frozen=True, slots=True)
class FfsOptions:
    """How to estimate; the defaults are those of migest's ``ffs_demo``."""

    stayer_assumption: bool = True
    """Minimum migration: as many people as possible stay (``False``: independence model)."""
    birthplace_totals: BirthplaceTotals = "rescale"
    """How the birthplace (row) totals of the two tables are made equal."""
    match_global: GlobalMatch = "before-demo-adjust"
    """When (for ``rescale``) the world total change is made equal to births minus deaths."""
    birth_method: BirthMethod = "native"
    birth_non_negative: bool = True
    death_method: DeathMethod = "proportion"
    negative_native_born: Literal["error", "rescale"] = "error"
    """A negative native-born cell: an error, or (migest) zero it and rescale its column."""
    model: Model | None = None
    """``pseudo-bayesian`` blends the two models; ``None`` follows ``stayer_assumption``."""
    blend_weight: float = PSEUDO_BAYES_WEIGHT
    fit: FitMethod = "mipfp"
    """How the rescale tables are fitted: ``mipfp`` repeats migest's iterations and stopping
    rule (and so its published numbers); ``newton`` solves the same fit to convergence, far
    faster on large tables."""
    tol: float = DEFAULT_TOL
    max_iter: int = DEFAULT_MAX_ITER

    @property
    def effective_model(self) -> Model:
        if self.model is not None:
            return self.model
        return "minimum" if self.stayer_assumption else "independence"

    def describe(self) -> dict[str, str]:
        """The options as shown with an estimate (labels of the method, not translations)."""
        return {
            "model": self.effective_model,
            "birthplace_totals": self.birthplace_totals,
            "match_global": self.match_global if self.birthplace_totals == "rescale" else "none",
            "birth_method": self.birth_method,
            "birth_non_negative": str(self.birth_non_negative).lower(),
            "death_method": self.death_method,
            "blend_weight": f"{self.blend_weight:g}"
            if self.effective_model == "pseudo-bayesian"
            else "",
            "fit": self.fit if self.birthplace_totals == "rescale" else "",
            "tol": f"{self.tol:g}",
        }


@dataclass(slots=True)
class FlowEstimate:
    """The estimated flows and the adjusted tables they were estimated from."""

    codes: tuple[str, ...]
    od: np.ndarray
    """Origin x destination flows, summed over place of birth; diagonal zero."""
    stayers: np.ndarray
    """People counted in the same place at both dates, by place of residence."""
    start: np.ndarray
    """The start table (birth x residence) after every adjustment, as the flows match it."""
    end: np.ndarray
    births: np.ndarray
    """Births (birth x residence) taken out of the end table."""
    deaths: np.ndarray
    """Deaths (birth x residence) taken out of the start table."""
    left_system: np.ndarray
    """Taken out of the start table to match birthplace totals (``open``: left the system)."""
    entered_system: np.ndarray
    """Taken out of the end table to match birthplace totals (``open``: entered it)."""
    options: FfsOptions
    converged: bool = True
    iterations: int = 0
    """Iterations of the birthplace-total fitting (rescale), the larger of the two tables."""
    global_adjustment: float = 0.0
    """How much the native-born diagonals were moved to balance the world total."""
    seed: np.ndarray | None = field(default=None, repr=False)
    _seeded: SeededFit | None = field(default=None, repr=False)

    @property
    def total(self) -> float:
        return float(self.od.sum())

    def by_birthplace(self) -> np.ndarray:
        """Flows ``F[i, j, k]`` from i to j of people born in k (stayers on i = j): n^3
        numbers, so only for small tables."""
        model = self.options.effective_model
        if model == "minimum":
            return _minimum_array(self.start, self.end)
        if model == "independence":
            return _independence_array(self.start, self.end, self.seed, self._seeded)
        w = self.options.blend_weight
        return w * _minimum_array(self.start, self.end) + (1 - w) * _independence_array(
            self.start, self.end, self.seed, self._seeded
        )

    def matrix_rows(self) -> list[list[str]]:
        """The origin x destination table as CSV rows: the corner cell (``orig\\dest``,
        then that the table is an estimate and by which model: :func:`estimate_corner`) and
        destination codes, then one row per origin (no totals). A file of it says in its own
        header that it is an estimate, wherever it is copied to; migstat's matrix reader
        still reads the corner's direction."""
        out = [[estimate_corner(self.options.effective_model), *self.codes]]
        for code, row in zip(self.codes, self.od, strict=True):
            out.append([code, *(_number(v) for v in row)])
        return out


ESTIMATE_MARK = "ESTIMATE"


def estimate_corner(model: str) -> str:
    """The corner cell of an estimated flow table (English: a file for any reader)."""
    return f"orig\\dest {ESTIMATE_MARK}: flows from stocks ({model} model), not reported data"


def _number(value: float) -> str:
    """A flow as written to files: up to 12 significant digits, no exponent for counts."""
    if value == 0:
        return "0"
    text = f"{value:.12g}"
    if "e" in text:
        text = f"{value:.10f}".rstrip("0").rstrip(".")
    return text


def estimate_flows(
    start: np.ndarray,
    end: np.ndarray,
    codes: tuple[str, ...] | list[str],
    *,
    births: np.ndarray | None = None,
    deaths: np.ndarray | None = None,
    options: FfsOptions | None = None,
    seed: np.ndarray | None = None,
    **overrides: object,
) -> FlowEstimate:
    """Estimate origin-destination flows between two birthplace x residence stock tables.

    ``codes`` names the rows and columns of both tables (same order); ``births`` and
    ``deaths`` are by place of residence over the period (zero when not given). ``seed`` is
    an optional origin x destination table of prior weights (e.g. inverse distance) for the
    independence model; the minimum-migration model has a closed form that needs none.
    ``overrides`` set fields of :class:`FfsOptions` by name.
    """
    opts = replace(options or FfsOptions(), **overrides)  # type: ignore[arg-type]
    _check_options(opts)
    with one_blas_thread():
        return _estimate(
            np.array(start, dtype=float),
            np.array(end, dtype=float),
            tuple(codes),
            births,
            deaths,
            opts,
            seed,
        )


def _estimate(
    p0: np.ndarray,
    p1: np.ndarray,
    codes: tuple[str, ...],
    births: np.ndarray | None,
    deaths: np.ndarray | None,
    opts: FfsOptions,
    seed: np.ndarray | None,
) -> FlowEstimate:
    n = len(codes)
    if p0.shape != (n, n) or p1.shape != (n, n):
        raise MigstatError(
            N_(
                "The stock tables must be square with one row and one column "
                "per area ({n} areas); they are {start} and {end}."
            ),
            n=n,
            start="x".join(map(str, p0.shape)),
            end="x".join(map(str, p1.shape)),
        )
    b = np.zeros(n) if births is None else np.asarray(births, dtype=float).reshape(n)
    d = np.zeros(n) if deaths is None else np.asarray(deaths, dtype=float).reshape(n)
    _check_values(p0, p1, b, d, codes)
    p0 = native_born(p0, codes, opts, "start")
    p1 = native_born(p1, codes, opts, "end")
    tolerance = total_tolerance(p0, p1, opts)

    shift = 0.0
    if opts.birthplace_totals == "rescale" and opts.match_global == "before-demo-adjust":
        p0, p1, shift = balance_world_rounded(p0, p1, b, d, tolerance)

    birth_mat = birth_table(b, p1, opts)
    death_mat = death_table(d, p0, p1, b, opts, codes)
    p0 = p0 - death_mat
    p1 = p1 - birth_mat
    check_after_demography(p0, p1, b, d, codes, tolerance)

    if opts.birthplace_totals == "rescale" and opts.match_global == "after-demo-adjust":
        p0, p1, shift = balance_world(p0, p1)

    p0, p1, left, entered, fits = match_birthplace(p0, p1, codes, opts, tolerance)

    od, stayers, seeded = _od(p0, p1, opts, seed)
    return FlowEstimate(
        codes=codes,
        od=od,
        stayers=stayers,
        start=p0,
        end=p1,
        births=birth_mat,
        deaths=death_mat,
        left_system=left,
        entered_system=entered,
        options=opts,
        converged=all(f.converged for f in fits),
        iterations=max((f.iterations for f in fits), default=0),
        global_adjustment=shift,
        seed=None if seed is None else np.asarray(seed, dtype=float),
        _seeded=seeded,
    )


def _check_options(opts: FfsOptions) -> None:
    choices: tuple[tuple[str, object, tuple[object, ...]], ...] = (
        ("birthplace_totals", opts.birthplace_totals, ("rescale", "open", "open-dr")),
        ("match_global", opts.match_global, ("before-demo-adjust", "after-demo-adjust", "none")),
        ("birth_method", opts.birth_method, ("native", "proportion")),
        ("death_method", opts.death_method, ("proportion", "accounting")),
        ("negative_native_born", opts.negative_native_born, ("error", "rescale")),
        ("fit", opts.fit, ("mipfp", "newton")),
        ("model", opts.model, (None, "minimum", "independence", "pseudo-bayesian")),
    )
    for name, value, allowed in choices:
        if value not in allowed:
            raise MigstatError(
                N_("Unknown value {value} for {option}: choose one of {choices}."),
                value=str(value),
                option=name,
                choices=", ".join(str(a) for a in allowed if a is not None),
            )
    if not 0.0 <= opts.blend_weight <= 1.0:
        raise MigstatError(
            N_("The blend weight must lie between 0 and 1, not {value}."), value=opts.blend_weight
        )


_NOT_A_NUMBER = {
    "start": N_("The start stock of people born in {birth} living in {residence} is not a number."),
    "end": N_("The end stock of people born in {birth} living in {residence} is not a number."),
}
_NEGATIVE = {
    "start": N_(
        "The start stock of people born in {birth} living in {residence} is negative "
        "({value}): stocks are counts of people; correct the table."
    ),
    "end": N_(
        "The end stock of people born in {birth} living in {residence} is negative "
        "({value}): stocks are counts of people; correct the table."
    ),
}
_BAD_EVENTS = {
    "births": N_("The number of births in {area} must be a number of zero or more, not {value}."),
    "deaths": N_("The number of deaths in {area} must be a number of zero or more, not {value}."),
}


def _check_values(
    p0: np.ndarray, p1: np.ndarray, b: np.ndarray, d: np.ndarray, codes: tuple[str, ...]
) -> None:
    """Every number must be finite; stocks off the diagonal, births and deaths non-negative
    (a negative native-born cell is handled by
    :func:`~migstat.analysis.ffs_accounts.native_born`)."""
    for name, table in (("start", p0), ("end", p1)):
        if not np.isfinite(table).all():
            k, i = map(int, np.argwhere(~np.isfinite(table))[0])
            raise MigstatError(_NOT_A_NUMBER[name], birth=codes[k], residence=codes[i])
        off = table.copy()
        np.fill_diagonal(off, 0.0)
        if (off < 0).any():
            k, i = map(int, np.argwhere(off < 0)[0])
            raise MigstatError(
                _NEGATIVE[name], birth=codes[k], residence=codes[i], value=float(table[k, i])
            )
    for name, vector in (("births", b), ("deaths", d)):
        bad = ~np.isfinite(vector) | (vector < 0)
        if bad.any():
            i = int(np.argmax(bad))
            raise MigstatError(_BAD_EVENTS[name], area=codes[i], value=float(vector[i]))


def _movers(p0: np.ndarray, p1: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Out-movers ``O[i, k]``, in-movers ``N[j, k]`` (scaled so that for each birthplace k as
    many arrive as leave) and their total per k, under minimum migration."""
    out = np.maximum(p0 - p1, 0.0).T
    into = np.maximum(p1 - p0, 0.0).T
    total = out.sum(axis=0)
    into = into * factors(total, into.sum(axis=0))[None, :]
    return out, into, total


def _od(
    p0: np.ndarray, p1: np.ndarray, opts: FfsOptions, seed: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray, SeededFit | None]:
    model = opts.effective_model
    stayers = np.zeros(p0.shape[0])
    od = np.zeros_like(p0)
    seeded = None
    if model in ("minimum", "pseudo-bayesian"):
        out, into, total = _movers(p0, p1)
        weight = 1.0 if model == "minimum" else opts.blend_weight
        od += weight * ((out * factors(1.0, total)[None, :]) @ into.T)
        stayers += weight * np.minimum(p0, p1).sum(axis=0)
    if model in ("independence", "pseudo-bayesian"):
        weight = 1.0 if model == "independence" else 1.0 - opts.blend_weight
        if seed is None:
            flows = (p0.T * factors(1.0, p0.sum(axis=1))[None, :]) @ p1
        else:
            s = np.asarray(seed, dtype=float)
            seeded = ipf_seeded(s, p0.T, p1.T, tol=opts.tol, max_iter=opts.max_iter)
            flows = seeded.summed(s)
        od += weight * flows
        stayers += weight * np.diag(flows)
    np.fill_diagonal(od, 0.0)
    return od, stayers, seeded


def _minimum_array(p0: np.ndarray, p1: np.ndarray) -> np.ndarray:
    out, into, total = _movers(p0, p1)
    flows = np.einsum("ik,jk->ijk", out, into) * factors(1.0, total)[None, None, :]
    n = p0.shape[0]
    flows[np.arange(n), np.arange(n), :] = np.minimum(p0, p1).T
    return flows


def _independence_array(
    p0: np.ndarray, p1: np.ndarray, seed: np.ndarray | None, seeded: SeededFit | None
) -> np.ndarray:
    if seed is None or seeded is None:
        return np.einsum("ki,kj->ijk", p0, p1) * factors(1.0, p0.sum(axis=1))[None, None, :]
    return np.einsum("ik,ij,jk->ijk", seeded.a, seed, seeded.b)
