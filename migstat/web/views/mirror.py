"""The pages of mirror statistics: the corridor explorer, one corridor over time, a country's
mirror report, and their downloads (CSV, XLSX with a metadata sheet, JSON).

Every number is read through the request's :class:`~migstat.web.deps.Reader`, so the
principal goes to the store's access gate. The heat map is an HTML table with coloured cells;
the series over time are Vega-Lite line charts like every other chart of the portal. A page's
builder returns the template's context; an error of the selection is a
:class:`~migstat.model.MigstatError` the route shows as a page.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from migstat.analysis.mirror import (
    BASES,
    REPORT_SERIES_COLUMNS,
    MirrorMatrix,
    available_years,
    mirror_columns,
    mirror_matrix,
)
from migstat.analysis.mirror_output import matrix_metadata, plain_rows, render
from migstat.formats.output import TABLE_FORMATS, OutputFormat, find_format
from migstat.i18n import N_, gettext_
from migstat.model import MigstatError, Registry
from migstat.web.deps import Reader
from migstat.web.views.mirror_charts import cell_colour, fmt, series_chart
from migstat.web.views.mirror_flags import named_flag
from migstat.web.views.mirror_sources import (
    corridor_line,
    corridor_synthetic_years,
    real_partners,
    report_lines,
    synthetic_only,
    synthetic_sides,
    synthetic_years,
)
from migstat.web.views.params import area_code, invalid, unknown
from migstat.web.views.periods import incomplete, reporting_counts, well_covered
from migstat.web.views.providers import provider_name


@dataclass
class Selection:
    """What every mirror page compares, from the query string: the pair of tables, the cell
    of the other dimensions and the publishers (comma-separated, in order of preference)."""

    basis: str = "residence"
    sex: str = "_T"
    age: str = "_T"
    provider: str | None = None

    def __post_init__(self) -> None:
        # codes in any case: the code lists' codes are upper case (``_T``, ``F``, ``Y15T19``)
        self.basis = self.basis.strip().lower()
        self.sex, self.age = self.sex.strip().upper(), self.age.strip().upper()

    @property
    def providers(self) -> list[str] | None:
        out = [p.strip().upper() for p in (self.provider or "").split(",") if p.strip()]
        return out or None

    def params(self) -> dict[str, str]:
        return {
            "basis": self.basis,
            "sex": self.sex,
            "age": self.age,
            "provider": self.provider or "",
        }

    def keep(self) -> str:
        """The query string that carries the selection from page to page."""
        return urlencode(self.params())


@dataclass(frozen=True, slots=True)
class Download:
    """A file to send: its bytes, its format and its name."""

    body: bytes
    format: OutputFormat
    file_name: str


def countries_of(countries: str | None) -> list[str] | None:
    """The country codes of a comma-separated list, or ``None`` for all."""
    out = [c.strip().upper() for c in (countries or "").split(",") if c.strip()]
    return out or None


def checked_countries(r: Reader, name: str, countries: str | None) -> list[str] | None:
    """:func:`countries_of`, each code one of the code list's (an unknown one names the
    parameter ``name``)."""
    return [area_of(r, name, c) for c in countries_of(countries) or []] or None


def area_of(r: Reader, name: str, text: str) -> str:
    """The code of a country or area given in the parameter ``name``, in any case."""
    return area_code(r.registry.areas, name, text)


def _matrix(
    r: Reader, sel: Selection, *, years: list[int] | None, countries: list[str] | None = None
) -> MirrorMatrix:
    _check_providers(r, sel)
    return mirror_matrix(
        r.store,
        years=years,
        basis=sel.basis,
        sex=sel.sex,
        age=sel.age,
        countries=countries,
        providers=sel.providers,
        principal=r.principal,
    )


def _common(r: Reader, sel: Selection) -> dict[str, Any]:
    """What every mirror page's template uses: the number format, the download formats and
    the selection to carry along."""
    return {
        "fmt": lambda v, d=0: fmt(v, r.lang, d),
        "formats": TABLE_FORMATS,
        "keep": sel.keep(),
        "flag_text": lambda f: named_flag(f, r.registry, r.lang),
        "provider_name": lambda p: provider_name(p, r.registry, r.lang),
    }


def _made_up(r: Reader, years: Iterable[int]) -> dict[int, str]:
    """What the points of years with synthetic sides say (drawn hollow, off the line)."""
    text = gettext_(
        N_("synthetic numbers among those added up: not comparable with other years"), r.lang
    )
    return {year: text for year in years}


def _name(r: Reader, code: str) -> str:
    """A country's name in the reader's language (its code stays on hover, in the tables)."""
    return r.registry.areas.label(code, r.lang)


def _labels(r: Reader, codes: list[str]) -> dict[str, str]:
    return {c: r.registry.areas.label(c, r.lang) for c in codes}


# -- pages ---------------------------------------------------------------------------------------


def explorer(
    r: Reader, sel: Selection, year: int | None, countries: str | None, show: str
) -> dict[str, Any]:
    """The corridor explorer: the double-entry matrix of one year as a heat map."""
    if show not in SHOWS:
        raise invalid("show", show, SHOWS)
    years = available_years(
        r.store, basis=sel.basis if sel.basis in BASES else "residence", principal=r.principal
    )
    if year is not None and years and year not in years:
        raise unknown("year", str(year), [str(y) for y in years])
    if year is None and years:
        year = _best_year(r, sel, years)
    chosen = checked_countries(r, "countries", countries)
    m = _matrix(r, sel, years=[year] if year else [], countries=chosen)
    reporting = sorted(
        {c for (_y, c) in m.emigration_sides} | {c for (_y, c) in m.immigration_sides}
    )
    axis = [c for c in m.countries if c in reporting] if not chosen else m.countries
    grid = _grid(m, axis, show, r.lang, r.registry) if m.years else []
    cov = m.coverage()[0] if m.years else None
    made_up = [_name(r, c) for c in synthetic_sides(m, year)] if m.years and year else []
    totals = m.country_totals(year) if m.years else []
    query = urlencode({"year": year, **sel.params(), "countries": countries or ""})
    return {
        "years": years,
        "year": year,
        "sel": sel,
        "ages": _ages(r),
        "countries": countries or "",
        "show": show,
        "axis": axis,
        "grid": grid,
        "coverage": cov,
        "synthetic": made_up,
        "totals": totals,
        "labels": _labels(r, m.countries),
        "query": query,
        **_common(r, sel),
    }


SHOWS = ("ratio", "emigration", "immigration", "difference")
"""What the explorer's heat map may show in its cells."""


