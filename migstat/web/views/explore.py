"""The table explorer: a selection read from the query string, its pivot, charts and links.

Every part of the view lives in the URL (table, countries, years, one list of codes per
dimension, rows and columns of the pivot, the chart, the countries of the origin-destination
view), so a copied address restores the exact view and the language switch keeps it.

Only codes that have data are offered: the options come from the current data of the chosen
table and countries. Nothing is ever summed: a dimension with several codes chosen that is
placed on neither rows nor columns is moved to the rows.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from migstat.api import parse_as_of
from migstat.formats.output import DOWNLOAD_LINKS, OUTPUT_FORMATS
from migstat.i18n import N_, gettext_
from migstat.model import MigstatError, TableDef
from migstat.model.precision import precision_of
from migstat.store.records import StoredObservation
from migstat.web.views import asked
from migstat.web.views.data import REGION, WARMERS, PortalData, number
from migstat.web.views.dataset_titles import free_text
from migstat.web.views.definitions import describe_metadata
from migstat.web.views.dims import AREA, PROVIDER, TIME, Dims, Option
from migstat.web.views.explore_defaults import by_size, default_year, opens_on_one_period
from migstat.web.views.explore_totals import place_totals, total_text, totals_first
from migstat.web.views.figures import figures
from migstat.web.views.params import BadParameter, query_string, year
from migstat.web.views.pickers import Group, groups, search_names
from migstat.web.views.precision import precision_cell, precision_legend, quoted_rules
from migstat.web.views.providers import edition
from migstat.web.views.shown import sdmx_url

CHARTS = ("line", "bar", "pyramid")
MAX_ROWS = 400
ZERO_ROWS_FROM = 30
"""Tables with more rows than this leave out the rows that are zero in every column."""
DOWNLOADS = tuple((fmt, OUTPUT_FORMATS[fmt].title) for fmt in DOWNLOAD_LINKS)
"""Formats of ``GET /download/{TABLE}.{fmt}`` offered for every view."""
MISSING_SYMBOL = {"M": "–", "L": "..", "O": "..", "Q": "x"}


LONG_LIST = 12
"""A picker with more options than this gets a type-ahead search box."""


@dataclass(slots=True)
class Filter:
    """One dimension of the view: its options (codes with data) and what is chosen."""

    id: str
    label: str
    options: list[Option]
    names: dict[str, str] = field(default_factory=dict)
    """Country filters: what the type-ahead search matches per code (both languages)."""
    groups: list[Group] = field(default_factory=list)
    """Country filters: the regional groups offered as one click."""

    @property
    def chosen(self) -> list[str]:
        return [o.code for o in self.options if o.selected]

    @property
    def searchable(self) -> bool:
        """A type-ahead box over the list: country lists, and any list too long to scan."""
        return bool(self.names) or len(self.options) > LONG_LIST


@dataclass(slots=True)
class Cell:
    text: str
    value: float | None = None
    flags: str = ""
    note: int | None = None
    title: str = ""
    se: str = ""
    """A survey estimate's ``±`` standard error, CV, reliability and mark (views.precision)."""
    cv: str = ""
    reliability: str = ""
    mark: str = ""


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
    total_rows: list[int] = field(default_factory=list)
    """Rows that are a total of the partners (published, or the computed one), drawn as such."""
    legend: list[str] = field(default_factory=list)  # of survey estimates' precision
    computed: str = ""
    """When the first row is a total computed from the rows shown: the note saying so."""
    total_cols: list[int] = field(default_factory=list)
    computed_col: str = ""
    """The same for the columns, when they are the partner countries."""


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
    notices: list[str] = field(default_factory=list)
    """What of the request has no data here and was left out."""
    sdmx: str = ""
    """The SDMX 2.1 query of the series shown (:func:`.shown.sdmx_url`)."""
    observations: list[StoredObservation] = field(repr=False, default_factory=list)


