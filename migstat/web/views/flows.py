"""The flows-from-stocks page: estimate flows from the store's UN DESA stocks or from two
uploaded tables, and show them as a heat-map matrix with their assumptions.

Everything shown is an estimate (see ``docs/methods/flows_from_stocks.md``); the page says so
next to every number and never stores the result.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any
from urllib.parse import quote, urlencode

import numpy as np

from migstat.analysis import indices
from migstat.analysis.ffs_io import (
    read_births_deaths,
    read_stock_table,
    same_areas,
    write_matrix,
)
from migstat.analysis.ffs_stocks import (
    PROVIDER,
    REST,
    RegionStocks,
    natural_change,
    region_stocks,
    repeated_areas,
)
from migstat.analysis.flows_from_stocks import FfsOptions, FlowEstimate, estimate_flows
from migstat.formats.csvbase import first_line, sniff_separator
from migstat.i18n import N_
from migstat.model import MigstatError
from migstat.web.views import method_names
from migstat.web.views.data import REGION, PortalData, number
from migstat.web.views.params import area_code, choice, codes, invalid
from migstat.web.views.pickers import Group, groups, search_names

YEARS = (1990, 1995, 2000, 2005, 2010, 2015, 2019)
"""Mid-year dates of UN DESA's International Migrant Stock 2019."""
CHOICES: dict[str, tuple[str, ...]] = {
    "totals": ("rescale", "open", "open-dr"),
    "model": ("minimum", "independence", "pseudo-bayesian"),
    "fit": ("mipfp", "newton"),
}
ASSUMPTIONS = (
    N_(
        "Nobody changes place of birth: every change in the stocks that births and deaths do "
        "not explain is migration."
    ),
    N_(
        "Minimum migration (default): as many people as possible are counted as staying, so "
        "the flows are the fewest moves that turn the first table into the second. Moves "
        "reversed within the period, repeated moves and migrants who died are not seen."
    ),
    N_(
        "Within a place of birth, people leave where the stock fell and go where it grew, in "
        "proportion to the growth; distance plays no part."
    ),
    N_(
        "Both tables must count the same population by place of birth: a change in coverage or "
        "definitions between the two dates is read as migration."
    ),
    N_(
        "The store's UN DESA stocks are estimates themselves and the store holds no births "
        "and deaths: the natural change of each place of birth is taken as the change in the "
        "number of people born there, as births at home where it grew and as deaths in its "
        "country of residence where it fell. Deaths of emigrants abroad are therefore counted "
        "at home, which affects the flows of the native-born (returns home) most."
    ),
    N_(
        "The page opens on the latest period in which every chosen country has its own new "
        "stocks at both dates; a period in which UN DESA repeats a country's earlier stocks "
        "is marked, since its arrivals cannot be seen."
    ),
)


MAX_FILE_BYTES = 5_000_000
"""The largest uploaded table read (a 232-country table is about 0.3 MB)."""
MAX_AREAS = int(os.environ.get("MIGSTAT_FLOWS_MAX_AREAS", "250"))
"""The most areas an uploaded table may name (the world's 232 countries fit): the page shows
an area x area table, so its size grows with the square of this (250 areas: about 6 MB);
larger tables are for ``migstat estimate flows-from-stocks``, which has no page to draw."""


@dataclass(slots=True)
class FlowsView:
    """What the template shows."""

    options: dict[str, str]
    years: tuple[int, ...] = YEARS
    start: int = 2015
    end: int = 2019
    source: str = "store"
    areas: list[tuple[str, str, bool]] = field(default_factory=list)
    """Countries with UN DESA stocks in the store: code, label, chosen."""
    names: dict[str, str] = field(default_factory=dict)
    """What the type-ahead matches per code (both languages)."""
    groups: list[Group] = field(default_factory=list)
    """The code list's regional groups among those countries, as one click."""
    error: str | None = None
    estimate: FlowEstimate | None = None
    labels: list[str] = field(default_factory=list)
    heat: list[list[tuple[str, float]]] = field(default_factory=list)
    departures: list[str] = field(default_factory=list)
    arrivals: list[str] = field(default_factory=list)
    net: list[str] = field(default_factory=list)
    total: str = ""
    described: list[dict[str, str]] = field(default_factory=list)
    """The methods of the estimate by name (:func:`.method_names.described`)."""
    methods: list[dict[str, Any]] = field(default_factory=list)
    """The form's method options with their names and descriptions."""
    csv_href: str = ""
    note: str = ""
    warnings: list[str] = field(default_factory=list)
    """What makes this estimate weaker than it looks (missing births and deaths, repeated
    stocks), shown above the matrix."""
    assumptions: tuple[str, ...] = ASSUMPTIONS


