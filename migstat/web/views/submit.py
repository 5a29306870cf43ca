"""The models of the submission pages: an upload checked (and stored, or not), a submission
followed through the workflow, the coordinator's queue.

An upload is read and validated exactly as ``migstat validate`` does (:func:`migstat.api.
check_file`: the format told from the content, classification mappings applied, year-on-year
checks against the store), its flows are put beside the partners' mirror figures
(:func:`migstat.exchange.review.mirror_findings`) and its cells beside other sources' published
figures for the same cells (:func:`migstat.exchange.sources_check.source_findings`). Storing
it is the workflow's (:func:`migstat.exchange.workflow.submit`), which checks the country is
the reporter's own.
"""

from __future__ import annotations

import shutil
import tempfile
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from migstat import api
from migstat.exchange import explanations, review, sources_check, workflow
from migstat.formats.limits import check_size, max_file_bytes
from migstat.formats.questionnaire.annotate import annotate_workbook
from migstat.formats.submeta import sidecar_path
from migstat.i18n import N_, gettext_
from migstat.mapping.stored import record_use
from migstat.model.data import Dataset, Location
from migstat.model.findings import Finding, Severity
from migstat.store import Store
from migstat.store.access import Principal
from migstat.store.records import SubmissionRecord
from migstat.submitting import Submission
from migstat.validation.chunked import FINDINGS_PER_RULE, MSG_MORE, RULE_MORE

MAX_NAME = 200
WARNINGS_PER_RULE = FINDINGS_PER_RULE
"""The mirror and other sources' warnings of an upload kept per rule (as validation's)."""
MARKS_KEPT = 100_000
"""Warnings of an upload told apart from their repeats in later chunks."""
PIECE = 1 << 20
"""Bytes copied at a time from an upload (1 MiB)."""
SEVERITY_NAMES = {
    "error": N_("error"),
    "warning": N_("warning"),
    "info": N_("information"),
}


def safe_name(file_name: str | None) -> str:
    """The base name of an uploaded file (no folders), never empty."""
    name = Path((file_name or "").replace("\\", "/")).name.strip()[:MAX_NAME]
    return name or "upload.xlsx"


@dataclass(slots=True)
class Checked:
    """An upload read and validated (nothing stored yet); ``submission`` is its spill, open
    inside :func:`checked_upload` (to be stored a chunk at a time), closed after."""

    file_name: str
    checked: api.CheckedFile
    findings: list[Finding]
    submission: Submission | None = None

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.severity == Severity.ERROR)

    @property
    def warnings(self) -> int:
        return sum(1 for f in self.findings if f.severity == Severity.WARNING)


def received(source: BinaryIO, file_name: str, folder: str | Path) -> Path:
    """An upload (the form parser's spooled file) copied into ``folder`` a piece at a time,
    refused past ``MIGSTAT_MAX_FILE_MB`` without reading further; its path."""
    name = safe_name(file_name)
    limit = max_file_bytes()
    path = Path(folder) / "upload"
    size = 0
    source.seek(0)
    with path.open("wb") as out:
        while piece := source.read(PIECE):
            size += len(piece)
            if size > limit:
                check_size(size, file_name=name, limit=limit)
            out.write(piece)
    return path


def check_upload(
    store: Store, data: bytes | Path, file_name: str, metadata: bytes | None = None
) -> Checked:
    """Read and validate an uploaded file (:func:`checked_upload`), for a page that shows
    its findings: nothing of it can be stored after."""
    with checked_upload(store, data, file_name, metadata) as upload:
        upload.submission = None
        return upload


