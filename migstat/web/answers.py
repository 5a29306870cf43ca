"""Whole answers of the portal's costly GET routes: pages (mirror statistics, availability,
country profiles, the explorer) and downloads (CSV, XLSX, ...), kept until what they show may
change.

The key is the one of the SDMX answers (:mod:`migstat.web.sdmx.cache`): the address with its
parameters, the language, the principal's sight and the store's visibility version
(:func:`~migstat.web.sdmx.cache.state`), plus the UTC date (regional groups follow dated
rules). Two principals share an answer only when they may read exactly the same (the public;
the coordinators; accounts of one country and role), so nothing personal is written into a
kept answer (the header's login comes from ``GET /me``); a new submission, a change of
state, a release, an agreement or a round makes new keys at once in every worker process (the
version is one row read from the database on every request), and so does the end of an
embargo, at the second it ends by the store's clock. So answers need no time limit; the
cache holds at most :data:`BUDGET` bytes and drops the least recently used.

A signed-in account's kept answer is given before routing too, once its session is found
(:class:`KeptAnswers`); a download of data still leaves the account's audit record each time,
kept or made, committed before the answer is sent (:func:`cached_response`'s ``audit``).

After a change, the public's most recently made answers are made again in the background
(:mod:`migstat.web.rewarm`), so that the next visitors find them kept.

A streamed download is kept only when it is at most :data:`KEEP_STREAM` bytes; a larger one
is sent as it is made, every time, so that no answer has to sit whole in memory.
"""

from __future__ import annotations

import dataclasses
import itertools
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from fastapi import Request
from fastapi.responses import Response, StreamingResponse
from starlette.concurrency import run_in_threadpool

from migstat.store.access import ANONYMOUS
from migstat.web.deps import (
    Reader,
    credentials,
    language,
    needs_lookup,
    record_download,
)
from migstat.web.rewarm import rewarm
from migstat.web.sdmx.cache import Answer, AnswerCache, etag, state, ttl_from_env

BUDGET = int(os.environ.get("MIGSTAT_ANSWER_CACHE_BYTES", str(96 * 1024 * 1024)))
"""Bytes the kept pages and downloads may hold together (per worker process)."""
CACHE_TTL = ttl_from_env("MIGSTAT_ANSWER_CACHE_TTL")
"""Seconds a page or a download is kept at most: unset, until the key moves (0 switches this
cache off)."""
KEEP_STREAM = 8 * 1024 * 1024
"""The largest streamed download that is kept (larger ones are streamed every time)."""
KEPT_HEADERS = (
    "content-disposition",
    "link",
    "vary",
    "content-security-policy",
    "x-frame-options",
)
"""The headers of a made answer that are kept with it (the guard adds the other security
headers to every answer; a route's own framing policy, the embed's, is kept)."""


def answer_cache(app: Any) -> AnswerCache:
    """The app's cache of pages and downloads (made on first use)."""
    found = getattr(app.state, "answer_cache", None)
    if found is None:
        found = app.state.answer_cache = AnswerCache(ttl=CACHE_TTL, budget=BUDGET)
    return found


@dataclass(frozen=True, slots=True)
class Stream:
    """An answer written as it is read (a large download): its chunks and headers."""

    chunks: Iterator[bytes]
    media_type: str
    headers: dict[str, str]


class _Streamed(Exception):
    """A streamed answer too large to keep: it is sent as it is made."""

    def __init__(self, response: Response) -> None:
        super().__init__()
        self.response = response


def _kept(response: Response | Stream) -> Answer:
    """The answer of ``response`` as it is kept (:class:`_Streamed` when it is too large)."""
    if isinstance(response, Stream):
        return _kept_stream(response)
    headers = tuple(
        (name, value) for name, value in response.headers.items() if name in KEPT_HEADERS
    )
    body = bytes(response.body)
    media = response.media_type or response.headers.get("content-type", "")
    return Answer(body, media, response.status_code, etag(body), headers)


def _kept_stream(stream: Stream) -> Answer:
    taken: list[bytes] = []
    size = 0
    for chunk in stream.chunks:
        taken.append(chunk)
        size += len(chunk)
        if size > KEEP_STREAM:
            rest = StreamingResponse(
                itertools.chain(taken, stream.chunks),
                media_type=stream.media_type,
                headers=stream.headers,
            )
            raise _Streamed(rest)
    body = b"".join(taken)
    headers = tuple((k.lower(), v) for k, v in stream.headers.items())
    return Answer(body, stream.media_type, 200, etag(body), headers)


def answer_key(
    request: Request,
    who: Reader,
    version: tuple[Any, ...],
    parts: tuple[str, ...] = (),
    digest: str | None = None,
) -> str:
    """The key of a kept answer: the address path first (see ``AnswerCache.paths``), its
    parameters, the language, ``parts``, the UTC date and the principal's state (``digest``:
    :func:`~migstat.web.sdmx.cache.state`'s, when the caller has it)."""
    return "|".join(
        (
            request.url.path,
            str(request.query_params),
            language(request),
            *parts,
            datetime.now(UTC).date().isoformat(),
            digest or state(who, version),
        )
    )


