"""Survey estimates for tables: weighted totals and domain totals with standard errors,
coefficients of variation, confidence intervals and reliability flags, per cell.

One entry point, :func:`survey_totals`, takes either design:

- :class:`TaylorDesign` (strata, clusters, weights, optional fpc): Taylor linearisation with
  PSUs treated as drawn with replacement, R ``survey``'s ``svydesign(..., nest = TRUE)``;
- :class:`ReplicateDesign` (full-sample and replicate weights): successive-difference,
  jackknife (JK1, JKn), bootstrap, BRR and Fay's BRR, R ``survey``'s ``svrepdesign``.

Cells are numbered; ``cells`` gives each record's cell in each classification of the table
(an ``(n, k)`` array, ``-1`` for none), so a table's detailed cells, margins and grand total
are estimated in one call and stay consistent (every total is the sum of its weighted
records). :func:`migstat.microdata.cells.domains` numbers the combinations of variables. The
formulas and the reliability rule are in ``docs/methods/survey.md``; the test suite checks
every method against R ``survey`` to 1e-8 relative.
"""

from __future__ import annotations

import numpy as np

from migstat.microdata.cells import domains
from migstat.microdata.estimates import (
    FLAG_NAMES,
    FLAGGED,
    RELIABLE,
    SUPPRESSED,
    Estimates,
    ReliabilityRule,
)
from migstat.microdata.replicates import ReplicateDesign, replicate_totals
from migstat.microdata.taylor import TaylorDesign, degrees_of_freedom, taylor_totals

__all__ = [
    "FLAGGED",
    "FLAG_NAMES",
    "RELIABLE",
    "SUPPRESSED",
    "Estimates",
    "ReliabilityRule",
    "ReplicateDesign",
    "TaylorDesign",
    "degrees_of_freedom",
    "domains",
    "survey_totals",
]


def survey_totals(
    design: TaylorDesign | ReplicateDesign,
    cells: np.ndarray,
    y: np.ndarray | None = None,
    *,
    n_cells: int | None = None,
    level: float = 0.95,
) -> Estimates:
    """Weighted totals of ``y`` (persons when ``None``) in every cell with their standard
    errors under the design's variance method."""
    if isinstance(design, ReplicateDesign):
        return replicate_totals(design, cells, y, n_cells=n_cells, level=level)
    return taylor_totals(design, cells, y, n_cells=n_cells, level=level)
