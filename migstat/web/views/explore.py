"""The table explorer: a selection read from the query string, its pivot, charts and links.

Every part of the view lives in the URL (table, countries, years, one list of codes per
dimension, rows and columns of the pivot, the chart, the countries of the origin-destination
view), so a copied address restores the exact view and the language switch keeps it.

Only codes that have data are offered: the options come from the current data of the chosen
table and countries. Nothing is ever summed: a dimension with several codes chosen that is
placed on neither rows nor columns is moved to the rows.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from migstat.api import parse_as_of
from migstat.formats.output import DOWNLOAD_LINKS, OUTPUT_FORMATS
from migstat.i18n import N_, gettext_
from migstat.model import TableDef
from migstat.store.records import StoredObservation
from migstat.web.views import charts
from migstat.web.views.data import REGION, WARMERS, PortalData, number
from migstat.web.views.params import codes, query_string, year

AREA = "REF_AREA"
TIME = "TIME_PERIOD"
PROVIDER = "DATA_PROVIDER"
CHARTS = ("line", "bar", "pyramid")
MAX_ROWS = 400
ZERO_ROWS_FROM = 30
"""Tables with more rows than this leave out the rows that are zero in every column."""
MAX_SERIES = 8
MAX_BARS = 20
DOWNLOADS = tuple((fmt, OUTPUT_FORMATS[fmt].title) for fmt in DOWNLOAD_LINKS)
"""Formats of ``GET /download/{TABLE}.{fmt}`` offered for every view."""
MISSING_SYMBOL = {"M": "–", "L": "..", "O": "..", "Q": "x"}
GEOMETRY_FILE = Path(__file__).resolve().parent.parent / "static" / "vendor" / "countries-110m.json"


@cache
def geometry_ids() -> frozenset[str]:
    """The ISO numeric (M49) ids of the countries in the bundled world geometry."""
    topo = json.loads(GEOMETRY_FILE.read_text(encoding="utf-8"))
    return frozenset(str(g.get("id")) for g in topo["objects"]["countries"]["geometries"]
                     if g.get("id") is not None)


@dataclass(slots=True)
class Option:
    code: str
    label: str
    selected: bool


@dataclass(slots=True)
class Filter:
    """One dimension of the view: its options (codes with data) and what is chosen."""

    id: str
    label: str
    options: list[Option]

    @property
    def chosen(self) -> list[str]:
        return [o.code for o in self.options if o.selected]


@dataclass(slots=True)
class Cell:
    text: str
    value: float | None = None
    flags: str = ""
    note: int | None = None
    title: str = ""


@dataclass(slots=True)
class Pivot:
    row_dims: list[tuple[str, str]]
    col_dims: list[tuple[str, str]]
    columns: list[list[str]]
    rows: list[tuple[list[str], list[Cell]]]
    truncated: int = 0
    fixed: list[tuple[str, str]] = field(default_factory=list)
    zero_rows: int = 0
    """Rows left out because every cell is zero."""


@dataclass(slots=True)
class Explorer:
    """Everything the explorer page and ``GET /api/explore/{table}`` show."""

    table: TableDef
    title: str
    tables: list[tuple[str, str]]
    filters: list[Filter]
    periods: list[str]
    start: int | None
    end: int | None
    as_of: str
    rows: list[str]
    cols: list[str]
    pivot: Pivot
    chart: str
    charts_available: list[str]
    specs: dict[str, dict[str, Any]]
    od_countries: list[Option]
    od_matrix: dict[str, Any] | None
    notes: list[tuple[int, str]]
    flags: list[tuple[str, str]]
    sources: list[dict[str, Any]]
    downloads: list[tuple[str, str, str]]
    query: str
    n_observations: int
    synthetic: bool
    observations: list[StoredObservation] = field(repr=False, default_factory=list)


class _Dims:
    """Codes, labels and order of the view's dimensions (REF_AREA, TIME_PERIOD, provider,
    then the table's breakdowns)."""

    def __init__(self, data: PortalData, table: TableDef) -> None:
        self.data = data
        self.table = table
        self.ids = [AREA, TIME, PROVIDER, *table.dimension_ids]
        self._index = {d: i for i, d in enumerate(table.dimension_ids)}
        self._order: dict[str, dict[str, int]] = {}
        reg = data.registry
        for dim in table.dimensions:
            self._order[dim.id] = {c: i for i, c in enumerate(reg.codes(table, dim.id))}
            full = reg.codelist(dim.codelist)
            start = len(self._order[dim.id])
            for i, c in enumerate(full.codes):
                self._order[dim.id].setdefault(c, start + i)
        self._labels: dict[tuple[str, str], str] = {}

    def code(self, obs: StoredObservation, dim: str) -> str:
        if dim == AREA:
            return obs.ref_area
        if dim == TIME:
            return obs.time_period
        if dim == PROVIDER:
            return obs.provider
        return obs.key[self._index[dim]]

    def label(self, dim: str, code: str) -> str:
        hit = self._labels.get((dim, code))
        if hit is None:
            if dim in (AREA,):
                hit = self.data.area_label(code)
            elif dim == TIME:
                hit = code
            elif dim == PROVIDER:
                hit = self.data.provider_label(code)
            else:
                cl = self.data.registry.codelist(self.table.dimension(dim).codelist)
                hit = cl.label(code, self.data.lang)
            self._labels[(dim, code)] = hit
        return hit

    def dim_label(self, dim: str) -> str:
        lang = self.data.lang
        if dim == AREA:
            return gettext_(N_("Country"), lang)
        if dim == TIME:
            return gettext_(N_("Period"), lang)
        if dim == PROVIDER:
            return gettext_(N_("Source"), lang)
        return self.table.dimension(dim).label(lang)

    def sort_key(self, dim: str, code: str) -> tuple[Any, ...]:
        if dim == AREA:
            return (code not in REGION, self.label(dim, code))
        if dim == TIME:
            return (code,)
        if dim == PROVIDER:
            return (not self.data.is_national(code), code)
        return (self._order[dim].get(code, 10**6), code)

    def sorted(self, dim: str, found: set[str] | list[str]) -> list[str]:
        return sorted(found, key=lambda c: self.sort_key(dim, c))


