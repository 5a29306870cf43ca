"""A chart alone, to put in another site's page: ``GET /embed/explore?table=F01&...`` (the
explorer's parameters) with its title, source line and status, framed by anyone (its own
``frame-ancestors``; every other page refuses frames)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from migstat.web.app import render
from migstat.web.guard import CONTENT_SECURITY_POLICY
from migstat.web.views import explore
from migstat.web.views.data import Data, cached_page

router = APIRouter()
EMBED_POLICY = CONTENT_SECURITY_POLICY.replace("frame-ancestors 'none'", "frame-ancestors *")


def framed(answer: Any) -> Any:
    """``answer`` with the embed's own framing policy."""
    answer.headers["content-security-policy"] = EMBED_POLICY
    # the guard adds DENY to answers without the header; a browser that knows CSP reads
    # frame-ancestors and ignores this one
    answer.headers["x-frame-options"] = "ALLOWALL"
    return answer


@router.get("/embed/explore", response_class=HTMLResponse, include_in_schema=False)
def embed_explore(request: Request, data: Data) -> HTMLResponse:
    table = request.query_params.get("table") or "S01"

    def made() -> HTMLResponse:
        page = render(request, "embed.html", view=explore.build(data, table, request.query_params))
        return framed(page)

    # kept with its framing headers (see ``answers.KEPT_HEADERS``), so an answer given before
    # routing (``answers.KeptAnswers``) carries them too
    answer = framed(cached_page(request, data, made))
    return answer
