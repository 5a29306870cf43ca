"""An index that hands out a slice's observations in stored order.

Every read fetches the observations of its slices ordered by ``(slice_id, id)``. The index on
``(slice_id, partner, key)`` finds them but leaves the order to a sort of every row read;
this one delivers them already in order (SQLite appends the rowid ``id`` to every index, so
on SQLite it is the same as an index on ``slice_id``).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_observation_slice_id_id", "observation", ["slice_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_observation_slice_id_id", table_name="observation")