def default_areas(data: PortalData, table: str) -> list[str]:
    """A first view: Kyrgyzstan, else the first country of the region, else any with data."""
    have = data.areas_with(table)
    for code in ("KGZ", *REGION):
        if code in have:
            return [code]
    return sorted(have)[:1]


def build(data: PortalData, table_id: str, params: Any) -> Explorer:
    """The explorer's view of ``table_id`` for the query parameters ``params``."""
    table = data.table(table_id)
    dims = _Dims(data, table)
    lang = data.lang
    have = data.areas_with(table.id)
    areas = [a for a in (data.registry.areas.resolve(c) or c for c in codes(params, AREA))
             if a in have] or default_areas(data, table.id)
    as_of_text = (params.get("as_of") or "").strip()
    as_of = parse_as_of(as_of_text) if as_of_text else None
    observations = data.observations(table.id, areas, as_of=as_of) if areas else []
    start, end = year(params, "start"), year(params, "end")

    # What has data, per dimension, for these countries (all periods).
    found: dict[str, set[str]] = defaultdict(set)
    for o in observations:
        found[TIME].add(o.time_period)
        found[PROVIDER].add(o.provider)
        for i, d in enumerate(table.dimension_ids):
            found[d].add(o.key[i])
    periods = dims.sorted(TIME, found[TIME])

    # The source with the longest series first (national data first among equals).
    spans: dict[str, set[str]] = defaultdict(set)
    for o in observations:
        spans[o.provider].add(o.time_period)
    chosen: dict[str, list[str]] = {}
    for dim in [PROVIDER, *table.dimension_ids]:
        available = dims.sorted(dim, found[dim])
        if dim == PROVIDER:
            available.sort(key=lambda p: -len(spans[p]))
        asked = [c for c in codes(params, dim) if c in found[dim]]
        chosen[dim] = asked or _default_codes(table, dim, available)

    def keep(o: StoredObservation) -> bool:
        year_of = int(o.time_period[:4])
        if (start is not None and year_of < start) or (end is not None and year_of > end):
            return False
        if o.provider not in chosen_set[PROVIDER]:
            return False
        return all(o.key[i] in chosen_set[d] for i, d in enumerate(table.dimension_ids))

    chosen_set = {d: set(c) for d, c in chosen.items()}
    view = [o for o in observations if keep(o)]

    present: dict[str, set[str]] = defaultdict(set)
    for o in view:
        for d in dims.ids:
            present[d].add(dims.code(o, d))
    multi = [d for d in dims.ids if len(present[d]) > 1]
    rows, cols = _layout(dims, params, multi)

    filters = [Filter(AREA, dims.dim_label(AREA), [
        Option(a, data.area_label(a), a in areas) for a in dims.sorted(AREA, set(have))])]
    for dim in [PROVIDER, *table.dimension_ids]:
        filters.append(Filter(dim, dims.dim_label(dim), [
            Option(c, dims.label(dim, c), c in chosen_set[dim])
            for c in dims.sorted(dim, found[dim])]))

    pivot, notes, flags = _pivot(data, dims, view, rows, cols, present,
                                 show_zeros=params.get("zeros") == "show")
    charts_available = ["line", "bar"]
    if {"SEX", "AGE"} <= set(table.dimension_ids):
        charts_available.append("pyramid")
    chart = params.get("chart") if params.get("chart") in charts_available else (
        "line" if len(present[TIME]) > 1 else "bar")
    specs: dict[str, dict[str, Any]] = {}
    chart_spec = _chart(data, dims, view, chart, observations, chosen_set, multi)
    if chart_spec is not None:
        specs["chart"] = chart_spec
    od_options: list[Option] = []
    od_matrix = None
    if table.partner is not None:
        map_spec = _map(data, dims, view)
        if map_spec is not None:
            specs["map"] = map_spec
        od_options, od_matrix, od_spec = _origin_destination(data, dims, params, chosen_set,
                                                            start, end, as_of)
        if od_spec is not None:
            specs["flows"] = od_spec

    selection: dict[str, Any] = {AREA: areas}
    for dim in [PROVIDER, *table.dimension_ids]:
        if set(chosen[dim]) != found[dim]:
            selection[dim] = chosen[dim]
    selection.update({"start": start, "end": end, "as_of": as_of_text or None})
    download_query = query_string({**selection, "lang": lang})
    view_query = query_string({"table": table.id, **selection, "rows": ",".join(rows),
                               "cols": ",".join(cols), "chart": chart,
                               "od": params.get("od") and "+".join(
                                   o.code for o in od_options if o.selected),
                               "zeros": "show" if params.get("zeros") == "show" else None,
                               "lang": lang})
    return Explorer(
        table=table, title=table.label(lang),
        tables=[(t.id, t.label(lang)) for t in data.tables()],
        filters=filters, periods=periods, start=start, end=end, as_of=as_of_text,
        rows=rows, cols=cols,
        pivot=pivot, chart=chart, charts_available=charts_available, specs=specs,
        od_countries=od_options, od_matrix=od_matrix, notes=notes, flags=flags,
        sources=_sources(data, table, view), query=view_query,
        downloads=[(label, f"/download/{table.id}.{fmt}?{download_query}", fmt)
                   for fmt, label in DOWNLOADS],
        n_observations=len(view), synthetic=any(o.synthetic for o in view),
        observations=view)


