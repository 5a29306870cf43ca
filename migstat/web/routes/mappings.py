"""Classification mappings in the portal: read by everyone, edited by the coordinator.

Pages: ``GET /mappings`` (every mapping with its versions; upload of a mapping CSV),
``GET /mappings/{country}/{source}/{codelist}`` (one version as a table, the history, the
imports and submissions that used each version; the editor for the coordinator) and
``POST`` to the same address (save the edited rows as a new version; versions are never
overwritten). Downloads: ``/mappings/download.csv`` (the latest of every mapping) and
``/mappings/{country}/{source}/{codelist}/download.csv?version=N``, in the layout
``migstat mapping import`` reads. JSON: ``/api/mappings...`` (writes with
``Authorization: Bearer <coordinator token>``).

Every write goes through :func:`migstat.web.deps.editor` (who may edit, and the CSRF token of
a browser session) and :meth:`migstat.web.deps.Reader.save_mapping` (the access policy).
The pages' models are built by :mod:`migstat.web.views.mappings`.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from migstat.formats.limits import check_size
from migstat.formats.output import OUTPUT_FORMATS
from migstat.i18n import LANGUAGES, N_
from migstat.mapping.model import Mapping, write_mappings_csv
from migstat.model.findings import InputError, MigstatError, NotFoundError
from migstat.store.access import AccessDeniedError
from migstat.web import auth
from migstat.web.app import forbidden, render
from migstat.web.deps import Reader, ReaderDep, credentials, csrf_token, editor, reader
from migstat.web.guard import UPLOAD_LIMIT
from migstat.web.views import mappings as views
from migstat.web.views.mappings import Edit, path_of

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api/mappings", tags=["Classification mappings"])
NAV = (80, N_("Mappings"), "/mappings")
BODY_LIMITS = {"/mappings/": UPLOAD_LIMIT, "/api/mappings/": UPLOAD_LIMIT}
"""An edited mapping or an uploaded mapping CSV may be larger than a small form."""


def _can_edit(request: Request, who: Reader) -> bool:
    return who.store.policy.can_edit_mappings(who.principal)


def _common(request: Request, who: Reader) -> dict[str, Any]:
    """What every mapping page needs: whether the viewer may edit, and the form token."""
    return {
        "can_edit": _can_edit(request, who),
        "csrf": csrf_token(request),
        "signed_in": not credentials(request).principal.anonymous,
        "who": credentials(request).principal,
        "path_of": path_of,
        "label_of": lambda cl, code, lang: views.label_of(who, cl, code, lang),
    }


def _denied(request: Request, who: Reader, error: MigstatError) -> Response:
    return forbidden(request, error.text(who.lang))


def _not_found(request: Request, who: Reader, error: MigstatError) -> Response:
    return render(request, "error.html", status_code=404, message=error.text(who.lang))


def _number(request: Request, name: str) -> int | None:
    text = request.query_params.get(name, "")
    return int(text) if text.isdigit() else None


# -- reading ----------------------------------------------------------------------------------


@router.get("/mappings", response_class=HTMLResponse)
def mappings_page(request: Request, who: ReaderDep) -> Response:
    return _list_page(request, who)


def _list_page(
    request: Request, who: Reader, *, status_code: int = 200, error: str | None = None
) -> Response:
    page = views.list_model(
        who,
        request.query_params.get("country") or None,
        request.query_params.get("codelist") or None,
        error,
    )
    return render(
        request,
        "mappings_list.html",
        status_code=status_code,
        uploaded=_number(request, "uploaded"),
        **page,
        **_common(request, who),
    )


@router.get("/mappings/new", response_class=HTMLResponse)
def new_mapping(request: Request, who: ReaderDep) -> Response:
    """Go to the editor of a mapping named by the form on the list page."""
    params = request.query_params
    try:
        path = views.new_mapping_path(
            who, params.get("country", ""), params.get("source", ""), params.get("codelist", "")
        )
    except NotFoundError as exc:
        return _list_page(request, who, status_code=400, error=exc.text(who.lang))
    return RedirectResponse(f"{path}?lang={who.lang}", status_code=303)


@router.get("/mappings/{country}/{source}/{codelist}", response_class=HTMLResponse)
def mapping_page(
    request: Request, who: ReaderDep, country: str, source: str, codelist: str
) -> Response:
    return _detail(request, who, country, source, codelist, _number(request, "version"))


def _detail(
    request: Request,
    who: Reader,
    country: str,
    source: str,
    codelist: str,
    version: int | None,
    edit: Edit | None = None,
    status_code: int = 200,
) -> Response:
    try:
        page = views.detail_model(
            who, country, source, codelist, version, edit, can_edit=_can_edit(request, who)
        )
    except NotFoundError as exc:
        return _not_found(request, who, exc)
    return render(
        request,
        "mappings_detail.html",
        status_code=status_code,
        saved=_number(request, "saved"),
        **page,
        **_common(request, who),
    )


def _csv_response(text: str, name: str) -> Response:
    return Response(
        "\ufeff" + text,
        media_type=OUTPUT_FORMATS["csv"].media_type,
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"},
    )


@router.get("/mappings/download.csv")
def download_all(who: ReaderDep) -> Response:
    """The latest version of every mapping, one CSV (``migstat mapping export``)."""
    return _csv_response(write_mappings_csv(who.mappings(entries=True)), "mappings.csv")


@router.get("/mappings/{country}/{source}/{codelist}/download.csv")
def download_one(
    request: Request, who: ReaderDep, country: str, source: str, codelist: str
) -> Response:
    try:
        found = who.mapping(country, codelist, source=source, version=_number(request, "version"))
    except NotFoundError as exc:
        return _not_found(request, who, exc)
    name = f"mapping_{found.codelist}_{found.country}_{found.source}_v{found.version}.csv"
    return _csv_response(write_mappings_csv([found]), name.replace("*", "any"))


# -- writing ----------------------------------------------------------------------------------


async def _posted(request: Request) -> tuple[Any, Reader | Response]:
    """The posted form and a reader allowed to write, or the 403 page instead of the reader."""
    form = await request.form()
    who = reader(request)
    try:
        return form, editor(request, str(form.get(auth.CSRF_FIELD) or ""))
    except AccessDeniedError as exc:
        return form, _denied(request, who, exc)


@router.post("/mappings/{country}/{source}/{codelist}")
async def save(request: Request, country: str, source: str, codelist: str) -> Response:
    """Save the editor's rows as the next version of this mapping."""
    form, who = await _posted(request)
    if isinstance(who, Response):
        return who
    rows = views.form_rows(form)
    note = str(form.get("note") or "").strip()
    try:
        country = views.country_of(who, country)
        new = views.edited(country, source, codelist, rows)
        saved = who.save_mapping(new, note=note or None)
    except AccessDeniedError as exc:
        return _denied(request, who, exc)
    except MigstatError as exc:
        edit = Edit(views.kept(rows), note, views.form_error(who, exc))
        return _detail(request, who, country, source, codelist, None, edit, 400)
    return RedirectResponse(
        f"{path_of(saved.country, saved.source, saved.codelist)}"
        f"?lang={who.lang}&saved={saved.version}",
        status_code=303,
    )


