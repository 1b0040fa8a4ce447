"""The funnel's first step per channel: the members warned while lacking a required channel
whose join button GMBot's own link backs.

Revision ID: 0007_h_growth
Revises: 0006
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_h_growth"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "enforcement_channel_warnings",
        sa.Column("group_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("channel_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("warned_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint(
            "group_id", "channel_id", "user_id", name=op.f("pk_enforcement_channel_warnings")
        ),
    )
    with op.batch_alter_table("enforcement_channel_warnings", schema=None) as batch_op:
        batch_op.create_index("ix_enforcement_channel_warnings_warned", ["warned_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("enforcement_channel_warnings", schema=None) as batch_op:
        batch_op.drop_index("ix_enforcement_channel_warnings_warned")
    op.drop_table("enforcement_channel_warnings")
