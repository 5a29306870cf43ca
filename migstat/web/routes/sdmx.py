"""The SDMX 2.1 REST API under ``/sdmx/rest/``: structures, data and availability.

* ``/dataflow``, ``/datastructure``, ``/codelist``, ``/conceptscheme``
  ``[/{agency}[/{id}[/{version}]]]`` with ``references`` (none, children, descendants, all,
  parents, datastructure, codelist, conceptscheme): SDMX-ML structure messages from the
  registry;
* ``/data/{flow}[/{key}[/{provider}]]`` with ``startPeriod``, ``endPeriod``, ``updatedAfter``,
  ``detail``, ``dimensionAtObservation``, ``firstNObservations``, ``lastNObservations``:
  SDMX-ML structure-specific data, SDMX-CSV or SDMX-JSON, chosen by the ``format`` parameter or
  the Accept header;
* ``/availableconstraint/{flow}[/{key}[/{provider}[/{component}]]]`` with ``mode`` (exact,
  available): the codes and the time span for which data exist.

The agency is ``MIGSTAT``; dataflow ids are the table ids. Every read goes through the
request's :class:`~migstat.web.deps.Reader`. Errors are SDMX-ML error messages with 4xx
statuses; an answer may hold at most :data:`MAX_OBSERVATIONS` observations.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from migstat.formats import sdmx_layout as L
from migstat.formats.sdmx_csv import write_sdmx_csv
from migstat.formats.sdmxjson import write_sdmx_json
from migstat.formats.sdmxml.structure_writer import Constraint, Structures, write_structures
from migstat.formats.sdmxml.writer import Header, write_data
from migstat.i18n import N_
from migstat.model import CodeList, MigstatError, NotFoundError, TableDef, pick
from migstat.store.records import StoredObservation
from migstat.web import selection
from migstat.web.deps import Reader, ReaderDep, language
from migstat.web.sdmx import request as R
from migstat.web.sdmx.cache import TTL, Answer, AnswerCache, etag, state
from migstat.web.sdmx.errors import NO_RESULTS, SYNTAX, TOO_LARGE, SdmxError, error_response
from migstat.web.sdmx.structures import codelists, with_references

router = APIRouter(prefix="/sdmx/rest", tags=["SDMX 2.1 REST API"])

MAX_OBSERVATIONS = int(os.environ.get("MIGSTAT_SDMX_MAX_OBSERVATIONS", "250000"))
"""The most observations one data answer may hold; more is a 413 with an SDMX error 510."""
CACHE_TTL = float(os.environ.get("MIGSTAT_SDMX_CACHE_TTL", str(TTL)))
"""Seconds an answer is kept (0 switches the answer cache off)."""
STRUCTURE_RESOURCES = ("dataflow", "datastructure", "codelist", "conceptscheme")



def _cache(request: Request) -> AnswerCache:
    found = getattr(request.app.state, "sdmx_cache", None)
    if found is None:
        found = request.app.state.sdmx_cache = AnswerCache(ttl=CACHE_TTL)
    return found


def _limit(request: Request) -> int:
    return int(getattr(request.app.state, "sdmx_max_observations", MAX_OBSERVATIONS))


async def _answer(request: Request, who: Reader, make: Callable[[], Answer],
                  *parts: str) -> Response:
    """The answer from the cache, or made (once, however many ask at the same time) in the
    thread pool and kept; errors become SDMX error messages.

    A kept answer is served on the event loop without a thread hop: the key's only cost is a
    digest of the submissions the principal can see (one small query), so a popular query
    costs about as much as a static file."""
    lang = language(request)
    try:
        key = "|".join((request.url.path, str(request.query_params), lang, *parts,
                        state(who)))
        cache = _cache(request)
        answer = cache.get(key) if cache.ttl > 0 else None
        if answer is None:
            answer = await run_in_threadpool(cache.get_or_make, key, make)
    except SdmxError as error:
        return error_response(error, lang, code=error.code)
    except selection.TooLargeError as error:
        return error_response(error, lang, code=TOO_LARGE)
    except NotFoundError as error:
        return error_response(error, lang, code=NO_RESULTS)
    except MigstatError as error:
        return error_response(error, lang, code=SYNTAX)
    if request.headers.get("if-none-match") == answer.etag:
        return Response(status_code=304, headers={"ETag": answer.etag})
    headers = {"ETag": answer.etag, "Vary": "Accept, Accept-Language", **dict(answer.headers)}
    return Response(answer.body, status_code=answer.status, media_type=answer.media_type,
                    headers=headers)


def _made(body: str, media_type: str) -> Answer:
    encoded = body.encode("utf-8")
    return Answer(encoded, media_type, 200, etag(encoded))


def _header(table: TableDef | None, lang: str, sources: Sequence[str] = ()) -> Header:
    texts: dict[str, str] = {}
    if table is not None:
        for code in ("en", "ru"):
            parts = [f"{table.id}: {table.label(code)}", pick(table.description, code),
                     *sources]
            texts[code] = " | ".join(p for p in parts if p)
    return Header(id=f"IREF{uuid.uuid4().hex[:16].upper()}", source=texts)


# -- data -------------------------------------------------------------------------------------

@router.get("/data/{flow}", summary="Data of a dataflow (all series)")
@router.get("/data/{flow}/{key}", summary="Data of the series matching a key")
@router.get("/data/{flow}/{key}/{provider}", summary="Data of one or more data providers")
async def data(request: Request, who: ReaderDep, flow: str, key: str | None = None,
         provider: str | None = None) -> Response:
    """SDMX data: ``key`` has one position per dimension (``.``-separated; ``+`` between
    codes; an empty position matches every code)."""
    lang = language(request)
    params = dict(request.query_params)

    def make() -> Answer:
        wanted = R.parse_data_request(who.registry, flow, key, provider, params)
        kind = R.negotiate(request.headers.get("accept"), params.get("format"))
        found = select(who, wanted, _limit(request))
        if not found:
            raise SdmxError(NO_RESULTS, N_("No data match the query {query}."),
                            query=f"{flow}/{key or 'all'}/{provider or 'all'}")
        table = wanted.table
        lists = codelists(who.registry)
        header = _header(table, lang, selection.sources(who, found, table))
        if kind == R.CSV:
            labels = params.get("labels", "id")
            body = write_sdmx_csv(found, table, labels="both" if labels == "both" else "id",
                                  lang=lang, codelists=lists,
                                  attributes=wanted.detail == "full")
        elif kind == R.JSON:
            body = write_sdmx_json(found, table, codelists=lists, lang=lang,
                                   dimension_at_observation=wanted.dimension_at_observation,
                                   detail=wanted.detail, source=header.source.get(lang))
        else:
            body = write_data(found, table, header=header,
                              dimension_at_observation=wanted.dimension_at_observation,
                              detail=wanted.detail)
        return _made(body, R.MEDIA[kind])

    return await _answer(request, who, make, request.headers.get("accept", ""))


def select(who: Reader, wanted: R.DataRequest, limit: int) -> list[StoredObservation]:
    """The observations a data request asks for, read through the reader; more than
    ``limit`` of them (before first/last N) is a :class:`~migstat.web.selection.TooLargeError`."""
    found = selection.take(matching(who, wanted), limit)
    if wanted.first_n or wanted.last_n:
        found = _first_last(found, wanted.first_n, wanted.last_n)
    return found


def matching(who: Reader, wanted: R.DataRequest) -> Iterator[StoredObservation]:
    """The observations under the request's key, periods and ``updatedAfter``, streamed."""
    view = selection.View(wanted.table, wanted.filters(),
                      start=wanted.start.year if wanted.start else None,
                      end=wanted.end.year if wanted.end else None)
    if any(not codes for codes in view.filters.values()):
        return
    first = wanted.start.first if wanted.start else None
    last = wanted.end.last if wanted.end else None
    after = wanted.updated_after
    for obs in who.observations(view.query()):
        if first or last:
            begins, ends = R.period_span(obs.time_period)
            if (first is not None and ends < first) or (last is not None and begins > last):
                continue
        if after is not None and obs.recorded_at <= after:
            continue
        yield obs


