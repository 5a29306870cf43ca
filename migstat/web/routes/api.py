"""The JSON API the portal uses, under ``/api/`` (described by OpenAPI at ``/docs``).

Each endpoint returns the same view model as the matching page, so what a page shows and
what the API returns never disagree. Dimension filters use the ids of the table's dimensions
(``REF_AREA=KGZ+TJK&SEX=F``), as the downloads and the SDMX API do.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field

from migstat.model.findings import NotFoundError
from migstat.web.deps import record_download
from migstat.web.routes.release_states import release_states
from migstat.web.views import availability, country, explore, guide, home, practice, toolkit
from migstat.web.views.data import Data
from migstat.web.views.params import UnknownValue

router = APIRouter()
api = APIRouter(prefix="/api", tags=["portal"])
SWAGGER = "/static/vendor/swagger-ui"


DOCS_PAGE = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="{SWAGGER}/swagger-ui.css">
<link rel="icon" href="data:,">
<title>migstat API</title>
</head>
<body>
<div id="swagger-ui"></div>
<script src="{SWAGGER}/swagger-ui-bundle.js"></script>
<script src="/static/swagger-init.js"></script>
</body>
</html>
"""
"""Swagger UI started by a script file (FastAPI's own page starts it with inline code, which
the Content-Security-Policy refuses)."""


@router.get("/docs", include_in_schema=False)
def docs() -> HTMLResponse:
    """The OpenAPI description as Swagger UI, served from the package (no outside host)."""
    return HTMLResponse(DOCS_PAGE)


class DimensionOut(BaseModel):
    id: str
    label: str
    codelist: str
    role: str | None = None


class TableOut(BaseModel):
    id: str
    title: str
    kind: str
    group: str
    unit: str
    universe: str
    dimensions: list[DimensionOut]


class HitOut(BaseModel):
    kind: str = Field(description="table, country or indicator")
    kind_label: str
    code: str
    label: str
    detail: str
    url: str


class ReleaseOut(BaseModel):
    id: int
    provider: str
    label: str
    edition: str = Field(description="the publisher's dataset and edition, or the file sent")
    example: bool = Field(description="a constructed example file, not a publication")
    national: bool
    tables: list[str]
    date: str
    observations: int
    synthetic: bool
    url: str


class OptionOut(BaseModel):
    code: str
    label: str
    selected: bool


class FilterOut(BaseModel):
    id: str
    label: str
    options: list[OptionOut]


class ObservationOut(BaseModel):
    REF_AREA: str
    TIME_PERIOD: str
    DATA_PROVIDER: str
    key: dict[str, str]
    OBS_VALUE: float | None
    OBS_STATUS: str
    CONF_STATUS: str
    COMMENT: str | None = None
    SYNTHETIC: bool
    SUBMISSION: int


class PivotOut(BaseModel):
    rows: list[str] = Field(description="dimension ids on the rows")
    cols: list[str] = Field(description="dimension ids on the columns")
    columns: list[list[str]] = Field(description="column headers, one label per column dim")
    data: list[dict[str, Any]] = Field(description="row labels and cell texts with flags")
    fixed: list[tuple[str, str]]
    zero_rows: int = Field(
        0, description="rows left out because every value is zero (zeros=show keeps them)"
    )
    total_columns: list[int] = Field(
        default_factory=list,
        description="columns that are a total of the partner countries (published, or computed "
        "from the columns shown when the first and its header says so)",
    )


class ExploreOut(BaseModel):
    table: str
    title: str
    filters: list[FilterOut]
    pivot: PivotOut
    notes: list[tuple[int, str]]
    flags: list[tuple[str, str]]
    downloads: dict[str, str]
    share: str = Field(description="query string that restores this view on /explore")
    charts: dict[str, dict[str, Any]] = Field(description="Vega-Lite specifications")
    observations: list[ObservationOut]


