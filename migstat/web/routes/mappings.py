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
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from migstat.i18n import LANGUAGES, N_, gettext_
from migstat.mapping.model import ANY, NOT_MAPPABLE, Mapping, MappingEntry, write_mappings_csv
from migstat.model import pick
from migstat.model.data import Location
from migstat.model.findings import InputError, MigstatError, NotFoundError
from migstat.sources.tabular import category_key
from migstat.store.access import AccessDeniedError
from migstat.web import auth
from migstat.web.app import render
from migstat.web.deps import Reader, ReaderDep, credentials, csrf_token, editor, reader

router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api/mappings", tags=["Classification mappings"])
NAV = (80, N_("Mappings"), "/mappings")
BLANK_ROWS = 3
"""Empty rows under a mapping's rows in the editor, for new national categories."""
SOURCES = ("*", "px", "long_csv", "sdmx_csv", "questionnaire", "matrix")
"""Sources suggested for a new mapping (any other name may be typed)."""


@dataclass(slots=True)
class Row:
    """One row of the editor as posted (text, so a bad value can be shown back)."""

    national_code: str = ""
    national_label: str = ""
    target: str = ""
    share: str = ""


@dataclass(slots=True)
class Edit:
    """What the editor shows: its rows, the note and, after a refused save, why."""

    rows: list[Row] = field(default_factory=list)
    note: str = ""
    error: str | None = None


def _path(country: str, source: str, codelist: str) -> str:
    return "/mappings/" + "/".join(quote(p, safe="") for p in (country, source, codelist))


def _can_edit(request: Request, who: Reader) -> bool:
    return who.store.policy.can_edit_mappings(who.principal)


def _common(request: Request, who: Reader) -> dict[str, Any]:
    """What every mapping page needs: whether the viewer may edit, and the form token."""
    return {"can_edit": _can_edit(request, who), "csrf": csrf_token(request),
            "signed_in": credentials(request).principal.is_coordinator,
            "editing_enabled": bool(request.app.state.coordinator_token),
            "path_of": _path, "label_of": lambda cl, code, lang: _label(who, cl, code, lang)}


def _label(who: Reader, codelist: str, code: str, lang: str) -> str:
    codes = who.registry.codelists.get(codelist)
    found = codes.get(code) if codes is not None else None
    return found.label(lang) if found is not None else ""


def _area(who: Reader, code: str) -> str:
    if code == ANY:
        return who.t(N_("any country"))
    return who.registry.areas.label(code, who.lang) if code in who.registry.areas else code


def _denied(request: Request, who: Reader, error: MigstatError) -> Response:
    return render(request, "error.html", status_code=403, heading=N_("Not allowed"),
                  message=error.text(who.lang))


def _not_found(request: Request, who: Reader, error: MigstatError) -> Response:
    return render(request, "error.html", status_code=404, message=error.text(who.lang))


# -- reading ----------------------------------------------------------------------------------

def _groups(who: Reader, **filters: Any) -> list[dict[str, Any]]:
    """Every mapping (country, source, code list) with its versions, newest version first."""
    groups: dict[tuple[str, str, str], dict[str, Any]] = {}
    for m in who.mappings(all_versions=True, **filters):
        group = groups.setdefault(m.ident, {"country": m.country, "source": m.source,
                                            "codelist": m.codelist,
                                            "area": _area(who, m.country),
                                            "codelist_name": _codelist_name(who, m.codelist),
                                            "versions": []})
        group["versions"].insert(0, m)
    return list(groups.values())


def _codelist_name(who: Reader, codelist: str) -> str:
    codes = who.registry.codelists.get(codelist)
    return pick(codes.name, who.lang) if codes is not None else codelist


def _mappable(who: Reader) -> list[tuple[str, str]]:
    return [(cl, pick(codes.name, who.lang)) for cl, codes in who.registry.codelists.items()
            if cl not in NOT_MAPPABLE]


@router.get("/mappings", response_class=HTMLResponse)
def mappings_page(request: Request, who: ReaderDep) -> Response:
    return _list_page(request, who)


def _list_page(request: Request, who: Reader, *, status_code: int = 200,
               error: str | None = None) -> Response:
    country = request.query_params.get("country") or None
    codelist = request.query_params.get("codelist") or None
    try:
        groups = _groups(who, country=country, codelist=codelist)
    except MigstatError as exc:
        groups, error = [], exc.text(who.lang)
    uploaded = request.query_params.get("uploaded", "")
    return render(request, "mappings_list.html", status_code=status_code, groups=groups,
                  error=error, country=country or "", codelist=codelist or "",
                  codelists=_mappable(who), sources=SOURCES,
                  uploaded=int(uploaded) if uploaded.isdigit() else None,
                  **_common(request, who))


