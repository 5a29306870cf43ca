"""The coordinator's token, the signed session cookies and the CSRF tokens tied to them.

Accounts (:mod:`migstat.exchange`) sign in with a login and a password; their browser then
holds ``session_id.signature``: the id of a server-side session (ended in the store on
sign-out, so a copy of the cookie is refused afterwards), signed with the server's secret key
(``MIGSTAT_SECRET_KEY``; without one, a random key per process, so that sessions end when the
server restarts). The sign-in form itself carries a CSRF token that matches a cookie set with
the form (:data:`SIGNIN_COOKIE`), so that another site cannot sign a browser in.

Until accounts exist there is one writer, the coordinator, who proves it by knowing a token
configured on the server (``migstat serve --coordinator-token-file`` or the environment
variable ``MIGSTAT_COORDINATOR_TOKEN``). Without a configured token nobody can write from the
web. A browser signs in once with the token and then carries a session cookie; an API client
sends ``Authorization: Bearer <token>`` with every request.

The cookie never holds the token: it holds ``issued.nonce.signature``, the signature an HMAC
(SHA-256) over ``issued.nonce`` with a key derived from the token, so changing the token ends
every session and a cookie cannot be made without knowing the token. The CSRF token of a
session is an HMAC over its nonce: a page of that session carries it in a hidden field, and a
form posted from anywhere else cannot know it. Every comparison uses
:func:`hmac.compare_digest`.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from migstat.i18n import N_
from migstat.model.data import Location
from migstat.model.findings import InputError

TOKEN_ENV = "MIGSTAT_COORDINATOR_TOKEN"
MIN_TOKEN_LENGTH = 16
"""A token shorter than this is refused: it could be guessed."""
SESSION_COOKIE = "migstat_session"
SESSION_SECONDS = 12 * 3600
"""A session ends after this long; the coordinator then signs in again."""
CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"
SECRET_ENV = "MIGSTAT_SECRET_KEY"
SIGNIN_COOKIE = "migstat_signin"
"""The sign-in form's CSRF cookie (double submit: the form carries the same value)."""
HOST_PREFIX = "__Host-"
"""In production the session cookie's name starts with this: browsers then accept it only
when it is Secure, for the path ``/`` and for this host alone (no Domain), so neither a
sibling sub-domain nor plain HTTP can plant or read it."""


def session_cookie(request: Any) -> str:
    """The session cookie's name for this app (``__Host-migstat_session`` in production)."""
    production = getattr(request.app.state, "production", False)
    return HOST_PREFIX + SESSION_COOKIE if production else SESSION_COOKIE


def secure_cookies(request: Any) -> bool:
    """Whether cookies are sent over HTTPS only: always in production (where the server is
    behind an HTTPS proxy whatever scheme the request reached it with), else over HTTPS."""
    return bool(getattr(request.app.state, "production", False)) or request.url.scheme == "https"


