"""Where e-mail goes: an SMTP server, how the connection is protected, and who signs in.

Configured by ``MIGSTAT_SMTP_*`` (docs/deployment.md) or the ``rounds remind --smtp-*``
options. ``security`` is ``none`` (plain SMTP, for a relay on the same host), ``starttls``
(plain connection upgraded with STARTTLS before anything else is said: the usual submission
port 587) or ``tls`` (TLS from the first byte: port 465). Over TLS the server's certificate is
always verified, against the system's authorities or ``ca_file``; a server that does not offer
STARTTLS when it is asked for is a failure, never a silent fall-back to plain text. A user name
and password are only ever sent over TLS: asking for authentication with ``security=none`` is
refused when the settings are read.
"""

from __future__ import annotations

import os
import re
import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from migstat.i18n import N_
from migstat.model.findings import InputError

EMAIL = re.compile(r"^[^@\s]{1,64}@[A-Za-z0-9.-]{1,190}\.[A-Za-z]{2,24}$")
SMTP_TIMEOUT = 30
SECURITIES = ("none", "starttls", "tls")
DEFAULT_PORTS = {"none": 25, "starttls": 587, "tls": 465}
MAX_SECRET = 1024


def checked_email(text: str) -> str:
    value = (text or "").strip()
    if not EMAIL.match(value):
        raise InputError(N_("\u201c{email}\u201d is not an e-mail address."), email=str(text)[:100])
    return value


@dataclass(frozen=True, slots=True)
class Mailer:
    """An SMTP server (host, port), the sender's address, the connection's protection and
    the optional account to sign in with."""

    host: str
    port: int
    sender: str
    security: str = "none"
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    ca_file: str | None = None

    @classmethod
    def from_env(cls) -> Mailer | None:
        """From ``MIGSTAT_SMTP_HOST``, ``_PORT``, ``_FROM``, ``_SECURITY``, ``_USER``,
        ``_PASSWORD_FILE`` (or ``_PASSWORD``) and ``_CA_FILE``; ``None`` when no host is set
        (no e-mail, notifications in the portal only)."""
        env = os.environ
        host = env.get("MIGSTAT_SMTP_HOST", "").strip()
        if not host:
            return None
        return cls.checked(
            host,
            env.get("MIGSTAT_SMTP_PORT", "").strip() or None,
            env.get("MIGSTAT_SMTP_FROM", "").strip() or "migstat@localhost",
            security=env.get("MIGSTAT_SMTP_SECURITY", "").strip() or "none",
            user=env.get("MIGSTAT_SMTP_USER", "").strip() or None,
            password=_password(env),
            ca_file=env.get("MIGSTAT_SMTP_CA_FILE", "").strip() or None,
        )

    @classmethod
    def checked(
        cls,
        host: str,
        port: str | int | None,
        sender: str,
        *,
        security: str = "none",
        user: str | None = None,
        password: str | None = None,
        ca_file: str | None = None,
    ) -> Mailer:
        """The settings checked: a port number (default by ``security``), a known security,
        an account only over TLS and with a password, a CA file that exists."""
        mode = security.strip().lower()
        if mode not in SECURITIES:
            raise InputError(
                N_("The SMTP security {value} is unknown: give none, starttls or tls."),
                value=security[:20],
            )
        text = str(port if port is not None else DEFAULT_PORTS[mode]).strip()
        if not text.isdigit() or not 0 < int(text) < 65536:
            raise InputError(
                N_("The SMTP port {port} is not a port number: give 1 to 65535."), port=text[:20]
            )
        if user and mode == "none":
            raise InputError(
                N_(
                    "An SMTP password is never sent unencrypted: set MIGSTAT_SMTP_SECURITY "
                    "to starttls or tls, or give no user."
                )
            )
        if user and not password:
            raise InputError(
                N_("The SMTP user {user} has no password: set MIGSTAT_SMTP_PASSWORD_FILE."),
                user=user[:100],
            )
        if ca_file and not Path(ca_file).is_file():
            raise InputError(
                N_("The SMTP CA file {path} does not exist: give the server's CA certificate."),
                path=ca_file[:300],
            )
        return cls(host, int(text), checked_email(sender), mode, user, password, ca_file)

    def tls_context(self) -> ssl.SSLContext:
        """Verifies the server's certificate and name (the system's CAs, or ``ca_file``)."""
        return ssl.create_default_context(cafile=self.ca_file)

    def connect(self) -> smtplib.SMTP:
        """An open, protected and signed-in connection (the caller closes it); raises
        :class:`OSError` or :class:`smtplib.SMTPException` when any step fails."""
        if self.security == "tls":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                self.host, self.port, timeout=SMTP_TIMEOUT, context=self.tls_context()
            )
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=SMTP_TIMEOUT)
        try:
            if self.security == "starttls":
                smtp.ehlo()
                smtp.starttls(context=self.tls_context())  # SMTPNotSupportedError if not offered
                smtp.ehlo()
            if self.user:
                smtp.login(self.user, self.password or "")
        except BaseException:
            smtp.close()
            raise
        return smtp


def smtp_password() -> str | None:
    """The configured SMTP password (see :func:`_password`)."""
    return _password(os.environ)


def _password(env: Mapping[str, str]) -> str | None:
    """``MIGSTAT_SMTP_PASSWORD_FILE``'s first line (kept out of the environment and the
    process list), else ``MIGSTAT_SMTP_PASSWORD``."""
    path = env.get("MIGSTAT_SMTP_PASSWORD_FILE", "").strip()
    if path:
        try:
            with open(path, encoding="utf-8") as handle:
                text = handle.read(MAX_SECRET + 1)
        except OSError as exc:
            raise InputError(
                N_("The SMTP password file {path} cannot be read: {error}"),
                path=path[:300],
                error=str(exc)[:200],
            ) from None
        return text.splitlines()[0] if text.strip() else None
    return env.get("MIGSTAT_SMTP_PASSWORD") or None


__all__ = ["DEFAULT_PORTS", "SECURITIES", "Mailer", "checked_email", "smtp_password"]