def _best_year(r: Reader, sel: Selection, years: list[int]) -> int:
    """The latest year in which most of the countries that ever report both sides do, from
    real data: a source that has sent only synthetic numbers (the demo's questionnaires)
    does not make a year well covered, unless nothing else is there."""
    basis = BASES[sel.basis if sel.basis in BASES else "residence"]
    tables = (basis.emigration, basis.immigration)
    made_up = synthetic_only(r.submissions())
    rows = list(r.coverage())
    counts = reporting_counts([c for c in rows if c[0] not in made_up], tables)
    best = well_covered({y: counts.get(y, 0) for y in years})
    if best is None:
        counts = reporting_counts(rows, tables)
        best = well_covered({y: counts.get(y, 0) for y in years})
    return best if best is not None else years[-1]


def _opening_year(partners: dict[int, int], real: dict[int, int]) -> int | None:
    """The year a country's report opens on: the latest well-covered one among the years in
    which most partners (corridors both sides report) are read from real numbers, so that the
    demo's synthetic questionnaires never make the default; else the latest well-covered."""
    mostly_real = {y: n for y, n in real.items() if 2 * n > partners.get(y, 0)}
    return well_covered(mostly_real) or well_covered(partners)


def _pending(r: Reader, partners: dict[int, int]) -> dict[int, str]:
    """The years after the latest well-covered one, each with what its points say."""
    most = max(partners.values(), default=0)
    return {
        year: gettext_(
            N_("incomplete: {n} of up to {most} partners have reported so far"),
            r.lang,
            n=partners[year],
            most=most,
        )
        for year in incomplete(partners)
    }


