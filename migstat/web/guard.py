"""What every request passes before any route sees it: a bound on its body, HEAD answered
wherever GET is, and the security headers on every answer.

:class:`Guard` is a plain ASGI middleware, so it acts before FastAPI or Starlette parse a form
or a file:

* **Body limits.** Each route module may declare ``BODY_LIMITS = {"/path": bytes}`` (a path or
  a path prefix ending in ``/``); every other route takes :data:`DEFAULT_BODY_LIMIT`. A request
  whose ``Content-Length`` is over its route's limit is answered ``413`` without reading a byte
  of the body and without calling the route; a body sent without a length (chunked) is counted
  as it arrives and refused with ``413`` at the first byte past the limit, before the form
  parser has held more than that. The limits are configurable with the environment variables
  ``MIGSTAT_MAX_BODY_BYTES`` (every route) and ``MIGSTAT_MAX_UPLOAD_BYTES`` (the routes that
  take files), or with ``create_app(body_limits=...)``.
* **HEAD.** A HEAD request is served as the GET of the same address with the body left out
  (the headers, ``Content-Length`` included, are those of the GET).
* **Security headers.** :data:`SECURITY_HEADERS` on every answer, errors and static files
  included: a Content-Security-Policy that allows scripts from this site only (no inline
  script, no ``eval``: the charts use Vega's CSP-safe expression interpreter), no framing by
  any page, ``nosniff`` and a Referrer-Policy that keeps addresses on this site.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

DEFAULT_BODY_LIMIT = int(os.environ.get("MIGSTAT_MAX_BODY_BYTES", str(64 * 1024)))
"""Bytes a request body may hold on a route that declares no limit of its own (sign-in and
sign-out forms are a few hundred bytes)."""
UPLOAD_LIMIT = int(os.environ.get("MIGSTAT_MAX_UPLOAD_BYTES", str(16 * 1024 * 1024)))
"""Bytes a request body may hold on a route that takes files (the flows-from-stocks tables,
mapping CSVs): route modules use it in their ``BODY_LIMITS``."""

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        # Inline style attributes colour heat-map cells and size bars; no script can run
        # from a style.
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
SECURITY_HEADERS: dict[str, str] = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "referrer-policy": "strict-origin-when-cross-origin",
    "x-frame-options": "DENY",
}
"""Sent with every answer (a route's own value of one of them wins)."""


class BodyTooLarge(Exception):
    """A body that went past its route's limit while it was being read."""

    def __init__(self, limit: int) -> None:
        super().__init__(limit)
        self.limit = limit


@dataclass(frozen=True, slots=True)
class BodyLimits:
    """The most bytes a request body may hold, per path (exact, or a prefix ending in ``/``)."""

    default: int = DEFAULT_BODY_LIMIT
    routes: Mapping[str, int] = field(default_factory=dict)

    def for_path(self, path: str) -> int:
        if path in self.routes:
            return self.routes[path]
        best, found = -1, self.default
        for prefix, limit in self.routes.items():
            if prefix.endswith("/") and path.startswith(prefix) and len(prefix) > best:
                best, found = len(prefix), limit
        return found


Refusal = Callable[[Scope, int], Awaitable[Any]]
"""Makes the answer to a body over ``limit`` bytes for the request ``scope`` (an ASGI app)."""


class SecurityHeaders:
    """Adds :data:`SECURITY_HEADERS` to every answer that lacks them; :func:`outermost` puts
    one around the whole app, so that even an answer to a crash carries them."""

    def __init__(self, app: ASGIApp, headers: Mapping[str, str] = SECURITY_HEADERS) -> None:
        self.app = app
        self.headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": add_headers(message.get("headers", []))}
            await send(message)

        def add_headers(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
            have = {name.lower() for name, _value in headers}
            return [*headers, *((k, v) for k, v in self.headers if k not in have)]

        await self.app(scope, receive, send_with_headers)


HSTS = {"strict-transport-security": "max-age=63072000; includeSubDomains"}
"""Added in production (``migstat serve --production``, always behind HTTPS): browsers then
never try the site over plain HTTP again for two years."""


def outermost(app: Any, extra: Mapping[str, str] | None = None) -> None:
    """Wrap the app's whole middleware stack (its error handler for crashes included) in
    :class:`SecurityHeaders`, with ``extra`` headers (:data:`HSTS` in production)."""
    build = app.build_middleware_stack
    headers = {**SECURITY_HEADERS, **(extra or {})}
    app.build_middleware_stack = lambda: SecurityHeaders(build(), headers)


class Guard:
    """The body limits and HEAD described in the module's docstring (the headers are added by
    :class:`SecurityHeaders`, around it)."""

    def __init__(self, app: ASGIApp, limits: BodyLimits, refuse: Refusal) -> None:
        self.app = app
        self.limits = limits
        self.refuse = refuse

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        head = scope["method"] == "HEAD"
        if head:
            scope = {**scope, "method": "GET"}
        started = False

        async def send_guarded(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            elif head and message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        limit = self.limits.for_path(scope["path"])
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            refusal = await self.refuse(scope, limit)
            await refusal(scope, receive, send_guarded)
            return
        try:
            await self.app(scope, _counting(receive, limit), send_guarded)
        except BodyTooLarge:
            if started:
                raise
            refusal = await self.refuse(scope, limit)
            await refusal(scope, receive, send_guarded)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name.lower() == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def _counting(receive: Receive, limit: int) -> Receive:
    """``receive`` that raises :class:`BodyTooLarge` as soon as the body passes ``limit``."""
    seen = 0

    async def counted() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise BodyTooLarge(limit)
        return message

    return counted


def collect_limits(modules: list[Any], default: int | None = None) -> BodyLimits:
    """The limits of every route module's ``BODY_LIMITS``, over the default."""
    routes: dict[str, int] = {}
    for module in modules:
        routes.update(getattr(module, "BODY_LIMITS", {}))
    return BodyLimits(DEFAULT_BODY_LIMIT if default is None else default, routes)


__all__ = [
    "CONTENT_SECURITY_POLICY",
    "DEFAULT_BODY_LIMIT",
    "HSTS",
    "SECURITY_HEADERS",
    "UPLOAD_LIMIT",
    "BodyLimits",
    "BodyTooLarge",
    "Guard",
    "SecurityHeaders",
    "collect_limits",
    "outermost",
]
