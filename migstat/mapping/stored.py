"""Mapping versions in the store: saved as new versions, never overwritten.

Saving a mapping for ``(country, source, code list)`` inserts version ``n + 1`` with its
entries in one transaction (a unique constraint keeps two writers from taking the same
number). :func:`record_use` ties a submission to the versions its numbers went through.
Mappings are coordinator-maintained reference data, not statistics: they are readable by
everyone and are not filtered by the data access gate.
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from migstat.i18n import N_
from migstat.mapping.model import Mapping, MappingEntry
from migstat.model.findings import NotFoundError
from migstat.store import Store
from migstat.store import schema as S
from migstat.store.engine import aware, utcnow


def save_mapping(
    store: Store,
    mapping: Mapping,
    *,
    created_by: str = "cli",
    note: str | None = None,
    attempts: int = 3,
) -> Mapping:
    """Store ``mapping`` as the next version of its (country, source, code list)."""
    m = S.mapping
    for attempt in range(attempts):
        try:
            with store.writing() as conn:
                latest = conn.execute(
                    sa.select(sa.func.max(m.c.version)).where(
                        m.c.country == mapping.country,
                        m.c.source == mapping.source,
                        m.c.codelist == mapping.codelist,
                    )
                ).scalar()
                version = (latest or 0) + 1
                created = utcnow()
                new_id = conn.execute(
                    sa.insert(m).returning(m.c.id),
                    {
                        "country": mapping.country,
                        "source": mapping.source,
                        "codelist": mapping.codelist,
                        "version": version,
                        "created_at": created,
                        "created_by": created_by,
                        "note": note,
                    },
                ).scalar_one()
                conn.execute(
                    sa.insert(S.mapping_entry),
                    [
                        {
                            "mapping_id": new_id,
                            "national_code": e.national_code,
                            "national_label": e.national_label,
                            "target": e.target,
                            "share": float(e.share),
                        }
                        for e in mapping.entries
                    ],
                )
        except IntegrityError:
            if attempt + 1 == attempts:
                raise
            continue
        return Mapping(
            mapping.country,
            mapping.source,
            mapping.codelist,
            [
                MappingEntry(e.national_code, e.target, e.share, e.national_label)
                for e in mapping.entries
            ],
            version=version,
            id=new_id,
            created_at=aware(created),
            created_by=created_by,
            note=note,
        )
    raise AssertionError("unreachable")


def _headers(conn: Connection, stmt: sa.Select) -> list[Mapping]:
    return [
        Mapping(
            r.country,
            r.source,
            r.codelist,
            [],
            version=r.version,
            id=r.id,
            created_at=aware(r.created_at),
            created_by=r.created_by,
            note=r.note,
        )
        for r in conn.execute(stmt)
    ]


def _fill(conn: Connection, mappings: list[Mapping]) -> list[Mapping]:
    if not mappings:
        return mappings
    by_id = {m.id: m for m in mappings}
    e = S.mapping_entry
    stmt = (
        sa.select(e.c.mapping_id, e.c.national_code, e.c.national_label, e.c.target, e.c.share)
        .where(e.c.mapping_id.in_(list(by_id)))
        .order_by(e.c.id)
    )
    for row in conn.execute(stmt):
        by_id[row.mapping_id].entries.append(
            MappingEntry(row.national_code, row.target, row.share, row.national_label)
        )
    return mappings


def list_mappings(
    store: Store,
    *,
    country: str | None = None,
    source: str | None = None,
    codelist: str | None = None,
    all_versions: bool = False,
    entries: bool = False,
) -> list[Mapping]:
    """Mappings (the latest version of each, or every version), oldest first."""
    m = S.mapping
    stmt = sa.select(m).order_by(m.c.country, m.c.source, m.c.codelist, m.c.version)
    if country is not None:
        stmt = stmt.where(m.c.country == country)
    if source is not None:
        stmt = stmt.where(m.c.source == source)
    if codelist is not None:
        stmt = stmt.where(m.c.codelist == codelist)
    if not all_versions:
        latest = (
            sa.select(
                m.c.country, m.c.source, m.c.codelist, sa.func.max(m.c.version).label("version")
            )
            .group_by(m.c.country, m.c.source, m.c.codelist)
            .subquery()
        )
        stmt = stmt.join(
            latest,
            sa.and_(
                m.c.country == latest.c.country,
                m.c.source == latest.c.source,
                m.c.codelist == latest.c.codelist,
                m.c.version == latest.c.version,
            ),
        )
    with store.reading() as conn:
        found = _headers(conn, stmt)
        return _fill(conn, found) if entries else found


def get_mapping(
    store: Store, country: str, codelist: str, *, source: str, version: int | None = None
) -> Mapping:
    """One version (default the latest) with its entries; :class:`NotFoundError` if none."""
    found = list_mappings(
        store,
        country=country,
        source=source,
        codelist=codelist,
        all_versions=version is not None,
        entries=True,
    )
    if version is not None:
        found = [m for m in found if m.version == version]
    if not found and version is not None:
        raise NotFoundError(
            N_(
                "There is no version {version} of the mapping of {codelist} for "
                "{country} (source {source})."
            ),
            codelist=codelist,
            country=country,
            source=source,
            version=version,
        )
    if not found:
        raise NotFoundError(
            N_("There is no mapping of {codelist} for {country} (source {source})."),
            codelist=codelist,
            country=country,
            source=source,
        )
    return found[-1]


def latest_mappings(store: Store, *, source: str | None = None) -> list[Mapping]:
    """The latest version of every mapping usable for ``source`` (its own and ``*``)."""
    found = list_mappings(store, entries=True)
    return [m for m in found if source is None or m.source in (source, "*")]


def record_use(store: Store, submission_id: int, mappings: Iterable[Mapping]) -> None:
    ids = sorted({m.id for m in mappings if m.id is not None})
    if not ids:
        return
    with store.writing() as conn:
        conn.execute(
            sa.insert(S.mapping_use),
            [{"submission_id": submission_id, "mapping_id": i} for i in ids],
        )


def used_by(store: Store, submission_id: int) -> list[Mapping]:
    """The mapping versions a submission's numbers went through."""
    m, u = S.mapping, S.mapping_use
    stmt = (
        sa.select(m)
        .join(u, u.c.mapping_id == m.c.id)
        .where(u.c.submission_id == submission_id)
        .order_by(m.c.id)
    )
    with store.reading() as conn:
        return _headers(conn, stmt)
