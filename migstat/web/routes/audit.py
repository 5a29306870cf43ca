"""The audit trail for the coordinator: ``GET /audit`` (filtered, with the chain's check) and
``GET /audit.csv`` (the whole trail, or what the filters keep).

Who may read it is the access gate's decision (:meth:`AccessPolicy.check_read_audit`); a
refusal is a 403 in the reader's language and is itself recorded.
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from migstat.exchange import audit
from migstat.store.access import AccessDeniedError
from migstat.web.app import forbidden, render
from migstat.web.deps import Reader, ReaderDep, refuse
from migstat.web.views import audit as views

router = APIRouter(include_in_schema=False)


def _filters(request: Request) -> dict[str, str]:
    q = request.query_params
    return {name: (q.get(name) or "").strip()[:100] for name in ("action", "actor", "since")}


def _denied(request: Request, who: Reader) -> Response | None:
    try:
        who.store.policy.check_read_audit(who.principal)
    except AccessDeniedError as exc:
        refuse(request, who.principal, exc)
        return forbidden(request, exc.text(who.lang))
    return None


@router.get("/audit", response_class=HTMLResponse)
def audit_page(request: Request, who: ReaderDep) -> Response:
    denied = _denied(request, who)
    if denied is not None:
        return denied
    model = views.page_model(who.store, **_filters(request))
    return render(request, "audit.html", **model)


@router.get("/audit.csv")
def audit_csv(request: Request, who: ReaderDep) -> Response:
    denied = _denied(request, who)
    if denied is not None:
        return denied
    f = _filters(request)
    records = audit.records(who.store, since=views.since_of(f["since"]))
    kept = (r for r in records if views.matches(r, action=f["action"], actor=f["actor"]))
    return Response(
        "\ufeff" + views.csv_text(kept),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote('audit.csv')}"},
    )