def _check_providers(r: Reader, sel: Selection) -> None:
    """Every publisher asked for (``provider``) has data in the store."""
    if not sel.providers:
        return
    known = sorted({row[0] for row in r.coverage()})
    for code in sel.providers:
        if code not in known:
            raise unknown("provider", code, known)


def _ages(r: Reader) -> list[tuple[str, str]]:
    """The age groups of the flow tables, for the explorer's choice."""
    table = r.registry.table("F01")
    ages = r.registry.codelist("AGE")
    return [(code, ages.label(code, r.lang)) for code in r.registry.codes(table, "AGE")]


def _grid(
    m: MirrorMatrix, axis: list[str], show: str, lang: str, registry: Registry
) -> list[list[dict[str, Any]]]:
    ind = m.indicators()
    return [
        [
            _cell(m, ind, (origin, dest), show, lang, registry)
            if origin != dest
            else {"diagonal": True}
            for dest in axis
        ]
        for origin in axis
    ]


def _cell(
    m: MirrorMatrix,
    ind: dict[str, Any],
    corridor: tuple[str, str],
    show: str,
    lang: str,
    registry: Registry,
) -> dict[str, Any]:
    """One cell of the heat map: the chosen indicator, its colour and what both sides say
    (countries, publishers and definitions by their names)."""
    origin, dest = corridor
    name = registry.areas.label
    o, d = m.countries.index(origin), m.countries.index(dest)
    e, i = m.emigration[0, o, d], m.immigration[0, o, d]
    lr = ind["log_ratio"][0, o, d]
    value = {
        "ratio": ind["ratio"][0, o, d],
        "emigration": e,
        "immigration": i,
        "difference": ind["difference"][0, o, d],
    }.get(show, ind["ratio"][0, o, d])
    flags = m.flags(m.years[0], origin, dest)
    one_side = math.isnan(e) != math.isnan(i)
    return {
        "origin": origin,
        "destination": dest,
        "text": fmt(value, lang, 2 if show == "ratio" else 0),
        "colour": "#f3f4f6" if one_side else cell_colour(None if math.isnan(lr) else lr),
        "title": gettext_(
            N_(
                "{origin} → {destination}: {emigration} recorded by "
                "{origin}, {immigration} recorded by {destination}"
            ),
            lang,
            origin=name(origin, lang),
            destination=name(dest, lang),
            emigration=fmt(e, lang),
            immigration=fmt(i, lang),
        )
        + "".join(f"\n• {named_flag(f, registry, lang)}" for f in flags),
        "flagged": bool(flags),
    }


def _corridor_rows(m: MirrorMatrix, origin: str, destination: str) -> list[dict[str, Any]]:
    """The years of a corridor that at least one side reports."""
    return [
        s
        for s in m.series(origin, destination)
        if s["EMIGRATION"] is not None or s["IMMIGRATION"] is not None
    ]


