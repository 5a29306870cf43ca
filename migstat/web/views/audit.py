"""The page model of the coordinator's audit trail (``/audit``) and its CSV export."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from migstat.exchange import audit
from migstat.exchange.audit import AuditRecord
from migstat.store import Store

LIMIT = 500
COLUMNS = ("id", "at", "actor", "action", "client", "details", "hash")


def since_of(text: str | None) -> datetime | None:
    """A ``YYYY-MM-DD`` (or ISO time) filter as UTC; ``None`` when empty or not a date."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.strip()[:32])
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _details(record: AuditRecord) -> str:
    return " ".join(f"{k}={v}" for k, v in sorted(record.details.items()))


def _row(record: AuditRecord) -> dict[str, Any]:
    return {
        "id": record.id,
        "at": f"{record.at:%Y-%m-%d %H:%M:%S}Z",
        "actor": record.actor,
        "action": record.action,
        "client": record.client or "",
        "details": _details(record),
        "hash": record.hash,
    }


def page_model(store: Store, *, action: str, actor: str, since: str) -> dict[str, Any]:
    """The newest records matching the filters, and whether the whole chain verifies."""
    found = audit.latest(
        store, action=action or None, actor=actor or None, since=since_of(since), limit=LIMIT
    )
    checked = audit.verify(store)
    return {
        "rows": [_row(r) for r in found],
        "limit": LIMIT,
        "filters": {"action": action, "actor": actor, "since": since},
        "verification": checked,
    }


def matches(record: AuditRecord, *, action: str, actor: str) -> bool:
    """Whether ``record`` passes the filters (as :func:`migstat.exchange.audit.latest`)."""
    if actor and record.actor != actor:
        return False
    if action.endswith("."):
        return record.action.startswith(action)
    return not action or record.action == action


def csv_text(records: Iterable[AuditRecord]) -> str:
    """Every record given, one CSV line each (UTF-8 with its header)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for record in records:
        row = _row(record)
        writer.writerow([row[c] for c in COLUMNS])
    return out.getvalue()


__all__ = ["csv_text", "matches", "page_model", "since_of"]
