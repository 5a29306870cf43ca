"""Running the app as a server (``migstat serve``): one process, or several worker processes
over one database, and the checks of production.

Several workers (``--workers N``) are separate processes started by uvicorn's supervisor, each
with an app made by :func:`app_from_environment` from what the command put in the environment
(:data:`DB_ENV`, :data:`PRODUCTION_ENV`, the secret key and the coordinator token). They answer
alike: sessions, accounts, throttling records and the audit trail live in the database, every
answer cache is keyed by the store's state read from the database on every request
(:mod:`migstat.web.answers`), and the secret key that signs session cookies is the same in
every worker (the command makes one for them all when none is configured).

Production (``--production``) needs a PostgreSQL database (SQLite is for one process on one
machine), a secret key set by the operator (sessions must outlive a restart) and the site's
HTTPS origin; :func:`production_problems` names what is missing and the command refuses to
start. The app then sends HSTS and names its session cookie ``__Host-migstat_session``
(Secure, for this host and path ``/`` only).

Client addresses (sign-in throttling, the audit trail) are the connecting peer's unless a
trusted proxy is configured (``--trusted-proxy``, :data:`PROXIES_ENV`): only then, and only
from those addresses, are ``X-Forwarded-For`` and ``X-Forwarded-Proto`` believed.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from typing import Any

from migstat.i18n import N_
from migstat.web.auth import SECRET_ENV, TOKEN_ENV

DB_ENV = "MIGSTAT_SERVE_DB"
"""The store the workers open (the command's ``--db``; unset: the default store)."""
PRODUCTION_ENV = "MIGSTAT_SERVE_PRODUCTION"
ORIGIN_ENV = "MIGSTAT_ORIGIN"
"""The site's public origin in production, e.g. ``https://migration.example.org``."""
PROXIES_ENV = "MIGSTAT_TRUSTED_PROXIES"
"""Comma-separated addresses of reverse proxies whose forwarded headers are believed."""


@dataclass(frozen=True, slots=True)
class Settings:
    """How to serve: address, workers, production, origin and trusted proxies."""

    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    production: bool = False
    origin: str | None = None
    trusted_proxies: str | None = None


def production_problems(store_url: str, secret: str | None, origin: str | None) -> list[str]:
    """What production lacks (msgids, each naming the setting), empty when nothing does."""
    missing = []
    if not store_url.startswith("postgresql"):
        missing.append(
            N_(
                "a PostgreSQL database (--db postgresql+psycopg://USER@HOST/NAME): SQLite "
                "serves one process on one machine"
            )
        )
    if not (secret or "").strip():
        missing.append(
            N_(
                "a secret key ({variable}, at least 16 random characters, the same for every "
                "worker), so that sessions outlive a restart"
            )
        )
    if not (origin or "").startswith("https://"):
        missing.append(N_("the site's HTTPS origin (--origin https://HOST or {origin_variable})"))
    return missing


def prepare_environment(db: str | None, token: str | None, settings: Settings) -> None:
    """Put what the worker processes need in this process's environment (they inherit it):
    the store, production, the coordinator token, and a secret key when none is set (one
    for every worker, so that a cookie signed by one is read by all)."""
    if db:
        os.environ[DB_ENV] = db
    os.environ[PRODUCTION_ENV] = "1" if settings.production else "0"
    if token:
        os.environ[TOKEN_ENV] = token
    if settings.origin:
        os.environ[ORIGIN_ENV] = settings.origin
    if not os.environ.get(SECRET_ENV, "").strip():
        os.environ[SECRET_ENV] = secrets.token_urlsafe(32)


def app_from_environment() -> Any:
    """The app of one worker process (uvicorn's factory; see :func:`prepare_environment`)."""
    from migstat.web.app import create_app
    from migstat.web.auth import load_token

    return create_app(
        os.environ.get(DB_ENV) or None,
        coordinator_token=load_token(),
        production=os.environ.get(PRODUCTION_ENV) == "1",
    )


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """uvicorn's options: the address, quiet logs, and forwarded headers believed only from
    the trusted proxies (none by default: uvicorn would otherwise believe loopback)."""
    proxies = settings.trusted_proxies or os.environ.get(PROXIES_ENV) or ""
    return {
        "host": settings.host,
        "port": settings.port,
        "log_level": "warning",
        "server_header": False,
        "proxy_headers": bool(proxies),
        "forwarded_allow_ips": proxies or "",
    }


def run(app: Any, settings: Settings) -> None:
    """Serve ``app`` in this process, or start :attr:`Settings.workers` worker processes,
    each making its own app (then ``app`` is not used)."""
    import uvicorn

    options = uvicorn_options(settings)
    if settings.workers <= 1:
        uvicorn.run(app, **options)
        return
    uvicorn.run(
        "migstat.web.serving:app_from_environment",
        factory=True,
        workers=settings.workers,
        **options,
    )


__all__ = [
    "DB_ENV",
    "ORIGIN_ENV",
    "PRODUCTION_ENV",
    "PROXIES_ENV",
    "Settings",
    "app_from_environment",
    "prepare_environment",
    "production_problems",
    "run",
]