def read_options(params: Mapping[str, Any]) -> dict[str, str]:
    """The method options of a request, each checked against its choices."""
    return {name: choice(params, name, allowed) for name, allowed in CHOICES.items()}


def ffs_options(options: Mapping[str, str]) -> FfsOptions:
    model = options["model"]
    return FfsOptions(
        birthplace_totals=options["totals"],  # type: ignore[arg-type]
        model=model,  # type: ignore[arg-type]
        stayer_assumption=model != "independence",
        fit=options["fit"],
    )  # type: ignore[arg-type]


def _year(params: Mapping[str, Any], name: str, default: int) -> int:
    text = str(params.get(name) or "").strip()
    if not text:
        return default
    if not text.isdigit() or int(text) not in YEARS:
        raise invalid(name, text, [str(y) for y in YEARS])
    return int(text)


def _chosen(data: PortalData, params: Mapping[str, Any]) -> tuple[str, ...]:
    """The countries asked for (``area``, repeated or joined by ``+``), checked; else the
    region's twelve."""
    chosen = [area_code(data.registry.areas, "area", text) for text in codes(params, "area")]
    return tuple(dict.fromkeys(chosen)) or REGION


NO_BIRTHS_DEATHS = N_(
    "No births and deaths were given: they count as zero, so the whole change in the number "
    "of people born in each place is read as migration. Upload births and deaths for a "
    "defensible estimate."
)


def _stocks(
    data: PortalData, chosen: tuple[str, ...], years: tuple[int, int]
) -> RegionStocks | None:
    return data.cached(
        "flows-stocks", (years, chosen), lambda: region_stocks(data.reader.query, chosen, years)
    )


def _period(
    data: PortalData, params: Mapping[str, Any], chosen: tuple[str, ...]
) -> tuple[int, int]:
    """The years asked for; else the latest pair of consecutive dates at which every chosen
    country has stocks of its own (UN DESA's 2019 revision repeats Russia's 2015 stocks for
    2019, so 2015-2019 would show no arrivals in Russia at all)."""
    if params.get("start") or params.get("end"):
        return _year(params, "start", 2015), _year(params, "end", 2019)
    for start, end in reversed(list(pairwise(YEARS))):
        try:
            stocks = _stocks(data, chosen, (start, end)) if len(chosen) > 1 else None
        except MigstatError:
            continue
        if stocks is not None and not repeated_areas(stocks):
            return start, end
    return 2015, 2019


def _store_warnings(data: PortalData, stocks: RegionStocks) -> list[str]:
    out = [
        data.reader.t(
            N_(
                "The store has no births and deaths: natural change is taken from the change "
                "in the number of people born in each place (see the assumptions)."
            )
        )
    ]
    repeated = repeated_areas(stocks)
    if repeated:
        out.append(
            data.reader.t(
                N_(
                    "UN DESA's stocks of {areas} at mid-{end} repeat those of mid-{start}: "
                    "the arrivals in {areas} cannot be estimated for this period and show as "
                    "none. Choose an earlier period."
                ),
                areas=", ".join(data.area_label(a) for a in repeated),
                start=stocks.years[0],
                end=stocks.years[1],
            )
        )
    return out


