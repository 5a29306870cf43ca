"""The coordinator's token, the signed session cookie and the CSRF token tied to it.

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
    "SESSION_COOKIE",
    "SESSION_SECONDS",
    "TOKEN_ENV",
    "Session",
    "check_token",
    "load_token",
    "new_session",
    "read_session",
    "same_csrf",
    "same_token",
]