@router.post("/mappings/upload")
async def upload(request: Request) -> Response:
    """Store every mapping of an uploaded CSV as a new version of its own."""
    form, who = await _posted(request)
    if isinstance(who, Response):
        return who
    upload_file = form.get("file")
    if upload_file is None or isinstance(upload_file, str) or not upload_file.filename:
        return _list_page(
            request, who, status_code=400, error=who.t(N_("Choose a mapping CSV file to upload."))
        )
    note = str(form.get("note") or "").strip() or None
    try:
        check_size(upload_file.size or 0, file_name=upload_file.filename)
        data = await upload_file.read()
        saved = who.import_mappings(data, upload_file.filename, note=note)
    except AccessDeniedError as exc:
        return _denied(request, who, exc)
    except MigstatError as exc:
        return _list_page(request, who, status_code=400, error=exc.text(who.lang))
    if len(saved) == 1:
        (one,) = saved
        return RedirectResponse(
            f"{path_of(one.country, one.source, one.codelist)}?lang={who.lang}&saved={one.version}",
            status_code=303,
        )
    return RedirectResponse(f"/mappings?lang={who.lang}&uploaded={len(saved)}", status_code=303)


# -- JSON -------------------------------------------------------------------------------------


def _json_error(who: Reader, error: MigstatError, status: int) -> JSONResponse:
    return JSONResponse(
        {"detail": {lang: error.text(lang) for lang in LANGUAGES}}, status_code=status
    )


@api_router.get("", summary="Classification mappings (latest versions, or all)")
def api_mappings(
    who: ReaderDep,
    country: str | None = None,
    source: str | None = None,
    codelist: str | None = None,
    all_versions: bool = False,
) -> Any:
    try:
        found = who.mappings(
            country=country,
            source=source,
            codelist=codelist,
            all_versions=all_versions,
            entries=True,
        )
    except MigstatError as exc:
        return _json_error(who, exc, 400)
    return [m.to_dict() for m in found]


@api_router.get("/{country}/{source}/{codelist}", summary="One mapping version")
def api_mapping(
    who: ReaderDep, country: str, source: str, codelist: str, version: int | None = None
) -> Any:
    try:
        return who.mapping(country, codelist, source=source, version=version).to_dict()
    except NotFoundError as exc:
        return _json_error(who, exc, 404)


@api_router.post(
    "/{country}/{source}/{codelist}",
    status_code=201,
    summary="Save a new version of a mapping (the coordinator)",
)
async def api_save(request: Request, country: str, source: str, codelist: str) -> Any:
    """Body: ``{"entries": [{"national_code", "national_label", "target", "share"}],
    "note"}``. Send ``Authorization: Bearer <coordinator token>``."""
    who = reader(request)
    try:
        who = editor(request, None)
        body = await request.json()
        if not isinstance(body, dict):
            raise InputError(N_("Send a JSON object with \u201centries\u201d."))
        new = Mapping.from_dict(
            {**body, "country": country, "source": source, "codelist": codelist}
        )
        saved = who.save_mapping(new, note=new.note)
    except AccessDeniedError as exc:
        return _json_error(who, exc, 403)
    except MigstatError as exc:
        return _json_error(who, exc, 400)
    except (ValueError, KeyError, TypeError, AttributeError):
        return _json_error(who, InputError(N_("Send a JSON object with \u201centries\u201d.")), 400)
    return JSONResponse(saved.to_dict(), status_code=201)


router.include_router(api_router)