def store_view(data: PortalData, params: Mapping[str, Any], *, run: bool = False) -> FlowsView:
    """Flows between the chosen countries (by default the region's twelve) and the rest of the
    world from the store's UN DESA stocks, between the two chosen years (nothing is estimated
    until ``run`` is given)."""
    options = read_options(params)
    chosen = _chosen(data, params)
    have = {
        area
        for area, by in data.areas_with("S01").items()
        if PROVIDER in by and data.registry.areas.get(area) is not None
    }
    usable = tuple(a for a in chosen if a in have)
    start, end = _period(data, params, usable)
    view = FlowsView(options=options, start=start, end=end, methods=method_names.form(data.lang))
    view.areas = sorted(
        ((a, data.area_label(a), a in chosen) for a in have), key=lambda item: item[1]
    )
    view.names = search_names(data.registry.areas, have)
    view.groups = groups(data.registry.areas, have, data.lang)
    if not (run or params.get("run")):
        return view
    left_out = [a for a in chosen if a not in have]
    chosen = usable
    if view.start >= view.end:
        view.error = data.reader.t(N_("Choose a first year before the second."))
        return view
    if len(chosen) < 2:
        view.error = data.reader.t(N_("Choose at least two countries with UN DESA stocks."))
        return view
    try:
        stocks = _stocks(data, chosen, (view.start, view.end))
    except MigstatError as problem:  # no total population (P01) in the store, for one
        view.error = problem.text(data.lang)
        return view
    if stocks is None:
        view.error = data.reader.t(
            N_(
                "The store has no UN DESA stocks by country of birth for these years. Upload two "
                "tables instead."
            )
        )
        return view
    view.note = data.reader.t(
        N_(
            "Stocks: UN DESA International Migrant Stock 2019 as held in the store (mid-{start} "
            "and mid-{end}); native-born = total population (UN DESA, table P01 in the store) "
            "minus all foreign-born; “{rest}” is the rest of the world."
        ),
        start=view.start,
        end=view.end,
        rest=data.reader.t(N_("Rest of the world")),
    )
    query = [
        ("start", view.start),
        ("end", view.end),
        *options.items(),
        *(("area", a) for a in chosen),
    ]
    view.warnings = _store_warnings(data, stocks)
    if left_out:  # their people count in the rest of the world
        view.warnings.append(
            data.reader.t(
                N_(
                    "No UN DESA stocks in the store for {areas}: left out of the table, their "
                    "people count in the rest of the world."
                ),
                areas=", ".join(data.area_label(a) for a in left_out),
            )
        )
    births, deaths = natural_change(stocks)
    _estimate_into(
        view, data, (stocks.codes, stocks.start, stocks.end, births, deaths), ffs_options(options)
    )
    view.csv_href = "/flows.csv?" + urlencode(query)
    return view


def upload_view(
    data: PortalData, files: Mapping[str, tuple[str, bytes] | None], params: Mapping[str, Any]
) -> FlowsView:
    """Flows from two uploaded stock tables (and births and deaths, when given)."""
    options = read_options(params)
    view = FlowsView(options=options, source="upload", methods=method_names.form(data.lang))
    start_file, end_file = files.get("start_file"), files.get("end_file")
    if not start_file or not end_file:
        view.error = data.reader.t(N_("Choose both stock tables to upload."))
        return view
    refused = _too_large(data, files)
    if refused:
        view.error = refused
        return view
    try:
        start = read_stock_table(start_file[1], file_name=start_file[0])
        end = read_stock_table(end_file[1], file_name=end_file[0])
        end_values = same_areas(start, end)
        births = deaths = None
        bd_file = files.get("bd_file")
        if bd_file and bd_file[1].strip():
            births, deaths = read_births_deaths(bd_file[1], start.codes, file_name=bd_file[0])
        else:
            view.warnings.append(data.reader.t(NO_BIRTHS_DEATHS))
        _estimate_into(
            view,
            data,
            (start.codes, start.values, end_values, births, deaths),
            ffs_options(options),
        )
    except MigstatError as problem:
        view.error = problem.text(data.lang)
        view.estimate = None
        return view
    view.note = data.reader.t(
        N_("Stocks: the uploaded files {start} and {end}."), start=start_file[0], end=end_file[0]
    )
    assert view.estimate is not None
    text = write_matrix(view.estimate.matrix_rows())
    view.csv_href = "data:text/csv;charset=utf-8," + quote(text)
    return view