def default_areas(data: PortalData, table: str) -> list[str]:
    """A first view: Kyrgyzstan, else the first country of the region, else any with data."""
    have = data.areas_with(table)
    for code in ("KGZ", *REGION):
        if code in have:
            return [code]
    return sorted(have)[:1]


def build(data: PortalData, table_id: str, params: Any) -> Explorer:
    """The explorer's view of ``table_id`` for the query parameters ``params``.

    A code that does not exist is an error naming its parameter (:mod:`.asked`); codes that
    exist but have no data here are left out with a notice."""
    table = asked.table(data, table_id)
    asked.check_names(table, params)
    dims = Dims(data, table)
    lang = data.lang
    have = data.areas_with(table.id)
    wanted = asked.areas(data, params)
    notices: list[str] = []
    _note_missing(notices, dims, AREA, wanted, set(have))
    areas = [a for a in wanted if a in have] or default_areas(data, table.id)
    as_of_text = (params.get("as_of") or "").strip()
    as_of = _as_of(as_of_text)
    observations = data.observations(table.id, areas, as_of=as_of) if areas else []
    start, end = _years(params)

    # What has data, per dimension, for these countries (all periods).
    found: dict[str, set[str]] = defaultdict(set)
    for o in observations:
        found[TIME].add(o.time_period)
        found[PROVIDER].add(o.provider)
        for i, d in enumerate(table.dimension_ids):
            found[d].add(o.key[i])
    periods = dims.sorted(TIME, found[TIME])

    chosen = _choose(data, dims, params, observations, found, notices)
    chosen_set = {d: set(c) for d, c in chosen.items()}

    def chosen_codes(o: StoredObservation) -> bool:
        if o.provider not in chosen_set[PROVIDER]:
            return False
        return all(o.key[i] in chosen_set[d] for i, d in enumerate(table.dimension_ids))

    start, end, sized = _default_period(table, params, observations, chosen_codes, start, end)

    def keep(o: StoredObservation) -> bool:
        year_of = int(o.time_period[:4])
        if (start is not None and year_of < start) or (end is not None and year_of > end):
            return False
        return chosen_codes(o)

    view = [o for o in observations if keep(o)]

    present: dict[str, set[str]] = defaultdict(set)
    for o in view:
        for d in dims.ids:
            present[d].add(dims.code(o, d))
    multi = [d for d in dims.ids if len(present[d]) > 1]
    rows, cols = _layout(dims, params, multi)

    filters = [
        Filter(
            AREA,
            dims.dim_label(AREA),
            [Option(a, data.area_label(a), a in areas) for a in dims.sorted(AREA, set(have))],
        )
    ]
    for dim in [PROVIDER, *table.dimension_ids]:
        filters.append(
            Filter(
                dim,
                dims.dim_label(dim),
                [
                    Option(c, dims.label(dim, c), c in chosen_set[dim])
                    for c in dims.sorted(dim, found[dim])
                ],
            )
        )

    _pickers(data, table, filters)
    pivot, notes, flags = _pivot(
        data,
        dims,
        view,
        rows,
        cols,
        present,
        show_zeros=params.get("zeros") == "show",
        sized=sized,
    )
    charts_available = ["line", "bar"]
    if {"SEX", "AGE"} <= set(table.dimension_ids):
        charts_available.append("pyramid")
    wanted_chart = asked.chart(params, CHARTS)
    chart = (
        wanted_chart
        if wanted_chart in charts_available
        else ("line" if len(present[TIME]) > 1 else "bar")
    )
    specs, od_options, od_matrix = figures(
        data, dims, params, view, chart, observations, chosen_set, multi, start, end, as_of
    )

    selection: dict[str, Any] = {AREA: areas}
    for dim in [PROVIDER, *table.dimension_ids]:
        if set(chosen[dim]) != found[dim]:
            selection[dim] = chosen[dim]
    selection.update({"start": start, "end": end, "as_of": as_of_text or None})
    download_query = query_string({**selection, "lang": lang})
    view_query = query_string(
        {
            "table": table.id,
            **selection,
            "rows": ",".join(rows),
            "cols": ",".join(cols),
            "chart": chart,
            "od": params.get("od") and "+".join(o.code for o in od_options if o.selected),
            "zeros": "show" if params.get("zeros") == "show" else None,
            "order": "size" if sized else None,
            "lang": lang,
        }
    )
    return Explorer(
        table=table,
        title=table.label(lang),
        tables=[(t.id, t.label(lang)) for t in data.tables()],
        filters=filters,
        periods=periods,
        start=start,
        end=end,
        as_of=as_of_text,
        rows=rows,
        cols=cols,
        pivot=pivot,
        chart=chart,
        charts_available=charts_available,
        specs=specs,
        od_countries=od_options,
        od_matrix=od_matrix,
        notes=notes,
        flags=flags,
        sources=_sources(data, table, view),
        query=view_query,
        downloads=[
            (label, f"/download/{table.id}.{fmt}?{download_query}", fmt) for fmt, label in DOWNLOADS
        ],
        n_observations=len(view),
        synthetic=any(o.synthetic for o in view),
        notices=notices,
        sdmx=sdmx_url(table, selection),
        observations=view,
    )


