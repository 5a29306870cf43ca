"""Cached reads for the portal: coverage, submissions and a table's data for some countries.

The store is append-only, so everything the portal derives from it stays true until a new
submission arrives (or a submission changes state). Each cached value is keyed by the
principal, the *data version* (the submissions' ids and states, a read of one small table)
and the arguments; a new vintage changes the version and so the keys, and old entries fall
out of the least-recently-used cache on their own.
"""

from __future__ import annotations

import threading
from collections import OrderedDict, defaultdict
from collections.abc import AsyncIterator, Callable, Hashable, Iterable, Sequence
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from migstat.model import TableDef
from migstat.model.findings import NotFoundError
from migstat.store.access import ANONYMOUS
from migstat.store.records import ObservationQuery, StoredObservation, SubmissionRecord
from migstat.web.answers import cached_response
from migstat.web.deps import Reader, needs_lookup, reader
from migstat.web.views.numbers import number as number  # the formatter pages import
from migstat.web.views.providers import example_providers, is_publisher, provider_name

T = TypeVar("T")

REGION = ("ARM", "AZE", "BLR", "GEO", "KAZ", "KGZ", "MDA", "RUS", "TJK", "TKM", "UKR", "UZB")
"""The twelve countries of Eastern Europe, the Caucasus and Central Asia (the EECCA region)."""


def table_order(table: TableDef) -> tuple[bool, int, str]:
    """Standard tables first; stocks, then flows, then administrative data; then by id."""
    return (table.group != "standard", "SFBAR".find(table.id[:1]) % 6, table.id)


class ViewCache:
    """A small thread-safe least-recently-used cache of derived views.

    It holds at most ``size`` entries and at most ``weight`` units, a list weighing its
    length (a list of observations costs about 0.8 kB an item) and anything else 1.
    A value asked for while another thread is building it is waited for, not built twice
    (the background warm-up and the first visitor often want the same view).
    """

    def __init__(self, size: int = 512, weight: int = 400_000) -> None:
        self.size = size
        self.weight = weight
        self._items: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self._total = 0
        self._building: dict[Hashable, threading.Event] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable, build: Callable[[], T]) -> T:
        while True:
            with self._lock:
                if key in self._items:
                    self._items.move_to_end(key)
                    return self._items[key][0]
                pending = self._building.get(key)
                if pending is None:
                    done = self._building[key] = threading.Event()
                    break
            pending.wait()
        try:
            value = build()
            cost = len(value) if isinstance(value, list) else 1
            with self._lock:
                self._items[key] = (value, cost)
                self._total += cost
                while len(self._items) > 1 and (
                    len(self._items) > self.size or self._total > self.weight
                ):
                    _key, (_value, dropped) = self._items.popitem(last=False)
                    self._total -= dropped
            return value
        finally:
            with self._lock:
                del self._building[key]
            done.set()

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._total = 0


def view_cache(request: Request) -> ViewCache:
    """The app's cache (made on first use)."""
    return app_cache(request.app)


def app_cache(app: Any) -> ViewCache:
    state = app.state
    cache = getattr(state, "portal_cache", None)
    if cache is None:
        cache = state.portal_cache = ViewCache()
    return cache


@dataclass(frozen=True, slots=True)
class Slice:
    """One current slice of data: who published what for which country and period."""

    provider: str
    ref_area: str
    table: str
    period: str
    n_observations: int


