"""The submission workflow: the states a submission passes through, and explained findings.

Additive: two new tables, nothing existing changes.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "submission_event",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(), nullable=False),
        sa.Column("actor", sa.String(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["submission.id"],
            name="fk_submission_event_submission_id_submission",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_submission_event"),
    )
    op.create_index(
        "ix_submission_event_submission_id_id", "submission_event", ["submission_id", "id"]
    )
    op.create_index(
        "ix_submission_event_state_submission_id", "submission_event", ["state", "submission_id"]
    )
    op.create_table(
        "finding_comment",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("finding_id", sa.Integer(), nullable=False),
        sa.Column("actor", sa.String(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["submission_id"],
            ["submission.id"],
            name="fk_finding_comment_submission_id_submission",
        ),
        sa.ForeignKeyConstraint(
            ["finding_id"], ["finding.id"], name="fk_finding_comment_finding_id_finding"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_finding_comment"),
    )
    op.create_index(
        "ix_finding_comment_submission_id_finding_id",
        "finding_comment",
        ["submission_id", "finding_id"],
    )


def downgrade() -> None:
    for table in ("finding_comment", "submission_event"):
        op.drop_table(table)
