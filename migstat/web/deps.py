"""What every route needs: the store, the language, the principal, and the one data reader.

Routes never call :class:`~migstat.store.Store` read methods with a principal of their own
choosing: they take a :class:`Reader` from :func:`reader`, which always passes the request's
principal to the store's access gate. :func:`credentials` is the only
place that decides who a request is: an account of :mod:`migstat.exchange` (signed in with
a password, or a machine with an API token), the coordinator who holds the token configured
on the server (:mod:`migstat.web.auth`), or the anonymous public.
"""

from __future__ import annotations

import hmac
import tempfile
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from migstat import api
from migstat.exchange import audit, audit_group, sessions, tokens
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
    """How the request proved who it is: a Bearer token (the coordinator's or an account's API
    token), a session cookie (the coordinator's token session or an account's server-side
    session), or nothing. ``csrf`` is the token forms of a browser session carry; ``refusal``
    says (a msgid) why a presented session was not accepted (it ended, it expired)."""

    principal: Principal
    session: auth.Session | None = None
    bearer: bool = False
    session_id: str | None = None
    csrf: str | None = None
    refusal: str | None = None
    scope: str | None = None


def now(request: Request) -> datetime:
    """The app's clock (aware, UTC): ``app.state.clock``, else the system's."""
    clock = getattr(request.app.state, "clock", None)
    return clock() if clock is not None else datetime.now(UTC)


def client_address(request: Request) -> str | None:
    """The client's address (behind a proxy, what the server was told to trust)."""
    return request.client.host if request.client else None


def _bearer(request: Request, given: str) -> Credentials | None:
    """The credentials of a Bearer token; :class:`auth.Unauthenticated` (recorded in the audit
    trail) for an API token that is revoked, expired or unknown."""
    if auth.same_token(given, getattr(request.app.state, "coordinator_token", None)):
        return Credentials(THE_COORDINATOR, bearer=True)
    if not given.startswith(tokens.PREFIX):
        return None
    found = tokens.resolve(store(request), given, now=now(request))
    if found.account is None:
        audit.record(
            store(request),
            actor=found.token.login if found.token else "-",
            action=audit.TOKEN_REFUSED,
            client=client_address(request),
            details={
                "token": found.token.id if found.token else None,
                "path": request.url.path,
                "reason": found.refusal,
            },
            at=now(request),
        )
        raise auth.Unauthenticated(found.refusal or "", bearer=True)
    scope = found.token.scope if found.token else None
    return Credentials(found.account.principal, bearer=True, scope=scope)


def _cookie(request: Request, value: str) -> Credentials | None:
    token = getattr(request.app.state, "coordinator_token", None)
    session = auth.read_session(value, token)
    if session is not None and token is not None:
        return Credentials(THE_COORDINATOR, session=session, csrf=session.csrf(token))
    session_id = auth.session_id_of(request.app.state.secret_key, value)
    if session_id is None:
        return None
    found = sessions.resolve(store(request), session_id, now=now(request))
    if found.account is None:
        return Credentials(ANONYMOUS, refusal=found.refusal)
    return Credentials(
        found.account.principal, session_id=session_id, csrf=sessions.csrf_of(session_id)
    )


def needs_lookup(request: Request) -> bool:
    """Whether finding the credentials may read the store (a token or a session cookie)."""
    return bool(
        request.headers.get("authorization") or request.cookies.get(auth.session_cookie(request))
    )


def credentials(request: Request) -> Credentials:
    """Who the request is: from ``Authorization: Bearer`` (the coordinator token or an
    account's API token), else from the session cookie; else anonymous."""
    cached = getattr(request.state, "migstat_credentials", None)
    if cached is not None:
        return cached
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    found = None
    if scheme.lower() == "bearer" and given.strip():
        found = _bearer(request, given.strip())
    cookie = request.cookies.get(auth.session_cookie(request))
    if found is None and cookie:
        found = _cookie(request, cookie)
    found = found or Credentials(ANONYMOUS)
    request.state.migstat_credentials = found
    return found


def principal(request: Request) -> Principal:
    """Who is asking (see :func:`credentials`)."""
    return credentials(request).principal


def csrf_token(request: Request) -> str | None:
    """The CSRF token forms of this browser session carry, if signed in with a cookie."""
    return credentials(request).csrf


def require_signed_in(request: Request, who: Principal, message: str) -> None:
    """Refuse an anonymous request (401, saying ``message``: sign in) or an ended session."""
    found = credentials(request)
    if found.refusal is not None:
        raise auth.Unauthenticated(found.refusal)
    if who.anonymous:
        raise auth.Unauthenticated(message)


def record_download(request: Request, who: Principal) -> None:
    """Record a download of data by a signed-in account in the audit trail (who, when, from
    where, what was asked): such an account may read data the public may not. The public's
    downloads are public data and are not recorded. The record is committed before this
    returns, in one transaction with those of the requests answered meanwhile
    (:mod:`migstat.exchange.audit_group`)."""
    if who.anonymous:
        return
    audit_group.record(
        store(request),
        actor=who.user_id or "-",
        action=audit.DATA_DOWNLOAD,
        client=client_address(request),
        details={"path": request.url.path, "query": request.url.query[:500]},
        at=now(request),
    )


