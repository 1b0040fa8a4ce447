"""Joins GMBot's invite links brought: a member who joined a channel by the link GMBot made for
a group.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "enforcement_channel_joins",
        sa.Column("group_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("channel_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint(
            "group_id", "channel_id", "user_id", name=op.f("pk_enforcement_channel_joins")
        ),
    )
    with op.batch_alter_table("enforcement_channel_joins", schema=None) as batch_op:
        batch_op.create_index("ix_enforcement_channel_joins_joined", ["joined_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("enforcement_channel_joins", schema=None) as batch_op:
        batch_op.drop_index("ix_enforcement_channel_joins_joined")
    op.drop_table("enforcement_channel_joins")
