"""Which period a page opens on, and which recent periods are still incomplete.

A page that opens on the latest period opens on the emptiest one: partners report a year or
two late, so the last year of a mirror series or a flow table holds a fraction of the
corridors of the year before (CIS-Stat's 2025: 30 corridors and no Russia, 2024: 110). Pages
open instead on the latest *well-covered* period, the latest whose coverage reaches
:data:`SHARE` of the best period's, and mark the periods after it as incomplete instead of
drawing them as a fall to zero.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TypeVar

P = TypeVar("P", int, str)

SHARE = 0.8
"""A period is well covered when it holds at least this share of the best period's count."""


def well_covered(counts: Mapping[P, float], share: float = SHARE) -> P | None:
    """The latest period whose count reaches ``share`` of the largest (``None`` if none has
    any); counts are corridors, reporting countries or partners with data."""
    best = max(counts.values(), default=0)
    if best <= 0:
        return None
    return max(p for p, n in counts.items() if n >= share * best)


def incomplete(counts: Mapping[P, float], share: float = SHARE) -> list[P]:
    """The periods after the latest well-covered one: reported by too few so far to be
    compared with the others."""
    last = well_covered(counts, share)
    if last is None:
        return []
    return sorted(p for p in counts if p > last)


def reporting_counts(
    coverage: Iterable[tuple[str, str, str, str, int]], tables: tuple[str, ...]
) -> dict[int, int]:
    """Per year, how many reporting areas have data in every one of ``tables`` (the store's
    coverage rows: provider, area, table, period, observations)."""
    seen: dict[tuple[int, str], set[str]] = {}
    for _provider, area, table, period, _n in coverage:
        if table in tables and period[:4].isdigit():
            seen.setdefault((int(period[:4]), area), set()).add(table)
    counts: dict[int, int] = {}
    for (year, _area), have in seen.items():
        if len(have) == len(tables):
            counts[year] = counts.get(year, 0) + 1
    return counts