def _first_last(found: list[StoredObservation], first_n: int | None,
                last_n: int | None) -> list[StoredObservation]:
    series: dict[tuple[str, ...], list[StoredObservation]] = {}
    for obs in found:
        series.setdefault((obs.ref_area, *obs.key, obs.provider), []).append(obs)
    kept: list[StoredObservation] = []
    for members in series.values():
        members.sort(key=lambda o: o.time_period)
        chosen = {id(o): o for o in members[:first_n or 0]}
        if last_n:
            chosen.update({id(o): o for o in members[-last_n:]})
        kept.extend(o for o in members if id(o) in chosen)
    return kept


# -- availability -----------------------------------------------------------------------------

@router.get("/availableconstraint/{flow}", summary="Codes and periods with data")
@router.get("/availableconstraint/{flow}/{key}", summary="Codes and periods with data")
@router.get("/availableconstraint/{flow}/{key}/{provider}",
            summary="Codes and periods with data")
@router.get("/availableconstraint/{flow}/{key}/{provider}/{component}",
            summary="Codes with data in one dimension")
async def available(request: Request, who: ReaderDep, flow: str, key: str | None = None,
              provider: str | None = None, component: str | None = None) -> Response:
    """An actual content constraint: for each dimension, the codes for which data exist
    (``mode=exact``, the default: under the whole key; ``mode=available``: under the key's
    other positions, i.e. what could still be chosen)."""
    params = dict(request.query_params)

    def make() -> Answer:
        wanted = R.parse_data_request(who.registry, flow, key, provider, {
            k: v for k, v in params.items() if k in ("startPeriod", "endPeriod",
                                                     "updatedAfter")})
        mode = params.get("mode", "exact")
        if mode not in ("exact", "available"):
            raise SdmxError(SYNTAX, N_("mode={value} is not known: use exact or available."),
                            value=mode)
        table = wanted.table
        dims = L.dimensions(table)
        if component not in (None, "", "all") and component not in (*dims, L.TIME):
            raise SdmxError(NO_RESULTS, N_("Dataflow {flow} has no dimension {dimension}."),
                            flow=table.id, dimension=component)
        filters = wanted.filters()
        everything = R.DataRequest(table, providers=wanted.providers, start=wanted.start,
                                   end=wanted.end, updated_after=wanted.updated_after)
        pool = matching(who, everything if mode == "available" else wanted)
        constraint = constrain(table, pool, filters, mode, codelists(who.registry))
        if component not in (None, "", "all"):
            constraint.values = {component: constraint.values.get(component, [])}
            if component != L.TIME:
                constraint.start = constraint.end = None
        references = params.get("references", "none")
        structures = (with_references([table], who.registry, references, start="dataflow")
                      if references != "none" else Structures())
        if references == "none":
            structures.dataflows = []
        structures.constraints = [constraint]
        body = write_structures(structures, who.registry, codelists(who.registry),
                                header=_header(None, language(request)))
        return _made(body, R.STRUCTURE_MEDIA)

    return await _answer(request, who, make)


