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

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from migstat import api
from migstat.exchange import explanations, review, sources_check, workflow
from migstat.formats.limits import check_size
from migstat.formats.questionnaire.annotate import annotate_workbook
from migstat.formats.submeta import sidecar_path
from migstat.i18n import N_, gettext_
from migstat.mapping.stored import record_use
from migstat.model.data import Location
from migstat.model.findings import Finding, Severity
from migstat.store import Store
from migstat.store.access import Principal
from migstat.store.records import SubmissionRecord

MAX_NAME = 200
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
    """An upload read and validated (nothing stored yet)."""

    file_name: str
    checked: api.CheckedFile
    findings: list[Finding]

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.severity == Severity.ERROR)

    @property
    def warnings(self) -> int:
        return sum(1 for f in self.findings if f.severity == Severity.WARNING)


def check_upload(
    store: Store, data: bytes, file_name: str, metadata: bytes | None = None
) -> Checked:
    """Read and validate an uploaded file; add the warnings of the mirror comparison and of
    the comparison with other sources for the same cells. ``metadata``: the table metadata of
    a CSV file as its sidecar ``FILE.metadata.json`` holds them (:mod:`migstat.formats.submeta`;
    what ``migstat tabulate`` writes), read as if it lay beside the file."""
    name = safe_name(file_name)
    check_size(len(data), file_name=name)
    with tempfile.TemporaryDirectory(prefix="migstat-submit-") as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        if metadata is not None:
            sidecar_path(path).write_bytes(metadata)
        checked = api.check_file(path, store=store)
    found = list(checked.findings)
    seen = {id(f) for f in found}
    found.extend(f for f in checked.dataset.findings if id(f) not in seen)
    if not any(f.severity == Severity.ERROR for f in found):
        found.extend(review.mirror_findings(store, checked.dataset))
        found.extend(sources_check.source_findings(store, checked.dataset))
    return Checked(name, checked, found)


def store_upload(
    store: Store,
    upload: Checked,
    *,
    who: Principal,
    send: bool,
    note: str | None,
    client: str | None,
) -> SubmissionRecord:
    """Store a checked upload through the workflow (the mapping versions used with it)."""
    checked = upload.checked
    record = workflow.submit(
        store,
        checked.dataset,
        checked.raw,
        upload.findings,
        who=who,
        send=send,
        note=note,
        client=client,
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
    "detail",
    "finding_row",
    "history",
    "queue",
    "rows_of",
    "safe_name",
    "store_upload",
    "stored_rows",
]
