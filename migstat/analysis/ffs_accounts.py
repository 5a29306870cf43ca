"""The demographic accounts of flows from stocks: the two stock tables adjusted until they
account for each other, before any flow is read off them.

In the order :func:`migstat.analysis.flows_from_stocks.estimate_flows` applies them: a negative
native-born cell repaired or refused, the world total balanced against births minus deaths,
births and deaths spread over place of birth and taken out, and the birthplace totals of both
tables made equal (rescaled in a closed world, or the surplus leaving or entering it). Every
step that cannot be honoured stops with a :class:`~migstat.model.MigstatError` saying where.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

import numpy as np

from migstat.analysis.ffs_ipf import (
    Fit,
    MarginMismatch,
    factors,
    ipf2,
    ipf2_columns_first,
    scale_newton,
    scale_to,
)
from migstat.i18n import N_, gettext_
from migstat.model import MigstatError

if TYPE_CHECKING:
    from migstat.analysis.flows_from_stocks import FfsOptions


_NEGATIVE_NATIVE = {
    "start": N_(
        "The native-born population of {area} in the start table is negative "
        "({value}): the foreign-born exceed the whole population. Correct the table, "
        "or allow migest's repair (zero it and scale the other cells of the column "
        "down to the column total)."
    ),
    "end": N_(
        "The native-born population of {area} in the end table is negative ({value}): "
        "the foreign-born exceed the whole population. Correct the table, or allow "
        "migest's repair (zero it and scale the other cells of the column down to the "
        "column total)."
    ),
}


def native_born(p: np.ndarray, codes: tuple[str, ...], opts: FfsOptions, name: str) -> np.ndarray:
    """A negative native-born count (more foreign-born than people): an error, or migest's
    repair of zeroing it and scaling the column's other cells down to keep its total."""
    negative = np.diag(p) < 0
    if not negative.any():
        return p
    if opts.negative_native_born == "error":
        i = int(np.argmax(negative))
        raise MigstatError(_NEGATIVE_NATIVE[name], area=codes[i], value=float(p[i, i]))
    fixed = p.copy()
    repaired = scale_to(np.maximum(p, 0.0), p.sum(axis=0), axis=0)
    fixed[:, negative] = repaired[:, negative]
    return fixed


def total_tolerance(p0: np.ndarray, p1: np.ndarray, opts: FfsOptions) -> float:
    """How far totals may differ and still count as equal: the IPF tolerance, or a relative
    1e-9 of the world total for very large tables (floating-point sums)."""
    return max(opts.tol, 1e-9 * max(float(p0.sum()), float(p1.sum()), 1.0))


def _round_to_total(x: np.ndarray, total: float) -> np.ndarray:
    """``x`` scaled to ``total`` and rounded to whole people (half to even), the remainder
    given to the largest cell (the first of equals: migest picks one at random)."""
    s = x.sum()
    scaled = np.round(x * (total / s)) if s else np.zeros_like(x)
    rest = total - scaled.sum()
    if rest != 0 and len(x):
        scaled[int(np.argmax(np.abs(x)))] += rest
    return scaled


def balance_world_rounded(
    p0: np.ndarray, p1: np.ndarray, b: np.ndarray, d: np.ndarray, tolerance: float
) -> tuple[np.ndarray, np.ndarray, float]:
    """Before births and deaths: make the world change in stocks equal births minus deaths by
    moving half the gap out of the start and half into the end native-born (whole people)."""
    gap = float((b - d).sum() - (p1.sum() - p0.sum()))
    if abs(gap) <= 1e-9 * max(1.0, float(p0.sum())):
        return p0, p1, 0.0
    p0 = p0.copy()
    p1 = p1.copy()
    np.fill_diagonal(p0, _round_to_total(np.diag(p0), float(np.trace(p0)) - gap / 2))
    np.fill_diagonal(p1, _round_to_total(np.diag(p1), float(np.trace(p1)) + gap / 2))
    return p0, p1, gap