def _default_period(
    table: TableDef,
    params: Any,
    observations: list[StoredObservation],
    chosen_codes: Any,
    start: int | None,
    end: int | None,
) -> tuple[int | None, int | None, bool]:
    """The years shown and whether rows go by size: as asked, else (a flow table with no
    period and no partners asked) the latest well-covered year, partners by size."""
    sized = params.get("order") == "size"
    if start is None and end is None and opens_on_one_period(table, params):
        latest = default_year(table, observations, chosen_codes)
        if latest is not None:
            return latest, latest, True
    return start, end, sized


def _pickers(data: PortalData, table: TableDef, filters: list[Filter]) -> None:
    """Country filters get their type-ahead names and regional groups."""
    for f in filters:
        if f.id == AREA or (f.id != PROVIDER and table.dimension(f.id).codelist == "AREA"):
            listed = [o.code for o in f.options]
            f.names = search_names(data.registry.areas, listed)
            f.groups = groups(data.registry.areas, listed, data.lang)


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


def _years(params: Any) -> tuple[int | None, int | None]:
    start, end = year(params, "start"), year(params, "end")
    if start is not None and end is not None and start > end:
        raise BadParameter(
            "end", str(end), N_("The parameter {parameter} ({value}) comes before start.")
        )
    return start, end


def _choose(
    data: PortalData,
    dims: Dims,
    params: Any,
    observations: list[StoredObservation],
    found: dict[str, set[str]],
    notices: list[str],
) -> dict[str, list[str]]:
    """The codes shown of the source and of each breakdown: those asked for that have data,
    else the default; the source with the longest series first (national first among
    equals) among those that hold the codes asked for."""
    table = dims.table
    spans = _spans(data, table, params, observations, found)
    chosen: dict[str, list[str]] = {}
    for dim in [PROVIDER, *table.dimension_ids]:
        available = dims.sorted(dim, found[dim])
        if dim == PROVIDER:
            available.sort(key=lambda p: -len(spans[p]))
        given = (
            asked.providers(data, params)
            if dim == PROVIDER
            else asked.dimension(data, table, dim, params)
        )
        _note_missing(notices, dims, dim, given, found[dim])
        chosen[dim] = [c for c in given if c in found[dim]] or _default_codes(table, dim, available)
    return chosen


