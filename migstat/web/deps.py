"""What every route needs: the store, the language, the principal, and the one data reader.

Routes never call :class:`~migstat.store.Store` read methods with a principal of their own
choosing: they take a :class:`Reader` from :func:`reader`, which always passes the request's
principal to the store's access gate. When accounts come, :func:`credentials` is the only
place that changes; until then the only principal other than the anonymous one is the
coordinator, who holds the token configured on the server (:mod:`migstat.web.auth`).
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request

from migstat import api
from migstat.i18n import N_, gettext_
from migstat.model.registry import Registry
from migstat.store import Store
from migstat.store.access import ANONYMOUS, COORDINATOR, AccessDeniedError, Principal
from migstat.store.records import ObservationQuery, StoredObservation, SubmissionRecord
from migstat.web import auth

LANGUAGES = ("en", "ru")


def store(request: Request) -> Store:
    """The app's store (opened once by :func:`migstat.web.app.create_app`)."""
    return request.app.state.store


THE_COORDINATOR = Principal(user_id=COORDINATOR, roles=frozenset({COORDINATOR}))


@dataclass(frozen=True, slots=True)
class Credentials:
    """How the request proved who it is: a Bearer token, a signed session cookie, or not."""

    principal: Principal
    session: auth.Session | None = None
    bearer: bool = False


def credentials(request: Request) -> Credentials:
    """Until accounts exist: the coordinator if the request carries the configured coordinator
    token as ``Authorization: Bearer`` or a session cookie signed with it; else anonymous."""
    cached = getattr(request.state, "migstat_credentials", None)
    if cached is not None:
        return cached
    token = getattr(request.app.state, "coordinator_token", None)
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    found = Credentials(ANONYMOUS)
    if scheme.lower() == "bearer" and auth.same_token(given.strip(), token):
        found = Credentials(THE_COORDINATOR, bearer=True)
    else:
        session = auth.read_session(request.cookies.get(auth.SESSION_COOKIE), token)
        if session is not None:
            found = Credentials(THE_COORDINATOR, session=session)
    request.state.migstat_credentials = found
    return found


def principal(request: Request) -> Principal:
    """Who is asking (see :func:`credentials`)."""
    return credentials(request).principal


def csrf_token(request: Request) -> str | None:
    """The CSRF token forms of this browser session carry, if signed in with a cookie."""
    session = credentials(request).session
    return session.csrf(request.app.state.coordinator_token) if session else None


def editor(request: Request, csrf: str | None) -> Reader:
    """A :class:`Reader` allowed to write, or :class:`AccessDeniedError`.

    The access policy decides who may edit; a browser session must also send back its CSRF
    token (``csrf``, from a hidden form field or the ``X-CSRF-Token`` header), so that a form
    on another site cannot write with the coordinator's cookie. A Bearer token is never sent
    by a browser on its own, so it needs none.
    """
    who = reader(request)
    who.store.policy.check_edit_mappings(who.principal)
    found = credentials(request)
    given = csrf or request.headers.get(auth.CSRF_HEADER)
    if not found.bearer and (
        found.session is None
        or not auth.same_csrf(given, found.session, request.app.state.coordinator_token)
    ):
        raise AccessDeniedError(
            N_(
                "This form has expired or did not come from this site: "
                "reload the page and try again."
            )
        )
    return who


def language(request: Request) -> str:
    """``?lang=`` first, then the ``lang`` cookie, then the browser's Accept-Language."""
    for candidate in (request.query_params.get("lang"), request.cookies.get("lang")):
        if candidate in LANGUAGES:
            return candidate
    accept = request.headers.get("accept-language", "")
    for part in accept.split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return "en"


