"""A country's profile: the page a journalist or a minister reads.

Stocks and flows over time, the main countries of origin and destination, the sex and age
structure of the foreign-born, the sources and national definitions behind the numbers, and
what the country has and has not provided. Each number says which source it comes from;
numbers from different sources are shown side by side, never added up.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from migstat.i18n import N_, gettext_
from migstat.model import TableDef
from migstat.store.records import StoredObservation
from migstat.web.views import charts
from migstat.web.views.data import REGION, WARMERS, PortalData, number, table_order
from migstat.web.views.explore import describe_metadata
from migstat.web.views.figures import pyramid_bars

TOP = 10
RECENT_YEARS = 15


def _values(
    data: PortalData, table: TableDef, observations: list[StoredObservation], fixed: dict[str, str]
) -> dict[tuple[str, str, str], float]:
    """``(provider, area, period) -> value`` of the cells with the codes in ``fixed``
    (dimensions not named are at their total, if they have one).

    A source that publishes the parts of a total but not the total itself (UN DESA gives
    no world row, UNHCR no refugees-plus-asylum-seekers row) gets the sum of the parts the
    table's hierarchy names: that sum is the total by definition.
    """
    groups: dict[tuple[str, str, str], list[StoredObservation]] = defaultdict(list)
    for o in observations:
        if o.value is not None:
            groups[(o.provider, o.ref_area, o.time_period)].append(o)
    out: dict[tuple[str, str, str], float] = {}
    for key, cells in groups.items():
        want: dict[int, set[str]] = {}
        for i, dim in enumerate(table.dimensions):
            code = fixed.get(dim.id, dim.total)
            if code is None:
                continue
            present = {o.key[i] for o in cells}
            if code in present:
                want[i] = {code}
            elif code == dim.total:
                want[i] = _parts(data, dim.codelist, dim.hierarchies, code) & present
            else:
                want[i] = set()
        values = [
            o.value or 0 for o in cells if all(o.key[i] in codes for i, codes in want.items())
        ]
        if values and all(want.values()):
            out[key] = sum(values)
    return out


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
) -> tuple[str, str, list[dict[str, Any]]]:
    """The largest partners of the latest period of the best source: ``(source, period,
    [{label, value}])``. ``outward`` ranks reporting countries (where the country's people
    live) instead of partner countries (where the people living in the country come from)."""
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
        return "", "", []
    # The source and period covering the most partners, the latest among equals.
    count: dict[tuple[str, str], int] = defaultdict(int)
    for o in cells:
        count[(o.provider, o.time_period)] += 1
    provider, period = max(count, key=lambda k: (count[k] > 3, k[1], count[k]))
    ranked: dict[str, float] = defaultdict(float)
    for o in cells:
        if o.provider == provider and o.time_period == period:
            ranked[o.ref_area if outward else o.key[at]] += o.value or 0
    top = sorted(ranked.items(), key=lambda kv: -kv[1])[:TOP]
    return (
        data.provider_label(provider),
        period,
        [{"label": data.area_label(c), "code": c, "value": v} for c, v in top],
    )


RANKINGS = (
    ("origins", N_("Main countries of birth of the foreign-born")),
    ("destinations", N_("Where people born here live")),
    ("arrivals", N_("Where immigrants came from")),
    ("departures", N_("Where emigrants went")),
)
"""The profile's top-ten charts: key and title."""


def build(data: PortalData, code: str) -> dict[str, Any]:
    """Everything the profile of ``code`` shows (cached per data version and language)."""
    return data.cached("country", (code, data.lang), lambda: _build(data, code))


