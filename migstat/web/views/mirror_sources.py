"""The source lines of the mirror charts: who published the numbers each chart plots.

A mirror chart sets two sides of the same moves against each other, each side read from the
submission :mod:`migstat.analysis.mirror` chose for that reporting country and year
(:class:`~migstat.analysis.mirror_model.Side`). The line names every publisher or reporting
country among those sides, with the editions or submissions and the dates they were received,
and the marks of the values plotted (synthetic, estimated, provisional ...), like the
explorer's chart (:func:`.provenance.chart_line`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from migstat.analysis.mirror import MirrorMatrix
from migstat.analysis.mirror_model import Side
from migstat.store.records import SubmissionRecord
from migstat.web.deps import Reader
from migstat.web.views.provenance import chart_line
from migstat.web.views.providers import example_providers

Corridor = tuple[int, str, str]
"""A year and the origin and destination of one corridor."""


def _line(
    r: Reader, m: MirrorMatrix, sides: list[Side], corridors: set[Corridor]
) -> dict[str, Any]:
    wanted = {s.submission_id for s in sides}
    submissions = r.submissions()
    return chart_line(
        r.registry,
        r.lang,
        [s for s in submissions if s.id in wanted],
        synthetic=any(s.synthetic for s in sides),
        statuses=(
            status
            for (_side, *corridor), status in m.statuses.items()
            if tuple(corridor) in corridors
        ),
        examples=example_providers(submissions),
    )


def _sides(m: MirrorMatrix, corridors: Iterable[Corridor]) -> tuple[list[Side], set[Corridor]]:
    """The sides of both ends of ``corridors`` (emigration by the origin, immigration by the
    destination), where they have a number."""
    sides, drawn = [], set()
    for year, origin, destination in corridors:
        found = [
            m.emigration_sides.get((year, origin)),
            m.immigration_sides.get((year, destination)),
        ]
        sides += [s for s in found if s is not None]
        drawn.add((year, origin, destination))
    return sides, drawn


def corridor_line(
    r: Reader, m: MirrorMatrix, origin: str, destination: str, years: list[int]
) -> dict[str, Any]:
    """The source line of one corridor's chart over ``years``."""
    sides, drawn = _sides(m, ((y, origin, destination) for y in years))
    return _line(r, m, sides, drawn)


def _report_corridors(m: MirrorMatrix, country: str, axis: int) -> list[Corridor]:
    """The corridors of ``country`` both sides report, every year: where it is the origin
    (``axis`` 0, its emigration) or the destination (1, its immigration)."""
    k = m.countries.index(country)
    corridors: list[Corridor] = []
    for y, year in enumerate(m.years):
        row = m.both[y, k, :] if axis == 0 else m.both[y, :, k]
        for j in np.flatnonzero(row):
            other = m.countries[int(j)]
            corridors.append((year, country, other) if axis == 0 else (year, other, country))
    return corridors


def synthetic_years(m: MirrorMatrix, country: str) -> set[int]:
    """The years in which a side of ``country``'s report is synthetic: its totals then add
    made-up numbers to published ones, and must not be read as a change."""
    if country not in m.countries:
        return set()
    return {
        year
        for axis in (0, 1)
        for year, origin, destination in _report_corridors(m, country, axis)
        for side in _sides(m, [(year, origin, destination)])[0]
        if side.synthetic
    }


def real_partners(m: MirrorMatrix, country: str) -> dict[int, int]:
    """Per year, the partners of ``country``'s report (corridors both sides report, its
    emigration and its immigration) whose two sides are read from real numbers: a year
    whose sides are mostly synthetic is marked, but a page does not open on it."""
    counts: dict[int, int] = {}
    if country not in m.countries:
        return counts
    for axis in (0, 1):
        for corridor in _report_corridors(m, country, axis):
            if not any(side.synthetic for side in _sides(m, [corridor])[0]):
                counts[corridor[0]] = counts.get(corridor[0], 0) + 1
    return counts


def corridor_synthetic_years(
    m: MirrorMatrix, origin: str, destination: str, years: Iterable[int]
) -> set[int]:
    """The years in which a side of one corridor is read from synthetic numbers."""
    return {
        year
        for year in years
        for side in _sides(m, [(year, origin, destination)])[0]
        if side.synthetic
    }


def synthetic_only(submissions: Iterable[SubmissionRecord]) -> set[str]:
    """The sources all of whose submissions are synthetic (the demo's questionnaires)."""
    kinds: dict[str, set[bool]] = {}
    for record in submissions:
        kinds.setdefault(record.provider, set()).add(record.synthetic)
    return {provider for provider, found in kinds.items() if found == {True}}


def synthetic_sides(m: MirrorMatrix, year: int) -> list[str]:
    """The reporting countries whose side in ``year`` (emigration or immigration) is read
    from synthetic numbers."""
    sides = list(m.emigration_sides.items()) + list(m.immigration_sides.items())
    return sorted({area for (y, area), side in sides if y == year and side.synthetic})


def report_lines(r: Reader, m: MirrorMatrix, country: str) -> dict[str, dict[str, Any]]:
    """The source lines of a country report's two charts, ``emigration`` and
    ``immigration``: the corridors both sides report, as the report's series adds them up."""
    if country not in m.countries:
        return {}
    return {
        name: _line(r, m, *_sides(m, _report_corridors(m, country, axis)))
        for name, axis in (("emigration", 0), ("immigration", 1))
    }
