"""Total population from the store (table P01): the denominators of migration rates and the
totals from which flows from stocks take the native-born.

Read through the caller's ``query`` (:func:`migstat.api.query` bound to a store, or the
portal's reader), so every read passes the store's access gate and nothing opens a file.
UN DESA's P01 (Table 2 of its migrant stock workbook) refers to mid-year (1 July) and was
published in thousands.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from migstat.i18n import N_
from migstat.model import MigstatError

TABLE = "P01"
WORLD = "WORLD"
"""Key of the world total: the sum of every country the provider has in P01 (a reference
area is a country, so the world is not stored as one; UN DESA's countries add up exactly to
its published World row)."""

Query = Callable[..., Any]
"""``query(table, countries=..., partners=..., providers=..., start=..., end=...)`` giving
an object with ``rows`` (as :func:`migstat.api.query`)."""


def totals(
    query: Query, codes: Sequence[str], years: Sequence[int], *, provider: str = "UN_DESA"
) -> dict[tuple[str, int], float]:
    """Total population (persons, both sexes) by country and year for the ``codes`` found,
    and :data:`WORLD` by year, from ``provider``'s P01."""
    rows = query(TABLE, providers=[provider], start=min(years), end=max(years)).rows
    wanted = {str(y): y for y in years}
    found: dict[tuple[str, int], float] = {}
    for row in rows:
        year = wanted.get(str(row["TIME_PERIOD"])[:4])
        if year is None or row["SEX"] != "_T" or row["OBS_VALUE"] is None:
            continue
        value = float(row["OBS_VALUE"])
        found[(WORLD, year)] = found.get((WORLD, year), 0.0) + value
        if row["REF_AREA"] in codes:
            found[(row["REF_AREA"], year)] = value
    return found


def at_risk(
    query: Query, codes: Sequence[str], years: tuple[int, int], *, provider: str = "UN_DESA"
) -> np.ndarray:
    """The population at risk of each of ``codes`` over a period: the mean of the totals at
    its two dates (the usual mid-period approximation), for
    :func:`migstat.analysis.indices.crude_rates`."""
    people = totals(query, codes, years, provider=provider)
    missing = sorted({c for c in codes for y in years if (c, y) not in people})
    if missing:
        raise MigstatError(
            N_(
                "The store has no total population from {provider} (table P01) "
                "of {codes} for {first} and {last}: import it first (UN DESA: "
                "`migstat import FILE --table P01`)."
            ),
            provider=provider,
            codes=", ".join(missing),
            first=years[0],
            last=years[1],
        )
    return np.array([(people[(c, years[0])] + people[(c, years[1])]) / 2 for c in codes])
