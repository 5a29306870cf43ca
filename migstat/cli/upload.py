"""Sending tabulated tables to a clearing-house over its API (``tabulate --submit --url``).

The microdata stay at the office; only the protected tables leave it. They go to
``POST /api/submissions`` as a multipart form: ``file`` (the long CSV), ``metadata`` (its
sidecar ``FILE.metadata.json``, the table metadata the submission needs) and ``note``, with
``Authorization: Bearer <token>`` of a reporter's API token of the scope ``submit``
(``migstat tokens issue LOGIN --scope submit`` on the clearing-house). The answer is an upload
job, checked in the background; its address is asked (``GET /api/submissions/{job}``) every
second until the submission is stored, then gives its state and findings, in the user's
language.

Only the standard library speaks HTTP here. The token travels only over HTTPS, or plain HTTP to
this machine (``localhost``, ``127.0.0.1``, ``::1``), never in a URL or on the command line; every
answer is bounded (:data:`MAX_ANSWER`) and every request has a time-out.
"""

from __future__ import annotations

import json
import os
import secrets
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from migstat.i18n import N_
from migstat.model import MigstatError

TOKEN_ENV = "MIGSTAT_TOKEN"
"""The environment variable a token may come from instead of ``--token-file``."""
MAX_ANSWER = 8 << 20
"""The largest answer read from the server (a submission's findings are far smaller)."""
TIMEOUT = 600.0
"""Seconds to wait for the server: checking a large submission takes a few seconds."""
POLL = 1.0
"""Seconds between two questions about a file being checked."""
WAITING = frozenset({"queued", "running"})
"""The states of an upload job not yet over."""
LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1"})


@dataclass(frozen=True, slots=True)
class Sent:
    """What the clearing-house answered: the submission's id, state, address, counts of
    errors and warnings, and its findings (each with severity, rule, place and message)."""

    id: int
    status: str
    url: str
    errors: int
    warnings: int
    findings: list[dict[str, Any]]


def read_token(token_file: Path | None) -> str:
    """The API token: the first line of ``token_file``, else ``$MIGSTAT_TOKEN``."""
    if token_file is not None:
        try:
            lines = token_file.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as problem:
            raise MigstatError(
                N_("The token file {file} cannot be read: {reason}."),
                file=str(token_file),
                reason=str(problem),
            ) from None
        token = lines[0].strip() if lines else ""
        if not token:
            raise MigstatError(
                N_("The token file {file} is empty: put the token on its first line."),
                file=str(token_file),
            )
        return token
    token = os.environ.get(TOKEN_ENV, "").strip()
    if not token:
        raise MigstatError(
            N_(
                "Give the clearing-house's API token: --token-file FILE or the environment "
                "variable {env} (migstat tokens issue LOGIN --scope submit)."
            ),
            env=TOKEN_ENV,
        )
    return token


def check_url(url: str) -> str:
    """The server's base address without a trailing slash; HTTPS, or HTTP to this machine."""
    parts = urlsplit(url.strip())
    secure = parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in LOOPBACK)
    if not parts.hostname or not secure or parts.query or parts.fragment:
        raise MigstatError(
            N_(
                "The clearing-house's address {url} is not usable: give https://host[/path] "
                "(plain http only to this machine), so the token never travels in clear."
            ),
            url=url,
        )
    return url.strip().rstrip("/")


def _multipart(fields: list[tuple[str, str, bytes, str]]) -> tuple[bytes, str]:
    """A multipart/form-data body of ``(name, file name or "", content, media type)``."""
    boundary = "migstat-" + secrets.token_hex(16)
    out = bytearray()
    for name, file_name, content, media in fields:
        out += f"--{boundary}\r\n".encode()
        disposition = f'form-data; name="{name}"'
        if file_name:
            disposition += f'; filename="{file_name}"'
        out += f"Content-Disposition: {disposition}\r\n".encode()
        out += f"Content-Type: {media}\r\n\r\n".encode()
        out += content + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return bytes(out), f"multipart/form-data; boundary={boundary}"


def _request(
    url: str, token: str, headers: dict[str, str], body: bytes | None = None
) -> urllib.request.Request:
    """A request whose token is never sent on to wherever a redirect points."""
    request = urllib.request.Request(
        url, data=body, method="POST" if body is not None else "GET", headers=headers
    )
    request.add_unredirected_header("Authorization", f"Bearer {token}")
    return request


