"""Submitting on the web, following a submission, and the coordinator's queue.

Pages: ``GET /submit`` (a reporter's upload form and its country's history with what changed
between versions; an approver's submissions to sign off), ``POST /submit`` (``mode``:
``check`` validates and shows the findings, storing nothing; ``annotate`` answers the
workbook with the findings marked; ``draft`` stores without sending; ``submit`` stores and
sends), ``GET /submissions/{id}`` (its state, history, findings with explanations, changes
since the previous and the last accepted version), ``POST /submissions/{id}/{action}``
(``comment``, ``send``, ``sign-off``, ``accept``, ``return``), ``GET
/submissions/{id}/annotated.xlsx`` and ``GET /review`` (the queue). The JSON API is in
:mod:`migstat.web.routes.submissions_api`.

Every form needs a signed-in account and its CSRF token; every refusal is a 403 in the
user's language with an audit record. Who may do what is the workflow's
(:mod:`migstat.exchange.workflow`) and the access gate's decision.
"""

from __future__ import annotations

import hmac
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from migstat.exchange import explanations, workflow
from migstat.formats.output import OUTPUT_FORMATS
from migstat.i18n import N_
from migstat.model.findings import InputError, MigstatError, NotFoundError
from migstat.store.access import AccessDeniedError, Principal
from migstat.web import auth
from migstat.web.app import forbidden, render
from migstat.web.deps import (
    Reader,
    ReaderDep,
    client_address,
    credentials,
    csrf_token,
    record_download,
    refuse,
    require_signed_in,
)
from migstat.web.guard import UPLOAD_LIMIT
from migstat.web.views import release_forms
from migstat.web.views import submit as views
from migstat.web.views.jobs import jobs_of

router = APIRouter(include_in_schema=False)
NAV = (85, N_("Submit"), "/submit")
BODY_LIMITS = {"/submit": UPLOAD_LIMIT, "/api/submissions": UPLOAD_LIMIT}
"""A questionnaire is larger than a small form."""
MAX_FIELD = 4000
FORGED = N_("This form has expired or did not come from this site: reload the page and try again.")
SIGN_IN = N_("Sign in with your account to submit or follow submissions.")


def _signed_in(request: Request, who: Reader) -> None:
    """Refuse an anonymous request (401: sign in) or an ended session."""
    require_signed_in(request, who.principal, SIGN_IN)


def _csrf_ok(request: Request, who: Reader, given: str | None) -> None:
    """A browser form must carry its session's CSRF token (a bearer token needs none)."""
    found = credentials(request)
    if found.bearer:
        return
    expected = found.csrf or ""
    token = given or request.headers.get(auth.CSRF_HEADER) or ""
    if not (expected and token and hmac.compare_digest(token.encode(), expected.encode())):
        raise refuse(request, who.principal, AccessDeniedError(FORGED))


def _field(form: Any, name: str) -> str:
    value = form.get(name)
    return str(value)[:MAX_FIELD] if isinstance(value, str) else ""


def _common(request: Request, who: Reader) -> dict[str, Any]:
    return {
        "csrf": csrf_token(request),
        "who": who.principal,
        "signed_in": not who.principal.anonymous,
        "state_names": workflow.STATE_NAMES,
    }


def _upload_page(request: Request, who: Reader, status_code: int = 200, **extra: Any) -> Response:
    p = who.principal
    store = who.store
    country = p.country if p.country and p.roles & {"reporter", "approver"} else None
    return render(
        request,
        "submit.html",
        status_code=status_code,
        can_submit=store.policy.can_submit_for(p, p.country),
        history=views.history(store, country) if country else [],
        to_sign=(workflow.awaiting_sign_off(store, p.country) if "approver" in p.roles else []),
        is_coordinator=p.is_coordinator,
        **_common(request, who),
        **extra,
    )


@router.get("/submit", response_class=HTMLResponse)
def submit_page(request: Request, who: ReaderDep) -> Response:
    if who.principal.anonymous and credentials(request).refusal is None:
        return RedirectResponse(f"/signin?next=/submit&lang={who.lang}", status_code=303)
    _signed_in(request, who)
    return _upload_page(request, who)


