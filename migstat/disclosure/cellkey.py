"""The cell-key method: a small, deterministic perturbation of counts that keeps totals additive
(docs/methods/disclosure.md).

Every record carries a *record key*, a whole number 0-255 fixed once for the record. A cell's
*cell key* is the sum of its records' keys modulo 256, so the same cell (the same records)
has the same key wherever it appears, in any table and any run. The *perturbation table*
(``ptable``) gives for each count ``n`` (counts above ``max_count`` use the row of
``max_count``) and each cell key the amount added to the count: ``n + p`` is never negative,
zero stays zero, and over the 256 keys the perturbation has mean 0 and variance ``variance``
within ``-max_perturbation .. max_perturbation`` (the maximum-entropy distribution with that
mean and variance on the allowed range, as in the ONS and ABS designs).

Additivity: only the *inner* cells of a table (its most detailed breakdown, including the
records a dimension counts in its total only) are perturbed; every subtotal and total is the
sum of the perturbed inner cells it covers, so a table's totals add up exactly. The same
inner cell is perturbed the same wherever it appears; a margin is the sum of its perturbed
parts, so two tables with the same inner breakdown show the same margins.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from functools import cache

import numpy as np
from scipy.optimize import fsolve

from migstat.i18n import N_
from migstat.model import MigstatError

MODULUS = 256
"""Record and cell keys are whole numbers 0..255."""


@dataclass(frozen=True)
class CellKeyRule:
    """The parameters of the method, recorded with the tables it protected."""

    max_perturbation: int = 2
    variance: float = 1.0
    max_count: int = 20

    def __post_init__(self) -> None:
        top = self.max_perturbation
        if not (1 <= top <= 10) or not (0 < self.variance <= top * top) or self.max_count < 1:
            raise MigstatError(
                N_(
                    "The cell-key method needs a maximum perturbation of 1 to 10, a variance "
                    "above 0 and at most its square, and a largest distinct count of 1 or "
                    "more; got {top}, {variance} and {count}."
                ),
                top=top,
                variance=self.variance,
                count=self.max_count,
            )

    def parameters(self, weighted: bool = False) -> dict[str, object]:
        out: dict[str, object] = {
            "max_perturbation": self.max_perturbation,
            "variance": self.variance,
            "max_count": self.max_count,
            "key_modulus": MODULUS,
            "additivity": "inner cells perturbed, every total summed from them",
        }
        if weighted:
            out["weighted"] = (
                "the unweighted count perturbed, the weighted count scaled by the same ratio "
                "(perturbed / unweighted), rounded to whole persons"
            )
        return out


def _distribution(values: np.ndarray, variance: float) -> np.ndarray:
    """The maximum-entropy distribution on ``values`` with mean 0 and ``variance`` (or the
    closest the range allows: a range with no negative side cannot have mean 0)."""
    if values.size == 1:
        return np.ones(1)

    def equations(params: np.ndarray) -> list[float]:
        a, b = params
        weights = np.exp(a * values - b * values**2)
        p = weights / weights.sum()
        return [float(p @ values), float(p @ values**2) - variance]

    a, b = fsolve(equations, [0.0, 0.5], xtol=1e-12)
    weights = np.exp(a * values - b * values**2)
    return weights / weights.sum()


@cache
def ptable(rule: CellKeyRule) -> np.ndarray:
    """``(max_count + 1, 256)``: the perturbation of a count ``n`` with cell key ``k``."""
    top = rule.max_perturbation
    out = np.zeros((rule.max_count + 1, MODULUS), dtype=np.int64)
    for n in range(1, rule.max_count + 1):
        values = np.arange(max(-n, -top), top + 1)
        variance = min(rule.variance, float(n * top))  # small counts cannot vary as much
        p = _distribution(values.astype(float), variance)
        bounds = np.cumsum(p) * MODULUS
        position = np.arange(MODULUS) + 0.5
        out[n] = values[np.minimum(np.searchsorted(bounds, position), values.size - 1)]
    return out


def perturbation(rule: CellKeyRule, counts: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """The amount added to each count for its cell key."""
    table = ptable(rule)
    rows = np.minimum(np.asarray(counts, dtype=np.int64), rule.max_count)
    return table[rows, np.asarray(keys, dtype=np.int64) % MODULUS]


Key = tuple[str | None, ...]


def perturb_table(
    rule: CellKeyRule,
    inner: dict[Key, tuple[int, int]] | dict[Key, tuple[int, int, float]],
    totals: tuple[str, ...],
    published: list[tuple[str, ...]],
) -> dict[tuple[str, ...], int]:
    """Perturb the inner cells ``key -> (count, sum of record keys)`` (a code of ``None``:
    records a dimension counts in its total only) and sum every published cell from them.

    A weighted table gives ``(count, sum of record keys, weighted count)``: its unweighted
    count is perturbed and its weighted count scaled by the same ratio, ``w * (n + p) / n``
    (the cell's average weight times its perturbed count, as sdcTools' cellKey and the ABS
    TableBuilder do), rounded half to even to whole persons before the totals are summed.

    ``totals`` is each dimension's total code; ``published`` the cells to return."""
    keys = list(inner)
    counts = np.array([inner[k][0] for k in keys], dtype=np.int64)
    cell_keys = np.array([inner[k][1] for k in keys], dtype=np.int64)
    perturbed = counts + perturbation(rule, counts, cell_keys)
    if keys and len(inner[keys[0]]) == 3:
        weighted = np.array([inner[k][2] for k in keys], dtype=float)  # type: ignore[misc]
        ratio = np.divide(perturbed, counts, out=np.zeros(len(keys)), where=counts > 0)
        perturbed = np.round(weighted * ratio).astype(np.int64)
    sums: dict[tuple[str | None, ...], int] = {}
    width = len(totals)
    for key, value in zip(keys, perturbed.tolist(), strict=True):
        for collapse in itertools.product((False, True), repeat=width):
            target = tuple(totals[i] if collapse[i] else key[i] for i in range(width))
            if None in target:
                continue
            sums[target] = sums.get(target, 0) + value
    return {key: sums.get(key, 0) for key in published}