def _spans(
    data: PortalData,
    table: TableDef,
    params: Any,
    observations: list[StoredObservation],
    found: dict[str, set[str]],
) -> dict[str, set[str]]:
    """The periods each source gives for the codes asked for (every code of a dimension not
    asked): Russia's countries of birth come from UN DESA, not from Eurostat's longer series
    of the population, which has no country of birth but the total."""
    wanted: dict[int, set[str]] = {}
    for i, dim in enumerate(table.dimension_ids):
        codes = set(asked.dimension(data, table, dim, params)) & found[dim]
        if codes:
            wanted[i] = codes
    spans: dict[str, set[str]] = defaultdict(set)
    for o in observations:
        if all(o.key[i] in codes for i, codes in wanted.items()):
            spans[o.provider].add(o.time_period)
    return spans


def _note_missing(
    notices: list[str], dims: Dims, dim: str, given: list[str], found: set[str]
) -> None:
    """Add the notice that codes of ``given`` have no data here (``found``), if any."""
    lost = [c for c in given if c not in found]
    if lost:
        labels = [f"{dims.label(dim, c)} ({c})" for c in lost]
        notices.append(asked.missing_notice(dims.dim_label(dim), labels, dims.data.lang))


def _as_of(text: str) -> Any:
    try:
        return parse_as_of(text) if text else None
    except MigstatError:
        raise BadParameter(
            "as_of",
            text,
            N_("The parameter {parameter} must be a date written as YYYY-MM-DD, not {value}."),
        ) from None


def _layout(dims: Dims, params: Any, multi: list[str]) -> tuple[list[str], list[str]]:
    rows, cols = asked.layout(params, "rows", dims.ids), asked.layout(params, "cols", dims.ids)
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


def _cell(
    data: PortalData, o: StoredObservation, notes: dict[str, int] | None, flags_seen: dict[str, str]
) -> Cell:
    """One cell: its value in the page's language, its flags, and its comment as a numbered
    footnote (``notes``) or, when ``notes`` is None, only as the cell's tooltip."""
    lang = data.lang
    flag = "" if o.obs_status == "A" else o.obs_status
    conf = "" if o.conf_status == "F" else o.conf_status.lower()
    for letter, cl in ((flag, "OBS_STATUS"), (conf, "CONF_STATUS")):
        if letter:
            flags_seen.setdefault(letter, data.registry.codelist(cl).label(letter.upper(), lang))
    text = (
        number(o.value, lang)
        if o.value is not None
        else ("x" if conf else MISSING_SYMBOL.get(o.obs_status, ".."))
    )
    precision = precision_of(o)
    if precision is not None:
        return Cell(text=text, value=o.value, flags=flag + conf, **precision_cell(precision, lang))
    note = None
    if o.comment and notes is not None:
        note = notes.setdefault(o.comment, len(notes) + 1)
    title = free_text(o.comment, lang) if o.comment else ""
    return Cell(text=text, value=o.value, flags=flag + conf, note=note, title=title)