def constrain(table: TableDef, pool: Iterable[StoredObservation], filters: dict[str, list[str]],
              mode: str, lists: dict[str, CodeList]) -> Constraint:
    """The codes with data per dimension (see :func:`available`)."""
    dims = L.dimensions(table)
    wanted = [set(filters[d]) if d in filters else None for d in dims]
    present: list[set[str]] = [set() for _ in dims]
    periods: set[str] = set()
    count = 0
    for obs in pool:
        key = (obs.ref_area, *obs.key, obs.provider)
        misses = [i for i, codes in enumerate(wanted) if codes is not None and key[i] not in codes]
        if not misses:
            count += 1
            periods.add(obs.time_period)
            for i, code in enumerate(key):
                present[i].add(code)
        elif mode == "available" and len(misses) == 1:
            present[misses[0]].add(key[misses[0]])
    values = {}
    for i, dim in enumerate(dims):
        cl = lists.get(L.dimension_codelist(table, dim))
        order = list(cl.codes) if cl is not None else []
        known = [c for c in order if c in present[i]]
        values[dim] = known + sorted(present[i] - set(known))
    ordered = sorted(periods)
    return Constraint(table, values, ordered[0] if ordered else None,
                      ordered[-1] if ordered else None, count)


# -- structures -------------------------------------------------------------------------------