def _build(data: PortalData, code: str) -> dict[str, Any]:
    lang = data.lang
    reg = data.registry
    t = lambda msg, **kw: gettext_(msg, lang, **kw)  # noqa: E731
    series: list[dict[str, Any]] = []
    kpis: list[dict[str, str]] = []

    # Stocks: the foreign-born (total minus native-born where the native-born are given).
    s01 = reg.table("S01")
    s01_obs = data.observations("S01", [code]) if "S01" in reg.tables else []
    totals = _values(data, s01, s01_obs, {"COUNTRY_BIRTH": "_T"})
    native = _values(data, s01, s01_obs, {"COUNTRY_BIRTH": code})
    stock_label = t(N_("Foreign-born population"))
    for key, total in sorted(totals.items()):
        series.append(
            {
                "chart": "stocks",
                "series": f"{stock_label} ({data.provider_label(key[0])})",
                "period": key[2][:4],
                "value": total - native.get(key, 0),
            }
        )
    r01_obs = data.observations("R01", [code]) if "R01" in reg.tables else []
    refugee_label = t(N_("Refugees and asylum-seekers"))
    for key, value in sorted(_values(data, reg.table("R01"), r01_obs, {}).items()):
        series.append(
            {
                "chart": "stocks",
                "series": f"{refugee_label} (UNHCR)",
                "period": key[2][:4],
                "value": value,
            }
        )

    # Flows: long-term immigration and emigration, all partners, both sexes, all ages.
    flow_values: dict[str, dict[tuple[str, str, str], float]] = {}
    for table_id, label in (("F01", N_("Immigration")), ("F02", N_("Emigration"))):
        if table_id not in reg.tables:
            continue
        tdef = reg.table(table_id)
        fixed = {tdef.partner.id: "_T", "DURATION": "LT"} if tdef.partner else {}
        values = _values(data, tdef, data.observations(table_id, [code]), fixed)
        flow_values[table_id] = values
        for key, value in sorted(values.items()):
            series.append(
                {
                    "chart": "flows",
                    "series": f"{t(label)} ({data.provider_label(key[0])})",
                    "period": key[2][:4],
                    "value": value,
                }
            )

    def latest(values: dict[tuple[str, str, str], float]) -> tuple[str, str, float] | None:
        if not values:
            return None
        key = max(values, key=lambda k: (k[2], data.is_national(k[0])))
        return data.provider_label(key[0]), key[2], values[key]

    stock_values = {k: v - native.get(k, 0) for k, v in totals.items()}
    for label, values in (
        (N_("Foreign-born population"), stock_values),
        (N_("Immigration (long-term)"), flow_values.get("F01", {})),
        (N_("Emigration (long-term)"), flow_values.get("F02", {})),
        (N_("Refugees and asylum-seekers"), _values(data, reg.table("R01"), r01_obs, {})),
    ):
        found = latest(values)
        if found:
            kpis.append(
                {
                    "label": t(label),
                    "value": number(found[2], lang),
                    "source": t(N_("{source}, {period}"), source=found[0], period=found[1]),
                }
            )

    specs: dict[str, dict[str, Any]] = {}
    value_title = t(N_("Number ({unit})"), unit=t(N_("persons")))
    for chart in ("stocks", "flows"):
        points = [p for p in series if p["chart"] == chart]
        if points:
            specs[chart] = charts.line_chart(
                points, x_title=t(N_("Year")), y_title=value_title, series_title=t(N_("Series"))
            )

    ranking = _rankings(data, s01, s01_obs, code)
    for key, title in RANKINGS:
        if key in ranking:
            r = ranking[key]
            specs[key] = charts.bar_chart(
                r["bars"], x_title=f"{value_title}, {r['period']}", y_title=""
            )
            r["title"] = t(title)

    # Sex and age: foreign-born = all residents minus the native-born, by age and sex.
    pyramid_note = ""
    bars_all = pyramid_bars(data, s01, s01_obs, {"COUNTRY_BIRTH": {"_T"}})
    bars_native = {
        (b["age"], b["sex"]): b["value"]
        for b in pyramid_bars(data, s01, s01_obs, {"COUNTRY_BIRTH": {code}})
    }
    pyramid = [
        dict(b, value=b["value"] - bars_native.get((b["age"], b["sex"]), 0)) for b in bars_all
    ]
    if pyramid:
        specs["pyramid"] = charts.pyramid(
            pyramid, age_title=t(N_("Age")), value_title=value_title, sex_title=t(N_("Sex"))
        )
    else:
        pyramid_note = t(N_("No breakdown of the foreign-born by age and sex has been provided."))
    share = _women_share(data, s01, s01_obs, code, totals, native)

    titles = {key: t(title) for key, title in RANKINGS}
    return {
        "code": code,
        "name": data.area_label(code),
        "kpis": kpis,
        "specs": specs,
        "titles": titles,
        "ranking": ranking,
        "pyramid_note": pyramid_note,
        "women": share,
        "sources": _sources(data, code),
        "provided": _provided(data, code),
    }


