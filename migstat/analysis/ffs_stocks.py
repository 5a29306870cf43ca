"""Place-of-birth stock tables of a region and the rest of the world from UN DESA data.

UN DESA's International Migrant Stock (origin x destination, table S01 in the store) counts
the foreign-born only; the native-born on the diagonal are the total population (Table 2 of
UN DESA's workbook of the same edition) minus all foreign-born. For a region of countries,
the rest of the world becomes one area (``_O``): its column holds the region's emigrants
living anywhere else, its row the foreign-born of other origins living in the region, and its
diagonal the rest of the world population.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from migstat.i18n import N_
from migstat.model import MigstatError

REST = "_O"
"""Code of the rest of the world in the region tables."""
WORKBOOK = Path("un_desa") / "undesa_pd_2019_migrant_stock_total_dataset.xlsx"
"""Where UN DESA's 2019 workbook (with Table 2, total population) lies in the data folder."""
WORLD_M49 = 900
PROVIDER = "UN_DESA"

Query = Callable[..., Any]
"""``query(table, countries=..., partners=..., providers=..., start=..., end=...)`` giving
an object with ``rows`` (as :func:`migstat.api.query`)."""


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
        if (str(row["TIME_PERIOD"]).startswith(str(year)) and row["OBS_VALUE"] is not None
                and row["SEX"] == "_T" and row["AGE"] == "_T"
                and not str(row["COUNTRY_BIRTH"]).startswith("_")
                and row["COUNTRY_BIRTH"] not in ("FOR", "NAT")):
            key = (row["COUNTRY_BIRTH"], row["REF_AREA"])
            out[key] = out.get(key, 0.0) + float(row["OBS_VALUE"])
    return out


def population(workbook: Path, codes: Sequence[str],
               years: Sequence[int]) -> dict[tuple[str, int], float]:
    """Total population (persons) by alpha-3 code (and ``WORLD``) and year from Table 2 of UN
    DESA's International Migrant Stock 2019 workbook (thousands, by M49 code)."""
    import openpyxl
    import pycountry

    m49 = {}
    for code in codes:
        country = pycountry.countries.get(alpha_3=code)
        if country is not None:
            m49[int(country.numeric)] = code
    m49[WORLD_M49] = "WORLD"
    book = openpyxl.load_workbook(workbook, read_only=True, data_only=True)
    try:
        columns: dict[int, int] = {}
        found: dict[tuple[str, int], float] = {}
        for row in book["Table 2"].iter_rows(values_only=True):
            if not columns:
                for i, value in enumerate(row):
                    if value in years and value not in columns:
                        columns[int(value)] = i
                continue
            code = row[3] if len(row) > 3 else None
            if isinstance(code, int | float) and int(code) in m49:
                for year, i in columns.items():
                    found[(m49[int(code)], year)] = float(row[i]) * 1000
    finally:
        book.close()
    return found


def region_stocks(query: Query, data_dir: Path, countries: Sequence[str],
                  years: tuple[int, int] = (2015, 2019)) -> RegionStocks | None:
    """The tables of the region and the rest of the world at mid-year of both ``years``
    (UN DESA's stocks refer to 1 July), or ``None`` when the store or the data folder lack
    them."""
    region = list(countries)
    living = query("S01", countries=region, providers=[PROVIDER], start=years[0],
                   end=years[1]).rows
    born = query("S01", partners=region, providers=[PROVIDER], start=years[0],
                 end=years[1]).rows
    workbook = data_dir / WORKBOOK
    found = {str(r["TIME_PERIOD"])[:4] for r in living}
    if not workbook.exists() or not {str(y) for y in years} <= found:
        return None
    people = population(workbook, region, years)
    missing = sorted({c for c in (*region, "WORLD") for y in years if (c, y) not in people})
    if missing:
        raise MigstatError(N_("UN DESA's workbook has no total population of {codes} for "
                              "{years}: the native-born cannot be computed."),
                           codes=", ".join(missing), years="-".join(map(str, years)))
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
            p[n - 1, i] = foreign - p[:n - 1, i].sum()
            p[i, i] = people[(residence, year)] - foreign
        for k, birth in enumerate(region):
            p[k, n - 1] = sum(v for (b, r), v in abroad.items()
                              if b == birth and r not in region)
        p[n - 1, n - 1] = people[("WORLD", year)] - p.sum()
        tables.append(np.round(p))  # whole persons, as written to the stock files
    return RegionStocks(codes, tables[0], tables[1], years)