def refuse(request: Request, who: Principal, reason: AccessDeniedError) -> AccessDeniedError:
    """``reason``, after recording the refusal in the audit trail (a 403 answer)."""
    audit_group.record(
        store(request),
        actor=who.user_id or "anonymous",
        action=audit.ACCESS_DENIED,
        client=client_address(request),
        details={
            "path": request.url.path,
            "method": request.method,
            "reason": reason.message,
        },
        at=now(request),
    )
    return reason


def editor(request: Request, csrf: str | None) -> Reader:
    """A :class:`Reader` allowed to edit mappings (see :func:`writer`)."""
    return writer(request, csrf, "check_edit_mappings")


def writer(request: Request, csrf: str | None, check: str) -> Reader:
    """A :class:`Reader` allowed to write, or :class:`AccessDeniedError` (recorded).

    The access policy decides who may write (its method ``check``, e.g.
    ``check_edit_mappings``); a browser session must also send back its CSRF
    token (``csrf``, from a hidden form field or the ``X-CSRF-Token`` header), so that a form
    on another site cannot write with the coordinator's cookie. A Bearer token is never sent
    by a browser on its own, so it needs none. A session that has ended (signed out, expired)
    is :class:`auth.Unauthenticated` instead: sign in again.
    """
    who = reader(request)
    found = credentials(request)
    if found.refusal is not None:
        raise auth.Unauthenticated(found.refusal)
    try:
        getattr(who.store.policy, check)(who.principal)
    except AccessDeniedError as exc:
        raise refuse(request, who.principal, exc) from None
    if found.scope == "read":
        raise refuse(
            request,
            who.principal,
            AccessDeniedError(
                N_("This API token may only read: ask for one with the scope \u201csubmit\u201d.")
            ),
        )
    given = csrf or request.headers.get(auth.CSRF_HEADER)
    if not found.bearer and not (
        found.csrf and given and hmac.compare_digest(given.encode(), found.csrf.encode())
    ):
        raise refuse(
            request,
            who.principal,
            AccessDeniedError(
                N_(
                    "This form has expired or did not come from this site: "
                    "reload the page and try again."
                )
            ),
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


class Listings:
    """Every page reads the submissions its principal may list: this keeps each principal's
    listing in the process and reads it again only when the store's visibility version
    (:meth:`~migstat.store.Store.visibility_version`: one row that every write of a
    submission, release, agreement or round bumps, and the embargo ends passed) changes, so
    a kept listing costs one read of one row. With ``ttl`` (seconds) a listing is also read
    again after that long; by default it is kept until the version moves. At most
    :attr:`size` principals are kept."""

    def __init__(self, ttl: float | None = None, size: int = 256) -> None:
        self.ttl = ttl
        self.size = size
        self._kept: OrderedDict[tuple[int, str, Principal], tuple[Any, float, list[Any]]] = (
            OrderedDict()
        )
        self._lock = threading.Lock()

    def listing(
        self, the_store: Store, who: Principal, stamp: tuple[Any, ...] | None = None
    ) -> list[SubmissionRecord]:
        """The submissions ``who`` may list (``stamp``: the visibility version, when the
        caller has read it already)."""
        stamp = the_store.visibility_version() if stamp is None else stamp
        key = (id(the_store), str(the_store.url), who)
        with self._lock:
            kept = self._kept.get(key)
        if (
            kept is not None
            and kept[0] == stamp
            and (self.ttl is None or time.monotonic() - kept[1] < self.ttl)
        ):
            return list(kept[2])
        listed = the_store.submissions(principal=who)
        with self._lock:
            self._kept[key] = (stamp, time.monotonic(), listed)
            self._kept.move_to_end(key)
            while len(self._kept) > self.size:
                self._kept.popitem(last=False)
        return list(listed)


LISTINGS = Listings()


@dataclass(slots=True)
class Reader:
    """The store seen through one principal's eyes: the only way routes read data."""

    store: Store
    principal: Principal
    lang: str
    stamp: tuple[Any, ...] | None = None
    """The store's visibility version as this request read it (read once per request, so
    the listing and the caches' keys agree)."""

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
        if country is None and provider is None:
            return LISTINGS.listing(self.store, self.principal, self.visibility())
        return self.store.submissions(country=country, provider=provider, principal=self.principal)

    def visibility(self) -> tuple[Any, ...]:
        """The store's visibility version, read once for this reader (one row)."""
        if self.stamp is None:
            self.stamp = self.store.visibility_version()
        return self.stamp

    def version(self, submissions: list[SubmissionRecord] | None = None) -> tuple[Any, ...]:
        """The store's state as this principal sees it: the principal and the visibility
        version, which moves whenever a submission arrives or changes state, a release or an
        agreement is written, or an embargo ends (at the store's clock), in whichever process
        it happens. What the principal may list follows from the two, so caches of pages and
        answers key on them and keep an answer until they move, with no time limit.
        ``submissions`` is accepted for callers that have the listing (it adds nothing)."""
        return (self.principal, self.visibility())

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
    # made on the event loop when it reads nothing (no token, no session cookie): a plain
    # function dependency would cost every request a hop to the thread pool and back
    if needs_lookup(request):
        return await run_in_threadpool(reader, request)
    return reader(request)


ReaderDep = Annotated[Reader, Depends(_reader_dependency)]
"""A route's parameter type for the request's :class:`Reader`."""


__all__ = [
    "LANGUAGES",
    "Credentials",
    "Reader",
    "ReaderDep",
    "client_address",
    "credentials",
    "csrf_token",
    "editor",
    "language",
    "needs_lookup",
    "now",
    "principal",
    "reader",
    "refuse",
    "store",
    "writer",
]
