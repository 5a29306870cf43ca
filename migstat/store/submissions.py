"""Submissions as stored: their records, findings, raw files and per-table metadata.

Every submission is listed for whom the access policy lets see it (rejected ones included);
its findings and raw bytes are each checked with the policy again. The write side
(:mod:`migstat.store.write`) hands back the record of what it stored through
:meth:`StoreSubmissions.submission`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from migstat.i18n import N_
from migstat.model.findings import NotFoundError
from migstat.store import schema as S
from migstat.store.access import ANONYMOUS, Principal
from migstat.store.engine import StoreCore, aware
from migstat.store.rawfiles import read_pieces
from migstat.store.records import SubmissionRecord


class StoreSubmissions(StoreCore):
    """The submissions of a store, read through its access policy."""

    def submissions(
        self,
        *,
        country: str | None = None,
        provider: str | None = None,
        principal: Principal | None = None,
    ) -> list[SubmissionRecord]:
        """Every submission ``principal`` may see (rejected ones included), oldest first."""
        who = principal or ANONYMOUS
        sub = S.submission
        stmt = (
            sa.select(*self._submission_columns())
            .where(self.policy.listing_clause(who, sub))
            .order_by(sub.c.id)
        )
        if country is not None:
            stmt = stmt.where(sub.c.country == country)
        if provider is not None:
            stmt = stmt.where(sub.c.provider == provider)
        with self.reading() as conn:
            records = [self._record(row) for row in conn.execute(stmt)]
        return [r for r in records if self.policy.can_read_submission(who, r)]

    def submission(
        self, submission_id: int, *, principal: Principal | None = None
    ) -> SubmissionRecord:
        """One submission's record; :class:`NotFoundError` if there is none."""
        with self.reading() as conn:
            return self._checked_records(conn, [submission_id], principal or ANONYMOUS)[0]

    def _checked_records(
        self, conn: Connection, ids: Sequence[int], who: Principal
    ) -> list[SubmissionRecord]:
        """The records of ``ids`` in that order, each one checked with the policy;
        :class:`NotFoundError` for the first id that is not in the store."""
        stmt = sa.select(*self._submission_columns()).where(S.submission.c.id.in_(list(ids)))
        found = {row.id: row for row in conn.execute(stmt)}
        records = []
        for submission_id in ids:
            row = found.get(submission_id)
            if row is None:
                raise NotFoundError(
                    N_("There is no submission {id} in the store."), id=submission_id
                )
            record = self._record(row)
            self.policy.check(self.policy.can_read_submission(who, record), record)
            records.append(record)
        return records

    def findings(
        self, submission_id: int, *, principal: Principal | None = None
    ) -> list[dict[str, Any]]:
        """The findings stored with a submission, as ``Finding.to_dict()`` mappings."""
        who = principal or ANONYMOUS
        record = self.submission(submission_id, principal=who)
        self.policy.check(self.policy.can_read_findings(who, record), record)
        stmt = (
            sa.select(S.finding.c.data)
            .where(S.finding.c.submission_id == submission_id)
            .order_by(S.finding.c.id)
        )
        with self.reading() as conn:
            return [row[0] for row in conn.execute(stmt)]

    def raw_file(
        self, submission_id: int, *, principal: Principal | None = None
    ) -> tuple[str, bytes]:
        """The file name and the bytes of a submission exactly as received."""
        who = principal or ANONYMOUS
        record = self.submission(submission_id, principal=who)
        self.policy.check(self.policy.can_read_raw(who, record), record)
        with self.reading() as conn:
            content = b"".join(read_pieces(conn, record.sha256))
        return record.file_name, content

    def raw_file_pieces(
        self, submission_id: int, *, principal: Principal | None = None
    ) -> tuple[str, int, Iterator[bytes]]:
        """The file name, size and bytes of a submission as received, as an iterator of
        pieces of at most 1 MiB (stored whole before migration 0009: then one piece), so
        that a download never holds a large file. Permission is checked before it returns."""
        who = principal or ANONYMOUS
        record = self.submission(submission_id, principal=who)
        self.policy.check(self.policy.can_read_raw(who, record), record)

        def pieces() -> Iterator[bytes]:
            with self.reading() as conn:
                yield from read_pieces(conn, record.sha256)

        return record.file_name, record.size, pieces()

    def table_metadata(
        self, submission_id: int, *, principal: Principal | None = None
    ) -> dict[str, dict[str, Any]]:
        """The per-table metadata of a submission: table id -> metadata mapping."""
        return self.tables_metadata([submission_id], principal=principal)[submission_id]

    def tables_metadata(
        self, submission_ids: Iterable[int], *, principal: Principal | None = None
    ) -> dict[int, dict[str, dict[str, Any]]]:
        """:meth:`table_metadata` of several submissions at once, in one transaction:
        submission id -> table id -> metadata mapping. Each submission must be readable by
        ``principal`` as for :meth:`submission`."""
        ids = list(dict.fromkeys(submission_ids))
        out: dict[int, dict[str, dict[str, Any]]] = {sid: {} for sid in ids}
        if not ids:
            return out
        tm = S.table_metadata
        stmt = sa.select(tm.c.submission_id, tm.c.table_id, tm.c.meta).where(
            tm.c.submission_id.in_(ids)
        )
        with self.reading() as conn:
            self._checked_records(conn, ids, principal or ANONYMOUS)
            for sid, table_id, meta in conn.execute(stmt):
                out[sid][table_id] = meta
        return out

    @staticmethod
    def _submission_columns() -> list[sa.Column[Any]]:
        c = S.submission.c
        return [
            c.id,
            c.provider,
            c.country,
            c.file_name,
            c.format,
            c.sha256,
            c.size,
            c.submitted_at,
            c.submitted_by,
            c.status,
            c.synthetic,
            c.n_observations,
            c.n_errors,
            c.n_warnings,
            c.tables,
            c.meta,
            c.provenance,
            c.note,
        ]

    @staticmethod
    def _record(row: Any) -> SubmissionRecord:
        return SubmissionRecord(
            id=row.id,
            provider=row.provider,
            country=row.country,
            file_name=row.file_name,
            format=row.format,
            sha256=row.sha256,
            size=row.size,
            submitted_at=aware(row.submitted_at),
            submitted_by=row.submitted_by,
            status=row.status,
            synthetic=bool(row.synthetic),
            n_observations=row.n_observations,
            n_errors=row.n_errors,
            n_warnings=row.n_warnings,
            tables=list(row.tables or ()),
            metadata=dict(row.meta or {}),
            provenance=row.provenance,
            note=row.note,
        )
