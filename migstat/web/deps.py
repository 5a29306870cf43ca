"""What every route needs: the store, the language, the principal, and the one data reader.

Routes never call :class:`~migstat.store.Store` read methods with a principal of their own
choosing: they take a :class:`Reader` from :func:`reader`, which always passes the request's
principal to the store's access gate. When accounts come, :func:`principal` is the only place
that changes.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fastapi import Request

from migstat import api
from migstat.i18n import gettext_
from migstat.model.registry import Registry
from migstat.store import Store
from migstat.store.access import ANONYMOUS, Principal
from migstat.store.records import ObservationQuery, StoredObservation, SubmissionRecord

LANGUAGES = ("en", "ru")


def store(request: Request) -> Store:
    """The app's store (opened once by :func:`migstat.web.app.create_app`)."""
    return request.app.state.store


def principal(request: Request) -> Principal:
    """Who is asking. Everyone is anonymous until accounts exist."""
    return ANONYMOUS


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

    def observations(self, query: ObservationQuery, *,
                     as_of: datetime | None = None) -> Iterator[StoredObservation]:
        return self.store.read(query, as_of=as_of, principal=self.principal)

    def query(self, table: str, **options: Any) -> api.QueryResult:
        """Tidy labelled rows, as :func:`migstat.api.query` gives them."""
        options.setdefault("lang", self.lang)
        return api.query(self.store, table, principal=self.principal,
                         registry=self.registry, **options)

    def coverage(self) -> Any:
        return self.store.coverage(principal=self.principal)

    def submissions(self, *, country: str | None = None,
                    provider: str | None = None) -> list[SubmissionRecord]:
        return self.store.submissions(country=country, provider=provider,
                                      principal=self.principal)

    def table_metadata(self, submission_id: int) -> dict[str, dict[str, Any]]:
        return self.store.table_metadata(submission_id, principal=self.principal)

    def findings(self, submission_id: int) -> list[dict[str, Any]]:
        return self.store.findings(submission_id, principal=self.principal)


def reader(request: Request) -> Reader:
    """A :class:`Reader` for this request (use as a FastAPI dependency)."""
    return Reader(store(request), principal(request), language(request))


__all__ = ["LANGUAGES", "Reader", "language", "principal", "reader", "store"]