@router.get("/mappings/new", response_class=HTMLResponse)
def new_mapping(request: Request, who: ReaderDep) -> Response:
    """Go to the editor of a mapping named by the form on the list page."""
    params = request.query_params
    try:
        country = params.get("country", "").strip()
        country = ANY if country in ("", ANY) else who.registry.country(country)
        codelist = _mappable_codelist(who, params.get("codelist", ""))
    except NotFoundError as exc:
        return _list_page(request, who, status_code=400, error=exc.text(who.lang))
    source = params.get("source", "").strip().lower() or ANY
    return RedirectResponse(f"{_path(country, source, codelist)}?lang={who.lang}",
                            status_code=303)


def _mappable_codelist(who: Reader, text: str) -> str:
    """The id of a code list national categories may be mapped to, or :class:`NotFoundError`."""
    codelist = text.strip().upper()
    if codelist not in who.registry.codelists or codelist in NOT_MAPPABLE:
        raise NotFoundError(N_("Code list {codelist} cannot be mapped to; use one of: "
                               "{known}."), codelist=codelist or "\u2014",
                            known=", ".join(cl for cl, _ in _mappable(who)))
    return codelist


def _version(request: Request) -> int | None:
    text = request.query_params.get("version", "")
    return int(text) if text.isdigit() else None


@router.get("/mappings/{country}/{source}/{codelist}", response_class=HTMLResponse)
def mapping_page(request: Request, who: ReaderDep, country: str,
                 source: str, codelist: str) -> Response:
    return _detail(request, who, country, source, codelist, _version(request))


def _detail(request: Request, who: Reader, country: str, source: str, codelist: str,
            version: int | None, edit: Edit | None = None, status_code: int = 200
            ) -> Response:
    try:
        history = who.mappings(country=country, source=source, codelist=codelist,
                               all_versions=True)
        shown = who.mapping(country, codelist, source=source, version=version) \
            if history or version is not None else None
    except NotFoundError as exc:
        return _not_found(request, who, exc)
    if shown is None:
        if not _can_edit(request, who):
            return _not_found(request, who, NotFoundError(
                N_("There is no mapping of {codelist} for {country} (source {source})."),
                codelist=codelist, country=country, source=source))
        try:
            shown = Mapping(who.registry.country(country) if country != ANY else ANY,
                            source.lower(), _mappable_codelist(who, codelist))
        except NotFoundError as exc:
            return _not_found(request, who, exc)
    if edit is None:
        edit = Edit([Row(e.national_code, e.national_label or "", e.target, f"{e.share:g}")
                     for e in shown.entries])
    edit.rows += [Row() for _ in range(BLANK_ROWS)]
    uses = who.mapping_uses(shown.country, shown.source, shown.codelist)
    saved = request.query_params.get("saved", "")
    return render(request, "mappings_detail.html", status_code=status_code, mapping=shown,
                  history=list(reversed(history)), uses=uses, edit=edit,
                  area=_area(who, shown.country), languages=LANGUAGES,
                  codelist_name=_codelist_name(who, shown.codelist),
                  targets=[(c.id, c.label(who.lang)) for c in
                           who.registry.codelist(shown.codelist)]
                  if shown.codelist in who.registry.codelists else [],
                  latest=history[-1].version if history else None,
                  saved=int(saved) if saved.isdigit() else None,
                  **_common(request, who))