@router.get("/{resource}", summary="Structures (dataflow, datastructure, codelist, "
                                   "conceptscheme)")
@router.get("/{resource}/{agency}", summary="Structures of an agency")
@router.get("/{resource}/{agency}/{resource_id}", summary="One structure")
@router.get("/{resource}/{agency}/{resource_id}/{version}", summary="One version of a structure")
async def structure(request: Request, who: ReaderDep, resource: str, agency: str | None = None,
              resource_id: str | None = None, version: str | None = None) -> Response:
    """SDMX-ML structure messages built from the registry."""
    params = dict(request.query_params)

    def make() -> Answer:
        if resource not in STRUCTURE_RESOURCES:
            raise SdmxError(NO_RESULTS, N_("{resource} is not a resource of this API; it has "
                                           "{known}, data and availableconstraint."),
                            resource=resource, known=", ".join(STRUCTURE_RESOURCES))
        R.negotiate(request.headers.get("accept"), params.get("format"), kinds=(R.XML,))
        R.check_agency(agency)
        references = params.get("references", "none")
        if references not in _REFERENCES:
            raise SdmxError(SYNTAX, N_("references={value} is not known: use one of "
                                       "{known}."), value=references,
                            known=", ".join(_REFERENCES))
        found = _structures(who, resource, resource_id, version, references)
        if found.empty:
            raise SdmxError(NO_RESULTS, N_("No {resource} matches {query}."), resource=resource,
                            query="/".join(p for p in (agency, resource_id, version) if p))
        body = write_structures(found, who.registry, codelists(who.registry),
                                header=_header(None, language(request)))
        return _made(body, R.STRUCTURE_MEDIA)

    return await _answer(request, who, make, request.headers.get("accept", ""))


_REFERENCES = ("none", "parents", "parentsandsiblings", "children", "descendants", "all",
               "dataflow", "datastructure", "codelist", "conceptscheme")


def _wanted(resource_id: str | None) -> str | None:
    return None if resource_id in (None, "", "all", "*") else resource_id


def _structures(who: Reader, resource: str, resource_id: str | None, version: str | None,
                references: str) -> Structures:
    registry = who.registry
    wanted = _wanted(resource_id)
    if resource in ("dataflow", "datastructure"):
        tables = list(registry.tables.values())
        if wanted is not None:
            table_id = wanted[4:] if resource == "datastructure" and wanted.startswith(
                "DSD_") else wanted
            tables = [t for t in tables if t.id == table_id]
        tables = [t for t in tables if R.check_version(version, t.version)]
        return with_references(tables, registry, references, start=resource) if tables else (
            Structures())
    if resource == "codelist":
        lists = list(codelists(registry).values())
        if wanted is not None:
            lists = [c for c in lists if L.codelist_id(c.id) == wanted]
        return Structures(codelists=[c for c in lists if R.check_version(version, c.version)])
    if wanted not in (None, L.CONCEPT_SCHEME) or not R.check_version(
            version, L.CONCEPT_SCHEME_VERSION):
        return Structures()
    return Structures(concepts=True)


__all__ = ["MAX_OBSERVATIONS", "constrain", "router", "select"]