def _rankings(
    data: PortalData, s01: TableDef, s01_obs: list[StoredObservation], code: str
) -> dict[str, dict[str, Any]]:
    """Top origins (who lives here), destinations (where this country's people live), and
    where immigrants came from and emigrants went, by key of :data:`RANKINGS`."""
    ranking: dict[str, dict[str, Any]] = {}
    reg = data.registry
    source, period, bars = _partner_ranking(data, s01, s01_obs, code, outward=False)
    if bars:
        ranking["origins"] = {"source": source, "period": period, "bars": bars}
    abroad = data.observations("S01", None, partners=[code])
    source, period, bars = _partner_ranking(data, s01, abroad, code, outward=True)
    if bars:
        ranking["destinations"] = {"source": source, "period": period, "bars": bars}
    for key, table_id in (("arrivals", "F01"), ("departures", "F02")):
        if table_id in reg.tables:
            tdef = reg.table(table_id)
            source, period, bars = _partner_ranking(
                data, tdef, data.observations(table_id, [code]), code, outward=False
            )
            if bars:
                ranking[key] = {"source": source, "period": period, "bars": bars}
    return ranking


def _women_share(
    data: PortalData,
    s01: TableDef,
    s01_obs: list[StoredObservation],
    code: str,
    totals: dict[tuple[str, str, str], float],
    native: dict[tuple[str, str, str], float],
) -> dict[str, Any] | None:
    """The share of women among the foreign-born in the latest period that gives it."""
    women = _values(data, s01, s01_obs, {"COUNTRY_BIRTH": "_T", "SEX": "F"})
    if not women:
        return None
    key = max(women, key=lambda k: k[2])
    both = totals.get(key, 0) - native.get(key, 0)
    women_native = _values(data, s01, s01_obs, {"COUNTRY_BIRTH": code, "SEX": "F"}).get(key, 0)
    if not both > 0:
        return None
    return {
        "value": f"{100 * (women[key] - women_native) / both:.1f}".replace(
            ".", "," if data.lang == "ru" else "."
        ),
        "source": data.provider_label(key[0]),
        "period": key[2],
    }


def _sources(data: PortalData, code: str) -> list[dict[str, Any]]:
    """National submissions (with the definitions the country applied), then publishers."""
    lang = data.lang
    out: list[dict[str, Any]] = []
    for record in data.submissions:
        if record.provider != code:
            continue
        entry: dict[str, Any] = {
            "label": record.metadata.get("agency") or data.provider_label(code),
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
    publishers = sorted(
        {
            s.provider
            for s in data.coverage()
            if s.ref_area == code and not data.is_national(s.provider)
        }
    )
    for provider in publishers:
        record = next(
            (
                r
                for r in reversed(data.submissions)
                if r.provider == provider and r.status == "accepted"
            ),
            None,
        )
        prov = (record.provenance or {}) if record else {}
        tables = sorted(
            {s.table for s in data.coverage() if s.ref_area == code and s.provider == provider}
        )
        out.append(
            {
                "label": data.provider_label(provider),
                "national": False,
                "dataset": " ".join(x for x in (prov.get("dataset"), prov.get("edition")) if x),
                "url": prov.get("url"),
                "tables": [{"table": t, "facts": []} for t in tables],
            }
        )
    return out


def _provided(data: PortalData, code: str) -> dict[str, Any]:
    """Standard tables x years: from the country itself, only from publishers, or missing."""
    cover = [s for s in data.coverage() if s.ref_area == code]
    years = sorted({int(s.period[:4]) for s in cover})
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
            else:
                cells.append("missing")
        rows.append(
            {
                "table": table.id,
                "title": table.label(data.lang),
                "cells": cells,
                "provided": any(c != "missing" for c in cells) or bool(have),
            }
        )
    return {"years": years, "rows": rows}


WARMERS.append(lambda data: [build(data, code) for code in REGION])
