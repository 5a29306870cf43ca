"""``GET /me``: the header's account part for the request's reader (login, unread
notifications, the rounds board link), as JSON that is never kept (see
:mod:`migstat.web.views.account_bar`). No value of data, and nothing of another account."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from migstat.web.deps import ReaderDep
from migstat.web.views.account_bar import bar

router = APIRouter(include_in_schema=False)


@router.get("/me")
async def me(who: ReaderDep) -> JSONResponse:
    found = await run_in_threadpool(bar, who.store, who.principal, who.lang)
    return JSONResponse(found, headers={"Cache-Control": "no-store", "Vary": "Cookie"})
