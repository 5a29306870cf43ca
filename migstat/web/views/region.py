"""A page per region (Central Asia, the CIS, Eastern Europe ...): its countries' migrants
added up only where each has a figure, as a share of the population only where the
population comes from the same source for the same date, and the countries left out named.

The region is a group of the area code list's ``REGIONS`` hierarchy; its members are those
valid today. One source at a time (UN DESA's International Migrant Stock by default): adding
a census of one country to an estimate of another would give a number nobody published.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from migstat.i18n import N_, gettext_
from migstat.web.views import charts
from migstat.web.views.country import (
    foreign_born,
    foreign_born_women,
    women_among_foreign_born,
)
from migstat.web.views.data import PortalData
from migstat.web.views.numbers import number, percent
from migstat.web.views.params import area_code, unknown
from migstat.web.views.provenance import Figure, chart_line_of, marks

SOURCE = "UN_DESA"
"""The one source the region's figures are added up from."""


@dataclass(slots=True)
class RegionRow:
    """One date of the region: the sum over the members that have a figure."""

    period: str
    migrants: str
    population: str
    share: str
    counted: list[str]
    missing: list[str]
    share_missing: list[str] = field(default_factory=list)


def members(data: PortalData, code: str) -> tuple[str, list[str]]:
    """The group's code (any case, or an alias) and its members valid today; an area that is
    not a regional group is an unknown value of ``region``."""
    group = area_code(data.registry.areas, "region", code)
    hierarchy = data.registry.areas.hierarchies.get("REGIONS")
    rules = [r for r in (hierarchy.rules_on(date.today()) if hierarchy else []) if r.total == group]
    if not rules:
        groups = sorted({r.total for r in hierarchy.rules}) if hierarchy else []
        raise unknown("region", code, groups)
    return group, list(rules[0].parts)


def _population(data: PortalData, codes: list[str]) -> dict[tuple[str, str], float]:
    rows = data.reader.query("P01", countries=codes, providers=[SOURCE]).rows
    return {
        (r["REF_AREA"], str(r["TIME_PERIOD"])): float(r["OBS_VALUE"])
        for r in rows
        if r["SEX"] == "_T" and r["OBS_VALUE"] is not None
    }


@dataclass(slots=True)
class WomenRow:
    """One date of the region's share of women among the foreign-born: the members that give
    both the women and all the foreign-born for that date in the one source, added up."""

    period: str
    share: str
    women: str
    migrants: str
    counted: list[str]
    missing: list[str]


def women_rows(
    data: PortalData, codes: list[str], foreign: dict[str, dict[str, Figure]]
) -> list[WomenRow]:
    """The region's share of women among the foreign-born per date, latest first: added up
    over the members for which the one source gives both the women and all the foreign-born
    (``foreign``, by member and date), never mixing sources, the members left out named."""
    lang = data.lang
    label = data.registry.areas.label
    found: dict[tuple[str, str], tuple[float, float]] = {}
    for member in codes:
        for (provider, _area, period), women in foreign_born_women(data, member).items():
            total = foreign[member].get(period)
            if provider == SOURCE and total is not None and total.value > 0:
                found[(member, period)] = (women.value, total.value)
    rows = []
    for period in sorted({p for _a, p in found}, reverse=True):
        have = [c for c in codes if (c, period) in found]
        women = sum(found[(c, period)][0] for c in have)
        migrants = sum(found[(c, period)][1] for c in have)
        rows.append(
            WomenRow(
                period=period,
                share=percent(100 * women / migrants, lang),
                women=number(women, lang),
                migrants=number(migrants, lang),
                counted=[label(c, lang) for c in have],
                missing=[label(c, lang) for c in codes if c not in have],
            )
        )
    return rows


def build(data: PortalData, code: str) -> dict[str, Any]:
    group, codes = members(data, code)
    lang = data.lang
    label = data.registry.areas.label
    by_country: dict[str, dict[str, Figure]] = {}
    for member in codes:
        figures = foreign_born(data, member)
        by_country[member] = {p: f for (prov, _a, p), f in figures.items() if prov == SOURCE}
    people = _population(data, codes)
    periods = sorted({p for found in by_country.values() for p in found})
    rows, points = [], []
    for period in periods:
        have = [c for c in codes if period in by_country[c]]
        total = sum(by_country[c][period].value for c in have)
        with_people = [c for c in have if (c, period) in people]
        shown = sum(by_country[c][period].value for c in with_people)
        base = sum(people[(c, period)] for c in with_people)
        rows.append(
            RegionRow(
                period=period,
                migrants=number(total, lang),
                population=number(base, lang) if base else "",
                share=percent(100 * shown / base, lang) if base else "",
                counted=[label(c, lang) for c in have],
                missing=[label(c, lang) for c in codes if c not in have],
                share_missing=[label(c, lang) for c in have if c not in with_people],
            )
        )
        for c in have:
            points.append(
                {
                    "period": period[:4],
                    "series": label(c, lang),
                    "value": by_country[c][period].value,
                }
            )
    spec = None
    if points:
        spec = charts.line_chart(
            points,
            x_title=gettext_(N_("Year"), lang),
            y_title=gettext_(N_("Number ({unit})"), lang, unit=gettext_(N_("persons"), lang)),
            series_title=gettext_(N_("Country"), lang),
        )
        spec["usermeta"]["marks"] = len({p["series"] for p in points})
    cells = tuple(f for found in by_country.values() for fig in found.values() for f in fig.cells)
    name = label(group, lang)
    women = {c: women_among_foreign_born(data, c) for c in codes}
    return {
        "code": group,
        "name": name,
        "members": [(c, label(c, lang), bool(by_country[c])) for c in codes],
        "rows": rows[::-1],
        "spec": spec,
        "subtitle": gettext_(
            N_("{region}: foreign-born residents of each country, persons, from {source}"),
            lang,
            region=name,
            source=data.provider_label(SOURCE),
        ),
        "line": chart_line_of(data, cells),
        "source": data.provider_label(SOURCE),
        "marks": [m["label"] for m in marks(data, cells)],
        "women": [dict(w, country=label(c, lang), area=c) for c, w in women.items() if w],
        "women_missing": [label(c, lang) for c, w in women.items() if not w],
        "women_by_source": any(w and w["code"] == SOURCE for w in women.values()),
        "women_rows": women_rows(data, codes, by_country),
    }