def _default_codes(table: TableDef, dim: str, available: list[str]) -> list[str]:
    """The partner dimension and the source show everything; others their total (or first)."""
    if dim == PROVIDER:
        return available[:1] if len(available) > 1 else available
    tdim = table.dimension(dim)
    if tdim.role == "partner":
        return available
    if tdim.total and tdim.total in available:
        return [tdim.total]
    return available[:1]


def _layout(dims: _Dims, params: Any, multi: list[str]) -> tuple[list[str], list[str]]:
    def asked(name: str) -> list[str]:
        return [d for d in codes(params, name) if d in dims.ids]

    rows, cols = asked("rows"), asked("cols")
    cols = [d for d in cols if d not in rows]
    if not rows and not cols:
        cols = [TIME] if TIME in multi or len(multi) <= 1 else [multi[-1]]
    for dim in multi:  # never sum: every dimension with several codes gets a place
        if dim not in rows and dim not in cols:
            rows.append(dim)
    if not rows:
        rows = [next((d for d in dims.ids[3:] if d not in cols), AREA)]
    if not cols:
        cols = [TIME if TIME not in rows else next(d for d in dims.ids if d not in rows)]
    return rows, cols


def _cell(data: PortalData, o: StoredObservation, notes: dict[str, int] | None,
          flags_seen: dict[str, str]) -> Cell:
    """One cell: its value in the page's language, its flags, and its comment as a numbered
    footnote (``notes``) or, when ``notes`` is None, only as the cell's tooltip."""
    lang = data.lang
    flag = "" if o.obs_status == "A" else o.obs_status
    conf = "" if o.conf_status == "F" else o.conf_status.lower()
    for letter, cl in ((flag, "OBS_STATUS"), (conf, "CONF_STATUS")):
        if letter:
            flags_seen.setdefault(letter, data.registry.codelist(cl).label(letter.upper(), lang))
    note = None
    if o.comment and notes is not None:
        note = notes.setdefault(o.comment, len(notes) + 1)
    text = number(o.value, lang) if o.value is not None else (
        "x" if conf else MISSING_SYMBOL.get(o.obs_status, ".."))
    return Cell(text=text, value=o.value, flags=flag + conf, note=note, title=o.comment or "")


