"""A survey estimate's precision as attributes of its observation.

Additive: six nullable columns of ``observation`` (standard error, coefficient of variation,
confidence level and bounds, reliability flag). Rows stored before keep their precision in the
comment, which the store still reads (``model.precision.precision_of``); nothing is rewritten.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = (
    ("std_error", sa.Float()),
    ("coef_var", sa.Float()),
    ("ci_level", sa.Integer()),
    ("ci_low", sa.Float()),
    ("ci_high", sa.Float()),
    ("reliability", sa.String()),
)


def upgrade() -> None:
    with op.batch_alter_table("observation") as batch:
        for name, kind in COLUMNS:
            batch.add_column(sa.Column(name, kind, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("observation") as batch:
        for name, _kind in reversed(COLUMNS):
            batch.drop_column(name)