class CountryOut(BaseModel):
    code: str
    name: str
    kpis: list[dict[str, Any]] = Field(
        description="headline figures, each with its source, edition or submission and marks"
    )
    women: dict[str, Any] | None = None
    ranking: dict[str, dict[str, Any]]
    provided: dict[str, Any]
    sources: list[dict[str, Any]]
    charts: dict[str, dict[str, Any]]


class AvailabilityOut(BaseModel):
    scope: str
    source: str
    years: list[int]
    score: int = Field(description="completeness in percent: provided 1, partial 1/2")
    tables: list[dict[str, Any]]
    rows: list[dict[str, Any]]


class ToolkitOut(BaseModel):
    """The toolkit of the workshop's report (para 37) as on its pages: the data sources, the
    worked examples with their numbers read from the store, the references, the printable
    toolkit of each audience."""

    pages: list[dict[str, Any]]
    sources: list[dict[str, Any]]
    examples: list[dict[str, Any]]
    references: list[dict[str, Any]]
    printable: list[dict[str, Any]]


class GuideOut(BaseModel):
    glossary: list[dict[str, str]]
    mistakes: list[str]
    audiences: list[dict[str, str]]
    tables: list[dict[str, Any]]
    toolkit: ToolkitOut


@api.get("/tables", response_model=list[TableOut], summary="The tables and their dimensions")
def tables(data: Data) -> list[TableOut]:
    lang = data.lang
    return [
        TableOut(
            id=t.id,
            title=t.label(lang),
            kind=str(t.kind),
            group=t.group,
            unit=t.unit.get(lang) or t.unit.get("en", ""),
            universe=t.universe.get(lang) or t.universe.get("en", ""),
            dimensions=[
                DimensionOut(id=d.id, label=d.label(lang), codelist=d.codelist, role=d.role)
                for d in t.dimensions
            ],
        )
        for t in data.tables()
    ]


@api.get("/search", response_model=list[HitOut], summary="Search tables, countries and indicators")
def search(data: Data, q: str = Query("", description="words to look for")) -> list[HitOut]:
    return [
        HitOut(
            kind=h.kind,
            kind_label=h.kind_label,
            code=h.code,
            label=h.label,
            detail=h.detail,
            url=h.url,
        )
        for h in home.search(data, q)
    ]


class ReleaseStateOut(BaseModel):
    submission: int
    country: str = Field(description="the submitting country (the provider when none)")
    table: str | None = Field(description="the table of the state; null: every table")
    state: str = Field(description="accepted, partners, embargoed, published or withdrawn")
    released_at: str = Field(description="when the state began (UTC, ISO 8601)")
    embargo_until: str | None = Field(description="the end of an embargo (UTC, ISO 8601)")
    released_by: str
    note: str | None
    open_to: str = Field(
        description="who outside the country could read the data at as_of: public, "
        "partners or nobody"
    )


@api.get(
    "/releases",
    response_model=list[ReleaseOut] | list[ReleaseStateOut],
    summary="The latest releases, or the release states as of a moment",
    description="Without as_of: the newest accepted submissions. With as_of (YYYY-MM-DD, the "
    "end of that day, or a UTC time): the release state of every submission and table as it "
    "stood then, withdrawn ones included, as on /releases?as_of=: every country's for the "
    "coordinator, its own for a reporter or approver (403 to anyone else, 401 to the "
    "public); never kept.",
)
def releases(
    request: Request,
    data: Data,
    limit: int = Query(10, ge=1, le=100),
    as_of: str | None = Query(None, max_length=40),
) -> Any:
    if as_of is None:
        return [ReleaseOut(**r) for r in home.latest_releases(data, limit)]
    return release_states(request, data.reader, as_of)