def corridor(r: Reader, sel: Selection, origin: str, destination: str) -> dict[str, Any]:
    """Both sides of one corridor in every year, with the flags of each year."""
    origin, destination = area_of(r, "origin", origin), area_of(r, "destination", destination)
    m = _matrix(r, sel, years=None, countries=[origin, destination])
    series = _corridor_rows(m, origin, destination)
    years = [int(s["TIME_PERIOD"]) for s in series]
    chart = series_chart(
        years,
        [
            (
                gettext_(
                    N_("recorded by {country} (emigration)"), r.lang, country=_name(r, origin)
                ),
                [s["EMIGRATION"] for s in series],
            ),
            (
                gettext_(
                    N_("recorded by {country} (immigration)"),
                    r.lang,
                    country=_name(r, destination),
                ),
                [s["IMMIGRATION"] for s in series],
            ),
        ],
        title=f"{_name(r, origin)} → {_name(r, destination)}",
        lang=r.lang,
        marked=_made_up(r, corridor_synthetic_years(m, origin, destination, years)),
    )
    line = corridor_line(r, m, origin, destination, years)
    query = urlencode({"origin": origin, "destination": destination, **sel.params()})
    return {
        "origin": origin,
        "destination": destination,
        "origin_label": r.registry.areas.label(origin, r.lang),
        "destination_label": r.registry.areas.label(destination, r.lang),
        "rows": series,
        "spec": chart,
        "line": line,
        "query": query,
        **_common(r, sel),
    }


def country_report(r: Reader, sel: Selection, country: str, year: int | None) -> dict[str, Any]:
    """A country's mirror report: its recorded flows against what its partners record."""
    country = area_of(r, "country", country)
    m = _matrix(r, sel, years=None)
    years = [
        y
        for y in m.years
        if (y, country) in m.emigration_sides or (y, country) in m.immigration_sides
    ]
    partners = (
        {
            int(x["TIME_PERIOD"]): x["EMIGRATION_PARTNERS"] + x["IMMIGRATION_PARTNERS"]
            for x in m.report(country, m.years[-1]).get("series", [])
        }
        if m.years and country in m.countries
        else {}
    )
    if year is None:
        year = _opening_year(partners, real_partners(m, country)) or (
            years[-1] if years else (m.years[-1] if m.years else 0)
        )
    report = m.report(country, year)
    s = report["series"]
    sy = [int(x["TIME_PERIOD"]) for x in s]
    pending = _pending(r, partners)
    marked = _made_up(r, synthetic_years(m, country))
    emi_chart = series_chart(
        sy,
        [
            (
                gettext_(N_("emigration recorded by {country}"), r.lang, country=_name(r, country)),
                [x["EMIGRATION_REPORTED"] for x in s],
            ),
            (
                gettext_(
                    N_("arrivals from {country} recorded by partners"),
                    r.lang,
                    country=_name(r, country),
                ),
                [x["EMIGRATION_MIRROR"] for x in s],
            ),
        ],
        title=gettext_(N_("Emigration"), r.lang),
        lang=r.lang,
        pending=pending,
        marked=marked,
    )
    imm_chart = series_chart(
        sy,
        [
            (
                gettext_(
                    N_("immigration recorded by {country}"), r.lang, country=_name(r, country)
                ),
                [x["IMMIGRATION_REPORTED"] for x in s],
            ),
            (
                gettext_(
                    N_("departures to {country} recorded by partners"),
                    r.lang,
                    country=_name(r, country),
                ),
                [x["IMMIGRATION_MIRROR"] for x in s],
            ),
        ],
        title=gettext_(N_("Immigration"), r.lang),
        lang=r.lang,
        pending=pending,
        marked=marked,
    )
    return {
        "country": country,
        "country_label": r.registry.areas.label(country, r.lang),
        "year": year,
        "years": years,
        "report": report,
        "totals": report["totals"],
        "pending": pending,
        "marked": sorted(marked),
        "emi_spec": emi_chart,
        "imm_spec": imm_chart,
        "lines": report_lines(r, m, country),
        "labels": _labels(r, m.countries),
        "sel": sel,
        "query": urlencode({"year": year, **sel.params()}),
        **_common(r, sel),
    }


# -- downloads -----------------------------------------------------------------------------------


def check_format(name: str) -> OutputFormat:
    """The download format called ``name``, or an error naming those there are."""
    found = find_format(name, TABLE_FORMATS)
    if found is None:
        raise MigstatError(
            N_("Unknown download format {format}: use csv, xlsx or json."), format=name
        )
    return found