def balance_world(p0: np.ndarray, p1: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """After births and deaths: equal world totals, the gap split between the native-born of
    both tables in proportion, without rounding."""
    gap = float(p1.sum() - p0.sum())
    if gap == 0:
        return p0, p1, 0.0
    p0 = p0.copy()
    p1 = p1.copy()
    n0 = np.diag(p0)
    n1 = np.diag(p1)
    np.fill_diagonal(p0, n0 + gap * factors(n0, n0.sum()) * 0.5)
    np.fill_diagonal(p1, n1 - gap * factors(n1, n1.sum()) * 0.5)
    return p0, p1, gap


def birth_table(b: np.ndarray, p1: np.ndarray, opts: FfsOptions) -> np.ndarray:
    """Births by place of birth x residence: all native-born (``native``), except where the
    births exceed the end native-born (then, as for ``proportion``, spread over the column)."""
    spread = scale_to(p1, b, axis=0)
    if opts.birth_method == "proportion":
        return spread
    births = np.diag(b)
    if opts.birth_non_negative:
        short = np.diag(p1) - b < 0
        births[:, short] = spread[:, short]
    return births


def death_table(
    d: np.ndarray,
    p0: np.ndarray,
    p1: np.ndarray,
    b: np.ndarray,
    opts: FfsOptions,
    codes: tuple[str, ...],
) -> np.ndarray:
    """Deaths by place of birth x residence: in proportion to the start stocks, or fitted
    also to the deaths by place of birth that the accounts imply (``accounting``)."""
    if opts.death_method == "proportion":
        return scale_to(p0, d, axis=0)
    by_birth = p0.sum(axis=1) + b - p1.sum(axis=1)
    if (by_birth < -1e-9).any():
        k = int(np.argmin(by_birth))
        raise MigstatError(
            N_(
                "Accounting deaths: people born in {area} would have {value} "
                "deaths (start stock + births - end stock is negative); use "
                "deaths in proportion to the stocks."
            ),
            area=codes[k],
            value=float(by_birth[k]),
        )
    try:
        return ipf2_columns_first(p0, np.maximum(by_birth, 0.0), d).table
    except MarginMismatch as gap:
        raise MigstatError(
            N_(
                "Accounting deaths: the deaths by place of birth implied by the "
                "stocks and births ({implied}) differ from the deaths given "
                "({given}); use deaths in proportion to the stocks."
            ),
            implied=gap.rows,
            given=gap.cols,
        ) from None


def check_after_demography(
    p0: np.ndarray,
    p1: np.ndarray,
    b: np.ndarray,
    d: np.ndarray,
    codes: tuple[str, ...],
    tolerance: float,
) -> None:
    """Deaths cannot exceed the start population, nor births the end population."""
    for table, events, message in (
        (
            p0,
            d,
            N_(
                "The deaths in {area} ({events}) exceed what its start population "
                "allows: removing them leaves a negative stock. Check the births and "
                "deaths file against the stock tables."
            ),
        ),
        (
            p1,
            b,
            N_(
                "The births in {area} ({events}) exceed what its end population "
                "allows: removing them leaves a negative stock. Check the births and "
                "deaths file against the stock tables."
            ),
        ),
    ):
        low = table.min(axis=0) < -tolerance
        if low.any():
            i = int(np.argmax(low))
            raise MigstatError(message, area=codes[i], events=float(events[i]))


NEGATIVE_STAYERS = N_(
    "Matching birthplace totals by the open method leaves a negative number of people born "
    "in {birth} and living there ({start} at the start, {end} at the end); the estimate "
    "carries on as migest does (only flows between places are estimated, and they are all "
    "non-negative), but check the tables of {birth}."
)


class NegativeStayers(UserWarning):
    """The open method left only stayers (the diagonal) negative: the estimate carries on.
    ``params`` fill :data:`NEGATIVE_STAYERS` in the reader's language."""

    def __init__(self, params: dict[str, object]) -> None:
        super().__init__(gettext_(NEGATIVE_STAYERS, "en", **params))
        self.params = params


def match_birthplace(
    p0: np.ndarray, p1: np.ndarray, codes: tuple[str, ...], opts: FfsOptions, tolerance: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, list[Fit]]:
    """Make the number born in each place equal in both tables (nobody changes birthplace)."""
    gap = p0.sum(axis=1) - p1.sum(axis=1)
    zeros = np.zeros_like(p0)
    if opts.birthplace_totals == "rescale":
        difference = float(p0.sum() - p1.sum())
        if abs(difference) > tolerance:
            raise MigstatError(
                N_(
                    "The start and end tables differ in total by {difference} "
                    "after births and deaths, so the birthplace totals cannot be "
                    "rescaled in a closed world. Balance the world total "
                    "(before or after births and deaths), or use the open "
                    "method, which lets the difference leave or enter."
                ),
                difference=difference,
            )
        middle = (p0.sum(axis=1) + p1.sum(axis=1)) / 2
        fitter = ipf2 if opts.fit == "mipfp" else scale_newton
        fit0 = fitter(
            p0, middle, p0.sum(axis=0), tol=opts.tol, margin_tol=tolerance, max_iter=opts.max_iter
        )
        fit1 = fitter(
            p1, middle, p1.sum(axis=0), tol=opts.tol, margin_tol=tolerance, max_iter=opts.max_iter
        )
        rows0, rows1 = fit0.table.sum(axis=1), fit1.table.sum(axis=1)
        empty = ((rows0 <= tolerance) & (rows1 > tolerance)) | (
            (rows1 <= tolerance) & (rows0 > tolerance)
        )
        if empty.any():  # migest carries on with unmatched totals here
            k = int(np.argmax(empty))
            raise MigstatError(
                N_(
                    "People born in {area} number {start} in the start table and "
                    "{end} in the end table (after births and deaths); rescaling "
                    "cannot put people into a row that is empty in one table. Use "
                    "the open-dr method, or correct the tables."
                ),
                area=codes[k],
                start=round(float(p0[k].sum()), 3),
                end=round(float(p1[k].sum()), 3),
            )
        return fit0.table, fit1.table, zeros, zeros, [fit0, fit1]
    # open: the surplus of a birthplace leaves (start > end) or enters (end > start) the
    # system, spread like the other table's row (open) or the table's own row (open-dr).
    own = opts.birthplace_totals == "open-dr"
    left = scale_to(p0 if own else p1, np.maximum(gap, 0.0), axis=1)
    entered = scale_to(p1 if own else p0, np.maximum(-gap, 0.0), axis=1)
    q0 = p0 - left
    q1 = p1 - entered
    unmatched = np.abs(q0.sum(axis=1) - q1.sum(axis=1)) > tolerance
    if unmatched.any():
        k = int(np.argmax(unmatched))
        raise MigstatError(
            N_(
                "People born in {area} number {start} at the start and {end} at "
                "the end, and the difference cannot be spread over a row that "
                "is empty in the other table. Use the open-dr or rescale "
                "method."
            ),
            area=codes[k],
            start=float(p0[k].sum()),
            end=float(p1[k].sum()),
        )
    negative = np.minimum(q0, q1) < -tolerance
    abroad = negative.copy()
    np.fill_diagonal(abroad, False)
    if negative.any() and not abroad.any():
        # only stayers (born and living in the same place) went negative: migest carries on,
        # and so do we, saying so; the flows between places are all non-negative then
        for k in map(int, np.flatnonzero(np.diag(negative))):
            params = {
                "birth": codes[k],
                "start": round(float(q0[k, k]), 3),
                "end": round(float(q1[k, k]), 3),
            }
            warnings.warn(NegativeStayers(params), stacklevel=2)
    elif negative.any():
        k, i = map(int, np.argwhere(abroad)[0])
        raise MigstatError(
            N_(
                "Matching birthplace totals by the open method leaves a negative "
                "stock of people born in {birth} living in {residence}; use "
                "the open-dr or rescale method."
            ),
            birth=codes[k],
            residence=codes[i],
        )
    return q0, q1, left, entered, []
