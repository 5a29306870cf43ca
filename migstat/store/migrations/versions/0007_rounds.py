"""Reporting rounds, their expectations and declarations, and notifications.

Additive: five new tables, nothing existing changes.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "round",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("opened_by", sa.String(), nullable=False),
        sa.Column("opened_at", sa.DateTime(), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.Column("closed_by", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_round"),
    )
    op.create_table(
        "round_expectation",
        sa.Column("round_id", sa.String(), nullable=False),
        sa.Column("country", sa.String(), nullable=False),
        sa.Column("table_id", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"], ["round.id"], name="fk_round_expectation_round_id_round"
        ),
        sa.PrimaryKeyConstraint("round_id", "country", "table_id", name="pk_round_expectation"),
    )
    op.create_table(
        "round_declaration",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("round_id", sa.String(), nullable=False),
        sa.Column("country", sa.String(), nullable=False),
        sa.Column("table_id", sa.String(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("declared_by", sa.String(), nullable=False),
        sa.Column("declared_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"], ["round.id"], name="fk_round_declaration_round_id_round"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_round_declaration"),
    )
    op.create_index(
        "ix_round_declaration_round_id_country_table_id",
        "round_declaration",
        ["round_id", "country", "table_id"],
    )
    op.create_table(
        "notification",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("round_id", sa.String(), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("read_at", sa.DateTime(), nullable=True),
        sa.Column("emailed_at", sa.DateTime(), nullable=True),
        sa.Column("email_error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name="fk_notification_account_id_account"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_notification"),
        sa.UniqueConstraint("key", name="uq_notification_key"),
    )
    op.create_index("ix_notification_account_id_id", "notification", ["account_id", "id"])
    op.create_table(
        "notification_address",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(), nullable=False),
        sa.Column("set_at", sa.DateTime(), nullable=False),
        sa.Column("set_by", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name="fk_notification_address_account_id_account"
        ),
        sa.PrimaryKeyConstraint("account_id", name="pk_notification_address"),
    )


def downgrade() -> None:
    for table in (
        "notification_address",
        "notification",
        "round_declaration",
        "round_expectation",
        "round",
    ):
        op.drop_table(table)
