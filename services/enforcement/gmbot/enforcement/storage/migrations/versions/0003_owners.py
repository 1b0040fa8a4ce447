"""What owners see and undo: Bot API calls per action, the name and first time of a
restriction, releases that fence earlier decisions, and the hourly activity counters.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("enforcement_actions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("telegram_calls", sa.Integer(), server_default="0", nullable=False)
        )
    with op.batch_alter_table("enforcement_restrictions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("display_name", sa.String(length=128), server_default="", nullable=False)
        )
        batch_op.create_index(
            "ix_enforcement_restrictions_group_active", ["group_id", "active"], unique=False
        )
    op.create_table(
        "enforcement_releases",
        sa.Column("group_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("released_at", _TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("group_id", "user_id", name=op.f("pk_enforcement_releases")),
    )
    with op.batch_alter_table("enforcement_releases", schema=None) as batch_op:
        batch_op.create_index("ix_enforcement_releases_released", ["released_at"], unique=False)
    op.create_table(
        "enforcement_group_activity",
        sa.Column("group_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("hour", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("messages_checked", sa.BigInteger(), nullable=False),
        sa.Column("joins_checked", sa.BigInteger(), nullable=False),
        sa.Column("bot_api_calls", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("group_id", "hour", name=op.f("pk_enforcement_group_activity")),
    )
    with op.batch_alter_table("enforcement_group_activity", schema=None) as batch_op:
        batch_op.create_index("ix_enforcement_group_activity_hour", ["hour"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("enforcement_group_activity", schema=None) as batch_op:
        batch_op.drop_index("ix_enforcement_group_activity_hour")
    op.drop_table("enforcement_group_activity")
    with op.batch_alter_table("enforcement_releases", schema=None) as batch_op:
        batch_op.drop_index("ix_enforcement_releases_released")
    op.drop_table("enforcement_releases")
    with op.batch_alter_table("enforcement_restrictions", schema=None) as batch_op:
        batch_op.drop_index("ix_enforcement_restrictions_group_active")
        batch_op.drop_column("display_name")
    with op.batch_alter_table("enforcement_actions", schema=None) as batch_op:
        batch_op.drop_column("telegram_calls")
