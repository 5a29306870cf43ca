"""The figures of an explorer view: its chart (time series, bars or an age-sex pyramid), the
map of partner countries and the origin-destination diagram with its matrix, as Vega-Lite
specs (:mod:`migstat.web.views.charts`)."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from migstat.i18n import N_, gettext_
from migstat.model import TableDef
from migstat.store.records import StoredObservation
from migstat.web.views import charts
from migstat.web.views.asked import areas as asked_areas
from migstat.web.views.data import REGION, PortalData, number
from migstat.web.views.dims import AREA, PROVIDER, TIME, Dims, Option

MAX_SERIES = 8
MAX_BARS = 20
GEOMETRY_FILE = Path(__file__).resolve().parent.parent / "static" / "vendor" / "countries-110m.json"


@cache
def geometry_ids() -> frozenset[str]:
    """The ISO numeric (M49) ids of the countries in the bundled world geometry."""
    topo = json.loads(GEOMETRY_FILE.read_text(encoding="utf-8"))
    return frozenset(
        str(g.get("id"))
        for g in topo["objects"]["countries"]["geometries"]
        if g.get("id") is not None
    )


def figures(
    data: PortalData,
    dims: Dims,
    params: Any,
    view: list[StoredObservation],
    kind: str,
    observations: list[StoredObservation],
    chosen: dict[str, set[str]],
    multi: list[str],
    start: int | None,
    end: int | None,
    as_of: datetime | None,
) -> tuple[dict[str, dict[str, Any]], list[Option], dict[str, Any] | None]:
    """The view's specs by name (``chart``, and for a table with a partner dimension ``map``
    and ``flows``), the countries offered to the origin-destination view and its matrix."""
    specs: dict[str, dict[str, Any]] = {}
    chart_spec = chart(data, dims, view, kind, observations, chosen, multi)
    if chart_spec is not None:
        specs["chart"] = chart_spec
    od_options: list[Option] = []
    od_matrix = None
    if dims.table.partner is not None:
        map_spec = partner_map(data, dims, view)
        if map_spec is not None:
            specs["map"] = map_spec
        od_options, od_matrix, od_spec = origin_destination(
            data, dims, params, chosen, start, end, as_of
        )
        if od_spec is not None:
            specs["flows"] = od_spec
    return specs, od_options, od_matrix


def _is_total_or_group(dims: Dims, dim: str, code: str) -> bool:
    """Totals, aggregates and the reporting country itself are not partners to rank."""
    if dim not in dims.table.dimension_ids:
        return False
    tdim = dims.table.dimension(dim)
    if code == tdim.total:
        return True
    if tdim.role == "partner":
        kind = dims.data.registry.areas.get(code)
        return kind is None or kind.attributes.get("kind") in ("world", "aggregate")
    return False


def _series(dims: Dims, o: StoredObservation, multi: list[str]) -> str:
    return " · ".join(dims.label(d, dims.code(o, d)) for d in multi if d != TIME) or dims.label(
        PROVIDER, o.provider
    )


def chart(
    data: PortalData,
    dims: Dims,
    view: list[StoredObservation],
    chart: str,
    everything: list[StoredObservation],
    chosen: dict[str, set[str]],
    multi: list[str],
) -> dict[str, Any] | None:
    lang = data.lang
    unit = dims.table.unit.get(lang) or dims.table.unit.get("en", "")
    value_title = gettext_(N_("Number ({unit})"), lang, unit=unit)
    ranked = [
        o
        for o in view
        if o.value is not None
        and not any(_is_total_or_group(dims, d, dims.code(o, d)) for d in multi if d != TIME)
        and not (
            dims.table.partner and o.key[dims.table.key_index(dims.table.partner.id)] == o.ref_area
        )
    ] or [o for o in view if o.value is not None]
    if chart == "line":
        totals: dict[str, float] = defaultdict(float)
        for o in ranked:
            totals[_series(dims, o, multi)] += o.value or 0
        keep = sorted(totals, key=lambda s: -totals[s])[:MAX_SERIES]
        points = [
            {"period": o.time_period, "series": _series(dims, o, multi), "value": o.value}
            for o in ranked
            if _series(dims, o, multi) in keep
        ]
        points.sort(key=lambda p: (keep.index(p["series"]), p["period"]))
        if not points:
            return None
        return charts.line_chart(
            points,
            x_title=dims.dim_label(TIME),
            y_title=value_title,
            series_title=gettext_(N_("Series"), lang),
        )
    if chart == "bar":
        if not ranked:
            return None
        latest = max(o.time_period for o in ranked)
        bars: dict[str, float] = {}
        for o in ranked:
            if o.time_period == latest:
                bars[_series(dims, o, multi)] = o.value or 0
        top = sorted(bars.items(), key=lambda kv: -kv[1])[:MAX_BARS]
        return charts.bar_chart(
            [{"label": k, "value": v} for k, v in top],
            x_title=f"{value_title}, {latest}",
            y_title="",
        )
    bars_ = pyramid_bars(data, dims.table, everything, chosen)
    if not bars_:
        return None
    return charts.pyramid(
        bars_,
        age_title=dims.dim_label("AGE"),
        value_title=value_title,
        sex_title=dims.dim_label("SEX"),
    )


def pyramid_bars(
    data: PortalData,
    table: TableDef,
    observations: list[StoredObservation],
    chosen: dict[str, set[str]] | None = None,
) -> list[dict[str, Any]]:
    """Men and women by age group for the latest period of the first source, with every other
    dimension at its chosen code (or its total)."""
    dims = Dims(data, table)
    sex_at, age_at = table.key_index("SEX"), table.key_index("AGE")
    fixed: dict[int, str] = {}
    for i, dim in enumerate(table.dimensions):
        if dim.id in ("SEX", "AGE"):
            continue
        picked = sorted((chosen or {}).get(dim.id, set()))
        fixed[i] = dim.total if dim.total and (len(picked) != 1) else picked[0] if picked else ""
    usable = [
        o
        for o in observations
        if o.value is not None
        and o.key[sex_at] in ("M", "F")
        and o.key[age_at] not in ("_T", "_U")
        and all(o.key[i] == code for i, code in fixed.items() if code)
        and data.registry.codelist("AGE").get(o.key[age_at]) is not None
        and data.registry.codelist("AGE")[o.key[age_at]].lower is not None
    ]
    if not usable:
        return []
    provider = sorted({o.provider for o in usable}, key=lambda p: dims.sort_key(PROVIDER, p))[0]
    area = sorted({o.ref_area for o in usable if o.provider == provider})[0]
    latest = max(o.time_period for o in usable if o.provider == provider)
    ages = data.registry.codelist("AGE")
    bars = []
    for o in usable:
        if o.provider == provider and o.ref_area == area and o.time_period == latest:
            age = ages[o.key[age_at]]
            bars.append(
                {
                    "age": age.label(data.lang),
                    "order": age.lower or 0,
                    "sex": o.key[sex_at],
                    "sex_label": dims.label("SEX", o.key[sex_at]),
                    "value": o.value,
                }
            )
    return bars


def partner_values(
    data: PortalData, table: TableDef, view: list[StoredObservation]
) -> tuple[str, list[dict[str, Any]]]:
    """Values by partner country for the latest period of the view (one per partner)."""
    partner = table.partner
    assert partner is not None
    at = table.key_index(partner.id)
    usable = [o for o in view if o.value is not None and o.value > 0 and o.key[at] != o.ref_area]
    if not usable:
        return "", []
    latest = max(o.time_period for o in usable)
    areas = data.registry.areas
    values: dict[str, float] = defaultdict(float)
    for o in usable:
        code = areas.get(o.key[at])
        if (
            o.time_period == latest
            and code is not None
            and code.attributes.get("m49")
            and code.attributes.get("kind") in ("country", "historical")
        ):
            values[o.key[at]] += o.value or 0
    return latest, [
        {
            "code": c,
            "m49": areas[c].attributes["m49"],
            "label": areas.label(c, data.lang),
            "value": v,
        }
        for c, v in sorted(values.items())
    ]


def partner_map(
    data: PortalData, dims: Dims, view: list[StoredObservation]
) -> dict[str, Any] | None:
    """Partner countries shaded by their value in the latest period of the view."""
    table = dims.table
    partner = table.partner
    assert partner is not None
    # One value per partner: every other dimension at a single code (the first one in view
    # where several are chosen, named in the title).
    others = [d for d in dims.ids if d not in (TIME, partner.id)]
    varying = [d for d in others if len({dims.code(o, d) for o in view}) > 1]
    picked = ""
    if varying and view:
        first = view[0]
        view = [o for o in view if all(dims.code(o, d) == dims.code(first, d) for d in others)]
        picked = " · " + " · ".join(dims.label(d, dims.code(first, d)) for d in varying)
    latest, values = partner_values(data, table, view)
    if not values:
        return None
    lang = data.lang
    unit = table.unit.get(lang) or table.unit.get("en", "")
    spec = charts.choropleth(
        values,
        value_title=gettext_(N_("Number ({unit})"), lang, unit=unit),
        country_title=partner.label(lang),
        geometry_ids=geometry_ids(),
    )
    spec["title"] = {"text": f"{partner.label(lang)}, {latest}{picked}", "fontSize": 12}
    return spec


def origin_destination(
    data: PortalData,
    dims: Dims,
    params: Any,
    chosen: dict[str, set[str]],
    start: int | None,
    end: int | None,
    as_of: datetime | None = None,
) -> tuple[list[Option], dict[str, Any] | None, dict[str, Any] | None]:
    """Flows (or stocks) between a set of countries, as reported by each of them."""
    table = dims.table
    partner = table.partner
    assert partner is not None
    have = data.areas_with(table.id)
    candidates = [c for c in dims.sorted(AREA, set(have)) if data.registry.areas.get(c) is not None]
    asked = [c for c in asked_areas(data, params, "od") if c in have]
    picked = asked or [c for c in REGION if c in have]
    options = [Option(c, data.area_label(c), c in picked) for c in candidates]
    if len(picked) < 2:
        return options, None, None
    observations = data.observations(table.id, picked, partners=picked, as_of=as_of)
    at = table.key_index(partner.id)
    fixed: dict[int, str] = {}
    for i, dim in enumerate(table.dimensions):
        if dim.id == partner.id:
            continue
        sel = sorted(chosen.get(dim.id, set()))
        fixed[i] = sel[0] if len(sel) == 1 else (dim.total or (sel[0] if sel else ""))
    # The view's source: the chosen publishers, or every country's own data when the view
    # shows national data.
    providers = chosen.get(PROVIDER) or set()
    national = any(data.is_national(p) for p in providers)
    usable = [
        o
        for o in observations
        if o.value is not None
        and o.value > 0
        and o.key[at] != o.ref_area
        and (data.is_national(o.provider) if national else o.provider in providers)
        and (start is None or int(o.time_period[:4]) >= start)
        and (end is None or int(o.time_period[:4]) <= end)
        and all(o.key[i] == c for i, c in fixed.items())
    ]
    if not usable:
        return options, None, None
    latest = max(o.time_period for o in usable)
    # One source per reporting country: national data first, then the first publisher.
    best: dict[str, str] = {}
    for o in sorted(usable, key=lambda o: dims.sort_key(PROVIDER, o.provider)):
        if o.time_period == latest:
            best.setdefault(o.ref_area, o.provider)
    outward = partner.concept == "NEXT_RES"
    flows: dict[tuple[str, str], float] = {}
    for o in usable:
        if o.time_period != latest or best.get(o.ref_area) != o.provider:
            continue
        pair = (o.ref_area, o.key[at]) if outward else (o.key[at], o.ref_area)
        flows[pair] = flows.get(pair, 0) + (o.value or 0)
    label = data.area_label
    origins = [c for c in picked if any(p[0] == c for p in flows)]
    destinations = [c for c in picked if any(p[1] == c for p in flows)]
    lang = data.lang
    links = [
        {"origin": label(o), "destination": label(d), "value": v}
        for (o, d), v in sorted(flows.items())
    ]
    spec = charts.flow_diagram(
        links,
        [label(c) for c in origins],
        [label(c) for c in destinations],
        value_title=gettext_(
            N_("Number ({unit})"), lang, unit=table.unit.get(lang) or table.unit.get("en", "")
        ),
        origin_title=gettext_(N_("Origin"), lang),
        destination_title=gettext_(N_("Destination"), lang),
    )
    spec["title"]["text"] += f", {latest}"
    matrix = {
        "period": latest,
        "origins": [label(c) for c in origins],
        "destinations": [label(c) for c in destinations],
        "values": [[number(flows.get((o, d)), lang) for d in destinations] for o in origins],
        "reported_by": gettext_(N_("reported by the country of destination"), lang)
        if not outward
        else gettext_(N_("reported by the country of origin"), lang),
    }
    return options, matrix, spec


__all__ = [
    "MAX_BARS",
    "MAX_SERIES",
    "chart",
    "figures",
    "geometry_ids",
    "origin_destination",
    "partner_map",
    "partner_values",
    "pyramid_bars",
]
