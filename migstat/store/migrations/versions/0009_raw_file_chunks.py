"""Raw files stored in pieces of 1 MiB (``raw_file_chunk``), written while the file is read.

Additive: one new table. A ``raw_file`` row whose content is empty and whose size is not is
read from its pieces; every row stored before this revision holds its content whole and is
read as it is.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "raw_file_chunk",
        sa.Column("sha256", sa.String(), nullable=False),
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["sha256"], ["raw_file.sha256"], name="fk_raw_file_chunk_sha256_raw_file"
        ),
        sa.PrimaryKeyConstraint("sha256", "seq", name="pk_raw_file_chunk"),
    )


def downgrade() -> None:
    op.drop_table("raw_file_chunk")
