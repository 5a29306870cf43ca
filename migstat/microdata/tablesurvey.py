"""Survey estimates for every cell of a tabulated table: the weighted total, its standard
error, CV, confidence interval and reliability flag.

A table's cells (its breakdown, every subtotal and the total, as the CUBE query made them)
are numbered; each design row (:mod:`migstat.microdata.design`) falls in at most one cell of
each of the ``2^k`` grouping sets of the table's ``k`` dimensions: a dimension collapsed to
its total, or the row's own code there. A row outside the table's universe is in no cell but
stays in the design (its PSU still counts), as R's ``svyby`` on a subset of a design does. The
estimators then give every cell at once (:func:`migstat.microdata.survey.survey_totals`).

The published values stay the table's whole numbers (cells rounded once, totals summed from
them); the standard error, CV and interval are those of the unrounded weighted total.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from migstat.microdata.cells import cell_sums, membership
from migstat.microdata.design import DesignRows, SurveyPlan
from migstat.microdata.replicates import ReplicateDesign
from migstat.microdata.survey import survey_totals
from migstat.microdata.tables import Axis, TableResult
from migstat.microdata.taylor import TaylorDesign
from migstat.model.precision import RELIABILITY_CODES, Precision

Key = tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CellEstimate:
    """One cell's survey estimate; ``flag`` is RELIABLE, FLAGGED or SUPPRESSED."""

    total: float
    se: float
    cv: float | None
    ci_low: float
    ci_high: float
    records: int
    flag: int

    def precision(self, level: float) -> Precision:
        return Precision(
            se=self.se,
            cv=self.cv,
            level=round(level * 100),
            low=self.ci_low,
            high=self.ci_high,
            reliability=RELIABILITY_CODES[self.flag],
        )


def _inside(rows: DesignRows, axes: list[Axis]) -> np.ndarray:
    """Whether each row is in the table's universe."""
    n = rows.weights.size
    inside = np.ones(n, dtype=bool)
    for axis in axes:
        if axis.keep is not None:
            keep = axis.keep
            values = rows.values[axis.role]
            inside &= np.fromiter((keep.get(v, False) for v in values), dtype=bool, count=n)
    return inside


def cell_index(result: TableResult, axes: list[Axis], rows: DesignRows) -> np.ndarray:
    """``(n_rows, 2^k)``: the number of each row's cell in every grouping set (``-1`` for
    none); cells are numbered in the order of ``result.cells``."""
    keys = list(result.cells)
    dim_axes = [axis for axis in axes if axis.dimension is not None]
    n = rows.weights.size
    inside = _inside(rows, axes)
    per_dim = [sorted({key[j] for key in keys}) for j in range(len(dim_axes))]
    positions = [{code: i for i, code in enumerate(codes)} for codes in per_dim]
    codes, totals = [], []
    for j, axis in enumerate(dim_axes):
        where, code = positions[j], axis.code
        values = rows.values[axis.role]
        codes.append(
            np.fromiter((where.get(code.get(v), -1) for v in values), dtype=np.int64, count=n)
        )
        totals.append(where[axis.dimension.total])  # type: ignore[union-attr]
    shape = tuple(len(c) for c in per_dim)
    lookup = np.full(int(np.prod(shape)), -1, dtype=np.int64)
    for number, key in enumerate(keys):
        lookup[np.ravel_multi_index(tuple(positions[j][c] for j, c in enumerate(key)), shape)] = (
            number
        )
    width = len(dim_axes)
    index = np.full((n, 2**width), -1, dtype=np.int64)
    for mask in range(2**width):
        parts = [np.full(n, totals[j]) if mask >> j & 1 else codes[j] for j in range(width)]
        valid = inside.copy()
        for part in parts:
            valid &= part >= 0
        flat = np.ravel_multi_index(tuple(np.where(valid, p, 0) for p in parts), shape)
        index[:, mask] = np.where(valid, lookup[flat], -1)
    return index


def table_estimates(
    result: TableResult,
    axes: list[Axis],
    rows: DesignRows,
    design: TaylorDesign | ReplicateDesign,
    plan: SurveyPlan,
) -> dict[Key, CellEstimate]:
    """Every cell's estimate under the design, flagged by the plan's reliability rule."""
    keys = list(result.cells)
    index = cell_index(result, axes, rows)
    estimates = survey_totals(design, index, None, n_cells=len(keys), level=plan.level)
    records = np.rint(
        cell_sums(membership(index, rows.weights.size, len(keys)), rows.records.astype(float))
    ).astype(np.int64)
    cv = estimates.cv
    flags = plan.rule.flags(cv, records)
    low, high = estimates.ci_low, estimates.ci_high
    return {
        key: CellEstimate(
            total=float(estimates.total[i]),
            se=float(estimates.se[i]),
            cv=None if np.isnan(cv[i]) else float(cv[i]),
            ci_low=float(low[i]),
            ci_high=float(high[i]),
            records=int(records[i]),
            flag=int(flags[i]),
        )
        for i, key in enumerate(keys)
    }
