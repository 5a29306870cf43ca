"""Place-of-birth stock tables of a region and the rest of the world from UN DESA data.

UN DESA's International Migrant Stock (origin x destination, table S01 in the store) counts
the foreign-born only; the native-born on the diagonal are the total population (table P01
in the store, imported from Table 2 of UN DESA's workbook of the same edition with
``migstat import FILE --table P01``) minus all foreign-born. For a region of countries, the
rest of the world becomes one area (``_O``): its column holds the region's emigrants living
anywhere else, its row the foreign-born of other origins living in the region, and its
diagonal the rest of the world population. The world population is the sum of UN DESA's
countries in P01, which is exactly its published World row (the world is not a reference
area of its own in the store).

Everything is read through the caller's ``query``, so the portal reads the store through its
access gate and nothing here opens a file.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from migstat.analysis.population import WORLD, Query, totals
from migstat.i18n import N_
from migstat.model import MigstatError

REST = "_O"
"""Code of the rest of the world in the region tables."""
PROVIDER = "UN_DESA"


@dataclass(frozen=True, slots=True)
class RegionStocks:
    """Birthplace x residence stocks of a region and the rest of the world at two dates."""

    codes: tuple[str, ...]
    start: np.ndarray
    end: np.ndarray
    years: tuple[int, int]


def _cells(rows: list[dict[str, Any]], year: int) -> dict[tuple[str, str], float]:
    """(country of birth, residence) -> stock at mid-``year`` from S01 query rows."""
    out: dict[tuple[str, str], float] = {}
    for row in rows:
        if (
            str(row["TIME_PERIOD"]).startswith(str(year))
            and row["OBS_VALUE"] is not None
            and row["SEX"] == "_T"
            and row["AGE"] == "_T"
            and not str(row["COUNTRY_BIRTH"]).startswith("_")
            and row["COUNTRY_BIRTH"] not in ("FOR", "NAT")
        ):
            key = (row["COUNTRY_BIRTH"], row["REF_AREA"])
            out[key] = out.get(key, 0.0) + float(row["OBS_VALUE"])
    return out


def region_stocks(
    query: Query, countries: Sequence[str], years: tuple[int, int] = (2015, 2019)
) -> RegionStocks | None:
    """The tables of the region and the rest of the world at mid-year of both ``years``
    (UN DESA's stocks refer to 1 July), or ``None`` when the store has no UN DESA stocks by
    country of birth for them; an error naming what to import when it has no total
    population (P01) for them."""
    region = list(countries)
    living = query("S01", countries=region, providers=[PROVIDER], start=years[0], end=years[1]).rows
    born = query("S01", partners=region, providers=[PROVIDER], start=years[0], end=years[1]).rows
    found = {str(r["TIME_PERIOD"])[:4] for r in living}
    if not {str(y) for y in years} <= found:
        return None
    people = totals(query, region, years, provider=PROVIDER)
    if any((WORLD, y) not in people for y in years):
        raise MigstatError(
            N_(
                "The store has no total population from UN DESA (table P01) "
                "for mid-{first} and mid-{last}: the native-born cannot be "
                "computed. Import UN DESA's workbook with `migstat import FILE "
                "--table P01`."
            ),
            first=years[0],
            last=years[1],
        )
    missing = sorted({c for c in region for y in years if (c, y) not in people})
    if missing:
        raise MigstatError(
            N_(
                "The store has no total population from UN DESA (table P01) "
                "of {codes} for mid-{first} and mid-{last}: the native-born "
                "cannot be computed."
            ),
            codes=", ".join(missing),
            first=years[0],
            last=years[1],
        )
    codes = (*region, REST)
    tables = []
    for year in years:
        in_region = _cells(living, year)
        abroad = _cells(born, year)
        n = len(codes)
        p = np.zeros((n, n))
        for i, residence in enumerate(region):
            for k, birth in enumerate(region):
                if k != i:
                    p[k, i] = in_region.get((birth, residence), 0.0)
            foreign = sum(v for (b, r), v in in_region.items() if r == residence and b != r)
            p[n - 1, i] = foreign - p[: n - 1, i].sum()
            p[i, i] = people[(residence, year)] - foreign
        for k, birth in enumerate(region):
            p[k, n - 1] = sum(v for (b, r), v in abroad.items() if b == birth and r not in region)
        p[n - 1, n - 1] = people[(WORLD, year)] - p.sum()
        tables.append(np.round(p))  # whole persons, as written to the stock files
    return RegionStocks(codes, tables[0], tables[1], years)


def natural_change(stocks: RegionStocks) -> tuple[np.ndarray, np.ndarray]:
    """Births and deaths of each place of birth when none are given: the change in the number
    of people born there between the two tables (nobody changes place of birth, so that
    number changes only by births and deaths), as births where it grew and deaths where it
    fell.

    Without them the estimate treats natural change as zero and balances the world's growth
    over every native-born population in proportion, so a country whose population grows
    more slowly than the world's (Russia: -5 million for 2015-2019) appears to lose its
    native-born to migration, and its immigrants' arrivals are absorbed into that outflow."""
    change = stocks.end.sum(axis=1) - stocks.start.sum(axis=1)
    return np.maximum(change, 0.0), np.maximum(-change, 0.0)


def repeated_areas(stocks: RegionStocks, *, relative: float = 1e-3) -> tuple[str, ...]:
    """The region's countries whose foreign-born by country of birth are the same in both
    tables (every cell within ``relative``): UN DESA repeated an earlier estimate for the
    later date, so the tables cannot tell who moved there in between."""
    n = len(stocks.codes) - 1
    repeated = []
    for i in range(n):
        before = np.delete(stocks.start[:n, i], i)
        after = np.delete(stocks.end[:n, i], i)
        if before.sum() > 0 and np.allclose(before, after, rtol=relative, atol=0.5):
            repeated.append(stocks.codes[i])
    return tuple(repeated)
