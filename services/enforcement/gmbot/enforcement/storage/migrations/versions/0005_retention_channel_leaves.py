"""Retention of the joins GMBot's links brought: how long a member followed the channel before
leaving it (empty while they still follow).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("enforcement_channel_joins", schema=None) as batch_op:
        batch_op.add_column(sa.Column("followed_seconds", sa.BigInteger(), nullable=True))
        # A channel's leaves find the member's joins by channel and member.
        batch_op.create_index(
            "ix_enforcement_channel_joins_member", ["channel_id", "user_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("enforcement_channel_joins", schema=None) as batch_op:
        batch_op.drop_index("ix_enforcement_channel_joins_member")
        batch_op.drop_column("followed_seconds")