class PortalData:
    """The store as the portal reads it: one reader, one cache, one data version."""

    def __init__(self, the_reader: Reader, cache: ViewCache) -> None:
        self.reader = the_reader
        self.cache = cache
        self.registry = the_reader.registry
        self.lang = the_reader.lang
        self._submissions = the_reader.submissions()
        self.version = the_reader.version(self._submissions)

    def cached(self, name: str, args: Hashable, build: Callable[[], T]) -> T:
        return self.cache.get((name, self.version, args), build)

    # -- whole-store facts -----------------------------------------------------------------
    @property
    def submissions(self) -> list[SubmissionRecord]:
        return self._submissions

    def coverage(self) -> list[Slice]:
        """Every current slice (provider, area, table, period) the principal may read."""
        return self.cached(
            "coverage", None, lambda: [Slice(*row) for row in self.reader.coverage()]
        )

    def areas_with(self, table: str) -> dict[str, dict[str, list[str]]]:
        """For one table: area -> provider -> periods with current data (sorted)."""

        def build() -> dict[str, dict[str, list[str]]]:
            found: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
            for s in self.coverage():
                if s.table == table:
                    found[s.ref_area][s.provider].add(s.period)
            return {a: {p: sorted(ps) for p, ps in by.items()} for a, by in found.items()}

        return self.cached("areas_with", table, build)

    def table(self, table_id: str) -> TableDef:
        return self.registry.table(table_id)

    def tables(self) -> list[TableDef]:
        """Active tables, standard ones first, then indicators (see :func:`table_order`)."""
        active = [t for t in self.registry.tables.values() if t.status == "active"]
        return sorted(active, key=table_order)

    # -- observations ----------------------------------------------------------------------
    def observations(
        self,
        table: str,
        areas: Sequence[str] | None = None,
        *,
        partners: Sequence[str] | None = None,
        periods: tuple[int | None, int | None] = (None, None),
        as_of: datetime | None = None,
    ) -> list[StoredObservation]:
        """Current observations of ``table`` for ``areas`` (and ``partners``), cached; with
        ``as_of``, the data as they stood then (an earlier vintage)."""
        key = (
            table,
            tuple(areas) if areas is not None else None,
            tuple(partners) if partners is not None else None,
            periods,
            as_of,
        )

        def build() -> list[StoredObservation]:
            query = ObservationQuery(
                table=table,
                ref_areas=list(areas) if areas else areas,
                partners=list(partners) if partners else partners,
                time_from=periods[0],
                time_to=periods[1],
            )
            return list(self.reader.observations(query, as_of=as_of))

        return self.cached("observations", key, build)

    def table_metadata(self, submission_id: int) -> dict[str, dict[str, Any]]:
        return self.cached(
            "table_metadata", submission_id, lambda: self.reader.table_metadata(submission_id)
        )

    def submission(self, submission_id: int) -> SubmissionRecord | None:
        return next((s for s in self._submissions if s.id == submission_id), None)

    def submissions_of(self, cells: Iterable[StoredObservation]) -> list[SubmissionRecord]:
        """The submissions ``cells`` come from, oldest first."""
        wanted = {o.submission_id for o in cells}
        return [s for s in self._submissions if s.id in wanted]

    # -- labels ----------------------------------------------------------------------------
    def area_label(self, code: str) -> str:
        return self.registry.areas.label(code, self.lang)

    def provider_label(self, provider: str) -> str:
        """A publisher's name, or a reporting country's name for a national submission, in
        the page's language (:func:`.providers.provider_name`)."""
        return provider_name(provider, self.registry, self.lang, example=self.is_example(provider))

    def is_national(self, provider: str) -> bool:
        return not is_publisher(provider) and provider in self.registry.areas

    def is_example(self, provider: str) -> bool:
        """Whether ``provider`` only ever sent the demo's constructed example files."""
        return provider in self.cached(
            "examples", None, lambda: example_providers(self._submissions)
        )

    def country_code(self, text: str) -> str:
        """An ISO alpha-3 code for a country given by any of its codes or names, in any case."""
        try:
            return self.registry.country(text)
        except NotFoundError:
            resolved = self.registry.areas.resolve(text)
            if resolved is None and text.strip().upper() in self.registry.areas:
                resolved = text.strip().upper()
            if resolved is None:
                raise
            return resolved


WARMERS: list[Callable[[PortalData], object]] = []
"""Views worth computing before anyone asks (each view module adds its own)."""


def warm(data: PortalData) -> None:
    """Compute the :data:`WARMERS` views once per data version, in a background thread,
    in both languages, so the first visitor after a new submission does not wait for them."""
    key = ("warm", data.version)
    started = []
    data.cache.get(key, lambda: started.append(True) or True)
    if not started:
        return

    def run() -> None:
        for lang in ("en", "ru"):
            reader_ = Reader(data.reader.store, data.reader.principal, lang)
            for build in WARMERS:
                try:
                    build(PortalData(reader_, data.cache))
                except Exception:  # a failed warm-up only costs time later
                    return

    threading.Thread(target=run, name="portal-warm-up", daemon=True).start()


@asynccontextmanager
async def warm_at_start(app: Any) -> AsyncIterator[None]:
    """A router lifespan: start the warm-up for anonymous readers as the app starts."""
    store = getattr(app.state, "store", None)
    if store is not None:
        # A store that cannot be read yet: the first request warms up instead.
        with suppress(Exception):
            warm(PortalData(Reader(store, ANONYMOUS, "en"), app_cache(app)))
    yield


def portal_data(request: Request) -> PortalData:
    """The portal's view of the store for this request (use as a FastAPI dependency)."""
    data = PortalData(reader(request), view_cache(request))
    warm(data)
    return data


async def _portal_data_dependency(request: Request) -> PortalData:
    # made on the event loop for the public (as the SDMX answers' key is): one narrow query
    # of the submissions' states, while a hop to the thread pool and back would cost more;
    # a signed-in request first looks its session up, in the thread pool
    if needs_lookup(request):
        return await run_in_threadpool(portal_data, request)
    return portal_data(request)


def cached_page(
    request: Request, data: PortalData, build: Callable[[], Response], *, audit: bool = False
) -> Response:
    """The page ``build`` renders, kept per address, language and principal state by
    :mod:`migstat.web.answers` (with the pages and downloads of the other routes); ``audit``:
    a download of data, recorded for a signed-in account."""
    return cached_response(request, data.reader, build, version=data.version, audit=audit)


Data = Annotated[PortalData, Depends(_portal_data_dependency)]
"""A route parameter ``data: Data`` receives the request's :class:`PortalData`."""