async def _upload(request: Request) -> tuple[Any, Any, str]:
    form = await request.form()
    upload = form.get("file")
    if upload is None or isinstance(upload, str) or not getattr(upload, "filename", ""):
        raise InputError(N_("Choose a file to upload: a questionnaire, a long CSV or SDMX-CSV."))
    return form, upload, upload.filename or ""


@router.post("/submit", response_class=HTMLResponse)
async def submit_post(request: Request, who: ReaderDep) -> Response:
    _signed_in(request, who)
    form, upload, name = await _upload(request)
    _csrf_ok(request, who, _field(form, auth.CSRF_FIELD))
    # the upload is copied to disk a piece at a time and read from there, never held whole
    with tempfile.TemporaryDirectory(prefix="migstat-upload-") as folder:
        try:
            data = await _run(views.received, upload.file, name, folder)
        except InputError as exc:
            return _upload_page(request, who, 400, error=exc.text(who.lang))
        return await _submitted(request, who, form, data, name)


async def _submitted(request: Request, who: Reader, form: Any, data: Path, name: str) -> Response:
    mode = _field(form, "mode") or "check"
    p = who.principal
    if not who.store.policy.can_submit_for(p, p.country):
        raise refuse(
            request,
            p,
            AccessDeniedError(N_("Only a reporter of a country may submit its data.")),
        )
    if mode in ("draft", "submit"):
        return await _run(_in_background, request, who, data, name, mode, _field(form, "note"))
    try:
        upload = await _run(views.check_upload, who.store, data, name)
    except InputError as exc:
        return _upload_page(request, who, 400, error=exc.text(who.lang))
    if mode == "annotate":
        found = upload.findings
        body = await _run(
            views.annotate_bytes, upload.checked.raw, found, upload.file_name, who.lang
        )
        return _xlsx(body, f"{upload.file_name.rsplit('.', 1)[0]}_findings.xlsx")
    workflow.record_check(
        who.store,
        p,
        file_name=upload.file_name,
        errors=upload.errors,
        warnings=upload.warnings,
        client=client_address(request),
    )
    return _upload_page(request, who, checked=upload, rows=views.rows_of(upload.findings, who.lang))


def _in_background(
    request: Request, who: Reader, data: Path, name: str, mode: str, note: str
) -> Response:
    """Check and store the upload in the background; answer with its status page."""
    job_id = jobs_of(request.app.state).start(
        who.principal,
        views.safe_name(name),
        data,
        mode=mode,
        note=note or None,
        client=client_address(request),
    )
    return RedirectResponse(f"/submit/jobs/{job_id}?lang={who.lang}", status_code=303)


@router.get("/submit/jobs/{job_id}", response_class=HTMLResponse)
def job_page(request: Request, who: ReaderDep, job_id: str) -> Response:
    """An upload being checked (the page refreshes itself), or where it went."""
    _signed_in(request, who)
    job = jobs_of(request.app.state).get(job_id[:40], who.principal.user_id or "-")
    if job is None:
        raise NotFoundError(N_("There is no upload {id} of yours being checked."), id=job_id[:40])
    if job.state == "failed":
        return _upload_page(request, who, job.error_status or 400, error=job.error_text(who.lang))
    if job.state != "done":
        return render(request, "submit_job.html", job=job, **_common(request, who))
    return RedirectResponse(f"/submissions/{job.submission_id}?lang={who.lang}", status_code=303)


async def _run(function: Any, *args: Any, **kwargs: Any) -> Any:
    """Reading, validating and annotating a file is work for the thread pool, not the loop."""
    return await run_in_threadpool(function, *args, **kwargs)


def _xlsx(body: bytes, name: str) -> Response:
    return Response(
        body,
        media_type=OUTPUT_FORMATS["xlsx"].media_type,
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"},
    )


