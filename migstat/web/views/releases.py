"""The release calendar (``/releases``): what is released when, and what comes next.

Dates, countries and table names only, never a value, so the public may see it: upcoming
public releases (under embargo until their time) and past ones. Releases to partners only are
listed for the coordinator and for the countries concerned. Read at the store's clock, so an
embargo that has ended shows as published at once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from migstat.model import NotFoundError
from migstat.store.access import EMBARGOED, PARTNERS, Principal
from migstat.store.releases import CalendarEntry, ReleaseStep
from migstat.web.deps import Reader


def _shown(entry: CalendarEntry, who: Principal) -> bool:
    if entry.state != PARTNERS or who.is_coordinator:
        return True
    return who.country is not None and who.country == entry.country


def _label(reader: Reader, table: str) -> str:
    try:
        return f"{table} {reader.registry.table(table).label(reader.lang)}"
    except NotFoundError:
        return table


def _area(reader: Reader, code: str | None) -> str:
    if not code:
        return ""
    try:
        return reader.registry.areas.label(code, reader.lang)
    except (KeyError, NotFoundError):
        return code


def build(reader: Reader) -> dict[str, Any]:
    """Upcoming and past releases, each with its UTC time, country, tables and state."""
    now = reader.store.policy.now()
    upcoming, past = [], []
    for entry in reader.store.calendar():
        if not _shown(entry, reader.principal):
            continue
        row = {
            "when": f"{entry.when:%Y-%m-%d %H:%M}",
            "country": entry.country or entry.provider,
            "country_name": _area(reader, entry.country),
            "tables": [_label(reader, t) for t in entry.tables],
            "state": entry.state,
        }
        waiting = entry.state == EMBARGOED and entry.when.replace(tzinfo=None) > now
        (upcoming if waiting else past).append(row)
    past.reverse()
    return {"upcoming": upcoming, "past": past[:200], "now": f"{now:%Y-%m-%d %H:%M}"}


def history(reader: Reader, when: datetime) -> list[dict[str, Any]]:
    """The release states as they stood at ``when`` (withdrawn ones too), with who outside
    the submitting country could read each then: for the coordinator every country's, for a
    reporter or approver its own country's (anyone else: ``AccessDeniedError``)."""
    steps = reader.store.release_history(reader.principal, as_of=when, latest=True)
    return [_history_row(reader, step, when) for step in steps]


def _history_row(reader: Reader, step: ReleaseStep, when: datetime) -> dict[str, Any]:
    return {
        "submission": step.submission_id,
        "country": step.country or step.provider,
        "country_name": _area(reader, step.country),
        "table": _label(reader, step.table) if step.table else "",
        "state": step.state,
        "since": f"{step.released_at:%Y-%m-%d %H:%M}",
        "until": f"{step.embargo_until:%Y-%m-%d %H:%M}" if step.embargo_until else "",
        "by": step.released_by,
        "open_to": step.open_to(when),
    }
