"""What the explorer opens on when the address does not say: the latest well-covered period,
partners ordered by size with the total row on top (flows and stocks by partner country).

A flow table of CIS-Stat starts in 1991 with empty partner rows (partners were published
from 2016) and its last year holds the few countries that have reported so far; opened on
every year, the data sit off-screen to the right. Without ``start``/``end`` and without a
choice of partners, the explorer shows one period: the latest in which the chosen source
gives at least :data:`~.periods.SHARE` of the partner values of its best period.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from migstat.model import TableDef
from migstat.model.tables import TableKind
from migstat.store.records import StoredObservation
from migstat.web.views.explore_totals import is_total
from migstat.web.views.periods import well_covered

MIN_PARTNERS = 3
"""A source giving fewer partners than this (Eurostat's population: the total alone) keeps
every period: its table is a short series, not a list of partners."""
GROUP_KINDS = ("aggregate",)


OPENS_ON_ONE_PERIOD = (TableKind.FLOW, TableKind.STOCK)
"""Tables by partner country that open on one period: flows, and stocks by country of birth
or citizenship (UN DESA's seven dates of 233 origins put the latest date off-screen, behind
the oldest). Events (permits, decisions) keep every year: their partners are few."""


def opens_on_one_period(table: TableDef, params: Mapping[str, Any]) -> bool:
    """Whether the address leaves the period and the partners of a flow or stock table to the
    page. Asking for the time series (``chart=line``) asks for every period."""
    partner = table.partner
    if partner is None or table.kind not in OPENS_ON_ONE_PERIOD:
        return False
    if params.get("chart") == "line":
        return False
    return not any(params.get(name) for name in ("start", "end", partner.id))


def default_year(
    table: TableDef,
    observations: Iterable[StoredObservation],
    keep: Callable[[StoredObservation], bool],
) -> int | None:
    """The latest year in which the observations kept (the chosen source and breakdown,
    every period) give a value for most partners; ``None`` with one year or none, or with
    fewer than :data:`MIN_PARTNERS` partners in any year."""
    partner = table.partner
    assert partner is not None
    at = table.dimension_ids.index(partner.id)
    counts: dict[int, set[str]] = {}
    for o in observations:
        if o.value is not None and keep(o) and o.time_period[:4].isdigit():
            counts.setdefault(int(o.time_period[:4]), set()).add(o.key[at])
    if len(counts) < 2 or max(len(codes) for codes in counts.values()) < MIN_PARTNERS:
        return None
    return well_covered({year: len(codes) for year, codes in counts.items()})


def by_size(
    keys: list[tuple[str, ...]],
    value: Callable[[tuple[str, ...]], float | None],
    kind: Callable[[str], str],
) -> list[tuple[str, ...]]:
    """Rows of one partner dimension: the total first, then the partners by their value
    (largest first, those without one last), then the publishers' groups (CIS, non-CIS)."""

    def rank(key: tuple[str, ...]) -> tuple[int, float]:
        v = value(key)
        group = 0 if is_total(key[0], kind) else (2 if kind(key[0]) in GROUP_KINDS else 1)
        return (group, -(v if v is not None else float("-inf")))

    return sorted(keys, key=rank)
