"""The store's visibility version: one row that every change of what anyone may read bumps.

Additive: a new one-row table ``store_version`` and triggers on the tables whose changes can
change what a reader sees (submissions, releases, agreements, reporting rounds). The triggers
bump the row in the writing transaction, so the new version commits together with the change
and never before it; caches of whole answers in every worker process compare it on each
request (one read of one row) instead of keeping answers for a fixed time.

Slices and suppressed cells carry no trigger: they are written only in the transaction that
writes their submission or their release row. On PostgreSQL the triggers are deferred to the
commit, so a long import holds the row's lock for an instant, not for the whole import.

Revision ID: 0013
Revises: 0010
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, events): what a trigger bumps the version on. Observations, slices and suppressed
# cells are written only with their submission or release row, so they carry none.
WATCHED: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("submission", ("INSERT", "UPDATE", "DELETE")),
    ("release", ("INSERT", "UPDATE", "DELETE")),
    ("agreement", ("INSERT", "UPDATE", "DELETE")),
    ("agreement_member", ("INSERT", "UPDATE", "DELETE")),
    ("agreement_table", ("INSERT", "UPDATE", "DELETE")),
    ("round", ("INSERT", "UPDATE", "DELETE")),
    ("round_expectation", ("INSERT", "UPDATE", "DELETE")),
    ("round_declaration", ("INSERT", "UPDATE", "DELETE")),
)
BUMP = "UPDATE store_version SET version = version + 1 WHERE id = 1"


def _name(table: str, event: str) -> str:
    return f"store_version_{table}_{event.lower()}"


def upgrade() -> None:
    op.create_table(
        "store_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_store_version"),
    )
    op.execute("INSERT INTO store_version (id, version) VALUES (1, 1)")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION store_version_bump() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN {BUMP}; RETURN NULL; END $$"
        )
        for table, events in WATCHED:
            op.execute(
                f"CREATE TRIGGER {_name(table, 'all')} AFTER {' OR '.join(events)} "
                f'ON "{table}" FOR EACH STATEMENT EXECUTE FUNCTION store_version_bump()'
            )
        return
    for table, events in WATCHED:
        for event in events:
            op.execute(
                f'CREATE TRIGGER {_name(table, event)} AFTER {event} ON "{table}" BEGIN {BUMP}; END'
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table, _events in WATCHED:
            op.execute(f'DROP TRIGGER {_name(table, "all")} ON "{table}"')
        op.execute("DROP FUNCTION store_version_bump()")
    else:
        for table, events in WATCHED:
            for event in events:
                op.execute(f"DROP TRIGGER {_name(table, event)}")
    op.drop_table("store_version")