def _pivot(
    data: PortalData,
    dims: Dims,
    view: list[StoredObservation],
    rows: list[str],
    cols: list[str],
    present: dict[str, set[str]],
    show_zeros: bool = False,
    sized: bool = False,
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
        return sorted(
            keys, key=lambda k: tuple(dims.sort_key(d, c) for d, c in zip(on, k, strict=True))
        )

    ordered_rows, ordered_cols = order(row_keys, rows), order(col_keys, cols)
    partner = dims.table.partner
    total_of = _area_kind(data)
    by_partner = partner is not None and rows == [partner.id]
    if sized and by_partner and ordered_cols:
        last = ordered_cols[-1]
        ordered_rows = by_size(
            ordered_rows, lambda r: getattr(cells.get((r, last)), "value", None), total_of
        )
    elif by_partner:
        ordered_rows = totals_first(ordered_rows, total_of)
    elif partner is not None and cols == [partner.id]:
        ordered_cols = totals_first(ordered_cols, total_of)
    # Long tables of partner countries are mostly zeros (UN DESA gives every country): those
    # rows are left out unless asked for (``zeros=show``); the page says how many.
    zero_rows = 0
    if not show_zeros and len(ordered_rows) > ZERO_ROWS_FROM:
        kept = [
            r
            for r in ordered_rows
            if any((o := cells.get((r, c))) is not None and o.value != 0 for c in ordered_cols)
        ]
        zero_rows = len(ordered_rows) - len(kept)
        ordered_rows = kept
    truncated = max(0, len(ordered_rows) - MAX_ROWS)
    notes: dict[str, int] = {}
    # A comment on most cells is a publisher's label of the series, not an annotation:
    # it stays in the cell's tooltip instead of numbering every cell.
    commented = sum(1 for o in cells.values() if o.comment and o.precision is None)
    numbered = notes if commented <= max(3, len(cells) // 2) else None
    flags_seen: dict[str, str] = {}
    out_rows = []
    for r in ordered_rows[:MAX_ROWS]:
        line = []
        for c in ordered_cols:
            o = cells.get((r, c))
            line.append(_cell(data, o, numbered, flags_seen) if o is not None else Cell(""))
        out_rows.append(([dims.label(d, code) for d, code in zip(rows, r, strict=True)], line))
    headers = [[dims.label(d, code) for d, code in zip(cols, c, strict=True)] for c in ordered_cols]
    totals = place_totals(
        out_rows,
        headers,
        (ordered_rows[:MAX_ROWS], ordered_cols),
        cells,
        (by_partner, partner is not None and cols == [partner.id]),
        total_of,
        data.lang,
        lambda v, tip: Cell(total_text(v, data.lang), v, title=tip),
    )
    fixed = [
        (dims.dim_label(d), dims.label(d, next(iter(present[d]))))
        for d in dims.ids
        if d not in rows and d not in cols and len(present[d]) == 1
    ]
    pivot = Pivot(
        row_dims=[(d, dims.dim_label(d)) for d in rows],
        col_dims=[(d, dims.dim_label(d)) for d in cols],
        columns=headers,
        rows=out_rows,
        legend=precision_legend(data.lang, out_rows, quoted_rules(data, view)),
        truncated=truncated,
        fixed=fixed,
        zero_rows=zero_rows,
        total_rows=totals.rows,
        computed=totals.row_note,
        total_cols=totals.columns,
        computed_col=totals.column_note,
    )
    shown = [(n, free_text(text, data.lang)) for text, n in notes.items()]
    return pivot, shown, sorted(flags_seen.items())


def _area_kind(data: PortalData) -> Any:
    """``kind`` of an area code (world, country, aggregate ...), empty when unknown."""
    areas = data.registry.areas

    def kind(code: str) -> str:
        return str(areas.codes[code].attributes.get("kind", "")) if code in areas else ""

    return kind


def _sources(
    data: PortalData, table: TableDef, view: list[StoredObservation]
) -> list[dict[str, Any]]:
    """Who published the numbers in view, with their definitions (residence rule, source)."""
    lang = data.lang
    out = []
    for record in data.submissions_of(view):
        sid = record.id
        entry: dict[str, Any] = {
            "id": sid,
            "provider": data.provider_label(record.provider),
            "code": record.provider,
            "national": data.is_national(record.provider),
            "file": record.file_name,
            "synthetic": record.synthetic,
            "date": record.submitted_at.date().isoformat(),
            "facts": [],
        }
        if entry["national"]:
            meta = data.table_metadata(sid).get(table.id, {})
            entry["facts"] = describe_metadata(meta, lang)
        elif record.provenance:
            p = record.provenance
            entry["facts"] = [
                (gettext_(N_("Dataset"), lang), edition(record, lang)),
                (gettext_(N_("Licence"), lang), p.get("licence") or ""),
                (gettext_(N_("Address"), lang), p.get("url") or ""),
            ]
            entry["facts"] = [f for f in entry["facts"] if f[1]]
        out.append(entry)
    return out


WARMERS.append(lambda data: build(data, "S01", {}))
