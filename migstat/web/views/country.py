"""A country's profile: the page a journalist or a minister reads.

Stocks and flows over time, the main countries of origin and destination, the sex and age
structure of the foreign-born, the sources and national definitions behind the numbers, and
what the country has and has not provided. Each number says which source it comes from
(publisher or country, edition or submission, date) and carries its marks (synthetic,
estimated, provisional) where it is shown; numbers from different sources are shown side by
side, never added up. A figure derived from others (the foreign-born as all residents minus
the native-born) is shown only where the source gives every part.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from migstat.i18n import N_, gettext_
from migstat.model import TableDef
from migstat.store.records import StoredObservation
from migstat.web.views import charts
from migstat.web.views.availability_rounds import returned_cells
from migstat.web.views.data import REGION, WARMERS, PortalData, number, table_order
from migstat.web.views.definitions import describe_metadata, value_label
from migstat.web.views.figures import pyramid_bars
from migstat.web.views.numbers import percent
from migstat.web.views.provenance import (
    SYNTHETIC,
    Figure,
    chart_line_of,
    derived_part,
    describe,
    marks,
)
from migstat.web.views.providers import edition
from migstat.web.views.relative import population_share

TOP = 10
RECENT_YEARS = 15


def _values(
    data: PortalData, table: TableDef, observations: list[StoredObservation], fixed: dict[str, str]
) -> dict[tuple[str, str, str], Figure]:
    """``(provider, area, period) -> figure`` of the cells with the codes in ``fixed``
    (dimensions not named are at their total, if they have one).

    A source that publishes the parts of a total but not the total itself (UN DESA gives
    no world row, UNHCR no refugees-plus-asylum-seekers row) gets the sum of the parts the
    table's hierarchy names: that sum is the total by definition (the figure's ``summed``
    names the dimension). A cell without a value (not collected, confidential) among those
    wanted leaves the figure out: its value is unknown, not zero.
    """
    groups: dict[tuple[str, str, str], list[StoredObservation]] = defaultdict(list)
    for o in observations:
        groups[(o.provider, o.ref_area, o.time_period)].append(o)
    out: dict[tuple[str, str, str], Figure] = {}
    for key, cells in groups.items():
        wanted = _wanted(data, table, cells, fixed)
        if wanted is None:
            continue
        want, summed = wanted
        chosen = tuple(o for o in cells if all(o.key[i] in codes for i, codes in want.items()))
        if chosen and all(o.value is not None for o in chosen):
            out[key] = Figure(sum(o.value or 0 for o in chosen), chosen, summed)
    return out


def _wanted(
    data: PortalData, table: TableDef, cells: list[StoredObservation], fixed: dict[str, str]
) -> tuple[dict[int, set[str]], frozenset[str]] | None:
    """The codes wanted in each dimension of one group of cells, and the dimensions whose
    total is made of its parts; ``None`` when a wanted code is not there."""
    want: dict[int, set[str]] = {}
    summed = set()
    for i, dim in enumerate(table.dimensions):
        code = fixed.get(dim.id, dim.total)
        if code is None:
            continue
        present = {o.key[i] for o in cells}
        if code in present:
            want[i] = {code}
        elif code == dim.total:
            want[i] = _parts(data, dim.codelist, dim.hierarchies, code) & present
            summed.add(dim.id)
        else:
            return None
        if not want[i]:
            return None
    return want, frozenset(summed)


def _parts(data: PortalData, codelist: str, hierarchies: tuple[str, ...], total: str) -> set[str]:
    cl = data.registry.codelist(codelist)
    for name in hierarchies:
        hierarchy = cl.hierarchies.get(name)
        parts = hierarchy.expand(total) if hierarchy else None
        if parts:
            return set(parts)
    return set()


def _partner_ranking(
    data: PortalData,
    table: TableDef,
    observations: list[StoredObservation],
    code: str,
    *,
    outward: bool,
) -> dict[str, Any] | None:
    """The largest partners of the latest period of the best source: where the figures come
    from (:func:`.provenance.describe`) and ``bars`` ``[{label, code, value}]``. ``outward``
    ranks reporting countries (where the country's people live) instead of partner countries
    (where the people living in the country come from)."""
    partner = table.partner
    assert partner is not None
    at = table.key_index(partner.id)
    cells = [
        o
        for o in observations
        if o.value
        and all(
            o.key[i] == d.total
            for i, d in enumerate(table.dimensions)
            if d.id != partner.id and d.total is not None
        )
        and all(o.key[i] == "LT" for i, d in enumerate(table.dimensions) if d.id == "DURATION")
    ]
    areas = data.registry.areas
    if outward:
        cells = [o for o in cells if o.key[at] == code and o.ref_area != code]
    else:
        cells = [
            o
            for o in cells
            if o.key[at] != code
            and (
                areas.get(o.key[at]) is not None
                and areas[o.key[at]].attributes.get("kind") in ("country", "historical")
            )
        ]
    if not cells:
        return None
    # The source and period covering the most partners, the latest among equals; the demo's
    # constructed example files only where nothing else is there.
    count: dict[tuple[str, str], int] = defaultdict(int)
    for o in cells:
        count[(o.provider, o.time_period)] += 1
    provider, period = max(
        count, key=lambda k: (not data.is_example(k[0]), count[k] > 3, k[1], count[k])
    )
    ranked: dict[str, float] = defaultdict(float)
    used: dict[str, list[StoredObservation]] = defaultdict(list)
    for o in cells:
        if o.provider == provider and o.time_period == period:
            where = o.ref_area if outward else o.key[at]
            ranked[where] += o.value or 0
            used[where].append(o)
    top = sorted(ranked.items(), key=lambda kv: -kv[1])[:TOP]
    shown = tuple(o for c, _v in top for o in used[c])
    return dict(
        describe(data, provider, period, shown),
        line=chart_line_of(data, shown),
        bars=[{"label": data.area_label(c), "code": c, "value": v} for c, v in top],
    )


RANKINGS = (
    ("origins", N_("Main countries of birth of the foreign-born")),
    ("destinations", N_("Where people born here live")),
    ("arrivals", N_("Where immigrants came from")),
    ("departures", N_("Where emigrants went")),
)
"""The profile's top-ten charts: key and title."""

KPIS = (
    ("stocks", N_("Foreign-born population")),
    ("F01", N_("Immigration (long-term)")),
    ("F02", N_("Emigration (long-term)")),
    ("refugees", N_("Refugees and asylum-seekers")),
)
"""The profile's headline figures: key of :func:`_figures` and label."""

SERIES = (
    ("stocks", "stocks", N_("Foreign-born population")),
    ("refugees", "stocks", N_("Refugees and asylum-seekers")),
    ("F01", "flows", N_("Immigration")),
    ("F02", "flows", N_("Emigration")),
)
"""The lines of the profile's two charts: key of :func:`_figures`, chart and label."""

SUBTITLES = (
    ("stocks", N_("{country}: foreign-born residents and refugees, persons, one line per source")),
    (
        "flows",
        N_("{country}: long-term arrivals and departures, persons a year, one line per source"),
    ),
)
"""What the profile's two line charts hold fixed, under their titles."""
RANKED = N_("{country}, {period}: the {n} largest, persons")
"""The subtitle of a top-ten chart."""
PYRAMID = N_("{country}, {period}: foreign-born by age group and sex, persons")
"""The subtitle of the age and sex pyramid."""


def build(data: PortalData, code: str) -> dict[str, Any]:
    """Everything the profile of ``code`` shows (cached per data version and language)."""
    return data.cached("country", (code, data.lang), lambda: _build(data, code))


Figures = dict[tuple[str, str, str], Figure]


FOREIGN_BORN = "FOR"
"""The AREA code of all foreign countries of birth together."""


def _figures(data: PortalData, code: str, s01_obs: list[StoredObservation]) -> dict[str, Figures]:
    """The profile's figures by source and period: the foreign-born (all residents minus the
    native-born, only where the source gives both, or its foreign-born partners where it
    gives no total), refugees and asylum-seekers, long-term immigration and emigration."""
    reg = data.registry
    out: dict[str, Figures] = {}
    s01 = reg.table("S01")
    totals = _values(data, s01, s01_obs, {"COUNTRY_BIRTH": "_T"})
    native = _values(data, s01, s01_obs, {"COUNTRY_BIRTH": code})
    out["stocks"] = {
        key: found
        for key, total in totals.items()
        if (found := derived_part(total, native.get(key), "COUNTRY_BIRTH")) is not None
    }
    # a published foreign-born total (UN DESA's Table 1, country of birth FOR) is the figure
    # where the source gives one, rather than the sum of the origins it also breaks down
    out["stocks"].update(_values(data, s01, s01_obs, {"COUNTRY_BIRTH": FOREIGN_BORN}))
    if "R01" in reg.tables:
        r01_obs = data.observations("R01", [code])
        out["refugees"] = _values(data, reg.table("R01"), r01_obs, {})
    for table_id in ("F01", "F02"):
        if table_id in reg.tables:
            tdef = reg.table(table_id)
            fixed = {tdef.partner.id: "_T", "DURATION": "LT"} if tdef.partner else {}
            out[table_id] = _values(data, tdef, data.observations(table_id, [code]), fixed)
    return out


def _series_label(data: PortalData, label: str, provider: str, figure: Figure) -> str:
    """``Immigration (CIS-Stat)``; a synthetic source says so in its name."""
    name = data.provider_label(provider)
    if any(o.synthetic for o in figure.cells):
        name = gettext_(N_("{source}, synthetic"), data.lang, source=name)
    return f"{gettext_(label, data.lang)} ({name})"


def _series(data: PortalData, figures: dict[str, Figures]) -> list[dict[str, Any]]:
    """The points of the stocks and flows charts; each carries its marks (``status``). The
    demo's constructed example files repeat numbers of a publisher already drawn, so they are
    listed among the sources (as examples) but not drawn again."""
    points = []
    for key, chart, label in SERIES:
        for (provider, _area, period), figure in sorted(figures.get(key, {}).items()):
            if data.is_example(provider):
                continue
            status = [m["label"] for m in marks(data, figure.cells) if m["code"] != SYNTHETIC]
            points.append(
                {
                    "chart": chart,
                    "series": _series_label(data, label, provider, figure),
                    "period": period[:4],
                    "value": figure.value,
                    "status": "; ".join(status),
                }
            )
    return points


def _plotted(data: PortalData, figures: dict[str, Figures], chart: str) -> list[StoredObservation]:
    """The stored cells of the values :func:`_series` draws on ``chart``."""
    return [
        cell
        for key, drawn_on, _label in SERIES
        if drawn_on == chart
        for (provider, _area, _period), figure in figures.get(key, {}).items()
        if not data.is_example(provider)
        for cell in figure.cells
    ]


def _kpis(data: PortalData, figures: dict[str, Figures]) -> list[dict[str, Any]]:
    """The latest figure of each headline, a country's own first among equals, never from
    the demo's constructed examples when anything else is there; with its source and marks."""
    kpis = []
    for key, label in KPIS:
        values = figures.get(key) or {}
        if not values:
            continue
        found = max(
            values,
            key=lambda k: (not data.is_example(k[0]), k[2], data.is_national(k[0])),
        )
        figure = values[found]
        kpis.append(
            dict(
                describe(data, found[0], found[2], figure.cells),
                label=gettext_(label, data.lang),
                value=number(figure.value, data.lang),
            )
        )
    return kpis


def _build(data: PortalData, code: str) -> dict[str, Any]:
    lang = data.lang
    reg = data.registry
    t = lambda msg, **kw: gettext_(msg, lang, **kw)  # noqa: E731
    s01 = reg.table("S01")
    s01_obs = data.observations("S01", [code]) if "S01" in reg.tables else []
    figures = _figures(data, code, s01_obs)
    series = _series(data, figures)

    specs: dict[str, dict[str, Any]] = {}
    lines: dict[str, dict[str, Any]] = {}
    name = data.area_label(code)
    subtitles = {chart: t(text, country=name) for chart, text in SUBTITLES}
    value_title = t(N_("Number ({unit})"), unit=t(N_("persons")))
    for chart in ("stocks", "flows"):
        points = [p for p in series if p["chart"] == chart]
        if points:
            lines[chart] = chart_line_of(data, _plotted(data, figures, chart))
            specs[chart] = charts.line_chart(
                points,
                x_title=t(N_("Year")),
                y_title=value_title,
                series_title=t(N_("Series")),
                status_title=t(N_("Status")),
            )

    ranking = _rankings(data, s01, s01_obs, code)
    for key, title in RANKINGS:
        if key in ranking:
            r = ranking[key]
            specs[key] = charts.bar_chart(
                r["bars"], x_title=f"{value_title}, {r['period']}", y_title=""
            )
            r["title"] = t(title)
            r["subtitle"] = t(RANKED, country=name, period=r["period"], n=len(r["bars"]))

    pyramid = _pyramid(data, s01, s01_obs, code)
    if pyramid:
        specs["pyramid"] = charts.pyramid(
            pyramid.pop("bars"),
            age_title=t(N_("Age")),
            value_title=value_title,
            sex_title=t(N_("Sex")),
        )
        pyramid["subtitle"] = t(PYRAMID, country=name, period=pyramid["period"])
    titles = {key: t(title) for key, title in RANKINGS}
    return {
        "code": code,
        "name": name,
        "subtitles": subtitles,
        "kpis": _kpis(data, figures),
        "specs": specs,
        "lines": lines,
        "titles": titles,
        "ranking": ranking,
        "pyramid": pyramid,
        "pyramid_note": ""
        if pyramid
        else t(N_("No breakdown of the foreign-born by age and sex has been provided.")),
        "marked": any(p["status"] for p in series),
        "women": _women_share(data, s01, s01_obs, code, figures.get("stocks", {})),
        "share": population_share(data, code, figures.get("stocks", {})),
        "sources": _sources(data, code),
        "provided": _provided(data, code),
    }


def _rankings(
    data: PortalData, s01: TableDef, s01_obs: list[StoredObservation], code: str
) -> dict[str, dict[str, Any]]:
    """Top origins (who lives here), destinations (where this country's people live), and
    where immigrants came from and emigrants went, by key of :data:`RANKINGS`."""
    reg = data.registry
    found = {
        "origins": _partner_ranking(data, s01, s01_obs, code, outward=False),
        "destinations": _partner_ranking(
            data, s01, data.observations("S01", None, partners=[code]), code, outward=True
        ),
    }
    for key, table_id in (("arrivals", "F01"), ("departures", "F02")):
        if table_id in reg.tables:
            tdef = reg.table(table_id)
            found[key] = _partner_ranking(
                data, tdef, data.observations(table_id, [code]), code, outward=False
            )
    return {key: r for key, r in found.items() if r}


def _pyramid(
    data: PortalData, s01: TableDef, s01_obs: list[StoredObservation], code: str
) -> dict[str, Any] | None:
    """The foreign-born by age and sex: all residents minus the native-born, group by group,
    from the latest source and period that gives both (a country's own first); ``None``
    where no source does. A group whose native-born are not given is left out."""
    at = s01.key_index("COUNTRY_BIRTH")
    candidates = sorted(
        {(o.provider, o.time_period) for o in s01_obs if o.key[at] == code},
        key=lambda k: (not data.is_example(k[0]), data.is_national(k[0]), k[1]),
        reverse=True,
    )
    for provider, period in candidates:
        cells = [o for o in s01_obs if o.provider == provider and o.time_period == period]
        native = {
            (b["age"], b["sex"]): b["value"]
            for b in pyramid_bars(data, s01, cells, {"COUNTRY_BIRTH": {code}})
        }
        bars = [
            dict(b, value=b["value"] - native[(b["age"], b["sex"])])
            for b in pyramid_bars(data, s01, cells, {"COUNTRY_BIRTH": {"_T"}})
            if (b["age"], b["sex"]) in native
        ]
        if bars:
            used = tuple(o for o in cells if o.key[at] in ("_T", code))
            return dict(
                describe(data, provider, period, used), line=chart_line_of(data, used), bars=bars
            )
    return None


def _women_share(
    data: PortalData,
    s01: TableDef,
    s01_obs: list[StoredObservation],
    code: str,
    stocks: Figures,
) -> dict[str, Any] | None:
    """The share of women among the foreign-born in the latest period that gives the women
    and the total of the foreign-born (each derived only where its parts exist)."""
    women = _values(data, s01, s01_obs, {"COUNTRY_BIRTH": "_T", "SEX": "F"})
    women_native = _values(data, s01, s01_obs, {"COUNTRY_BIRTH": code, "SEX": "F"})
    # a published count of foreign-born women (UN DESA's Table 1 by sex) is the figure where
    # the source gives one, as the foreign-born total is
    published = _values(data, s01, s01_obs, {"COUNTRY_BIRTH": FOREIGN_BORN, "SEX": "F"})
    shares = {}
    for key in women.keys() | published.keys():
        foreign = published.get(key) or derived_part(
            women.get(key), women_native.get(key), "COUNTRY_BIRTH"
        )
        both = stocks.get(key)
        if foreign is not None and both is not None and both.value > 0:
            shares[key] = (100 * foreign.value / both.value, foreign.cells + both.cells)
    if not shares:
        return None
    key = max(shares, key=lambda k: (not data.is_example(k[0]), k[2]))
    value, cells = shares[key]
    return dict(describe(data, key[0], key[2], cells), value=percent(value, data.lang))


def _sources(data: PortalData, code: str) -> list[dict[str, Any]]:
    """National submissions (with the definitions the country applied), then publishers,
    each with the editions of theirs that hold data for the country."""
    lang = data.lang
    out: list[dict[str, Any]] = []
    for record in data.submissions:
        if record.provider != code:
            continue
        entry: dict[str, Any] = {
            "label": data.provider_label(code),
            "code": code,
            "agency": value_label(record.metadata.get("agency") or "", lang),
            "id": record.id,
            "file": record.file_name,
            "status": record.status,
            "date": record.submitted_at.date().isoformat(),
            "synthetic": record.synthetic,
            "national": True,
            "tables": [],
        }
        if record.status == "accepted":
            meta = data.table_metadata(record.id)
            for table_id in record.tables:
                entry["tables"].append(
                    {"table": table_id, "facts": describe_metadata(meta.get(table_id, {}), lang)}
                )
            # One column per field any table states, for a compact table on the page.
            entry["fields"] = list(
                dict.fromkeys(k for tb in entry["tables"] for k, _v in tb["facts"])
            )
        out.append(entry)
    held: dict[str, set[str]] = defaultdict(set)
    for s in data.coverage():
        if s.ref_area == code and not data.is_national(s.provider):
            held[s.provider].add(s.table)
    for provider in sorted(held, key=lambda p: (data.is_example(p), data.provider_label(p))):
        tables = held[provider]
        editions = [
            {
                "id": r.id,
                "dataset": edition(r, lang) or r.file_name,
                "url": (r.provenance or {}).get("url"),
                "date": r.submitted_at.date().isoformat(),
                "tables": sorted(tables & set(r.tables)),
            }
            for r in data.submissions
            if r.provider == provider and r.status == "accepted" and tables & set(r.tables)
        ]
        out.append(
            {
                "label": data.provider_label(provider),
                "code": provider,
                "national": False,
                "example": data.is_example(provider),
                "editions": editions,
                "tables": [{"table": t, "facts": []} for t in sorted(tables)],
            }
        )
    return out


def _provided(data: PortalData, code: str) -> dict[str, Any]:
    """Standard tables x years: from the country itself, only from publishers, or missing."""
    cover = [s for s in data.coverage() if s.ref_area == code]
    returned = returned_cells(data, [code])
    years = sorted({int(s.period[:4]) for s in cover} | {y for _c, _t, y in returned})
    if years:
        years = list(range(max(years[0], years[-1] - RECENT_YEARS + 1), years[-1] + 1))
    rows = []
    for table in sorted(data.registry.standard_tables(), key=table_order):
        cells = []
        have = [s for s in cover if s.table == table.id]
        for y in years:
            here = [s for s in have if int(s.period[:4]) == y]
            if any(data.is_national(s.provider) for s in here):
                cells.append("national")
            elif here:
                cells.append("publisher")
            else:  # a submission returned with findings is not nothing
                cells.append("returned" if (code, table.id, y) in returned else "missing")
        rows.append(
            {
                "table": table.id,
                "title": table.label(data.lang),
                "cells": cells,
                "provided": any(c not in ("missing", "returned") for c in cells) or bool(have),
            }
        )
    return {"years": years, "rows": rows}


WARMERS.append(lambda data: [build(data, code) for code in REGION])


def foreign_born(data: PortalData, code: str) -> Figures:
    """The foreign-born of ``code`` by (source, area, date), as its profile draws them
    (derived only where every part exists); the region pages add these up."""
    return _figures(data, code, data.observations("S01", [code]))["stocks"]


def foreign_born_women(data: PortalData, code: str) -> Figures:
    """The published foreign-born women of ``code`` by (source, area, date), other
    dimensions at their total (UN DESA's Table 1 by sex); the region pages add these up."""
    fixed = {"COUNTRY_BIRTH": FOREIGN_BORN, "SEX": "F"}
    return _values(data, data.registry.table("S01"), data.observations("S01", [code]), fixed)


def women_among_foreign_born(data: PortalData, code: str) -> dict[str, Any] | None:
    """The profile's share of women among the foreign-born of ``code`` (its latest source
    that gives both, with where it comes from and its marks); the region pages list these."""
    observations = data.observations("S01", [code])
    stocks = _figures(data, code, observations)["stocks"]
    return _women_share(data, data.registry.table("S01"), observations, code, stocks)
