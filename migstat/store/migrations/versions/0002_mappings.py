"""Classification mappings: versions, entries, and which version each submission used.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "mapping",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("country", sa.String(), nullable=False),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("codelist", sa.String(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_mapping"),
        sa.UniqueConstraint(
            "country",
            "source",
            "codelist",
            "version",
            name="uq_mapping_country_source_codelist_version",
        ),
    )
    op.create_table(
        "mapping_entry",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("mapping_id", sa.Integer(), nullable=False),
        sa.Column("national_code", sa.Text(), nullable=False),
        sa.Column("national_label", sa.Text(), nullable=True),
        sa.Column("target", sa.String(), nullable=False),
        sa.Column("share", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["mapping_id"], ["mapping.id"], name="fk_mapping_entry_mapping_id_mapping"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_mapping_entry"),
    )
    op.create_index("ix_mapping_entry_mapping_id", "mapping_entry", ["mapping_id"])
    op.create_table(
        "mapping_use",
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("mapping_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["submission_id"], ["submission.id"], name="fk_mapping_use_submission_id_submission"
        ),
        sa.ForeignKeyConstraint(
            ["mapping_id"], ["mapping.id"], name="fk_mapping_use_mapping_id_mapping"
        ),
        sa.PrimaryKeyConstraint("submission_id", "mapping_id", name="pk_mapping_use"),
    )


def downgrade() -> None:
    for table in ("mapping_use", "mapping_entry", "mapping"):
        op.drop_table(table)
