"""Machine submissions: ``POST /api/submissions`` and ``GET /api/submissions/{id}``.

A machine sends ``Authorization: Bearer <API token>`` of a reporter's account, with the scope
``submit`` for sending (multipart ``file``, optional ``note``, and for a CSV file optional
``metadata``: its table metadata as the sidecar ``FILE.metadata.json`` holds them, as
``migstat tabulate --submit --url`` sends them); the answer is
``{"id", "status", "url"}`` (201). ``GET`` answers the submission's state, history, and
findings with their explanations, to the coordinator and to the accounts of its country only.
Missing or refused credentials are 401, a token of the wrong scope or another country's
submission 403 (recorded in the audit trail), all as JSON in the user's language.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from migstat.exchange import workflow
from migstat.i18n import N_
from migstat.model.findings import InputError
from migstat.store.access import AccessDeniedError
from migstat.web import auth
from migstat.web.deps import Reader, ReaderDep, client_address, credentials, refuse
from migstat.web.views import submit as views

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


@router.post("", status_code=201, summary="Submit a file (reporter's API token, scope submit)")
async def submit_json(request: Request, who: ReaderDep) -> Response:
    _account(request, who, submitting=True)
    form = await request.form()
    upload = form.get("file")
    if upload is None or isinstance(upload, str):
        raise InputError(N_("Send the file as the multipart field \u201cfile\u201d."))
    data = await upload.read()
    metadata = await _metadata(form)
    note = form.get("note")
    p = who.principal
    if not who.store.policy.can_submit_for(p, p.country):
        raise refuse(
            request, p, AccessDeniedError(N_("Only a reporter of a country may submit its data."))
        )
    checked = await run_in_threadpool(
        views.check_upload, who.store, data, upload.filename or "", metadata
    )
    record = await run_in_threadpool(
        views.store_upload,
        who.store,
        checked,
        who=p,
        send=True,
        note=note[:MAX_NOTE] if isinstance(note, str) else None,
        client=client_address(request),
    )
    body = {
        "id": record.id,
        "status": record.status,
        "url": _url(request, record.id),
        "errors": record.n_errors,
        "warnings": record.n_warnings,
    }
    return JSONResponse(body, status_code=201)


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


@router.get("/{submission_id}", name="submission_json", summary="A submission's state and findings")
def submission_json(request: Request, who: ReaderDep, submission_id: int) -> Response:
    _account(request, who, submitting=False)
    record = workflow.check_follow(
        who.store, who.principal, submission_id, client=client_address(request)
    )
    events = workflow.events(who.store, [record.id])[record.id]
    rows = views.stored_rows(who.store, record.id, who.lang)
    return JSONResponse(
        {
            "id": record.id,
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