def _pivot(data: PortalData, dims: _Dims, view: list[StoredObservation], rows: list[str],
           cols: list[str], present: dict[str, set[str]], show_zeros: bool = False
           ) -> tuple[Pivot, list[tuple[int, str]], list[tuple[str, str]]]:
    cells: dict[tuple[tuple[str, ...], tuple[str, ...]], StoredObservation] = {}
    row_keys: set[tuple[str, ...]] = set()
    col_keys: set[tuple[str, ...]] = set()
    for o in view:
        r = tuple(dims.code(o, d) for d in rows)
        c = tuple(dims.code(o, d) for d in cols)
        row_keys.add(r)
        col_keys.add(c)
        cells.setdefault((r, c), o)

    def order(keys: set[tuple[str, ...]], on: list[str]) -> list[tuple[str, ...]]:
        return sorted(keys, key=lambda k: tuple(dims.sort_key(d, c) for d, c in zip(on, k,
                                                                                   strict=True)))

    ordered_rows, ordered_cols = order(row_keys, rows), order(col_keys, cols)
    # Long tables of partner countries are mostly zeros (UN DESA gives every country): those
    # rows are left out unless asked for (``zeros=show``); the page says how many.
    zero_rows = 0
    if not show_zeros and len(ordered_rows) > ZERO_ROWS_FROM:
        kept = [r for r in ordered_rows if any(
            (o := cells.get((r, c))) is not None and o.value != 0 for c in ordered_cols)]
        zero_rows = len(ordered_rows) - len(kept)
        ordered_rows = kept
    truncated = max(0, len(ordered_rows) - MAX_ROWS)
    notes: dict[str, int] = {}
    # A comment on most cells is a publisher's label of the series, not an annotation:
    # it stays in the cell's tooltip instead of numbering every cell.
    commented = sum(1 for o in cells.values() if o.comment)
    numbered = notes if commented <= max(3, len(cells) // 2) else None
    flags_seen: dict[str, str] = {}
    out_rows = []
    for r in ordered_rows[:MAX_ROWS]:
        line = []
        for c in ordered_cols:
            o = cells.get((r, c))
            line.append(_cell(data, o, numbered, flags_seen) if o is not None else Cell(""))
        out_rows.append(([dims.label(d, code) for d, code in zip(rows, r, strict=True)], line))
    fixed = [(dims.dim_label(d), dims.label(d, next(iter(present[d]))))
             for d in dims.ids if d not in rows and d not in cols and len(present[d]) == 1]
    pivot = Pivot(
        row_dims=[(d, dims.dim_label(d)) for d in rows],
        col_dims=[(d, dims.dim_label(d)) for d in cols],
        columns=[[dims.label(d, code) for d, code in zip(cols, c, strict=True)]
                 for c in ordered_cols],
        rows=out_rows, truncated=truncated, fixed=fixed, zero_rows=zero_rows)
    return (pivot, [(n, text) for text, n in notes.items()],
            sorted(flags_seen.items()))


def _is_total_or_group(dims: _Dims, dim: str, code: str) -> bool:
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


def _series(dims: _Dims, o: StoredObservation, multi: list[str]) -> str:
    return " · ".join(dims.label(d, dims.code(o, d)) for d in multi if d != TIME) or \
        dims.label(PROVIDER, o.provider)


def _chart(data: PortalData, dims: _Dims, view: list[StoredObservation], chart: str,
           everything: list[StoredObservation], chosen: dict[str, set[str]],
           multi: list[str]) -> dict[str, Any] | None:
    lang = data.lang
    unit = dims.table.unit.get(lang) or dims.table.unit.get("en", "")
    value_title = gettext_(N_("Number ({unit})"), lang, unit=unit)
    ranked = [o for o in view if o.value is not None and not any(
        _is_total_or_group(dims, d, dims.code(o, d)) for d in multi if d != TIME)
        and not (dims.table.partner and o.key[dims.table.key_index(dims.table.partner.id)]
                 == o.ref_area)] or [o for o in view if o.value is not None]
    if chart == "line":
        totals: dict[str, float] = defaultdict(float)
        for o in ranked:
            totals[_series(dims, o, multi)] += o.value or 0
        keep = sorted(totals, key=lambda s: -totals[s])[:MAX_SERIES]
        points = [{"period": o.time_period, "series": _series(dims, o, multi),
                   "value": o.value} for o in ranked if _series(dims, o, multi) in keep]
        points.sort(key=lambda p: (keep.index(p["series"]), p["period"]))
        if not points:
            return None
        return charts.line_chart(points, x_title=dims.dim_label(TIME), y_title=value_title,
                                 series_title=gettext_(N_("Series"), lang))
    if chart == "bar":
        if not ranked:
            return None
        latest = max(o.time_period for o in ranked)
        bars: dict[str, float] = {}
        for o in ranked:
            if o.time_period == latest:
                bars[_series(dims, o, multi)] = o.value or 0
        top = sorted(bars.items(), key=lambda kv: -kv[1])[:MAX_BARS]
        return charts.bar_chart([{"label": k, "value": v} for k, v in top],
                                x_title=f"{value_title}, {latest}", y_title="")
    bars_ = pyramid_bars(data, dims.table, everything, chosen)
    if not bars_:
        return None
    return charts.pyramid(bars_, age_title=dims.dim_label("AGE"), value_title=value_title,
                          sex_title=dims.dim_label("SEX"))


def pyramid_bars(data: PortalData, table: TableDef, observations: list[StoredObservation],
                 chosen: dict[str, set[str]] | None = None) -> list[dict[str, Any]]:
    """Men and women by age group for the latest period of the first source, with every other
    dimension at its chosen code (or its total)."""
    dims = _Dims(data, table)
    sex_at, age_at = table.key_index("SEX"), table.key_index("AGE")
    fixed: dict[int, str] = {}
    for i, dim in enumerate(table.dimensions):
        if dim.id in ("SEX", "AGE"):
            continue
        picked = sorted((chosen or {}).get(dim.id, set()))
        fixed[i] = (dim.total if dim.total and (len(picked) != 1) else
                    picked[0] if picked else "")
    usable = [o for o in observations if o.value is not None
              and o.key[sex_at] in ("M", "F") and o.key[age_at] not in ("_T", "_U")
              and all(o.key[i] == code for i, code in fixed.items() if code)
              and data.registry.codelist("AGE").get(o.key[age_at]) is not None
              and data.registry.codelist("AGE")[o.key[age_at]].lower is not None]
    if not usable:
        return []
    provider = sorted({o.provider for o in usable},
                      key=lambda p: dims.sort_key(PROVIDER, p))[0]
    area = sorted({o.ref_area for o in usable if o.provider == provider})[0]
    latest = max(o.time_period for o in usable if o.provider == provider)
    ages = data.registry.codelist("AGE")
    bars = []
    for o in usable:
        if o.provider == provider and o.ref_area == area and o.time_period == latest:
            age = ages[o.key[age_at]]
            bars.append({"age": age.label(data.lang), "order": age.lower or 0,
                         "sex": o.key[sex_at],
                         "sex_label": dims.label("SEX", o.key[sex_at]),
                         "value": o.value})
    return bars


def partner_values(data: PortalData, table: TableDef, view: list[StoredObservation]
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
        if o.time_period == latest and code is not None and code.attributes.get("m49") and \
                code.attributes.get("kind") in ("country", "historical"):
            values[o.key[at]] += o.value or 0
    return latest, [{"code": c, "m49": areas[c].attributes["m49"],
                     "label": areas.label(c, data.lang), "value": v}
                    for c, v in sorted(values.items())]


def _map(data: PortalData, dims: _Dims, view: list[StoredObservation]) -> dict[str, Any] | None:
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
    spec = charts.choropleth(values, value_title=gettext_(N_("Number ({unit})"), lang, unit=unit),
                             country_title=partner.label(lang), geometry_ids=geometry_ids())
    spec["title"] = {"text": f"{partner.label(lang)}, {latest}{picked}", "fontSize": 12}
    return spec


def _origin_destination(data: PortalData, dims: _Dims, params: Any,
                        chosen: dict[str, set[str]], start: int | None, end: int | None,
                        as_of: datetime | None = None
                        ) -> tuple[list[Option], dict[str, Any] | None, dict[str, Any] | None]:
    """Flows (or stocks) between a set of countries, as reported by each of them."""
    table = dims.table
    partner = table.partner
    assert partner is not None
    have = data.areas_with(table.id)
    candidates = [c for c in dims.sorted(AREA, set(have))
                  if data.registry.areas.get(c) is not None]
    asked = [c for c in codes(params, "od") if c in have]
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
    usable = [o for o in observations if o.value is not None and o.value > 0
              and o.key[at] != o.ref_area
              and (data.is_national(o.provider) if national else o.provider in providers)
              and (start is None or int(o.time_period[:4]) >= start)
              and (end is None or int(o.time_period[:4]) <= end)
              and all(o.key[i] == c for i, c in fixed.items())]
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
    links = [{"origin": label(o), "destination": label(d), "value": v}
             for (o, d), v in sorted(flows.items())]
    spec = charts.flow_diagram(
        links, [label(c) for c in origins], [label(c) for c in destinations],
        value_title=gettext_(N_("Number ({unit})"), lang,
                             unit=table.unit.get(lang) or table.unit.get("en", "")),
        origin_title=gettext_(N_("Origin"), lang),
        destination_title=gettext_(N_("Destination"), lang))
    spec["title"]["text"] += f", {latest}"
    matrix = {"period": latest, "origins": [label(c) for c in origins],
              "destinations": [label(c) for c in destinations],
              "values": [[number(flows.get((o, d)), lang) for d in destinations]
                         for o in origins],
              "reported_by": gettext_(N_("reported by the country of destination"), lang)
              if not outward else gettext_(N_("reported by the country of origin"), lang)}
    return options, matrix, spec


def _sources(data: PortalData, table: TableDef, view: list[StoredObservation]
             ) -> list[dict[str, Any]]:
    """Who published the numbers in view, with their definitions (residence rule, source)."""
    lang = data.lang
    out = []
    for sid in sorted({o.submission_id for o in view}):
        record = data.submission(sid)
        if record is None:
            continue
        entry: dict[str, Any] = {"id": sid, "provider": data.provider_label(record.provider),
                                 "national": data.is_national(record.provider),
                                 "file": record.file_name, "synthetic": record.synthetic,
                                 "date": record.submitted_at.date().isoformat(),
                                 "facts": []}
        if entry["national"]:
            meta = data.table_metadata(sid).get(table.id, {})
            entry["facts"] = describe_metadata(meta, lang)
        elif record.provenance:
            p = record.provenance
            entry["facts"] = [(gettext_(N_("Dataset"), lang),
                               " ".join(x for x in (p.get("dataset"), p.get("edition")) if x)),
                              (gettext_(N_("Licence"), lang), p.get("licence") or ""),
                              (gettext_(N_("Address"), lang), p.get("url") or "")]
            entry["facts"] = [f for f in entry["facts"] if f[1]]
        out.append(entry)
    return out


FIELD_LABELS = {
    "source_type": N_("Source type"),
    "reference_date": N_("Reference date"),
    "residence_rule": N_("Residence rule"),
    "residence_rule_months": N_("Residence rule (months)"),
    "population_covered": N_("Population covered"),
    "origin_concept": N_("Origin concept"),
    "rounding_base": N_("Rounded to"),
    "notes": N_("Notes"),
}
VALUE_LABELS = {
    "census": N_("population census"), "register": N_("population register"),
    "aliens_register": N_("register of foreigners"), "permits": N_("residence permits"),
    "border": N_("border statistics"), "asylum": N_("asylum records"),
    "survey": N_("sample survey"), "administrative": N_("administrative records"),
    "estimate": N_("estimate"), "microdata": N_("tabulated microdata"), "other": N_("other"),
    "12_months": N_("12 months or more"), "6_months_1_day": N_("6 months and 1 day"),
    "3_months": N_("3 months or more"), "9_months": N_("9 months or more"),
    "permanent_registration": N_("permanent registration"),
    "no_time_limit": N_("no time limit"),
    "BIRTH": N_("country of birth"), "CITIZENSHIP": N_("citizenship"),
    "CITIZENSHIP_AT_BIRTH": N_("citizenship at birth"),
    "PREV_RES": N_("country of previous residence"),
    "NEXT_RES": N_("country of next residence"),
}


def describe_metadata(meta: dict[str, Any], lang: str) -> list[tuple[str, str]]:
    """The metadata of one table of a submission as (field, value) in ``lang``."""
    out = []
    for key, label in FIELD_LABELS.items():
        value = meta.get(key)
        if value in (None, ""):
            continue
        text = str(value)
        out.append((gettext_(label, lang),
                    gettext_(VALUE_LABELS[text], lang) if text in VALUE_LABELS else text))
    return out


WARMERS.append(lambda data: build(data, "S01", {}))
