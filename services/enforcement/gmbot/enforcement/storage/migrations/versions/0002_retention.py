"""Indexes for the ledger's retention: actions by when they finished, restrictions by when
they were lifted.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("enforcement_actions", schema=None) as batch_op:
        batch_op.create_index("ix_enforcement_actions_finished", ["finished_at"], unique=False)
    with op.batch_alter_table("enforcement_restrictions", schema=None) as batch_op:
        batch_op.create_index("ix_enforcement_restrictions_released", ["released_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("enforcement_restrictions", schema=None) as batch_op:
        batch_op.drop_index("ix_enforcement_restrictions_released")
    with op.batch_alter_table("enforcement_actions", schema=None) as batch_op:
        batch_op.drop_index("ix_enforcement_actions_finished")
