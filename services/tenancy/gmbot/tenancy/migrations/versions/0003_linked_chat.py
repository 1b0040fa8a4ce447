"""The group's linked channel, whose posts and comments "as the channel" are never judged.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("protected_groups", schema=None) as batch_op:
        batch_op.add_column(sa.Column("linked_chat_id", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("protected_groups", schema=None) as batch_op:
        batch_op.drop_column("linked_chat_id")
