"""The append-only store: every submission a vintage, revisions that never delete.

SQLite (a file, the default) or PostgreSQL (by URL), through SQLAlchemy 2 with Alembic
migrations run on open. See :class:`Store`; every read goes through
:class:`~migstat.store.access.AccessPolicy`. Code outside the store that keeps its own tables
in the store's database (mappings) writes through :meth:`Store.writing` and reads through
:meth:`Store.reading`.

The parts: ``engine`` (URL, engine, connections), ``write`` (submitting), ``submissions``
(records, findings, raw files), ``read`` (observations, history, coverage), assembled into
:class:`Store` by ``store``; ``schema``, ``records``, ``access`` and ``migrate`` beside them.
"""

from migstat.store.access import AccessDeniedError, AccessPolicy, Principal
from migstat.store.engine import StoreError
from migstat.store.records import ObservationQuery, StoredObservation, SubmissionRecord
from migstat.store.store import Store

__all__ = [
    "AccessDeniedError",
    "AccessPolicy",
    "ObservationQuery",
    "Principal",
    "Store",
    "StoreError",
    "StoredObservation",
    "SubmissionRecord",
]
