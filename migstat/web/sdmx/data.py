"""The answers of the SDMX data and availability queries: which observations a request
selects (``/data``) and which codes and periods have data (``/availableconstraint``).

The routes (:mod:`migstat.web.routes.sdmx`) parse the address, keep answers in the cache and
turn errors into SDMX error messages; every read here goes through the request's
:class:`~migstat.web.deps.Reader`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime

from migstat.formats import sdmx_layout as L
from migstat.formats.sdmx_csv import write_sdmx_csv
from migstat.formats.sdmxjson import write_sdmx_json
from migstat.formats.sdmxml.structure_writer import Constraint, Structures, write_structures
from migstat.formats.sdmxml.writer import write_data
from migstat.i18n import N_
from migstat.model import CodeList, TableDef
from migstat.store.records import StoredObservation
from migstat.web import selection
from migstat.web.deps import Reader
from migstat.web.sdmx import request as R
from migstat.web.sdmx.cache import Answer, made
from migstat.web.sdmx.errors import NO_RESULTS, SYNTAX, SdmxError
from migstat.web.sdmx.structures import codelists, header, with_references


def data_answer(
    who: Reader,
    flow: str,
    key: str | None,
    provider: str | None,
    params: Mapping[str, str],
    accept: str | None,
    lang: str,
    limit: int,
) -> Answer:
    """SDMX data: ``key`` has one position per dimension (``.``-separated; ``+`` between
    codes; an empty position matches every code); at most ``limit`` observations."""
    wanted = R.parse_data_request(who.registry, flow, key, provider, params)
    kind = R.negotiate(accept, params.get("format"))
    found = select(who, wanted, limit)
    if not found:
        raise SdmxError(
            NO_RESULTS,
            N_("No data match the query {query}."),
            query=f"{flow}/{key or 'all'}/{provider or 'all'}",
        )
    table = wanted.table
    lists = codelists(who.registry)
    head = header(table, lang, selection.sources(who, found, table))
    if kind == R.CSV:
        labels = params.get("labels", "id")
        body = write_sdmx_csv(
            found,
            table,
            labels="both" if labels == "both" else "id",
            lang=lang,
            codelists=lists,
            attributes=wanted.detail == "full",
        )
    elif kind == R.JSON:
        body = write_sdmx_json(
            found,
            table,
            codelists=lists,
            lang=lang,
            dimension_at_observation=wanted.dimension_at_observation,
            detail=wanted.detail,
            source=head.source.get(lang),
        )
    else:
        body = write_data(
            found,
            table,
            header=head,
            dimension_at_observation=wanted.dimension_at_observation,
            detail=wanted.detail,
        )
    return made(body, R.MEDIA[kind])


def select(who: Reader, wanted: R.DataRequest, limit: int) -> list[StoredObservation]:
    """The observations a data request asks for, read through the reader; more than
    ``limit`` of them (before first/last N) is a :class:`~migstat.web.selection.TooLargeError`."""
    found = selection.take(matching(who, wanted), limit)
    if wanted.first_n or wanted.last_n:
        found = _first_last(found, wanted.first_n, wanted.last_n)
    return found


def matching(who: Reader, wanted: R.DataRequest) -> Iterator[StoredObservation]:
    """The observations under the request's key, periods and ``updatedAfter``, streamed."""
    view = selection.View(
        wanted.table,
        wanted.filters(),
        start=wanted.start.year if wanted.start else None,
        end=wanted.end.year if wanted.end else None,
    )
    if any(not codes for codes in view.filters.values()):
        return
    first = wanted.start.first if wanted.start else None
    last = wanted.end.last if wanted.end else None
    after = wanted.updated_after
    released = who.store.release_moments() if after is not None else {}
    for obs in who.observations(view.query()):
        if first or last:
            begins, ends = R.period_span(obs.time_period)
            if (first is not None and ends < first) or (last is not None and begins > last):
                continue
        if after is not None and _updated(obs, released) <= after:
            continue
        yield obs


def _updated(obs: StoredObservation, released: dict[tuple[int, str | None], datetime]) -> datetime:
    """When ``obs`` last changed for readers: its vintage, or its release (an embargo's end)
    when that came later."""
    found = (released.get((obs.submission_id, t)) for t in (obs.table, None))
    return max([obs.recorded_at, *(m for m in found if m is not None)])


def _first_last(
    found: list[StoredObservation], first_n: int | None, last_n: int | None
) -> list[StoredObservation]:
    series: dict[tuple[str, ...], list[StoredObservation]] = {}
    for obs in found:
        series.setdefault((obs.ref_area, *obs.key, obs.provider), []).append(obs)
    kept: list[StoredObservation] = []
    for members in series.values():
        members.sort(key=lambda o: o.time_period)
        chosen = {id(o): o for o in members[: first_n or 0]}
        if last_n:
            chosen.update({id(o): o for o in members[-last_n:]})
        kept.extend(o for o in members if id(o) in chosen)
    return kept


def availability_answer(
    who: Reader,
    flow: str,
    key: str | None,
    provider: str | None,
    component: str | None,
    params: Mapping[str, str],
    lang: str,
) -> Answer:
    """An actual content constraint: for each dimension, the codes for which data exist
    (``mode=exact``, the default: under the whole key; ``mode=available``: under the key's
    other positions, i.e. what could still be chosen)."""
    wanted = R.parse_data_request(
        who.registry,
        flow,
        key,
        provider,
        {k: v for k, v in params.items() if k in ("startPeriod", "endPeriod", "updatedAfter")},
    )
    mode = params.get("mode", "exact")
    if mode not in ("exact", "available"):
        raise SdmxError(
            SYNTAX, N_("mode={value} is not known: use exact or available."), value=mode
        )
    table = wanted.table
    dims = L.dimensions(table)
    if component not in (None, "", "all") and component not in (*dims, L.TIME):
        raise SdmxError(
            NO_RESULTS,
            N_("Dataflow {flow} has no dimension {dimension}."),
            flow=table.id,
            dimension=component,
        )
    filters = wanted.filters()
    everything = R.DataRequest(
        table,
        providers=wanted.providers,
        start=wanted.start,
        end=wanted.end,
        updated_after=wanted.updated_after,
    )
    pool = matching(who, everything if mode == "available" else wanted)
    constraint = constrain(table, pool, filters, mode, codelists(who.registry))
    if component not in (None, "", "all"):
        constraint.values = {component: constraint.values.get(component, [])}
        if component != L.TIME:
            constraint.start = constraint.end = None
    references = params.get("references", "none")
    structures = (
        with_references([table], who.registry, references, start="dataflow")
        if references != "none"
        else Structures()
    )
    if references == "none":
        structures.dataflows = []
    structures.constraints = [constraint]
    body = write_structures(
        structures, who.registry, codelists(who.registry), header=header(None, lang)
    )
    return made(body, R.STRUCTURE_MEDIA)


def constrain(
    table: TableDef,
    pool: Iterable[StoredObservation],
    filters: dict[str, list[str]],
    mode: str,
    lists: dict[str, CodeList],
) -> Constraint:
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
    return Constraint(
        table, values, ordered[0] if ordered else None, ordered[-1] if ordered else None, count
    )


__all__ = ["availability_answer", "constrain", "data_answer", "matching", "select"]
