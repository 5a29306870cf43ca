"""Build the ASGI app: the portal, its JSON API and the SDMX REST API over one store."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from contextlib import asynccontextmanager
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from starlette.concurrency import run_in_threadpool

from migstat import __version__
from migstat.i18n import N_, gettext_
from migstat.store import Store
from migstat.web import errors, routes
from migstat.web.answers import KeptAnswers
from migstat.web.auth import Unauthenticated
from migstat.web.deps import language
from migstat.web.guard import HSTS, BodyLimits, Guard, collect_limits, outermost
from migstat.web.views.data import number
from migstat.web.views.dataset_titles import mark_foreign
from migstat.web.views.toolkit import help_link

HERE = Path(__file__).parent
TEMPLATES = Jinja2Templates(directory=HERE / "templates")


def _translate(context: dict[str, Any], message: str, **params: Any) -> str:
    return gettext_(message, context.get("lang", "en"), **params)


def replace_param(params: Any, name: str, value: str) -> str:
    """The query string with ``name`` set to ``value`` and everything else kept."""
    pairs = [(k, v) for k, v in params.multi_items() if k != name]
    return urlencode([*pairs, (name, value)])


def _replace_lang(params: Any, lang: str) -> str:
    """The query string with ``lang`` set to ``lang`` and everything else kept."""
    return replace_param(params, "lang", lang)


def install_templating(templates: Jinja2Templates = TEMPLATES) -> None:
    """Give the pages' templates their helpers; :func:`create_app` calls it, once per app.

    ``t("msgid", name=value)`` translates into the page's ``lang``; ``version`` is the
    package's; the filters ``replace_lang`` and ``replace_param`` rewrite a query string and
    ``number`` writes a count as people of the page's language read it; ``page_help`` gives
    a page its link to the part of the toolkit that explains it.
    """
    templates.env.globals["t"] = pass_context(_translate)
    templates.env.globals["version"] = __version__
    templates.env.filters["replace_lang"] = _replace_lang
    templates.env.filters["replace_param"] = replace_param
    templates.env.filters["number"] = number
    templates.env.filters["foreign"] = mark_foreign
    templates.env.globals["page_help"] = page_help


def page_help(request: Request, lang: str) -> dict[str, str] | None:
    """The "How to read this page" link of the page answering ``request`` (see
    :func:`~migstat.web.views.toolkit.help_link`)."""
    route = request.scope.get("route")
    return help_link(getattr(route, "path", None), lang)


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> Any:
    """Render a page in the request's language; ``lang`` is set for every template."""
    context.setdefault("lang", language(request))
    context.setdefault("nav", navigation())
    return TEMPLATES.TemplateResponse(request, template, context, status_code=status_code)


def forbidden(request: Request, message: str) -> Any:
    """The 403 page, saying ``message`` (already in the request's language)."""
    return render(
        request, "error.html", status_code=403, heading=N_("Not allowed"), message=message
    )


@cache
def route_modules() -> list[Any]:
    """Every module in :mod:`migstat.web.routes` that exposes a ``router``, in name order."""
    found = []
    for info in sorted(pkgutil.iter_modules(routes.__path__), key=lambda i: i.name):
        module = importlib.import_module(f"{routes.__name__}.{info.name}")
        if hasattr(module, "router"):
            found.append(module)
    return found


def navigation() -> list[tuple[str, str]]:
    """``(msgid, path)`` of every route module's ``NAV`` entry, in their declared order."""
    entries = [m.NAV for m in route_modules() if hasattr(m, "NAV")]
    return [(msgid, path) for _order, msgid, path in sorted(entries)]


def unauthenticated(request: Request, exc: Exception) -> Response:
    """The 401 answer to refused credentials, in the request's language (recorded where it
    was refused): JSON for the APIs, a page otherwise."""
    assert isinstance(exc, Unauthenticated)
    lang = language(request)
    message = gettext_(exc.message, lang)
    headers = {"WWW-Authenticate": 'Bearer error="invalid_token"' if exc.bearer else "Bearer"}
    if exc.bearer or request.url.path.startswith(("/api/", "/sdmx/")):
        return JSONResponse({"error": message}, status_code=401, headers=headers)
    page = error_page(request, 401, N_("Sign in again"), message)
    page.headers.update(headers)
    return page


