"""Joins GMBot can count: its links ask for approval where a channel approves joins and are made
again when revoked; the join requests pending in channels; channel admins' consent to approvals.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("enforcement_invite_links", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("creates_join_request", sa.Boolean(), server_default="0", nullable=False)
        )
        batch_op.add_column(sa.Column("checked_at", _TIMESTAMP, nullable=True))
    op.create_table(
        "enforcement_channel_requests",
        sa.Column("channel_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("group_id", sa.BigInteger(), nullable=False),
        sa.Column("requested_at", _TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint(
            "channel_id", "user_id", name=op.f("pk_enforcement_channel_requests")
        ),
    )
    with op.batch_alter_table("enforcement_channel_requests", schema=None) as batch_op:
        batch_op.create_index("ix_enforcement_channel_requests_user", ["user_id"], unique=False)
    op.create_table(
        "enforcement_approving_channels",
        sa.Column("channel_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("seen_at", _TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("channel_id", name=op.f("pk_enforcement_approving_channels")),
    )
    op.create_table(
        "enforcement_join_consents",
        sa.Column("channel_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("consented_at", _TIMESTAMP, nullable=False),
        sa.Column("withdrawn_by", sa.BigInteger(), nullable=True),
        sa.Column("withdrawn_at", _TIMESTAMP, nullable=True),
        sa.PrimaryKeyConstraint("channel_id", name=op.f("pk_enforcement_join_consents")),
    )


def downgrade() -> None:
    op.drop_table("enforcement_join_consents")
    op.drop_table("enforcement_approving_channels")
    with op.batch_alter_table("enforcement_channel_requests", schema=None) as batch_op:
        batch_op.drop_index("ix_enforcement_channel_requests_user")
    op.drop_table("enforcement_channel_requests")
    with op.batch_alter_table("enforcement_invite_links", schema=None) as batch_op:
        batch_op.drop_column("checked_at")
        batch_op.drop_column("creates_join_request")
