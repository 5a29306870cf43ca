"""Estimated totals with their standard errors, and the reliability rule offices apply to them.

:class:`Estimates` is what both variance methods (``taylor``, ``replicates``) return: per cell
the weighted total, its standard error and the number of sample records behind it; the
coefficient of variation and the confidence interval follow from those. Confidence intervals
use the normal quantile, as R ``survey``'s ``confint()`` does by default (``df = Inf``).

:class:`ReliabilityRule` turns the CV (and optionally the sample count) into a flag per cell:
reliable, flagged (publish with a warning: SDMX ``OBS_STATUS`` ``U``, low reliability) or
suppressed (do not publish the value: ``OBS_STATUS`` ``Q``, see :meth:`Estimates.published`).
The thresholds are the office's; the defaults are the common 16.6 % / 33.3 % rule
(Statistics Canada's E and F grades).
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

from migstat.i18n import N_
from migstat.model import MigstatError, ObsStatus

RELIABLE = 0
FLAGGED = 1
SUPPRESSED = 2
FLAG_NAMES = {RELIABLE: "reliable", FLAGGED: "flagged", SUPPRESSED: "suppressed"}
# The SDMX OBS_STATUS each flag is published with: low reliability (U) for a flagged value,
# "missing value; suppressed" (Q) for a value withheld as too unreliable (not confidential:
# that is CONF_STATUS, set by disclosure control).
OBS_STATUS_OF_FLAG = {
    RELIABLE: ObsStatus.NORMAL.value,
    FLAGGED: ObsStatus.LOW_RELIABILITY.value,
    SUPPRESSED: ObsStatus.SUPPRESSED.value,
}


@dataclass(frozen=True)
class ReliabilityRule:
    """Flag cells by coefficient of variation: ``cv >= flag_cv`` is flagged, ``cv >
    suppress_cv`` is suppressed; a cell with fewer than ``min_records`` sample records is
    suppressed whatever its CV; a zero estimate (no CV) is suppressed when ``suppress_zero``."""

    flag_cv: float = 0.166
    suppress_cv: float = 0.333
    min_records: int = 0
    suppress_zero: bool = True

    def __post_init__(self) -> None:
        if not (0 < self.flag_cv <= self.suppress_cv) or self.min_records < 0:
            raise MigstatError(
                N_(
                    "A reliability rule needs 0 < flag CV <= suppression CV and a minimum "
                    "sample count of 0 or more; got {flag}, {suppress} and {records}."
                ),
                flag=self.flag_cv,
                suppress=self.suppress_cv,
                records=self.min_records,
            )

    def flags(self, cv: np.ndarray, records: np.ndarray) -> np.ndarray:
        """The flag of every cell (``RELIABLE``, ``FLAGGED`` or ``SUPPRESSED``) as ``int8``."""
        out = np.full(cv.shape, RELIABLE, dtype=np.int8)
        known = ~np.isnan(cv)
        out[known & (cv >= self.flag_cv)] = FLAGGED
        out[known & (cv > self.suppress_cv)] = SUPPRESSED
        if self.suppress_zero:
            out[~known] = SUPPRESSED
        out[records < self.min_records] = SUPPRESSED
        return out


@dataclass(frozen=True)
class Estimates:
    """Per cell: the weighted ``total``, its standard error ``se`` and the number of sample
    ``records``; ``level`` is the confidence level of the intervals."""

    total: np.ndarray
    se: np.ndarray
    records: np.ndarray
    level: float = 0.95

    @property
    def variance(self) -> np.ndarray:
        return self.se**2

    @property
    def cv(self) -> np.ndarray:
        """``se / |total|`` (R's ``cv()``); ``nan`` where the total is zero."""
        size = np.abs(self.total)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(size > 0, self.se / np.where(size > 0, size, 1.0), np.nan)

    def _half_width(self) -> np.ndarray:
        return NormalDist().inv_cdf(0.5 + self.level / 2) * self.se

    @property
    def ci_low(self) -> np.ndarray:
        return self.total - self._half_width()

    @property
    def ci_high(self) -> np.ndarray:
        return self.total + self._half_width()

    def flags(self, rule: ReliabilityRule | None = None) -> np.ndarray:
        """The reliability flag of every cell under ``rule`` (the default rule if none)."""
        return (rule or ReliabilityRule()).flags(self.cv, self.records)

    def published(self, rule: ReliabilityRule | None = None) -> list[tuple[float | None, str]]:
        """Per cell the value to publish (``None`` when suppressed: an empty cell is never
        zero) and its SDMX ``OBS_STATUS``."""
        flags = self.flags(rule)
        return [
            (None if flag == SUPPRESSED else float(value), OBS_STATUS_OF_FLAG[int(flag)])
            for value, flag in zip(self.total, flags, strict=True)
        ]


def check_level(level: float) -> float:
    if not 0 < level < 1:
        raise MigstatError(
            N_("The confidence level must lie between 0 and 1; got {level}."), level=level
        )
    return float(level)


WEIGHT_MESSAGES = (
    N_("The weights have {found} values but the design has {records} records."),
    N_(
        "Record {row}: the weight is {value}; it must be a number of 0 or more. "
        "Fix or drop the record."
    ),
)
FPC_MESSAGES = (
    N_("The finite population correction has {found} values but the design has {records} records."),
    N_(
        "Record {row}: the finite population correction is {value}; "
        "it must be a number of 0 or more."
    ),
)


def check_weights(
    values: object, n_records: int | None, messages: tuple[str, str] = WEIGHT_MESSAGES
) -> np.ndarray:
    """A finite, non-negative float vector of the right length, or an error naming the first
    bad record (counted from 1); ``messages`` say it of the weights or of the fpc."""
    w = np.asarray(values, dtype=float)
    if w.ndim != 1 or (n_records is not None and w.size != n_records):
        raise MigstatError(
            messages[0], found=w.size, records=n_records if n_records is not None else w.size
        )
    bad = np.flatnonzero(~np.isfinite(w) | (w < 0))
    if bad.size:
        raise MigstatError(messages[1], row=int(bad[0]) + 1, value=float(w[bad[0]]))
    return w


def check_values(values: object | None, n_records: int) -> np.ndarray:
    """The variable to total (``None`` counts persons: ``y = 1``), finite, one per record."""
    if values is None:
        return np.ones(n_records)
    y = np.asarray(values, dtype=float)
    if y.shape != (n_records,):
        raise MigstatError(
            N_("The variable to total has {found} values but the design has {records} records."),
            found=y.size,
            records=n_records,
        )
    bad = np.flatnonzero(~np.isfinite(y))
    if bad.size:
        raise MigstatError(
            N_("Record {row}: the variable to total is missing or not a number."),
            row=int(bad[0]) + 1,
        )
    return y