@contextmanager
def checked_upload(
    store: Store, data: bytes | Path, file_name: str, metadata: bytes | None = None
) -> Iterator[Checked]:
    """Read and validate an uploaded file a chunk at a time (:mod:`migstat.submitting`); add
    the warnings of the mirror comparison and of the comparison with other sources for the
    same cells, each made a chunk at a time. ``data``: the bytes, or a file on disk (taken:
    it is moved away). ``metadata``: the table metadata of a CSV file as its sidecar
    ``FILE.metadata.json`` holds them (:mod:`migstat.formats.submeta`; what ``migstat
    tabulate`` writes), read as if it lay beside the file."""
    name = safe_name(file_name)
    with tempfile.TemporaryDirectory(prefix="migstat-submit-") as folder:
        path = Path(folder) / name
        if isinstance(data, Path):
            check_size(data.stat().st_size, file_name=name)
            shutil.move(data, path)
        else:
            check_size(len(data), file_name=name)
            path.write_bytes(data)
        if metadata is not None:
            sidecar_path(path).write_bytes(metadata)
        with api.Submission(path, store=store) as sub:
            compared = _Compared(store)
            found = sub.check(compared)
            checked = api.CheckedFile(
                name,
                sub.raw_file(),
                sub.dataset,
                found,
                sub.mappings,
                observations=sub.count,
            )
            if not any(f.severity == Severity.ERROR for f in found):
                found = [*found, *compared.findings]
            yield Checked(name, checked, found, sub)