def _csv_response(text: str, name: str) -> Response:
    return Response("\ufeff" + text, media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"})


@router.get("/mappings/download.csv")
def download_all(who: ReaderDep) -> Response:
    """The latest version of every mapping, one CSV (``migstat mapping export``)."""
    return _csv_response(write_mappings_csv(who.mappings(entries=True)), "mappings.csv")


@router.get("/mappings/{country}/{source}/{codelist}/download.csv")
def download_one(request: Request, who: ReaderDep, country: str,
                 source: str, codelist: str) -> Response:
    try:
        found = who.mapping(country, codelist, source=source, version=_version(request))
    except NotFoundError as exc:
        return _not_found(request, who, exc)
    name = f"mapping_{found.codelist}_{found.country}_{found.source}_v{found.version}.csv"
    return _csv_response(write_mappings_csv([found]), name.replace("*", "any"))


# -- writing ----------------------------------------------------------------------------------

def _rows(form: Any) -> list[Row]:
    columns = [form.getlist(name) for name in ("national_code", "national_label", "target",
                                               "share")]
    count = max((len(c) for c in columns), default=0)
    rows = []
    for i in range(count):
        values = [str(c[i]).strip() if i < len(c) else "" for c in columns]
        rows.append(Row(*values))
    return rows


def _share(row: Row, number: int) -> float:
    if not row.share:
        return 1.0
    try:
        return float(row.share.replace(",", "."))
    except ValueError:
        raise InputError(N_("The share \u201c{value}\u201d is not a number (write it as "
                            "0.25)."), where=Location(line=number), value=row.share) from None


def _entries(rows: list[Row]) -> list[MappingEntry]:
    """The entries of the edited rows; rows left empty are dropped (that removes a row).

    The rows of one national category are put together, in the order the category first
    appears, so that a split added at the bottom of the editor is shown with its category.
    """
    entries: dict[str, list[MappingEntry]] = {}
    for number, row in enumerate(rows, start=1):
        if not (row.national_code or row.target or row.national_label):
            continue
        where = Location(line=number)
        if not row.national_code:
            raise InputError(N_("The national category is empty (column national_code)."),
                             where=where)
        if not row.target:
            raise InputError(N_("Choose the international code for national category "
                                "\u201c{category}\u201d."), where=where,
                             category=row.national_code)
        entries.setdefault(category_key(row.national_code), []).append(MappingEntry(
            row.national_code, row.target, _share(row, number), row.national_label or None,
            where=where))
    return [entry for group in entries.values() for entry in group]


def _form_error(who: Reader, error: MigstatError) -> str:
    """The error of a refused save, naming the editor's row rather than a file's line."""
    body = gettext_(error.message, who.lang, **error.params)
    if error.where is not None and error.where.line is not None and error.where.file is None:
        return gettext_(N_("Row {row}: {message}"), who.lang, row=error.where.line,
                        message=body)
    return error.text(who.lang)


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
    rows = _rows(form)
    note = str(form.get("note") or "").strip()
    try:
        country = ANY if country == ANY else who.registry.country(country)
        new = Mapping(country, source.lower(), codelist.upper(), _entries(rows))
        saved = who.save_mapping(new, note=note or None)
    except AccessDeniedError as exc:
        return _denied(request, who, exc)
    except MigstatError as exc:
        edit = Edit([r for r in rows if r.national_code or r.target or r.national_label],
                    note, _form_error(who, exc))
        return _detail(request, who, country, source, codelist, None, edit, 400)
    return RedirectResponse(f"{_path(saved.country, saved.source, saved.codelist)}"
                            f"?lang={who.lang}&saved={saved.version}", status_code=303)


@router.post("/mappings/upload")
async def upload(request: Request) -> Response:
    """Store every mapping of an uploaded CSV as a new version of its own."""
    form, who = await _posted(request)
    if isinstance(who, Response):
        return who
    upload_file = form.get("file")
    if upload_file is None or isinstance(upload_file, str) or not upload_file.filename:
        return _list_page(request, who, status_code=400,
                          error=who.t(N_("Choose a mapping CSV file to upload.")))
    data = await upload_file.read()
    note = str(form.get("note") or "").strip() or None
    try:
        saved = who.import_mappings(data, upload_file.filename, note=note)
    except AccessDeniedError as exc:
        return _denied(request, who, exc)
    except MigstatError as exc:
        return _list_page(request, who, status_code=400, error=exc.text(who.lang))
    if len(saved) == 1:
        (one,) = saved
        return RedirectResponse(f"{_path(one.country, one.source, one.codelist)}"
                                f"?lang={who.lang}&saved={one.version}", status_code=303)
    return RedirectResponse(f"/mappings?lang={who.lang}&uploaded={len(saved)}",
                            status_code=303)


# -- JSON -------------------------------------------------------------------------------------

def _json_error(who: Reader, error: MigstatError, status: int) -> JSONResponse:
    return JSONResponse({"detail": {lang: error.text(lang) for lang in LANGUAGES}},
                        status_code=status)


@api_router.get("", summary="Classification mappings (latest versions, or all)")
def api_mappings(who: ReaderDep, country: str | None = None,
                 source: str | None = None, codelist: str | None = None,
                 all_versions: bool = False) -> Any:
    try:
        found = who.mappings(country=country, source=source, codelist=codelist,
                             all_versions=all_versions, entries=True)
    except MigstatError as exc:
        return _json_error(who, exc, 400)
    return [m.to_dict() for m in found]


@api_router.get("/{country}/{source}/{codelist}", summary="One mapping version")
def api_mapping(who: ReaderDep, country: str, source: str,
                codelist: str, version: int | None = None) -> Any:
    try:
        return who.mapping(country, codelist, source=source, version=version).to_dict()
    except NotFoundError as exc:
        return _json_error(who, exc, 404)


@api_router.post("/{country}/{source}/{codelist}", status_code=201,
                 summary="Save a new version of a mapping (the coordinator)")
async def api_save(request: Request, country: str, source: str, codelist: str) -> Any:
    """Body: ``{"entries": [{"national_code", "national_label", "target", "share"}],
    "note"}``. Send ``Authorization: Bearer <coordinator token>``."""
    who = reader(request)
    try:
        who = editor(request, None)
        body = await request.json()
        if not isinstance(body, dict):
            raise InputError(N_("Send a JSON object with \u201centries\u201d."))
        new = Mapping.from_dict({**body, "country": country, "source": source,
                                 "codelist": codelist})
        saved = who.save_mapping(new, note=new.note)
    except AccessDeniedError as exc:
        return _json_error(who, exc, 403)
    except MigstatError as exc:
        return _json_error(who, exc, 400)
    except (ValueError, KeyError, TypeError, AttributeError):
        return _json_error(who, InputError(N_("Send a JSON object with \u201centries\u201d.")),
                           400)
    return JSONResponse(saved.to_dict(), status_code=201)


router.include_router(api_router)
