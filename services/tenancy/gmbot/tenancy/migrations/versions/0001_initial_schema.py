"""Initial schema: owners, protected groups, channels and their links.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "owners",
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("created_at", _TIMESTAMP, nullable=False),
        sa.Column("updated_at", _TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_owners")),
    )
    op.create_table(
        "channels",
        sa.Column("channel_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("username", sa.String(length=32), nullable=False),
        sa.Column("invite_link", sa.String(length=255), nullable=False),
        sa.Column("updated_at", _TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("channel_id", name=op.f("pk_channels")),
    )
    op.create_table(
        "protected_groups",
        sa.Column("group_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("title", sa.String(length=255), nullable=False),
        sa.Column("owner_user_id", sa.BigInteger(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("suspended_reason", sa.Text(), nullable=True),
        sa.Column(
            "settings",
            sa.JSON().with_variant(postgresql.JSONB(), "postgresql"),
            nullable=False,
        ),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.Column("created_at", _TIMESTAMP, nullable=False),
        sa.Column("updated_at", _TIMESTAMP, nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_user_id"],
            ["owners.user_id"],
            name=op.f("fk_protected_groups_owner_user_id_owners"),
        ),
        sa.PrimaryKeyConstraint("group_id", name=op.f("pk_protected_groups")),
    )
    op.create_index("ix_protected_groups_owner_user_id", "protected_groups", ["owner_user_id"])
    op.create_table(
        "group_channels",
        sa.Column("group_id", sa.BigInteger(), nullable=False),
        sa.Column("channel_id", sa.BigInteger(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["channel_id"],
            ["channels.channel_id"],
            name=op.f("fk_group_channels_channel_id_channels"),
        ),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["protected_groups.group_id"],
            name=op.f("fk_group_channels_group_id_protected_groups"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("group_id", "channel_id", name=op.f("pk_group_channels")),
    )
    op.create_index("ix_group_channels_channel_id", "group_channels", ["channel_id"])


def downgrade() -> None:
    op.drop_index("ix_group_channels_channel_id", table_name="group_channels")
    op.drop_table("group_channels")
    op.drop_index("ix_protected_groups_owner_user_id", table_name="protected_groups")
    op.drop_table("protected_groups")
    op.drop_table("channels")
    op.drop_table("owners")