class _Compared:
    """The mirror and other sources' warnings of an upload, made chunk by chunk (a corridor
    or cell named once), bounded as validation's findings are: :data:`WARNINGS_PER_RULE` of
    a rule kept, the rest counted in one ``FINDINGS_MORE`` finding. Repeats are told apart
    by a hash of the whole finding, for the first :data:`MARKS_KEPT` warnings; past those a
    repeat is counted again (the count of what is not listed may then be high)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.per_rule = WARNINGS_PER_RULE
        self.kept: list[Finding] = []
        self._seen: set[int] = set()
        self._counts: Counter[tuple[str, str]] = Counter()
        self._first: dict[tuple[str, str], Finding] = {}
        self._file: str | None = None

    def __call__(self, part: Dataset) -> None:
        self._file = part.file_name
        for f in [
            *review.mirror_findings(self.store, part),
            *sources_check.source_findings(self.store, part),
        ]:
            mark = hash(
                (
                    str(f.rule),
                    f.table,
                    repr(sorted((f.key or {}).items())),
                    repr(sorted((f.params or {}).items(), key=str)),
                )
            )
            if mark in self._seen:
                continue
            if len(self._seen) < MARKS_KEPT:
                self._seen.add(mark)
            rule = (str(f.rule), str(f.severity))
            self._counts[rule] += 1
            if self._counts[rule] <= self.per_rule:
                self.kept.append(f)
            else:
                self._first.setdefault(rule, f)

    @property
    def findings(self) -> list[Finding]:
        """The warnings kept, and per rule with more one finding saying how many more."""
        more = [
            Finding(
                rule=RULE_MORE,
                severity=Severity(severity),
                message=MSG_MORE,
                params={"count": count - self.per_rule, "rule": rule, "kept": self.per_rule},
                table=self._first[(rule, severity)].table,
                where=Location(file=self._file),
                values={"count": count - self.per_rule},
            )
            for (rule, severity), count in sorted(self._counts.items())
            if count > self.per_rule
        ]
        return [*self.kept, *more]


def store_upload(
    store: Store,
    upload: Checked,
    *,
    who: Principal,
    send: bool,
    note: str | None,
    client: str | None,
) -> SubmissionRecord:
    """Store a checked upload through the workflow (the mapping versions used with it), a
    chunk at a time from its spill (inside :func:`checked_upload`)."""
    checked = upload.checked
    sub = upload.submission
    streamed: dict[str, Any] = {}
    if sub is not None:
        streamed = {"chunks": sub.chunks(), "total": sub.count, "areas": sub.areas()}
    record = workflow.submit(
        store,
        checked.dataset,
        checked.raw,
        upload.findings,
        who=who,
        send=send,
        note=note,
        client=client,
        **streamed,
    )
    if checked.mappings:
        record_use(store, record.id, checked.mappings)
    return record


def finding_row(
    data: dict[str, Any], lang: str, finding_id: int | None = None, notes: list[Any] = ()
) -> dict[str, Any]:
    """One finding as a row of the page: severity, place, message in ``lang``."""
    where = Location(**(data.get("location") or {}))
    message = data.get("message") or {}
    severity = str(data.get("severity") or "")
    return {
        "id": finding_id,
        "severity": severity,
        "severity_name": gettext_(SEVERITY_NAMES.get(severity, severity), lang),
        "rule": data.get("rule"),
        "table": data.get("table") or "",
        "place": where.text(lang),
        "message": message.get(lang) or message.get("en") or "",
        "values": data.get("values") or {},
        "comments": list(notes),
    }


def rows_of(findings: list[Finding], lang: str) -> list[dict[str, Any]]:
    ordered = sorted(findings, key=lambda f: f.sort_key)
    return [finding_row(f.to_dict(), lang) for f in ordered]


def stored_rows(store: Store, submission_id: int, lang: str) -> list[dict[str, Any]]:
    """The stored findings of a submission with their explanations."""
    notes = explanations.comments(store, submission_id)
    rank = {"error": 0, "warning": 1, "info": 2}
    rows = [
        finding_row(data, lang, fid, notes.get(fid, ()))
        for fid, data in explanations.findings(store, submission_id)
    ]
    return sorted(rows, key=lambda r: (rank.get(r["severity"], 3), r["table"], r["id"]))


def _finding_of(data: dict[str, Any], lang: str) -> Finding:
    message = data.get("message") or {}
    return Finding(
        str(data.get("rule") or ""),
        Severity(str(data.get("severity") or "info")),
        message.get(lang) or message.get("en") or "",
        table=data.get("table"),
        where=Location(**(data.get("location") or {})),
    )


def annotated(store: Store, record: SubmissionRecord, who: Principal, lang: str) -> bytes:
    """The submitted workbook with its stored findings marked at their cells."""
    name, raw = store.raw_file(record.id, principal=who)
    found = [_finding_of(data, lang) for _fid, data in explanations.findings(store, record.id)]
    return annotate_bytes(raw, found, name, lang)


def annotate_bytes(raw: bytes, found: list[Finding], name: str, lang: str) -> bytes:
    with tempfile.TemporaryDirectory(prefix="migstat-annotate-") as folder:
        out = Path(folder) / "annotated.xlsx"
        annotate_workbook(raw, found, out, lang=lang, file_name=name)
        return out.read_bytes()


def history(store: Store, country: str | None) -> list[dict[str, Any]]:
    """The country's submissions, newest first, each with its events and what changed since
    the one before it (for the country's own accounts: every state is listed)."""
    if country is None:
        return []
    records = store.submissions(country=country, principal=workflow.SYSTEM)
    events = workflow.events(store, [r.id for r in records])
    out = []
    previous: int | None = None
    for record in records:
        out.append(
            {
                "record": record,
                "events": events.get(record.id, []),
                "changes": review.changes(store, previous, record.id),
            }
        )
        previous = record.id
    return list(reversed(out))


def detail(store: Store, record: SubmissionRecord, lang: str) -> dict[str, Any]:
    """A submission's page: its state and history, its findings with their explanations,
    what changed since the country's previous submission and since its last accepted one."""
    before = review.previous_of(store, record.id)
    accepted = review.previous_of(store, record.id, accepted_only=True)
    return {
        "record": record,
        "events": workflow.events(store, [record.id])[record.id],
        "findings": stored_rows(store, record.id, lang),
        "since_previous": review.changes(store, before, record.id),
        "since_accepted": review.changes(store, accepted, record.id) if accepted else None,
        "mirror_factor": review.mirror_factor(),
        "mirror": review.mirror_comparison(store, record.id, record.country),
        "source_factor": sources_check.source_factor(),
        "sources": sources_check.source_comparison(store, record.id),
    }


def queue(store: Store) -> list[dict[str, Any]]:
    """The coordinator's queue with each submission's last event."""
    records = workflow.queue(store)
    events = workflow.events(store, [r.id for r in records])
    return [{"record": r, "last": (events.get(r.id) or [None])[-1]} for r in records]


__all__ = [
    "Checked",
    "annotate_bytes",
    "annotated",
    "check_upload",
    "checked_upload",
    "detail",
    "finding_row",
    "history",
    "queue",
    "received",
    "rows_of",
    "safe_name",
    "store_upload",
    "stored_rows",
]