def _ask(request: urllib.request.Request, base: str) -> dict[str, Any]:
    """The JSON answer of ``request``; a refusal or a failure as a clear error."""
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as answer:
            body = answer.read(MAX_ANSWER + 1)
    except urllib.error.HTTPError as refused:
        body = refused.read(MAX_ANSWER)
        try:
            detail = json.loads(body).get("detail")
        except (ValueError, AttributeError):
            detail = None
        raise MigstatError(
            N_("The clearing-house at {url} answered {status}: {detail}"),
            url=base,
            status=refused.code,
            detail=detail or refused.reason,
        ) from None
    except (urllib.error.URLError, OSError) as problem:
        reason = getattr(problem, "reason", problem)
        raise MigstatError(
            N_("The clearing-house at {url} cannot be reached: {reason}."),
            url=base,
            reason=str(reason),
        ) from None
    if len(body) > MAX_ANSWER:
        raise MigstatError(
            N_("The clearing-house at {url} answered more than {limit} bytes."),
            url=base,
            limit=MAX_ANSWER,
        )
    try:
        found = json.loads(body)
    except ValueError:
        found = None
    if not isinstance(found, dict):
        raise MigstatError(
            N_("The clearing-house at {url} did not answer in JSON: is it a migstat portal?"),
            url=base,
        )
    return found


def _finished(
    base: str, token: str, headers: dict[str, str], posted: dict[str, Any]
) -> dict[str, Any]:
    """The state of a posted file once the clearing-house has checked and stored it: the
    answer to ``POST`` is its upload job (202; a server of before jobs answered the
    submission at once), asked again every :data:`POLL` seconds for up to :data:`TIMEOUT`."""
    job = str(posted.get("job") or posted.get("id") or "")
    if not job or "/" in job or "?" in job:
        raise MigstatError(
            N_("The clearing-house at {url} did not say which submission it stored."), url=base
        )
    waited = 0.0
    while True:
        state = _ask(_request(f"{base}/api/submissions/{job}", token, headers), base)
        status = str(state.get("status", ""))
        if status == "failed":
            raise MigstatError(
                N_("The clearing-house at {url} did not store the file: {detail}"),
                url=base,
                detail=str(state.get("error") or ""),
            )
        if status not in WAITING:
            return state
        if waited >= TIMEOUT:
            raise MigstatError(
                N_(
                    "The clearing-house at {url} is still checking the file after {seconds} "
                    "seconds; follow it at {follow}."
                ),
                url=base,
                seconds=int(TIMEOUT),
                follow=str(state.get("url") or ""),
            )
        time.sleep(POLL)
        waited += POLL


def send_tables(
    url: str,
    token: str,
    data: Path,
    metadata: Path | None,
    *,
    note: str | None = None,
    lang: str = "en",
) -> Sent:
    """Post the long CSV with its metadata; then read the submission's findings."""
    base = check_url(url)
    fields = [("file", data.name, data.read_bytes(), "text/csv")]
    if metadata is not None:
        fields.append(("metadata", metadata.name, metadata.read_bytes(), "application/json"))
    if note:
        fields.append(("note", "", note.encode("utf-8"), "text/plain; charset=utf-8"))
    body, media = _multipart(fields)
    headers = {"Accept": "application/json", "Accept-Language": lang}
    posted = _ask(
        _request(f"{base}/api/submissions", token, {**headers, "Content-Type": media}, body=body),
        base,
    )
    state = _finished(base, token, headers, posted)
    try:
        number = int(state["id"])
    except (KeyError, TypeError, ValueError):
        raise MigstatError(
            N_("The clearing-house at {url} did not say which submission it stored."), url=base
        ) from None
    return Sent(
        id=number,
        status=str(state.get("status", posted.get("status", ""))),
        url=str(state.get("url") or posted.get("url", "")),
        errors=int(state.get("errors", posted.get("errors", 0)) or 0),
        warnings=int(state.get("warnings", posted.get("warnings", 0)) or 0),
        findings=[f for f in state.get("findings", []) if isinstance(f, dict)],
    )
