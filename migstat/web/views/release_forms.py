"""The coordinator's release and agreement forms read into calls of
:mod:`migstat.exchange.release` and :mod:`migstat.exchange.agreements` (which check the
submissions, the tables and the countries, and write the audit records), and the agreements a
reader may see: the coordinator all of them, a country those it is a member of.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from migstat.exchange import agreements, release
from migstat.i18n import N_
from migstat.model.findings import InputError
from migstat.store import Store
from migstat.store.access import Principal

MAX_IDS = 100
"""Submissions released in one form at most (both sides of a few corridors)."""
MAX_FIELD = 2000
EMBARGO = re.compile(r"^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})(:\d{2})?Z?$")
TARGETS = {"partners": "partners", "public": "public", "withdraw": None}
STATE_NAMES = {
    "partners": N_("released to partners"),
    "embargoed": N_("embargoed, then public"),
    "published": N_("published"),
    "withdrawn": N_("withdrawn"),
}


def field(form: Any, name: str) -> str:
    value = form.get(name)
    return str(value)[:MAX_FIELD].strip() if isinstance(value, str) else ""


def submission_ids(form: Any) -> list[int]:
    """The submissions a form names: ``submission`` fields, each a number or a list of them."""
    texts = [str(v)[:MAX_FIELD] for v in form.getlist("submission") if isinstance(v, str)]
    words = [w for text in texts for w in re.split(r"[\s,;]+", text) if w]
    bad = [w for w in words if not w.isdigit()]
    if bad:
        raise InputError(
            N_("{value} is not a submission number: give numbers separated by commas."),
            value=bad[0][:40],
        )
    if not words or len(words) > MAX_IDS:
        raise InputError(N_("Name 1 to {n} submissions to release."), n=MAX_IDS)
    return [int(w) for w in words]


def embargo_of(text: str) -> datetime | None:
    """An embargo's end from the form, read as UTC (``2025-06-30T08:00``, seconds and a
    final Z optional), or ``None`` for none."""
    if not text:
        return None
    found = EMBARGO.match(text)
    if found is None:
        raise InputError(
            N_("{value} is not a UTC time: write it as 2025-06-30T08:00."), value=text[:40]
        )
    day, minute, seconds = found.groups()
    try:
        moment = datetime.fromisoformat(f"{day}T{minute}{seconds or ':00'}")
    except ValueError:
        raise InputError(
            N_("{value} is not a UTC time: write it as 2025-06-30T08:00."), value=text[:40]
        ) from None
    return moment.replace(tzinfo=UTC)


def tables_chosen(
    store: Store, form: Any, ids: list[int], who: Principal
) -> dict[int, list[str] | None]:
    """The tables ticked per submission (``table`` fields ``ID:TABLE``): ``None`` for a
    submission whose tables are all ticked (released whole), nothing if no table field came
    (each released whole). A submission named with none of its tables ticked is an error."""
    ticked: dict[int, list[str]] = {}
    for value in form.getlist("table")[: MAX_IDS * 50]:
        sid, _, table = str(value)[:100].partition(":")
        if not sid.isdigit() or not table:
            raise InputError(N_("{value} is not a submission's table."), value=str(value)[:40])
        ticked.setdefault(int(sid), []).append(table.strip().upper())
    if not ticked:
        return {}
    chosen: dict[int, list[str] | None] = {}
    for sid in ids:
        if sid not in ticked:
            raise InputError(N_("Tick at least one table of submission {id}."), id=sid)
        record = store.submission(sid, principal=who)
        whole = set(ticked[sid]) >= set(record.tables or ())
        chosen[sid] = None if whole else ticked[sid]
    return chosen


def choices(store: Store, text: str, who: Principal) -> list[dict[str, Any]]:
    """The submissions a coordinator names to choose their tables from: id, country,
    status and tables (the release itself checks that each is accepted)."""
    found = []
    for sid in submission_ids(_One(text)):
        record = store.submission(sid, principal=who)
        found.append(
            {
                "id": sid,
                "country": record.country or record.provider,
                "status": record.status,
                "file": record.file_name,
                "tables": list(record.tables or ()),
            }
        )
    return found


class _One:
    """A form of one ``submission`` field, for :func:`submission_ids`."""

    def __init__(self, text: str) -> None:
        self.text = text

    def getlist(self, name: str) -> list[str]:
        return [self.text] if name == "submission" else []


def release_from(
    store: Store, form: Any, *, by: str, client: str | None, who: Principal
) -> list[int]:
    """Release (or withdraw) what a form asks, whole submissions or the tables ticked of
    each; the submissions released."""
    ids = submission_ids(form)
    target = field(form, "to")
    if target not in TARGETS:
        raise InputError(N_("Say where to release: to partners or to the public."))
    withdraw = target == "withdraw"
    release.release(
        store,
        ids,
        to=TARGETS[target],
        embargo_until=None if withdraw else embargo_of(field(form, "embargo_until")),
        tables_of=tables_chosen(store, form, ids, who),
        withdraw=withdraw,
        by=by,
        client=client,
        note=field(form, "note") or None,
    )
    return ids


def codes(text: str) -> list[str]:
    return [w.upper() for w in re.split(r"[\s,;]+", text[:MAX_FIELD]) if w]


def add_from(store: Store, form: Any, *, by: str, client: str | None) -> str:
    """Add (or replace) the agreement a form describes; its name."""
    made = agreements.add(
        store,
        field(form, "name"),
        countries=codes(field(form, "countries")),
        tables=codes(field(form, "tables")),
        reciprocal=field(form, "reciprocal") in ("on", "1", "true", "yes"),
        by=by,
        client=client,
    )
    return made.name


def visible(store: Store, who: Principal) -> list[agreements.Agreement]:
    """The agreements in force ``who`` may see: all for the coordinator, else its own."""
    found = agreements.agreements(store)
    if who.is_coordinator:
        return found
    return [a for a in found if who.country is not None and who.country in a.countries]


def releases_of(store: Store, submission_id: int) -> list[release.Release]:
    return release.releases(store, submission_id=submission_id)


__all__ = [
    "add_from",
    "choices",
    "embargo_of",
    "release_from",
    "releases_of",
    "submission_ids",
    "tables_chosen",
    "visible",
]