@api.get(
    "/explore/{table}",
    response_model=ExploreOut,
    summary="One view of a table: filters, pivot, charts, downloads and observations",
    description="Query parameters as on /explore: REF_AREA, one parameter per dimension "
    "id of the table (codes joined by + or repeated), DATA_PROVIDER, start, "
    "end, rows, cols, chart, od, lang.",
)
def explore_view(table: str, request: Request, data: Data) -> ExploreOut:
    # a parameter that names nothing: JSON naming the parameter and the value (web.errors)
    view = explore.build(data, table, request.query_params)
    record_download(request, data.reader.principal)  # a signed-in account's data: audited
    dims = view.table.dimension_ids
    return ExploreOut(
        table=view.table.id,
        title=view.title,
        filters=[
            FilterOut(
                id=f.id,
                label=f.label,
                options=[
                    OptionOut(code=o.code, label=o.label, selected=o.selected) for o in f.options
                ],
            )
            for f in view.filters
        ],
        pivot=PivotOut(
            rows=view.rows,
            cols=view.cols,
            columns=view.pivot.columns,
            data=[
                {
                    "labels": labels,
                    "cells": [
                        {"text": c.text, "value": c.value, "flags": c.flags, "note": c.note}
                        for c in cells
                    ],
                    "total": _total_kind(view, i),
                }
                for i, (labels, cells) in enumerate(view.pivot.rows)
            ],
            fixed=view.pivot.fixed,
            zero_rows=view.pivot.zero_rows,
            total_columns=view.pivot.total_cols,
        ),
        notes=view.notes,
        flags=view.flags,
        downloads={fmt: href for _label, href, fmt in view.downloads},
        share=view.query,
        charts=view.specs,
        observations=[
            ObservationOut(
                REF_AREA=o.ref_area,
                TIME_PERIOD=o.time_period,
                DATA_PROVIDER=o.provider,
                key=dict(zip(dims, o.key, strict=False)),
                OBS_VALUE=o.value,
                OBS_STATUS=o.obs_status,
                CONF_STATUS=o.conf_status,
                COMMENT=o.comment,
                SYNTHETIC=o.synthetic,
                SUBMISSION=o.submission_id,
            )
            for o in view.observations
        ],
    )


@api.get("/countries/{code}", response_model=CountryOut, summary="A country's profile")
def country_profile(code: str, request: Request, data: Data) -> CountryOut:
    try:
        resolved = data.country_code(code)
    except NotFoundError as exc:  # answered as JSON naming the parameter (web.errors)
        raise UnknownValue("code", code, exc.message, **exc.params) from None
    p = country.build(data, resolved)
    record_download(request, data.reader.principal)
    return CountryOut(
        code=p["code"],
        name=p["name"],
        kpis=p["kpis"],
        women=p["women"],
        ranking=p["ranking"],
        provided=p["provided"],
        sources=p["sources"],
        charts=p["specs"],
    )


@api.get(
    "/availability",
    response_model=AvailabilityOut,
    summary="Country x table x year: provided, partial or missing",
    description="Parameters: scope (region|all), source (all|national), start, end, "
    "tables (ids joined by +).",
)
def availability_matrix(request: Request, data: Data) -> AvailabilityOut:
    view = availability.build(data, request.query_params)
    record_download(request, data.reader.principal)
    return AvailabilityOut(**{k: view[k] for k in AvailabilityOut.model_fields})


@api.get(
    "/guide",
    response_model=GuideOut,
    summary="Glossary, table definitions, advice and the toolkit (sources, examples, references)",
    description="In the language of lang (en|ru). The toolkit's examples are computed from "
    "the data the caller may see, each number with its source.",
)
def guide_content(data: Data) -> GuideOut:
    g = guide.build(data)
    return GuideOut(
        glossary=g["glossary"],
        mistakes=g["mistakes"],
        audiences=g["audiences"],
        tables=g["tables"],
        toolkit=ToolkitOut(
            pages=toolkit.pages(data.lang),
            sources=toolkit.source_list(data),
            examples=practice.build(data),
            references=toolkit.reference_groups(data.lang),
            printable=toolkit.pdf_links(data.lang),
        ),
    )


router.include_router(api)


def _total_kind(view: explore.Explorer, row: int) -> str | None:
    """``published`` for a publisher's total row, ``computed`` for the sum the portal added
    (from the rows shown), ``None`` for the other rows."""
    if row not in view.pivot.total_rows:
        return None
    return "computed" if view.pivot.computed and row == 0 else "published"
