"""Uploads kept in pieces: a web or API upload's bytes as rows of 1 MiB, read back a piece at a
time, and the table metadata (sidecar) an API upload of a CSV file carries.

Additive: one new table and one nullable column; jobs kept before keep their bytes in
``upload_job.data`` and are read as before.

Revision ID: 0017
Revises: 0015
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "upload_job_piece",
        sa.Column("job_id", sa.String(), nullable=False),
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("job_id", "seq", name="pk_upload_job_piece"),
    )
    with op.batch_alter_table("upload_job") as batch:
        batch.add_column(sa.Column("sidecar", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("upload_job") as batch:
        batch.drop_column("sidecar")
    op.drop_table("upload_job_piece")
