"""``GET /api/releases?as_of=``: the release history as JSON, by the rules of the calendar's
history (:mod:`migstat.web.routes.releases`): the coordinator reads every country's states,
a reporter or approver its own country's; a partner is refused (403, with an audit record),
the public asked to sign in (401). The answer is never kept, by the portal or by the client.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import Request
from fastapi.responses import JSONResponse

from migstat.api import parse_as_of
from migstat.i18n import N_
from migstat.model.findings import InputError
from migstat.store.access import AccessDeniedError
from migstat.store.releases import ReleaseStep
from migstat.web.deps import Reader, refuse, require_signed_in
from migstat.web.views.params import BadParameter

SIGN_IN = N_("Sign in to read the history of releases.")
"""What the public is told (401), here and on the calendar's history."""


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _state(step: ReleaseStep, when: datetime) -> dict[str, object]:
    return {
        "submission": step.submission_id,
        "country": step.country or step.provider,
        "table": step.table,
        "state": step.state,
        "released_at": _iso(step.released_at),
        "embargo_until": _iso(step.embargo_until),
        "released_by": step.released_by,
        "note": step.note,
        "open_to": step.open_to(when),
    }


def release_states(request: Request, who: Reader, text: str) -> JSONResponse:
    """The release states ``who`` may read as they stood at ``text`` (``as_of``)."""
    require_signed_in(request, who.principal, SIGN_IN)
    try:
        when = parse_as_of(text) or who.store.policy.now()
    except InputError as exc:
        raise BadParameter("as_of", text, exc.message) from None
    try:
        steps = who.store.release_history(who.principal, as_of=when, latest=True)
    except AccessDeniedError as exc:
        raise refuse(request, who.principal, exc) from None
    return JSONResponse(
        [_state(step, when) for step in steps], headers={"Cache-Control": "no-store"}
    )


__all__ = ["SIGN_IN", "release_states"]
