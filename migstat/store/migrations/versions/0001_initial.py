"""The initial store: raw files, submissions, table metadata, slices, observations, findings.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "raw_file",
        sa.Column("sha256", sa.String(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("stored_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name="pk_raw_file"),
    )
    op.create_table(
        "submission",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("provider", sa.String(), nullable=False),
        sa.Column("country", sa.String(), nullable=True),
        sa.Column("file_name", sa.Text(), nullable=False),
        sa.Column("format", sa.String(), nullable=False),
        sa.Column("sha256", sa.String(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(), nullable=False),
        sa.Column("submitted_by", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("embargo_until", sa.DateTime(), nullable=True),
        sa.Column("synthetic", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("n_observations", sa.Integer(), nullable=False),
        sa.Column("n_errors", sa.Integer(), nullable=False),
        sa.Column("n_warnings", sa.Integer(), nullable=False),
        sa.Column("tables", sa.JSON(), nullable=False),
        sa.Column("meta", sa.JSON(), nullable=False),
        sa.Column("provenance", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["sha256"], ["raw_file.sha256"], name="fk_submission_sha256_raw_file"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_submission"),
    )
    op.create_index("ix_submission_country_id", "submission", ["country", "id"])
    op.create_index("ix_submission_provider_id", "submission", ["provider", "id"])
    op.create_index("ix_submission_sha256", "submission", ["sha256"])

    op.create_table(
        "table_metadata",
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("table_id", sa.String(), nullable=False),
        sa.Column("meta", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["submission_id"], ["submission.id"], name="fk_table_metadata_submission_id_submission"
        ),
        sa.PrimaryKeyConstraint("submission_id", "table_id", name="pk_table_metadata"),
    )

    op.create_table(
        "finding",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(), nullable=False),
        sa.Column("severity", sa.String(), nullable=False),
        sa.Column("table_id", sa.String(), nullable=True),
        sa.Column("sheet", sa.String(), nullable=True),
        sa.Column("cell", sa.String(), nullable=True),
        sa.Column("line", sa.Integer(), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["submission_id"], ["submission.id"], name="fk_finding_submission_id_submission"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_finding"),
    )
    op.create_index("ix_finding_submission_id", "finding", ["submission_id"])

    op.create_table(
        "slice",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("table_id", sa.String(), nullable=False),
        sa.Column("provider", sa.String(), nullable=False),
        sa.Column("ref_area", sa.String(), nullable=False),
        sa.Column("time_period", sa.String(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("n_observations", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["submission_id"], ["submission.id"], name="fk_slice_submission_id_submission"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_slice"),
    )
    op.create_index("ix_slice_submission_id", "slice", ["submission_id"])
    op.create_index(
        "ix_slice_table_id_ref_area_provider_time_period_recorded_at",
        "slice",
        ["table_id", "ref_area", "provider", "time_period", "recorded_at"],
    )

    op.create_table(
        "observation",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("slice_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("partner", sa.String(), nullable=True),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("obs_status", sa.String(), nullable=False),
        sa.Column("conf_status", sa.String(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["slice_id"], ["slice.id"], name="fk_observation_slice_id_slice"),
        sa.PrimaryKeyConstraint("id", name="pk_observation"),
    )
    op.create_index(
        "ix_observation_slice_id_partner_key", "observation", ["slice_id", "partner", "key"]
    )


def downgrade() -> None:
    for table in ("observation", "slice", "finding", "table_metadata", "submission", "raw_file"):
        op.drop_table(table)
