"""Demo: migration flows of the region estimated from UN DESA migrant stocks.

The stocks by country of birth come from the store (table S01 as imported from UN DESA's
International Migrant Stock 2019, origin x destination); the total populations, needed for
the native-born on the diagonal, from the store too (table P01, imported from Table 2 of UN
DESA's workbook of the same edition with ``--table P01``). The region's twelve countries and
the rest of the world (``_O``) make a 13 x 13 birthplace x residence table at mid-2015 and
mid-2019, from which :func:`migstat.analysis.flows_from_stocks.estimate_flows` estimates the
flows of 2015-2019 (migest's defaults: minimum migration, birthplace totals rescaled, world
balanced).

The results are ESTIMATES. They are written as files under ``<out>/flows/`` with a README
stating the method and its assumptions, and are never stored as reported data.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from migstat import api
from migstat.analysis.ffs_io import write_matrix
from migstat.analysis.ffs_stocks import (
    REST,
    RegionStocks,
    natural_change,
    region_stocks,
    repeated_areas,
)
from migstat.analysis.flows_from_stocks import FlowEstimate, estimate_flows
from migstat.model import MigstatError


def _stock_rows(codes: Sequence[str], table: np.ndarray) -> list[list[str]]:
    return [
        ["pob\\por", *codes],
        *([code, *(f"{v:.0f}" for v in row)] for code, row in zip(codes, table, strict=True)),
    ]


def estimate_region_flows(
    store: Any, out_dir: Path, *, countries: Sequence[str], echo: Callable[[str], None] = print
) -> FlowEstimate | None:
    """Estimate the region's flows of 2015-2019 and write them, labelled as estimates, with
    the stock tables they come from and a README, to ``out_dir/flows``.

    Everything is read from ``store`` (stocks S01 and total population P01)."""
    try:
        stocks = region_stocks(partial(api.query, store), countries)
    except MigstatError as problem:  # no total population (P01) in the store
        echo(f"flows: {problem.text('en')}; flow estimates skipped")
        return None
    if stocks is None:
        echo("flows: no UN DESA stocks by country of birth in the store; flow estimates skipped")
        return None
    first, last = stocks.years
    births, deaths = natural_change(stocks)
    result = estimate_flows(stocks.start, stocks.end, stocks.codes, births=births, deaths=deaths)
    folder = out_dir / "flows"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"stocks_{first}.csv").write_text(
        write_matrix(_stock_rows(stocks.codes, stocks.start))
    )
    (folder / f"stocks_{last}.csv").write_text(write_matrix(_stock_rows(stocks.codes, stocks.end)))
    (folder / "births_deaths.csv").write_text(
        "region,births,deaths\n"
        + "".join(
            f"{c},{b:.0f},{d:.0f}\n" for c, b, d in zip(stocks.codes, births, deaths, strict=True)
        )
    )
    flows_file = folder / f"flows_{first}_{last}_ESTIMATES.csv"
    flows_file.write_text(write_matrix(result.matrix_rows()))
    (folder / "README.txt").write_text(_readme(result, stocks), encoding="utf-8")
    echo(
        f"flows: estimated {first}-{last} flows between the region and the rest of the world, "
        f"{result.total:,.0f} moves -> {flows_file} (ESTIMATES, not reported data)"
    )
    return result


def _readme(result: FlowEstimate, stocks: RegionStocks) -> str:
    first, last = stocks.years
    region = ", ".join(stocks.codes[:-1])
    options = "; ".join(f"{k}={v}" for k, v in result.options.describe().items() if v)
    inside = result.od[:-1, :-1].sum()
    change = stocks.end.sum() - stocks.start.sum()
    repeated = ", ".join(repeated_areas(stocks))
    if repeated:
        repeated = (
            f"  - UN DESA's stocks of {repeated} at mid-{last} repeat those of mid-{first}:\n"
            f"    arrivals there cannot be seen in this period and show as none.\n"
        )
    return f"""ESTIMATES - NOT REPORTED DATA

Migration flows {first}-{last} (mid-{first} to mid-{last}) between the rest of the world
({REST}) and {region},
estimated from two place-of-birth stock tables by the demographic accounting method of
Abel (2013, Demographic Research 28(18)) and Abel & Sander (2014, Science 343:1520), as
implemented in migstat (docs/methods/flows_from_stocks.md).

Files
  stocks_{first}.csv, stocks_{last}.csv   birthplace (rows) x residence (columns), persons
  flows_{first}_{last}_ESTIMATES.csv      origin (rows) x destination (columns), persons

Sources
  Stocks by country of birth: UN DESA, International Migrant Stock 2019 (origin x
  destination), table S01 of the demo store. Native-born = total population (UN DESA, same
  edition, Table 2, published in thousands; table P01 of the demo store) minus all
  foreign-born. Rest of the world = world total minus the region.

Method options: {options}

Assumptions a user must know
  - Minimum migration: as many people as possible are counted as staying; the flows are the
    fewest moves that turn the {first} table into the {last} one. Moves that were reversed
    within the period, and deaths of migrants before {last}, are not seen.
  - Births and deaths over the period are not in the published data used here: the natural
    change of each place of birth is taken as the change in the number of people born there
    (births_deaths.csv; the world grew by {change:,.0f} persons), as births at home where it
    grew and deaths in its country of residence where it fell. Deaths of emigrants abroad
    are counted at home, so flows of the native-born (returns home) are the most affected.
    Treating natural change as zero instead spreads the world's growth over every
    native-born population and makes slow-growing countries (Russia) lose millions to
    migration that never happened.
{repeated}  - UN DESA stocks are themselves estimates (interpolated and projected from censuses and
    registers); the estimate inherits their errors.

Total estimated moves: {result.total:,.0f}, of which {inside:,.0f} between the region's countries.
Reproduce: migstat estimate flows-from-stocks --start stocks_{first}.csv --end stocks_{last}.csv \\
  --births-deaths births_deaths.csv -o flows.csv
"""
