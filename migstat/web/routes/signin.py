"""The coordinator's sign-in: ``GET|POST /signin`` and ``POST /signout``.

Posting the coordinator token (:mod:`migstat.web.auth`) sets an HttpOnly, SameSite=Strict
session cookie signed with it; the cookie never holds the token itself.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from migstat.i18n import N_, gettext_
from migstat.web import auth
from migstat.web.app import render
from migstat.web.deps import credentials, csrf_token, language

router = APIRouter(include_in_schema=False)


def safe_next(target: str | None) -> str:
    """Where to go after signing in or out: a path on this site, never another site."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/mappings"
    return target


def _page(request: Request, status_code: int = 200, error: str | None = None) -> Response:
    return render(
        request,
        "signin.html",
        status_code=status_code,
        error=error,
        enabled=bool(request.app.state.coordinator_token),
        signed_in=credentials(request).principal.is_coordinator,
        csrf=csrf_token(request),
        next=safe_next(request.query_params.get("next")),
    )


@router.get("/signin", response_class=HTMLResponse)
def signin_page(request: Request) -> Response:
    return _page(request)


@router.post("/signin")
async def signin(request: Request) -> Response:
    form = await request.form()
    configured = request.app.state.coordinator_token
    lang = language(request)
    given = str(form.get("token") or "")
    if not configured:
        return _page(
            request,
            403,
            gettext_(
                N_("Editing is switched off on this server: no coordinator token is configured."),
                lang,
            ),
        )
    if not auth.same_token(given.strip(), configured):
        return _page(request, 403, gettext_(N_("That is not the coordinator token."), lang))
    _session, value = auth.new_session(configured)
    target = safe_next(str(form.get("next") or ""))
    sep = "&" if "?" in target else "?"
    response = RedirectResponse(f"{target}{sep}lang={lang}", status_code=303)
    response.set_cookie(
        auth.SESSION_COOKIE,
        value,
        max_age=auth.SESSION_SECONDS,
        path="/",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return response


@router.post("/signout")
async def signout(request: Request) -> Response:
    form = await request.form()
    found = credentials(request)
    lang = language(request)
    if found.session is not None and not auth.same_csrf(
        str(form.get(auth.CSRF_FIELD) or ""), found.session, request.app.state.coordinator_token
    ):
        return render(
            request,
            "error.html",
            status_code=403,
            heading=N_("Not allowed"),
            message=gettext_(
                N_(
                    "This form has expired or did not come from this "
                    "site: reload the page and try again."
                ),
                lang,
            ),
        )
    response = RedirectResponse(f"/signin?lang={lang}", status_code=303)
    response.delete_cookie(auth.SESSION_COOKIE, path="/", httponly=True, samesite="strict")
    return response
