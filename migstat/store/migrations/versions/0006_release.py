"""Release states, sharing agreements and secondarily suppressed cells.

Additive: five new tables. Every submission accepted before this revision was shown to
everyone, so each gets a ``published`` release row (by ``migration``) and the portal keeps
showing the same data.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "release",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("table_id", sa.String(), nullable=True),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("embargo_until", sa.DateTime(), nullable=True),
        sa.Column("released_at", sa.DateTime(), nullable=False),
        sa.Column("released_by", sa.String(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["submission_id"], ["submission.id"], name="fk_release_submission_id_submission"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_release"),
    )
    op.create_index("ix_release_submission_id_id", "release", ["submission_id", "id"])
    op.create_index("ix_release_embargo_until", "release", ["embargo_until"])
    op.create_table(
        "agreement",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("reciprocal", sa.Boolean(), nullable=False),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.Column("changed_by", sa.String(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_agreement"),
    )
    op.create_index("ix_agreement_name_id", "agreement", ["name", "id"])
    op.create_table(
        "agreement_member",
        sa.Column("agreement_id", sa.Integer(), nullable=False),
        sa.Column("country", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agreement_id"], ["agreement.id"], name="fk_agreement_member_agreement_id_agreement"
        ),
        sa.PrimaryKeyConstraint("agreement_id", "country", name="pk_agreement_member"),
    )
    op.create_index("ix_agreement_member_country", "agreement_member", ["country"])
    op.create_table(
        "agreement_table",
        sa.Column("agreement_id", sa.Integer(), nullable=False),
        sa.Column("table_id", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agreement_id"], ["agreement.id"], name="fk_agreement_table_agreement_id_agreement"
        ),
        sa.PrimaryKeyConstraint("agreement_id", "table_id", name="pk_agreement_table"),
    )
    op.create_table(
        "suppressed_cell",
        sa.Column("observation_id", BigId, nullable=False),
        sa.Column("release_id", sa.Integer(), nullable=False),
        sa.Column("conf_status", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(
            ["observation_id"],
            ["observation.id"],
            name="fk_suppressed_cell_observation_id_observation",
        ),
        sa.ForeignKeyConstraint(
            ["release_id"], ["release.id"], name="fk_suppressed_cell_release_id_release"
        ),
        sa.PrimaryKeyConstraint("observation_id", name="pk_suppressed_cell"),
    )
    # every submission accepted so far was public: it stays published
    now = datetime.now(UTC).replace(tzinfo=None)
    submission = sa.table("submission", sa.column("id"), sa.column("status"))
    release = sa.table(
        "release",
        sa.column("submission_id"),
        sa.column("state"),
        sa.column("released_at"),
        sa.column("released_by"),
        sa.column("note"),
    )
    accepted = sa.select(
        submission.c.id,
        sa.literal("published"),
        sa.literal(now, sa.DateTime()),
        sa.literal("migration"),
        sa.literal("accepted before release states"),
    ).where(submission.c.status == "accepted")
    op.execute(
        sa.insert(release).from_select(
            ["submission_id", "state", "released_at", "released_by", "note"],
            accepted.order_by(submission.c.id),
        )
    )


def downgrade() -> None:
    for table in ("suppressed_cell", "agreement_table", "agreement_member", "agreement", "release"):
        op.drop_table(table)
