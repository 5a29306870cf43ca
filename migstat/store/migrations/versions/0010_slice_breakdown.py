"""A slice's breakdown: which dimensions it breaks down, so that a publisher's edition of
one breakdown (UN DESA's totals by sex) never supersedes another breakdown of the same cells
(its matrix by origin).

Additive: one column with a default; existing slices get ``""`` (one breakdown per slice
key, as before).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("slice") as batch:
        batch.add_column(sa.Column("breakdown", sa.String(), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("slice") as batch:
        batch.drop_column("breakdown")