def _too_large(data: PortalData, files: Mapping[str, tuple[str, bytes] | None]) -> str | None:
    """Why an upload is refused before it is parsed (a file over :data:`MAX_FILE_BYTES`, or
    a table naming more than :data:`MAX_AREAS` areas in its lines or its header), or
    ``None``. Counting lines and separators costs next to nothing; parsing and drawing a
    table of thousands of areas would cost the server many seconds and a page of megabytes."""
    for given in files.values():
        if not given:
            continue
        name, content = given
        if len(content) > MAX_FILE_BYTES:
            return data.reader.t(
                N_("The file {file} is larger than {limit} bytes: upload a smaller table."),
                file=name,
                limit=f"{MAX_FILE_BYTES:,}".replace(",", "\u202f"),
            )
        head = content[:65536].decode("utf-8", "replace")
        head_line = first_line(head)
        columns = head_line.count(sniff_separator(head_line))
        rows = sum(1 for line in content.splitlines() if line.strip()) - 1
        # one more than the limit: a table may end with a row and a column of totals
        if max(rows, columns) > MAX_AREAS + 1:
            return data.reader.t(
                N_(
                    "The file {file} names {count} areas, more than this page estimates "
                    "flows for ({limit}): upload a table of fewer areas, or estimate from "
                    "the command line with migstat estimate flows-from-stocks, which has no "
                    "such limit."
                ),
                file=name,
                count=number(max(rows, columns), data.lang),
                limit=number(MAX_AREAS, data.lang),
            )
    return None


def flows_csv(data: PortalData, params: Mapping[str, Any]) -> tuple[str, str] | None:
    """The CSV of the store estimate a page shows and its file name (``None`` when it cannot
    be made)."""
    view = store_view(data, params, run=True)
    if view.estimate is None:
        return None
    name = f"flows_{view.start}_{view.end}_{view.options['model']}_ESTIMATES.csv"
    return write_matrix(view.estimate.matrix_rows()), name


def _estimate_into(
    view: FlowsView,
    data: PortalData,
    inputs: tuple[tuple[str, ...], np.ndarray, np.ndarray, np.ndarray | None, np.ndarray | None],
    options: FfsOptions,
) -> None:
    codes, start, end, births, deaths = inputs
    try:
        result = estimate_flows(start, end, codes, births=births, deaths=deaths, options=options)
    except MigstatError as problem:
        view.error = problem.text(data.lang)
        return
    lang = data.lang
    view.estimate = result
    view.labels = [_label(data, code) for code in codes]
    top = float(result.od.max()) if result.od.size else 0.0
    view.heat = [[(number(round(v), lang), _shade(v, top)) for v in row] for row in result.od]
    view.departures = [number(round(v), lang) for v in indices.out_flows(result.od)]
    view.arrivals = [number(round(v), lang) for v in indices.in_flows(result.od)]
    view.net = [number(round(v), lang) for v in indices.net_migration(result.od)]
    view.total = number(round(result.total), lang)
    view.described = method_names.described(options.describe(), lang)
    if not result.converged:
        view.error = data.reader.t(
            N_("The fitting did not converge; the birthplace totals match only approximately.")
        )


def _label(data: PortalData, code: str) -> str:
    if code == REST:
        return data.reader.t(N_("Rest of the world"))
    try:
        return data.area_label(code)
    except Exception:  # an uploaded code outside the code list is shown as it is
        return code


def _shade(value: float, top: float) -> float:
    """Opacity of a cell's colour: log scale, so that small corridors still show."""
    if value <= 0 or top <= 0:
        return 0.0
    share = math.log1p(value) / math.log1p(top)
    # Dark text is legible (WCAG AA) up to 0.65, white text from 0.85: the shades in between
    # are skipped, so every cell keeps its number readable.
    if share <= 0.75:
        return round(share * 0.65 / 0.75, 3)
    return round(0.85 + (share - 0.75) * 0.6, 3)