class Unauthenticated(Exception):
    """Credentials were presented and refused (HTTP 401): ``message`` is a msgid."""

    def __init__(self, message: str, *, bearer: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.bearer = bearer


def secret_key(given: str | None = None, *, environ: dict[str, str] | None = None) -> bytes:
    """The key that signs account session cookies: ``given``, ``MIGSTAT_SECRET_KEY`` or a
    random one for this process (sessions then end when it stops)."""
    env = os.environ if environ is None else environ
    text = given if given is not None else env.get(SECRET_ENV, "").strip()
    if text:
        if len(text) < MIN_TOKEN_LENGTH:
            raise InputError(
                N_(
                    "The secret key ({variable}) is {length} characters long; use at least "
                    "{minimum} random characters."
                ),
                variable=SECRET_ENV,
                length=len(text),
                minimum=MIN_TOKEN_LENGTH,
            )
        return hashlib.sha256(b"migstat cookie key\0" + text.encode()).digest()
    return secrets.token_bytes(32)


def sign_session_id(key: bytes, session_id: str) -> str:
    """The cookie value that carries an account's session id."""
    mac = hmac.new(key, session_id.encode("ascii"), hashlib.sha256).hexdigest()
    return f"{session_id}.{mac}"


def session_id_of(key: bytes, value: str | None) -> str | None:
    """The session id an account's cookie carries, if its signature is good."""
    if not value or value.count(".") != 1:
        return None
    session_id, mac = value.split(".")
    if not session_id.isascii() or not session_id.isalnum():
        return None
    good = hmac.new(key, session_id.encode("ascii"), hashlib.sha256).hexdigest()
    return (
        session_id if hmac.compare_digest(mac.encode("ascii", "replace"), good.encode()) else None
    )


def load_token(
    file: str | Path | None = None, *, environ: dict[str, str] | None = None
) -> str | None:
    """The coordinator token: from ``file`` (its first line) if given, else from the
    environment; ``None`` when neither is set (then nobody can edit from the web)."""
    env = os.environ if environ is None else environ
    if file is not None:
        path = Path(file)
        try:
            text = path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise InputError(
                N_("Cannot read the coordinator token file: {reason}"),
                where=Location(file=str(path)),
                reason=exc.strerror or str(exc),
            ) from None
        token = text.splitlines()[0].strip() if text else ""
        where = Location(file=str(path))
    else:
        token = env.get(TOKEN_ENV, "").strip()
        where = Location(column=TOKEN_ENV)
        if not token:
            return None
    return check_token(token, where)


def check_token(token: str, where: Location | None = None) -> str:
    """``token`` if it is long enough to be a secret; :class:`InputError` otherwise."""
    if len(token) < MIN_TOKEN_LENGTH:
        raise InputError(
            N_(
                "The coordinator token is {length} characters long; use at least "
                "{minimum} random characters (for example from "
                "\u201copenssl rand -hex 24\u201d)."
            ),
            where=where,
            length=len(token),
            minimum=MIN_TOKEN_LENGTH,
        )
    return token


def same_token(given: str | None, configured: str | None) -> bool:
    """Whether ``given`` is the configured token (never true when none is configured)."""
    if not configured or not given:
        return False
    return hmac.compare_digest(given.encode("utf-8"), configured.encode("utf-8"))


def _key(token: str) -> bytes:
    return hashlib.sha256(b"migstat session key\0" + token.encode("utf-8")).digest()


def _sign(token: str, text: str) -> str:
    return hmac.new(_key(token), text.encode("ascii"), hashlib.sha256).hexdigest()


@dataclass(frozen=True, slots=True)
class Session:
    """A verified coordinator session: when it began and its random nonce."""

    issued: int
    nonce: str

    def csrf(self, token: str) -> str:
        """The CSRF token of this session (the same on every page of it)."""
        return _sign(token, f"csrf.{self.nonce}")


def new_session(token: str, *, now: float | None = None) -> tuple[Session, str]:
    """A fresh session and the cookie value that carries it."""
    session = Session(int(time.time() if now is None else now), secrets.token_hex(16))
    body = f"{session.issued}.{session.nonce}"
    return session, f"{body}.{_sign(token, body)}"


def read_session(
    value: str | None, token: str | None, *, now: float | None = None
) -> Session | None:
    """The session a cookie value carries, if its signature is good and it has not expired."""
    if not value or not token:
        return None
    parts = value.split(".")
    if len(parts) != 3 or not parts[0].isdigit():
        return None
    issued, nonce, signature = parts
    if not hmac.compare_digest(
        signature.encode("ascii", "replace"), _sign(token, f"{issued}.{nonce}").encode("ascii")
    ):
        return None
    age = (time.time() if now is None else now) - int(issued)
    if not 0 <= age <= SESSION_SECONDS:
        return None
    return Session(int(issued), nonce)


def same_csrf(given: str | None, session: Session, token: str) -> bool:
    """Whether ``given`` is the CSRF token of ``session``."""
    if not given:
        return False
    return hmac.compare_digest(
        given.encode("utf-8", "replace"), session.csrf(token).encode("ascii")
    )


__all__ = [
    "CSRF_FIELD",
    "CSRF_HEADER",
    "HOST_PREFIX",
    "SECRET_ENV",
    "SESSION_COOKIE",
    "SESSION_SECONDS",
    "SIGNIN_COOKIE",
    "TOKEN_ENV",
    "Session",
    "Unauthenticated",
    "check_token",
    "load_token",
    "new_session",
    "read_session",
    "same_csrf",
    "same_token",
    "secret_key",
    "secure_cookies",
    "session_cookie",
    "session_id_of",
    "sign_session_id",
]
