"""The ledger: actions, GMBot's restrictions, live warnings, join requests, invite links.

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
        "enforcement_actions",
        sa.Column("action_id", sa.String(length=36), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("group_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column(
            "request", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.Column("warning_message_id", sa.BigInteger(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("due_at", _TIMESTAMP, nullable=False),
        sa.Column("lease_until", _TIMESTAMP, nullable=True),
        sa.Column("created_at", _TIMESTAMP, nullable=False),
        sa.Column("finished_at", _TIMESTAMP, nullable=True),
        sa.PrimaryKeyConstraint("action_id", name=op.f("pk_enforcement_actions")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_enforcement_actions_idempotency_key")),
    )
    with op.batch_alter_table("enforcement_actions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_enforcement_actions_group_created", ["group_id", "created_at"], unique=False
        )
        batch_op.create_index("ix_enforcement_actions_state_due", ["state", "due_at"], unique=False)

    op.create_table(
        "enforcement_invite_links",
        sa.Column("channel_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("group_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("invite_link", sa.String(length=255), nullable=False),
        sa.Column("created_at", _TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("channel_id", "group_id", name=op.f("pk_enforcement_invite_links")),
    )
    op.create_table(
        "enforcement_join_requests",
        sa.Column("group_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("created_at", _TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("group_id", "user_id", name=op.f("pk_enforcement_join_requests")),
    )
    with op.batch_alter_table("enforcement_join_requests", schema=None) as batch_op:
        batch_op.create_index(
            "ix_enforcement_join_requests_user_state", ["user_id", "state"], unique=False
        )

    op.create_table(
        "enforcement_restrictions",
        sa.Column("group_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("until_date", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("imposed_at", _TIMESTAMP, nullable=False),
        sa.Column("released_at", _TIMESTAMP, nullable=True),
        sa.PrimaryKeyConstraint("group_id", "user_id", name=op.f("pk_enforcement_restrictions")),
    )
    with op.batch_alter_table("enforcement_restrictions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_enforcement_restrictions_user_active", ["user_id", "active"], unique=False
        )

    op.create_table(
        "enforcement_warnings",
        sa.Column("group_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=False),
        sa.Column("expires_at", _TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("group_id", "user_id", name=op.f("pk_enforcement_warnings")),
    )


def downgrade() -> None:
    op.drop_table("enforcement_warnings")
    with op.batch_alter_table("enforcement_restrictions", schema=None) as batch_op:
        batch_op.drop_index("ix_enforcement_restrictions_user_active")

    op.drop_table("enforcement_restrictions")
    with op.batch_alter_table("enforcement_join_requests", schema=None) as batch_op:
        batch_op.drop_index("ix_enforcement_join_requests_user_state")

    op.drop_table("enforcement_join_requests")
    op.drop_table("enforcement_invite_links")
    with op.batch_alter_table("enforcement_actions", schema=None) as batch_op:
        batch_op.drop_index("ix_enforcement_actions_state_due")
        batch_op.drop_index("ix_enforcement_actions_group_created")

    op.drop_table("enforcement_actions")