def _download(
    rows: list[dict[str, Any]],
    chosen: OutputFormat,
    stem: str,
    r: Reader,
    m: MirrorMatrix,
    title: str,
    sheets: dict[str, Any] | None = None,
) -> Download:
    data = render(
        chosen.name,
        plain_rows(rows, r.lang),
        mirror_columns(m),
        lang=r.lang,
        title=title,
        metadata=matrix_metadata(m, r.lang),
        sheets=sheets,
    )
    return Download(data, chosen, chosen.file_name(stem))


def matrix_download(
    r: Reader, sel: Selection, name: str, year: int | None, countries: str | None
) -> Download:
    """The double-entry matrix of one year (every year if none is given)."""
    chosen = check_format(name)
    wanted = checked_countries(r, "countries", countries)
    m = _matrix(r, sel, years=[year] if year else None, countries=wanted)
    return _download(
        m.rows(), chosen, f"mirror_{year or 'all'}", r, m, gettext_(N_("Mirror statistics"), r.lang)
    )


def corridor_download(
    r: Reader, sel: Selection, name: str, origin: str, destination: str
) -> Download:
    """Both sides of one corridor in every year."""
    origin, destination = area_of(r, "origin", origin), area_of(r, "destination", destination)
    chosen = check_format(name)
    m = _matrix(r, sel, years=None, countries=[origin, destination])
    return _download(
        _corridor_rows(m, origin, destination),
        chosen,
        f"mirror_{origin}_{destination}",
        r,
        m,
        f"{origin} → {destination}",
    )


def country_download(r: Reader, sel: Selection, name: str, country: str, year: int) -> Download:
    """A country's mirror report of one year, with its totals by year."""
    chosen = check_format(name)
    country = area_of(r, "country", country)
    m = _matrix(r, sel, years=None)
    report = m.report(country, year)
    return _download(
        report["emigration"] + report["immigration"],
        chosen,
        f"mirror_report_{country}_{year}",
        r,
        m,
        gettext_(N_("Mirror report of {country}, {year}"), r.lang, country=country, year=year),
        sheets={gettext_(N_("Totals by year"), r.lang): (report["series"], REPORT_SERIES_COLUMNS)},
    )


@dataclass(frozen=True, slots=True)
class Harmonisation:
    """What a harmonised download asks for (see :func:`harmonised_download`)."""

    year: int
    anchor: str
    start: int | None = None
    end: int | None = None
    space: str = "log"
    rule: str = "mean"
    bootstrap: int = 1000
    duration_set: str | None = None


def harmonised_download(r: Reader, sel: Selection, name: str, h: Harmonisation) -> Download:
    """Harmonised flows of ``h.year`` with the correction factors (estimated from ``start``
    to ``end``, default ``year`` alone) and their bootstrap intervals: estimates, computed on
    request, never stored."""
    from migstat.analysis.harmonise import estimate_factors, harmonise, load_coefficients
    from migstat.analysis.mirror_output import render_harmonised

    chosen = check_format(name)
    years = list(range(h.start, h.end + 1)) if h.start and h.end else [h.year]
    if h.year not in years:
        years.append(h.year)
    m = _matrix(r, sel, years=years)
    coefficients = load_coefficients() if h.duration_set else None
    fit = estimate_factors(
        m,
        checked_countries(r, "anchor", h.anchor) or [],
        space=h.space,
        bootstrap=h.bootstrap,
        coefficients=coefficients,
        duration_set=h.duration_set,
    )
    result = harmonise(m, fit, h.year, rule=h.rule, coefficients=coefficients)
    return Download(
        render_harmonised(chosen.name, result, r.lang),
        chosen,
        chosen.file_name(f"harmonised_{h.year}"),
    )


__all__ = [
    "Download",
    "Harmonisation",
    "Selection",
    "cell_colour",
    "check_format",
    "corridor",
    "corridor_download",
    "countries_of",
    "country_download",
    "country_report",
    "explorer",
    "fmt",
    "harmonised_download",
    "matrix_download",
    "series_chart",
]