def _followed(request: Request, who: Reader, submission_id: int) -> Any:
    _signed_in(request, who)
    return workflow.check_follow(
        who.store, who.principal, submission_id, client=client_address(request)
    )


@router.get("/submissions/{submission_id}", response_class=HTMLResponse)
def submission_page(request: Request, who: ReaderDep, submission_id: int) -> Response:
    record = _followed(request, who, submission_id)
    return _detail(request, who, record)


def _detail(
    request: Request, who: Reader, record: Any, status_code: int = 200, error: str | None = None
) -> Response:
    p: Principal = who.principal
    model = views.detail(who.store, record, who.lang)
    return render(
        request,
        "submission.html",
        status_code=status_code,
        error=error,
        can_explain=who.store.policy.can_submit_for(p, record.country),
        can_sign_off=who.store.policy.can_sign_off(p, record),
        can_review=who.store.policy.can_review(p),
        in_queue=record.id in {r.id for r in workflow.queue(who.store)},
        releases=release_forms.releases_of(who.store, record.id) if p.is_coordinator else [],
        release_names=release_forms.STATE_NAMES,
        **model,
        **_common(request, who),
    )


@router.get("/submissions/{submission_id}/annotated.xlsx")
def annotated(request: Request, who: ReaderDep, submission_id: int) -> Response:
    record = _followed(request, who, submission_id)
    if record.format != "questionnaire":
        raise InputError(
            N_("Submission {id} is not a questionnaire: its findings are listed on its page."),
            id=record.id,
        )
    body = views.annotated(who.store, record, who.principal, who.lang)
    record_download(request, who.principal)  # the submitted file: every cell of it
    return _xlsx(body, f"{record.file_name.rsplit('.', 1)[0]}_findings.xlsx")


def _finding_id(form: Any) -> int:
    text = _field(form, "finding")
    if not text.isdigit():
        raise InputError(N_("Say which finding the explanation is for."))
    return int(text)


ACTIONS = {
    "send": lambda store, sid, form, **kw: workflow.send(
        store, sid, note=_field(form, "note"), **kw
    ),
    "sign-off": lambda store, sid, form, **kw: workflow.sign_off(
        store, sid, note=_field(form, "note"), **kw
    ),
    "accept": lambda store, sid, form, **kw: workflow.accept(
        store, sid, note=_field(form, "note"), **kw
    ),
    "return": lambda store, sid, form, **kw: workflow.return_(
        store, sid, note=_field(form, "note"), **kw
    ),
    "comment": lambda store, sid, form, **kw: explanations.explain(
        store, sid, _finding_id(form), _field(form, "text"), **kw
    ),
}


@router.post("/submissions/{submission_id}/{action}", response_class=HTMLResponse)
async def submission_action(
    request: Request, who: ReaderDep, submission_id: int, action: str
) -> Response:
    form = await request.form()
    _signed_in(request, who)
    _csrf_ok(request, who, _field(form, auth.CSRF_FIELD))
    move = ACTIONS.get(action)
    if move is None:
        raise InputError(N_("Unknown action {action}."), action=action[:40])
    record = _followed(request, who, submission_id)
    try:
        await _run(
            move,
            who.store,
            record.id,
            form,
            who=who.principal,
            client=client_address(request),
        )
    except AccessDeniedError as exc:
        return forbidden(request, exc.text(who.lang))
    except MigstatError as exc:
        again = who.store.submission(record.id, principal=workflow.SYSTEM)
        return _detail(request, who, again, getattr(exc, "status", 400), exc.text(who.lang))
    return RedirectResponse(f"/submissions/{record.id}?lang={who.lang}", status_code=303)


@router.get("/review", response_class=HTMLResponse)
def review_page(request: Request, who: ReaderDep) -> Response:
    _signed_in(request, who)
    if not who.store.policy.can_review(who.principal):
        error = AccessDeniedError(N_("Only the coordinator may review submissions."))
        refuse(request, who.principal, error)
        return forbidden(request, error.text(who.lang))
    return render(request, "review.html", queue=views.queue(who.store), **_common(request, who))
