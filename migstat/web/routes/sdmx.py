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

The routes parse the address and serve answers from the cache; :mod:`migstat.web.sdmx.data`
and :mod:`migstat.web.sdmx.structures` make them.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from migstat.model import MigstatError, NotFoundError
from migstat.web import selection
from migstat.web.deps import Reader, ReaderDep, language, record_download
from migstat.web.sdmx.cache import Answer, AnswerCache, state, ttl_from_env
from migstat.web.sdmx.data import availability_answer, constrain, data_answer, select
from migstat.web.sdmx.errors import NO_RESULTS, SYNTAX, TOO_LARGE, SdmxError, error_response
from migstat.web.sdmx.structures import structure_answer

router = APIRouter(prefix="/sdmx/rest", tags=["SDMX 2.1 REST API"])

MAX_OBSERVATIONS = int(os.environ.get("MIGSTAT_SDMX_MAX_OBSERVATIONS", "250000"))
"""The most observations one data answer may hold; more is a 413 with an SDMX error 510."""
CACHE_TTL = ttl_from_env("MIGSTAT_SDMX_CACHE_TTL")
"""Seconds an answer is kept at most: unset, until the store's visibility version moves (0
switches the answer cache off)."""


def _cache(request: Request) -> AnswerCache:
    found = getattr(request.app.state, "sdmx_cache", None)
    if found is None:
        found = request.app.state.sdmx_cache = AnswerCache(ttl=CACHE_TTL)
    return found


def _limit(request: Request) -> int:
    return int(getattr(request.app.state, "sdmx_max_observations", MAX_OBSERVATIONS))


async def _answer(
    request: Request, who: Reader, make: Callable[[], Answer], *parts: str
) -> Response:
    """The answer from the cache, or made (once, however many ask at the same time) in the
    thread pool and kept; errors become SDMX error messages.

    A kept answer is served on the event loop without a thread hop: the key's only cost is a
    digest of the submissions the principal can see (one small query), so a popular query
    costs about as much as a static file."""
    lang = language(request)
    try:
        key = "|".join((request.url.path, str(request.query_params), lang, *parts, state(who)))
        cache = _cache(request)
        answer = cache.get(key) if cache.on else None
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
    return Response(
        answer.body, status_code=answer.status, media_type=answer.media_type, headers=headers
    )


# -- data -------------------------------------------------------------------------------------


@router.get("/data/{flow}", summary="Data of a dataflow (all series)")
@router.get("/data/{flow}/{key}", summary="Data of the series matching a key")
@router.get("/data/{flow}/{key}/{provider}", summary="Data of one or more data providers")
async def data(
    request: Request, who: ReaderDep, flow: str, key: str | None = None, provider: str | None = None
) -> Response:
    """SDMX data: ``key`` has one position per dimension (``.``-separated; ``+`` between
    codes; an empty position matches every code). A signed-in account's answered query is
    recorded in the audit trail, whether the answer was kept or made."""
    lang = language(request)
    params = dict(request.query_params)
    accept = request.headers.get("accept")
    limit = _limit(request)
    answer = await _answer(
        request,
        who,
        lambda: data_answer(who, flow, key, provider, params, accept, lang, limit),
        request.headers.get("accept", ""),
    )
    if not who.principal.anonymous and answer.status_code < 400:
        # a signed-in account's data, kept or made, are recorded (the public's are public)
        await run_in_threadpool(record_download, request, who.principal)
    return answer


# -- availability -----------------------------------------------------------------------------


@router.get("/availableconstraint/{flow}", summary="Codes and periods with data")
@router.get("/availableconstraint/{flow}/{key}", summary="Codes and periods with data")
@router.get("/availableconstraint/{flow}/{key}/{provider}", summary="Codes and periods with data")
@router.get(
    "/availableconstraint/{flow}/{key}/{provider}/{component}",
    summary="Codes with data in one dimension",
)
async def available(
    request: Request,
    who: ReaderDep,
    flow: str,
    key: str | None = None,
    provider: str | None = None,
    component: str | None = None,
) -> Response:
    """An actual content constraint: for each dimension, the codes for which data exist
    (``mode=exact``, the default: under the whole key; ``mode=available``: under the key's
    other positions, i.e. what could still be chosen)."""
    params = dict(request.query_params)
    lang = language(request)
    return await _answer(
        request, who, lambda: availability_answer(who, flow, key, provider, component, params, lang)
    )


# -- structures -------------------------------------------------------------------------------


@router.get("/{resource}", summary="Structures (dataflow, datastructure, codelist, conceptscheme)")
@router.get("/{resource}/{agency}", summary="Structures of an agency")
@router.get("/{resource}/{agency}/{resource_id}", summary="One structure")
@router.get("/{resource}/{agency}/{resource_id}/{version}", summary="One version of a structure")
async def structure(
    request: Request,
    who: ReaderDep,
    resource: str,
    agency: str | None = None,
    resource_id: str | None = None,
    version: str | None = None,
) -> Response:
    """SDMX-ML structure messages built from the registry."""
    params = dict(request.query_params)
    accept = request.headers.get("accept")
    lang = language(request)
    return await _answer(
        request,
        who,
        lambda: structure_answer(who, resource, agency, resource_id, version, params, accept, lang),
        accept or "",
    )


__all__ = ["MAX_OBSERVATIONS", "constrain", "router", "select"]