@dataclass(slots=True)
class Reader:
    """The store seen through one principal's eyes: the only way routes read data."""

    store: Store
    principal: Principal
    lang: str

    @property
    def registry(self) -> Registry:
        return self.store.registry

    def t(self, message: str, **params: Any) -> str:
        return gettext_(message, self.lang, **params)

    def observations(
        self, query: ObservationQuery, *, as_of: datetime | None = None
    ) -> Iterator[StoredObservation]:
        return self.store.read(query, as_of=as_of, principal=self.principal)

    def query(self, table: str, **options: Any) -> api.QueryResult:
        """Tidy labelled rows, as :func:`migstat.api.query` gives them."""
        options.setdefault("lang", self.lang)
        return api.query(
            self.store, table, principal=self.principal, registry=self.registry, **options
        )

    def coverage(self) -> Any:
        return self.store.coverage(principal=self.principal)

    def submissions(
        self, *, country: str | None = None, provider: str | None = None
    ) -> list[SubmissionRecord]:
        return self.store.submissions(country=country, provider=provider, principal=self.principal)

    def version(self, submissions: list[SubmissionRecord] | None = None) -> tuple[Any, ...]:
        """The store's state as this principal sees it (every submission it may list, with
        its status): it changes whenever one arrives or changes state, so caches of pages
        and answers key on it. ``submissions`` saves the listing when the caller has it."""
        listed = self.submissions() if submissions is None else submissions
        return (self.principal, tuple((s.id, s.status) for s in listed))

    def table_metadata(self, submission_id: int) -> dict[str, dict[str, Any]]:
        return self.store.table_metadata(submission_id, principal=self.principal)

    def findings(self, submission_id: int) -> list[dict[str, Any]]:
        return self.store.findings(submission_id, principal=self.principal)

    # Classification mappings are reference data readable by everyone; writing them asks the
    # access policy.

    def mappings(self, **options: Any) -> list[Any]:
        """As :func:`migstat.api.mappings`."""
        return api.mappings(self.store, **options)

    def mapping(
        self, country: str, codelist: str, *, source: str = "*", version: int | None = None
    ) -> Any:
        return api.mapping(self.store, country, codelist, source=source, version=version)

    def mapping_uses(self, country: str, source: str, codelist: str) -> list[tuple[Any, int]]:
        """``(submission, version)`` for every listed submission whose numbers went through a
        version of this mapping, newest submission first."""
        found = []
        for record in self.submissions():
            for used in api.mappings_used(self.store, record.id):
                if (used.country, used.source, used.codelist) == (country, source, codelist):
                    found.append((record, used.version))
        return sorted(found, key=lambda pair: -pair[0].id)

    def save_mapping(self, new: Any, *, note: str | None = None) -> Any:
        """Check ``new`` and store it as the next version, if the policy lets us edit."""
        self.store.policy.check_edit_mappings(self.principal)
        return api.save_mapping(
            self.store, new, created_by=self._author(), note=note, registry=self.registry
        )

    def import_mappings(self, data: bytes, file_name: str, *, note: str | None = None) -> list[Any]:
        """Every mapping of an uploaded CSV as a new version (as ``migstat mapping import``)."""
        self.store.policy.check_edit_mappings(self.principal)
        name = Path(file_name.replace("\\", "/")).name or "mappings.csv"
        with tempfile.TemporaryDirectory(prefix="migstat-upload-") as folder:
            path = Path(folder) / name
            path.write_bytes(data)
            return api.import_mappings(
                self.store, path, created_by=self._author(), note=note, registry=self.registry
            )

    def _author(self) -> str:
        return f"{self.principal.user_id or 'anonymous'} (web)"


def reader(request: Request) -> Reader:
    """A :class:`Reader` for this request (use as a FastAPI dependency)."""
    return Reader(store(request), principal(request), language(request))


async def _reader_dependency(request: Request) -> Reader:
    # made on the event loop: it reads nothing, and a plain function dependency would cost
    # every request a hop to the thread pool and back
    return reader(request)


ReaderDep = Annotated[Reader, Depends(_reader_dependency)]
"""A route's parameter type for the request's :class:`Reader`."""


__all__ = [
    "LANGUAGES",
    "Credentials",
    "Reader",
    "ReaderDep",
    "credentials",
    "csrf_token",
    "editor",
    "language",
    "principal",
    "reader",
    "store",
]