def _send_kept(request: Request, answer: Answer) -> Response:
    """A kept answer, or ``304 Not Modified`` to a client that has it already."""
    if request.headers.get("if-none-match") == answer.etag:
        return Response(status_code=304, headers={"ETag": answer.etag})
    return Response(
        answer.body,
        status_code=answer.status,
        media_type=answer.media_type,
        headers={**dict(answer.headers), "ETag": answer.etag},
    )


def early_parts(request: Request, who: Reader) -> tuple[tuple[str, ...], ...]:
    """The ``parts`` the routes add to their keys, as :class:`KeptAnswers` tries them: none
    (pages), the ``Accept`` header (downloads, whose errors follow it), the minute of the
    store's clock (the release calendar, which shows it)."""
    return (
        (),
        (request.headers.get("accept", ""),),
        (f"{who.store.policy.now():%Y-%m-%d %H:%M}",),
    )


def _signed_in(request: Request, store: Any) -> Reader | None:
    """The reader of a request that carries a session cookie and no token, with the store's
    visibility version read (in the thread pool: it reads the store); ``None`` when the
    session is not good (the route says why)."""
    found = credentials(request)
    if found.refusal is not None or found.principal.anonymous:
        return None
    who = Reader(store, found.principal, language(request))
    who.visibility()
    return who


class KeptAnswers:
    """An ASGI middleware: a GET whose answer is kept is answered before routing, from the key
    :func:`cached_response` would make. The public's is found on the event loop (no
    dependencies solved, no hop to the thread pool); a session's after one hop, which finds
    the session (what the route would do first) and, for a download of data, commits the
    account's audit record before the answer goes. Anything else, a request to a path with no
    kept answer, and a request with a token (``Authorization``) go on to the app untouched."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        app = scope.get("app")
        cache = getattr(getattr(app, "state", None), "answer_cache", None)
        if (
            scope["type"] != "http"
            or scope["method"] != "GET"
            or cache is None
            or scope["path"] not in cache.paths
        ):
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        who: Reader | None = None
        if not needs_lookup(request):
            who = Reader(app.state.store, ANONYMOUS, language(request))
        elif not request.headers.get("authorization"):
            who = await run_in_threadpool(_signed_in, request, app.state.store)
        answer = _early(request, who, cache) if who is not None else None
        if answer is None:
            await self.app(scope, receive, send)
            return
        assert who is not None
        if answer.audited and answer.status < 400 and not who.principal.anonymous:
            await run_in_threadpool(record_download, request, who.principal)
        cache.early += 1
        await _send_kept(request, answer)(scope, receive, send)


def _early(request: Request, who: Reader, cache: AnswerCache) -> Answer | None:
    """The kept answer of ``request`` as ``who`` reads it, if there is one."""
    version = who.version()
    digest = state(who, version)
    for parts in early_parts(request, who):
        answer = cache.get(answer_key(request, who, version, parts, digest))
        if answer is not None:
            return answer
    return None


def cached_response(
    request: Request,
    who: Reader,
    make: Callable[[], Response | Stream],
    *parts: str,
    version: tuple[Any, ...] | None = None,
    audit: bool = False,
) -> Response:
    """The answer ``make`` gives for this request, kept (see the module) and served again to
    every request of the same address, language and principal state; ``304 Not Modified``
    to a client that has it already. Answers of 500 and above are never kept; ``parts`` are
    more things the answer depends on (a header); ``version`` is :meth:`Reader.version`'s value
    when the caller has read it already. With ``audit`` (a download of data), a signed-in
    account's answer below 400, kept or made, leaves its audit record first."""
    cache = answer_cache(request.app)
    version = who.version() if version is None else version
    public = who.principal.anonymous
    if public:
        rewarm(request.app).seen(request.app, version)
    key = answer_key(request, who, version, parts)

    def build() -> Answer:
        if public:
            rewarm(request.app).remember(request)
        response = make()
        if isinstance(response, Response) and response.status_code >= 500:
            raise _Streamed(response)
        made = _kept(response)
        return dataclasses.replace(made, audited=True) if audit else made

    try:
        answer = cache.get_or_make(key, build)
    except _Streamed as streamed:
        if audit and streamed.response.status_code < 400:
            record_download(request, who.principal)
        return streamed.response
    if audit and answer.status < 400:
        record_download(request, who.principal)
    return _send_kept(request, answer)


__all__ = [
    "BUDGET",
    "CACHE_TTL",
    "KEEP_STREAM",
    "KeptAnswers",
    "Stream",
    "answer_cache",
    "answer_key",
    "cached_response",
]
