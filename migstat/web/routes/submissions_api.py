"""Machine submissions: ``POST /api/submissions`` and ``GET /api/submissions/{id}``.

A machine sends ``Authorization: Bearer <API token>`` of a reporter's account, with the scope
``submit`` for sending (multipart ``file``, optional ``note``, and for a CSV file optional
``metadata``: its table metadata as the sidecar ``FILE.metadata.json`` holds them, as
``migstat tabulate --submit --url`` sends them). The file is kept (in pieces) as an upload
job, checked and stored in the background like the portal's uploads (:mod:`migstat.exchange.
jobs`: bounded per account and in all, a 429 past that), and the answer is 202 with
``{"id", "job", "status": "queued", "url"}`` and ``Location`` the job's address.
``GET /api/submissions/{job}`` answers ``queued`` or ``running``, ``failed`` with the reason,
and once stored the submission as ``GET /api/submissions/{number}`` does: its state, history,
and findings with their explanations, to the coordinator and to the accounts of its country
only (a job to the account that sent it only).
Missing or refused credentials are 401, a token of the wrong scope or another country's
submission 403 (recorded in the audit trail), all as JSON in the user's language.
"""

from __future__ import annotations

import tempfile
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from migstat.exchange import workflow
from migstat.exchange.jobs import DONE, FAILED, QUEUED
from migstat.i18n import N_
from migstat.model.findings import InputError, NotFoundError
from migstat.store.access import AccessDeniedError
from migstat.web import auth
from migstat.web.deps import Reader, ReaderDep, client_address, credentials, refuse
from migstat.web.views import submit as views
from migstat.web.views.jobs import jobs_of

router = APIRouter(prefix="/api/submissions", tags=["Submissions"])
NO_TOKEN = N_("Send an API token: Authorization: Bearer <token> (migstat tokens issue).")
MAX_NOTE = 4000
MAX_METADATA = 1 << 20
"""The largest metadata part accepted (a sidecar is a few kilobytes)."""


async def _metadata(form: Any) -> bytes | None:
    """The optional ``metadata`` part: a file or a text field, at most :data:`MAX_METADATA`."""
    part = form.get("metadata")
    if part is None or part == "":
        return None
    data = part.encode("utf-8") if isinstance(part, str) else await part.read(MAX_METADATA + 1)
    if len(data) > MAX_METADATA:
        raise InputError(
            N_("The metadata part is larger than {limit} bytes; send the sidecar file only."),
            limit=MAX_METADATA,
        )
    return data


def _account(request: Request, who: Reader, *, submitting: bool) -> None:
    found = credentials(request)
    if found.refusal is not None:
        raise auth.Unauthenticated(found.refusal, bearer=True)
    if who.principal.anonymous:
        raise auth.Unauthenticated(NO_TOKEN, bearer=True)
    if submitting and not found.bearer:
        raise auth.Unauthenticated(NO_TOKEN, bearer=True)
    if submitting and found.scope != "submit":
        raise refuse(
            request,
            who.principal,
            AccessDeniedError(
                N_("This API token may only read: ask for one with the scope \u201csubmit\u201d.")
            ),
        )


def _url(request: Request, submission_id: int) -> str:
    return str(request.url_for("submission_json", submission_id=submission_id))


@router.post(
    "", status_code=202, summary="Submit a file (reporter's API token, scope submit): a job"
)
async def submit_json(request: Request, who: ReaderDep) -> Response:
    _account(request, who, submitting=True)
    form = await request.form()
    upload = form.get("file")
    if upload is None or isinstance(upload, str):
        raise InputError(N_("Send the file as the multipart field \u201cfile\u201d."))
    metadata = await _metadata(form)
    note = form.get("note")
    p = who.principal
    if not who.store.policy.can_submit_for(p, p.country):
        raise refuse(
            request, p, AccessDeniedError(N_("Only a reporter of a country may submit its data."))
        )
    name = views.safe_name(upload.filename or "")
    # copied to disk and kept in pieces, never held whole; checked and stored by a worker
    with tempfile.TemporaryDirectory(prefix="migstat-api-") as folder:
        path = await run_in_threadpool(views.received, upload.file, name, folder)
        job_id = await run_in_threadpool(
            jobs_of(request.app.state).start,
            p,
            name,
            path,
            mode="submit",
            note=note[:MAX_NOTE] if isinstance(note, str) else None,
            client=client_address(request),
            sidecar=metadata,
        )
    url = _url(request, job_id)
    body = {"id": job_id, "job": job_id, "status": QUEUED, "url": url}
    return JSONResponse(body, status_code=202, headers={"Location": url})


def _url(request: Request, submission_id: int | str) -> str:
    return str(request.url_for("submission_json", submission_id=str(submission_id)))


def _job_json(request: Request, who: Reader, job_id: str) -> Response:
    """A job's state: ``queued`` or ``running``; ``failed`` with the reason; once ``done``,
    the submission it stored (as ``GET /api/submissions/{submission id}`` answers)."""
    job = jobs_of(request.app.state).get(job_id[:40], who.principal.user_id or "-")
    if job is None:
        raise NotFoundError(N_("There is no upload {id} of yours being checked."), id=job_id[:40])
    if job.state == DONE and job.submission_id is not None:
        return _submission(request, who, job.submission_id, job=job.id)
    body: dict[str, Any] = {
        "id": job.id,
        "job": job.id,
        "status": job.state,
        "file": job.file_name,
        "url": _url(request, job.id),
    }
    if job.state == FAILED:
        body["error"] = job.error_text(who.lang)
        body["error_status"] = job.error_status
    return JSONResponse(body)


def _event(e: workflow.Event) -> dict[str, Any]:
    return {"state": e.state, "by": e.actor, "at": e.at.isoformat(), "note": e.note}


def _finding(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "severity": row["severity"],
        "rule": row["rule"],
        "table": row["table"] or None,
        "place": row["place"],
        "message": row["message"],
        "values": row["values"],
        "explanations": [
            {"text": c.text, "by": c.actor, "at": c.at.isoformat()} for c in row["comments"]
        ],
    }


@router.get("/{submission_id}", name="submission_json", summary="A submission's or upload's state")
def submission_json(request: Request, who: ReaderDep, submission_id: str) -> Response:
    """``{submission_id}``: a stored submission's number, or the id of an upload job that
    ``POST`` answered (its state, then the submission once stored)."""
    _account(request, who, submitting=False)
    if not submission_id.isdigit():
        return _job_json(request, who, submission_id)
    return _submission(request, who, int(submission_id))


def _submission(
    request: Request, who: Reader, submission_id: int, job: str | None = None
) -> Response:
    record = workflow.check_follow(
        who.store, who.principal, submission_id, client=client_address(request)
    )
    events = workflow.events(who.store, [record.id])[record.id]
    rows = views.stored_rows(who.store, record.id, who.lang)
    return JSONResponse(
        {
            "id": record.id,
            "job": job,
            "status": record.status,
            "country": record.country,
            "file": record.file_name,
            "format": record.format,
            "submitted_at": record.submitted_at.isoformat(),
            "submitted_by": record.submitted_by,
            "note": record.note,
            "errors": record.n_errors,
            "warnings": record.n_warnings,
            "history": [_event(e) for e in events],
            "findings": [_finding(r) for r in rows],
            "url": _url(request, record.id),
        }
    )
