"""Duration of stay: coefficients that put a flow reported under one residence rule on the
12-month definition.

A flow reported under a residence rule of *t* months (or permanent registration) is multiplied
by a coefficient to approximate the flow under the 12-month rule. The published sets (IMEM,
Raymer et al. 2013; Willekens 2019 expert, Poisson and mixture) are shipped as
``harmonise_duration_coefficients.csv``, an unchanged copy of the table in
``MaciejDanko/UndercountMigScores`` (see ``docs/methods/harmonisation.md``); a user may give a
file in the same layout. Thresholds between the tabulated ones are interpolated linearly in
months. This is the first step of :mod:`migstat.analysis.harmonise`; the results are estimates,
never written over reported data.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from migstat.analysis.mirror_model import MirrorMatrix
from migstat.i18n import N_
from migstat.model import InputError
from migstat.model.data import Location

COEFFICIENTS_FILE = Path(__file__).with_name("harmonise_duration_coefficients.csv")
DEFAULT_SET = "imem_model"
PERMANENT = "permanent"
RULE_MONTHS: dict[str, float | str] = {
    "12_months": 12,
    "9_months": 9,
    "6_months_1_day": 6,
    "3_months": 3,
    "no_time_limit": 0,
    "permanent_registration": PERMANENT,
}
"""Residence rules of :class:`~migstat.model.data.ResidenceRule` as thresholds."""


@dataclass(slots=True)
class DurationCoefficients:
    """Sets of duration-of-stay coefficients: threshold (months) -> multiplier per set."""

    thresholds: list[float]
    sets: dict[str, list[float]]
    """Set name -> one coefficient per threshold, in ``thresholds`` order."""
    permanent: dict[str, float]
    """Set name -> coefficient for permanent registration (or a stay of 5 years)."""
    source: str

    def coefficient(self, name: str, rule: str | None, months: float | None = None) -> float | None:
        """The multiplier of set ``name`` for a residence rule (or a number of months);
        ``None`` when the rule is not stated or lies outside the table."""
        if name not in self.sets:
            raise InputError(
                N_("Unknown coefficient set {name}: use one of {sets}."),
                name=name,
                sets=", ".join(self.sets),
            )
        threshold = RULE_MONTHS.get(rule or "", months)
        if threshold is None and months is not None:
            threshold = months
        if threshold is None:
            return None
        if threshold == PERMANENT:
            return self.permanent.get(name)
        t = float(threshold)
        if t < self.thresholds[0] or t > self.thresholds[-1]:
            return None
        return float(np.interp(t, self.thresholds, self.sets[name]))


def load_coefficients(path: str | Path | None = None) -> DurationCoefficients:
    """Read coefficient sets (default: the published ones shipped with migstat).

    Layout: a header ``duration_threshold_months,<set>,<set>...``; one row per threshold in
    months and one row whose threshold starts with ``permanent``. A bad file raises
    :class:`InputError` naming the line and column.
    """
    file = Path(path) if path else COEFFICIENTS_FILE
    try:
        text = file.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise InputError(
            N_("Cannot read the coefficient file {file}: {reason}"),
            where=Location(file=file.name),
            file=str(file),
            reason=exc.strerror or str(exc),
        ) from exc
    rows = [r for r in csv.reader(io.StringIO(text)) if r and any(c.strip() for c in r)]
    if not rows or rows[0][0].strip() != "duration_threshold_months" or len(rows[0]) < 2:
        raise InputError(
            N_(
                "The coefficient file must start with the header "
                "duration_threshold_months followed by one column per set."
            ),
            where=Location(file=file.name, line=1),
        )
    names = [c.strip() for c in rows[0][1:]]
    thresholds: list[float] = []
    sets: dict[str, list[float]] = {n: [] for n in names}
    permanent: dict[str, float] = {}
    for line, row in enumerate(rows[1:], start=2):
        if len(row) != len(names) + 1:
            raise InputError(
                N_("The record has {count} fields; the header has {expected}."),
                where=Location(file=file.name, line=line),
                count=len(row),
                expected=len(names) + 1,
            )
        head = row[0].strip()
        values = []
        for name, cell in zip(names, row[1:], strict=True):
            try:
                value = float(cell)
            except ValueError:
                raise InputError(
                    N_("Coefficient {value} is not a number."),
                    where=Location(file=file.name, line=line, column=name),
                    value=cell,
                ) from None
            if not value > 0:
                raise InputError(
                    N_("Coefficient {value} must be above zero."),
                    where=Location(file=file.name, line=line, column=name),
                    value=cell,
                )
            values.append(value)
        if head.casefold().startswith(PERMANENT):
            permanent = dict(zip(names, values, strict=True))
            continue
        try:
            months = float(head)
        except ValueError:
            raise InputError(
                N_("Threshold {value} is neither a number of months nor permanent."),
                where=Location(file=file.name, line=line, column="duration_threshold_months"),
                value=head,
            ) from None
        if thresholds and months <= thresholds[-1]:
            raise InputError(
                N_("Thresholds must increase: {value} after {previous}."),
                where=Location(file=file.name, line=line, column="duration_threshold_months"),
                value=head,
                previous=thresholds[-1],
            )
        thresholds.append(months)
        for name, value in zip(names, values, strict=True):
            sets[name].append(value)
    if 12.0 not in thresholds:
        raise InputError(
            N_("The coefficient file has no row for the 12-month rule."),
            where=Location(file=file.name),
        )
    return DurationCoefficients(thresholds, sets, permanent, str(file))


def side_coefficients(
    matrix: MirrorMatrix, coefficients: DurationCoefficients, name: str = DEFAULT_SET
) -> tuple[np.ndarray, np.ndarray]:
    """Multipliers ``[year, country]`` for each country's emigration and immigration reports
    (1 where the rule is not stated or not tabulated: such sides stay as reported and carry
    the ``RULE_NOT_STATED`` flag)."""
    shape = (len(matrix.years), len(matrix.countries))
    out = []
    for sides in (matrix.emigration_sides, matrix.immigration_sides):
        coef = np.ones(shape)
        for (year, country), side in sides.items():
            if country not in matrix.countries or year not in matrix.years:
                continue
            value = coefficients.coefficient(
                name,
                side.metadata.get("residence_rule"),
                side.metadata.get("residence_rule_months"),
            )
            if value is not None:
                coef[matrix.years.index(year), matrix.countries.index(country)] = value
        out.append(coef)
    return out[0], out[1]


def duration_adjusted(
    matrix: MirrorMatrix, coefficients: DurationCoefficients, name: str = DEFAULT_SET
) -> tuple[np.ndarray, np.ndarray]:
    """Both sides on the 12-month definition: E[y,o,d]·c_E[y,o] and I[y,o,d]·c_I[y,d]."""
    c_emi, c_imm = side_coefficients(matrix, coefficients, name)
    return (matrix.emigration * c_emi[:, :, None], matrix.immigration * c_imm[:, None, :])


__all__ = [
    "COEFFICIENTS_FILE",
    "DEFAULT_SET",
    "PERMANENT",
    "RULE_MONTHS",
    "DurationCoefficients",
    "duration_adjusted",
    "load_coefficients",
    "side_coefficients",
]