def error_page(request: Request, status: int, heading: str, message: str) -> Response:
    """The HTML page of an error (see :mod:`migstat.web.errors`)."""
    return render(request, "error.html", status_code=status, heading=heading, message=message)


async def _refuse(scope: dict[str, Any], limit: int) -> Response:
    """The 413 answer of :class:`~migstat.web.guard.Guard` to a body over ``limit``."""
    return errors.problem(Request(scope), errors.too_large(limit), 413)


def create_app(
    db: str | None = None,
    *,
    store: Store | None = None,
    coordinator_token: str | None = None,
    secret_key: str | None = None,
    clock: Callable[[], datetime] | None = None,
    body_limits: BodyLimits | None = None,
    production: bool = False,
) -> FastAPI:
    """The app over ``store`` (or the store at ``db``; default as for the command line).

    An app given a store leaves it open on shutdown; an app that opened its own closes it.
    ``coordinator_token`` (see :mod:`migstat.web.auth`) lets whoever presents it edit; without
    it only accounts of :mod:`migstat.exchange` can sign in. ``secret_key`` signs session
    cookies (default ``MIGSTAT_SECRET_KEY``, else a random key for this process); ``clock``
    (aware UTC) is what sessions, tokens and sign-in throttling go by. ``body_limits`` bounds
    request bodies (default: the route modules' ``BODY_LIMITS`` over
    :data:`~migstat.web.guard.DEFAULT_BODY_LIMIT`). ``production`` (see
    :mod:`migstat.web.serving`) adds HSTS and makes the session cookie ``__Host-`` and Secure.
    """
    from migstat.exchange.signin import Throttle
    from migstat.exchange.totp import REQUIRED
    from migstat.web.auth import check_token
    from migstat.web.auth import secret_key as make_key

    token = check_token(coordinator_token) if coordinator_token is not None else None
    owned = store is None
    the_store = store if store is not None else Store.open(db)

    @asynccontextmanager
    async def lifespan(_app: FastAPI):  # type: ignore[no-untyped-def]
        from migstat.web.views.jobs import jobs_of

        # the uploads a dead worker left, or queued when every worker stopped, go on here
        jobs = jobs_of(_app.state)
        await run_in_threadpool(jobs.resume)
        try:
            yield
        finally:
            _app.state.upload_jobs = None  # a later start makes a new pool
            jobs.shutdown()
            if owned:
                the_store.close()

    # /docs is served by routes/api.py with Swagger UI from the package (FastAPI's own loads
    # it from a CDN); ReDoc, which would too, is left out.
    app = FastAPI(
        title="migstat",
        version=__version__,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        description="Migration statistics: the portal's JSON API and the SDMX 2.1 REST API.",
    )
    install_templating()
    app.state.store = the_store
    app.state.production = production
    app.state.coordinator_token = token
    app.state.secret_key = make_key(secret_key)
    app.state.clock = clock
    app.state.throttle = Throttle()
    app.state.second_factor_for = REQUIRED
    app.add_exception_handler(Unauthenticated, unauthenticated)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    for module in route_modules():
        app.include_router(module.router)
    errors.install(app, error_page)
    limits = body_limits if body_limits is not None else collect_limits(route_modules())
    app.add_middleware(KeptAnswers)  # inside the guard: its headers go on kept answers too
    app.add_middleware(Guard, limits=limits, refuse=_refuse)
    outermost(app, HSTS if production else None)  # the headers on an answer to a crash too
    return app


__all__ = [
    "TEMPLATES",
    "create_app",
    "error_page",
    "forbidden",
    "install_templating",
    "navigation",
    "render",
    "replace_param",
    "route_modules",
]
