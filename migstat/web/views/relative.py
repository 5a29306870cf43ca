"""Indicators relative to the population: the foreign-born as a share of all residents,
shown only where both numbers come from the same source for the same date (UN DESA's migrant
stock with UN DESA's population of the same edition; a census with its own total), and
never when the "migrants" are as many as the residents (then they are not a migrant stock:
Eurostat's ``demo_pjan`` is the whole population).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from migstat.web.views.data import PortalData
from migstat.web.views.numbers import percent
from migstat.web.views.provenance import Figure, describe

POPULATION = "P01"


def population_share(
    data: PortalData, code: str, stocks: Mapping[tuple[str, str, str], Figure]
) -> dict[str, Any] | None:
    """The latest share (in %) of the foreign-born in the population of ``code`` that one
    source gives both parts of, for the same date, with its source and marks."""
    if POPULATION not in data.registry.tables or not stocks:
        return None
    people = {
        (o.provider, o.time_period): o
        for o in data.observations(POPULATION, [code])
        if o.key and o.key[0] == "_T" and o.value
    }
    shares = {}
    for (provider, _area, period), figure in stocks.items():
        total = people.get((provider, period))
        if total is not None and total.value and 0 <= figure.value < total.value:
            shares[(provider, period)] = (100 * figure.value / total.value, (*figure.cells, total))
    if not shares:
        return None
    provider, period = max(
        shares, key=lambda k: (not data.is_example(k[0]), k[1], data.is_national(k[0]))
    )
    value, cells = shares[(provider, period)]
    return dict(describe(data, provider, period, cells), value=percent(value, data.lang))
