"""Answers made again before anyone asks, when what they show has changed.

Kept pages and downloads (:mod:`migstat.web.answers`) stay valid until the store's visibility
version moves. When it does (a release, a new submission, an embargo's end), the first visitor
of each costly page would pay for it again (an XLSX download costs seconds of CPU). So the app
remembers the public's most recently made answers (address, query, language, format) and,
the first time a request sees a new version, asks itself for them again in a background
thread, one after the other: the answers are in the cache before most visitors come back, and
a visitor who asks while one is being made waits for it rather than making it a second time
(the cache makes each answer once however many ask).

Only anonymous requests are remembered and replayed: they carry no session, and what the
public sees is what most visitors ask for.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections import OrderedDict
from typing import Any

from fastapi import Request

KEPT = int(os.environ.get("MIGSTAT_REWARM_ANSWERS", "48"))
"""How many of the public's most recent answers are made again after a change (0: none)."""
HEADERS = (b"accept", b"accept-language")
"""The request headers an answer may depend on (with the ``lang`` cookie)."""

Recipe = tuple[str, bytes, tuple[tuple[bytes, bytes], ...]]


class Rewarm:
    """The public's recent answers (as requests to replay) and the version they were made at."""

    def __init__(self, size: int = KEPT) -> None:
        self.size = size
        self._recipes: OrderedDict[Recipe, None] = OrderedDict()
        self._stamp: Any = None
        self._lock = threading.Lock()
        self.thread: threading.Thread | None = None
        """The latest replay (tests join it)."""

    def remember(self, request: Request) -> None:
        """Keep ``request`` (anonymous, answered from a made answer) to replay later."""
        if self.size <= 0:
            return
        headers = tuple(
            (name, value) for name, value in request.scope["headers"] if name in HEADERS
        )
        lang = request.cookies.get("lang")
        if lang:
            headers += ((b"cookie", f"lang={lang}".encode("latin-1", "replace")),)
        recipe = (request.url.path, request.scope.get("query_string", b""), headers)
        with self._lock:
            self._recipes[recipe] = None
            self._recipes.move_to_end(recipe)
            while len(self._recipes) > self.size:
                self._recipes.popitem(last=False)

    def seen(self, app: Any, stamp: Any) -> None:
        """Note the visibility version a request read; when it moved since the last one, make
        the remembered answers again in the background."""
        with self._lock:
            if stamp == self._stamp:
                return
            first, self._stamp = self._stamp is None, stamp
            recipes = list(reversed(self._recipes))
        if first or not recipes:
            return
        self.thread = threading.Thread(
            target=asyncio.run, args=(_replay(app, recipes),), name="answers-rewarm", daemon=True
        )
        self.thread.start()


def rewarm(app: Any) -> Rewarm:
    """The app's :class:`Rewarm` (made on first use)."""
    found = getattr(app.state, "rewarm", None)
    if found is None:
        found = app.state.rewarm = Rewarm()
    return found


async def _replay(app: Any, recipes: list[Recipe]) -> None:
    """Ask ``app`` for each of ``recipes`` in turn, as an anonymous GET, the answer dropped:
    answering fills the cache. A failure costs only the time it took."""
    for path, query, headers in recipes:
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "root_path": "",
            "query_string": query,
            "headers": [(b"host", b"localhost"), *headers],
            "client": ("127.0.0.1", 0),
            "server": ("localhost", 80),
        }
        try:
            await app(scope, _receive, _send)
        except Exception:  # a failed replay only costs the next visitor time
            continue


async def _receive() -> dict[str, Any]:
    return {"type": "http.request", "body": b"", "more_body": False}


async def _send(_message: dict[str, Any]) -> None:
    return None


__all__ = ["KEPT", "Rewarm", "rewarm"]
