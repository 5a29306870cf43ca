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
answer is bounded (:data:`MAX_ANSWER`) and every request has a time-out. The tables are read
from disk as they are sent, a piece at a time (:func:`multipart_body`).
"""

from __future__ import annotations

import json
import os
import secrets
import time
import urllib.error
import urllib.request
from collections.abc import Iterable, Iterator
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
PIECE = 1 << 20
"""Bytes of a file read from disk and sent at a time."""


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


def multipart_body(
    files: list[tuple[str, Path, str]], *, note: str | None = None
) -> tuple[Iterator[bytes], int, str]:
    """A multipart/form-data body of ``files`` (``(field, path, media type)``) and ``note``:
    its pieces, read from disk as they are sent (at most :data:`PIECE` bytes of a file at a
    time, so that a large table never sits in memory whole), its length in bytes (known
    beforehand from the files' sizes, for ``Content-Length``) and its media type."""
    boundary = "migstat-" + secrets.token_hex(16)

    def head(name: str, file_name: str, media: str) -> bytes:
        disposition = f'form-data; name="{name}"'
        if file_name:
            disposition += f'; filename="{file_name}"'
        return (
            f"--{boundary}\r\nContent-Disposition: {disposition}\r\nContent-Type: {media}\r\n\r\n"
        ).encode()

    parts: list[tuple[bytes, Path | bytes]] = [
        (head(name, path.name, media), path) for name, path, media in files
    ]
    if note:
        parts.append((head("note", "", "text/plain; charset=utf-8"), note.encode("utf-8")))
    tail = f"--{boundary}--\r\n".encode()
    length = len(tail) + sum(
        len(top) + (body.stat().st_size if isinstance(body, Path) else len(body)) + 2
        for top, body in parts
    )

    def pieces() -> Iterator[bytes]:
        for top, body in parts:
            yield top
            if isinstance(body, Path):
                with body.open("rb") as handle:
                    while piece := handle.read(PIECE):
                        yield piece
            else:
                yield body
            yield b"\r\n"
        yield tail

    return pieces(), length, f"multipart/form-data; boundary={boundary}"


def _request(
    url: str, token: str, headers: dict[str, str], body: Iterable[bytes] | None = None
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
    files = [("file", data, "text/csv")]
    if metadata is not None:
        files.append(("metadata", metadata, "application/json"))
    try:
        body, length, media = multipart_body(files, note=note)
    except OSError as problem:
        raise MigstatError(
            N_("The file {file} cannot be read: {reason}."),
            file=str(problem.filename or data),
            reason=problem.strerror or str(problem),
        ) from None
    headers = {"Accept": "application/json", "Accept-Language": lang}
    sending = {**headers, "Content-Type": media, "Content-Length": str(length)}
    posted = _ask(_request(f"{base}/api/submissions", token, sending, body=body), base)
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
