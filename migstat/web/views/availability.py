"""Data availability: country x table x year, provided, partial or missing, by breakdown.

The regional coordinator's view for chasing gaps. A cell is *provided* when some source gives
the table for that country and year with every breakdown of the table (sex, age, partner
country ...), *partial* when the data exist but some breakdown is only given as a total, and
*missing* otherwise. Completeness scores count a provided cell as 1 and a partial one as 1/2.

Which breakdowns a source gives is read from its latest slice of the table (a publisher
publishes the same breakdowns for every country; a country's own submission is its own
provider), so the page reads a handful of small slices once per data version.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from migstat.i18n import N_, gettext_
from migstat.model import TableDef
from migstat.store.records import ObservationQuery
from migstat.web.views import availability_rounds as by_round
from migstat.web.views.data import REGION, WARMERS, PortalData, table_order
from migstat.web.views.params import choice, codes, unknown, year

YEARS_SHOWN = 10
STATUS_LABELS = {"provided": N_("provided"), "partial": N_("partial"), "missing": N_("missing")}


@dataclass(slots=True)
class Breakdowns:
    """Which dimensions of a table a source breaks down and which it gives only as a total."""

    given: tuple[str, ...]
    total_only: tuple[str, ...]


def breakdowns(
    data: PortalData, table: TableDef, provider: str, area: str, period: str
) -> Breakdowns:
    """The breakdowns in one slice (``provider``'s ``table`` for ``area`` and ``period``)."""

    def build() -> Breakdowns:
        query = ObservationQuery(
            table=table.id,
            ref_areas=[area],
            providers=[provider],
            time_from=int(period[:4]),
            time_to=int(period[:4]),
        )
        seen: dict[int, set[str]] = defaultdict(set)
        for o in data.reader.observations(query):
            if o.time_period == period:
                for i, code in enumerate(o.key):
                    seen[i].add(code)
        given, total_only = [], []
        for i, dim in enumerate(table.dimensions):
            broken = {c for c in seen[i] if c != dim.total}
            (
                given
                if broken and (dim.total is None or len(seen[i]) > 1 or dim.total not in seen[i])
                else total_only
            ).append(dim.id)
        return Breakdowns(tuple(given), tuple(total_only))

    return data.cached("breakdowns", (table.id, provider, area, period), build)


def _representative(data: PortalData, table: str, provider: str, area: str) -> tuple[str, str]:
    """The slice whose breakdowns stand for a source: a national provider's own latest one,
    a publisher's latest one for one country (the first of the region it covers)."""
    have = data.areas_with(table)
    if data.is_national(provider):
        return area, have[area][provider][-1]
    spots = [a for a in (*REGION, *sorted(have)) if provider in have.get(a, {})]
    return spots[0], have[spots[0]][provider][-1]


def build(data: PortalData, params: Any) -> dict[str, Any]:
    scope = choice(params, "scope", ("region", "all"))
    source = choice(params, "source", ("all", "national"))
    start, end = year(params, "start"), year(params, "end")
    known = [t.id for t in sorted(data.registry.standard_tables(), key=table_order)]
    asked_tables = []
    for text in codes(params, "tables"):
        if text.upper() not in known:
            raise unknown("tables", text, known)
        asked_tables.append(text.upper())
    over = by_round.overlay(data, (params.get("round") or "").strip()[:40])
    if over is not None:  # a round changes without a new submission: built afresh
        end = end or over.round.year
        return _build(data, scope, source, start, end, asked_tables, over)
    key = (scope, source, start, end, tuple(asked_tables), data.lang)
    return data.cached(
        "availability", key, lambda: _build(data, scope, source, start, end, asked_tables)
    )


def _build(
    data: PortalData,
    scope: str,
    source: str,
    start: int | None,
    end: int | None,
    asked_tables: list[str],
    over: by_round.Overlay | None = None,
) -> dict[str, Any]:
    lang = data.lang
    tables = sorted(
        (t for t in data.registry.standard_tables() if not asked_tables or t.id in asked_tables),
        key=table_order,
    )
    cover = [
        s
        for s in data.coverage()
        if s.table in {t.id for t in tables} and (source == "all" or data.is_national(s.provider))
    ]
    areas_with_data = {s.ref_area for s in cover}
    if scope == "region":
        areas = list(REGION)
    else:
        areas = sorted(
            (
                a
                for a in areas_with_data
                if data.registry.areas.get(a) is not None
                and data.registry.areas[a].attributes.get("kind") == "country"
            ),
            key=lambda a: (a not in REGION, data.area_label(a)),
        )
    all_years = sorted({int(s.period[:4]) for s in cover if s.ref_area in areas})
    last = end or (all_years[-1] if all_years else 2024)
    first = start or max(last - YEARS_SHOWN + 1, all_years[0] if all_years else last)
    years = list(range(first, last + 1))

    by_cell: dict[tuple[str, str, int], list[tuple[str, str]]] = defaultdict(list)
    for s in cover:
        y = int(s.period[:4])
        if first <= y <= last and s.ref_area in areas:
            by_cell[(s.ref_area, s.table, y)].append((s.provider, s.period))

    returned = by_round.returned_cells(data, areas)
    rows = []
    table_scores: dict[str, list[float]] = defaultdict(list)
    for area in areas:
        groups = []
        points = 0.0
        for table in tables:
            cells = []
            for y in years:
                status, title = by_round.cell_status(
                    area,
                    table.id,
                    y,
                    _status(data, table, area, by_cell.get((area, table.id, y), [])),
                    returned,
                    over,
                    lang,
                    cells,
                )
                cells.append({"status": status, "year": y, "title": title})
                score = {"provided": 1.0, "partial": 0.5}.get(status, 0.0)
                points += score
                table_scores[table.id].append(score)
            detail = _best_breakdowns(data, table, area, years, by_cell)
            if scope == "all":  # one cell per table: its best year, and how many years
                have = [c for c in cells if c["status"] != "missing"]
                best = (
                    "provided"
                    if any(c["status"] == "provided" for c in have)
                    else "partial"
                    if have
                    else "missing"
                )
                cells = [
                    {
                        "status": best,
                        "year": f"{years[0]}-{years[-1]}",
                        "title": f"{len(have)}/{len(years)}",
                        "count": len(have),
                    }
                ]
            groups.append({"table": table.id, "cells": cells, "breakdowns": detail})
        total = len(tables) * len(years)
        rows.append(
            {
                "code": area,
                "name": data.area_label(area),
                "groups": groups,
                "score": round(100 * points / total) if total else 0,
            }
        )
    overall = [c for scores in table_scores.values() for c in scores]
    return {
        "scope": scope,
        "source": source,
        "years": years,
        "compact": scope == "all",
        "all_tables": [
            (t.id, t.label(lang), not asked_tables or t.id in asked_tables)
            for t in sorted(data.registry.standard_tables(), key=table_order)
        ],
        "tables": [
            {
                "id": t.id,
                "title": t.label(lang),
                "score": round(100 * sum(table_scores[t.id]) / len(table_scores[t.id]))
                if table_scores[t.id]
                else 0,
            }
            for t in tables
        ],
        "rows": rows,
        "score": round(100 * sum(overall) / len(overall)) if overall else 0,
        "status_labels": {k: gettext_(v, lang) for k, v in STATUS_LABELS.items()},
        "round_labels": by_round.labels(lang),
        "round": over.round if over is not None else None,
    }


def _best_breakdowns(
    data: PortalData,
    table: TableDef,
    area: str,
    years: list[int],
    by_cell: dict[tuple[str, str, int], list[tuple[str, str]]],
) -> dict[str, Any] | None:
    """The most detailed data of the years shown (the latest year among equals): which of
    the table's dimensions are broken down and which are given only as a total."""
    best: tuple[int, int, Breakdowns] | None = None
    for y in years:
        for provider in sorted({p for p, _ in by_cell.get((area, table.id, y), [])}):
            b = breakdowns(data, table, provider, *_representative(data, table.id, provider, area))
            if best is None or (len(b.given), y) >= (best[0], best[1]):
                best = (len(b.given), y, b)
    if best is None:
        return None
    _n, latest, found = best
    label = {d.id: d.label(data.lang) for d in table.dimensions}
    return {
        "year": latest,
        "given": [label[d] for d in found.given],
        "missing": [label[d] for d in found.total_only],
        "n": len(found.given),
        "of": len(table.dimensions),
    }


def _status(
    data: PortalData, table: TableDef, area: str, found: list[tuple[str, str]]
) -> tuple[str, str]:
    """``provided``/``partial``/``missing`` and a note naming sources and missing breakdowns."""
    lang = data.lang
    if not found:
        return "missing", gettext_(STATUS_LABELS["missing"], lang)
    notes = []
    complete = False
    for provider in sorted({p for p, _ in found}):
        spot, period = _representative(data, table.id, provider, area)
        b = breakdowns(data, table, provider, spot, period)
        if not b.total_only:
            complete = True
            notes.append(data.provider_label(provider))
        else:
            lacking = ", ".join(table.dimension(d).label(lang).lower() for d in b.total_only)
            notes.append(
                gettext_(
                    N_("{source}: no breakdown by {dimensions}"),
                    lang,
                    source=data.provider_label(provider),
                    dimensions=lacking,
                )
            )
    return ("provided" if complete else "partial"), "; ".join(notes)


WARMERS.append(lambda data: build(data, {}))
