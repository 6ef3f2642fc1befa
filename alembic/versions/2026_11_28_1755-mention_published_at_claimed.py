"""mention.published_at_claimed: a source's publication time, as written, when it could not be right

Revision ID: 7c1eada5c73c
Revises: 5a7e1c0d9b42
Create Date: 2026-11-28 17:55:22.219043+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "7c1eada5c73c"
down_revision: str | None = "5a7e1c0d9b42"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("mention", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("published_at_claimed", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("mention", schema=None) as batch_op:
        batch_op.drop_column("published_at_claimed")
