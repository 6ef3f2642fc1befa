"""mention_fingerprint: index (band_key, seen_at, mention_id), the order near-duplicate look-ups read in

Without mention_id, copies stamped in the same second were sorted on every look-up: a hot story's look-ups
grew with its copies.

Revision ID: 25a81add402b
Revises: 7c1eada5c73c
Create Date: 2026-11-28 18:27:22.481771+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "25a81add402b"
down_revision: str | None = "7c1eada5c73c"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("mention_fingerprint", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mention_fingerprint_band_key_seen_at"))
        batch_op.create_index(
            "ix_mention_fingerprint_band_key_seen_at_mention_id",
            ["band_key", "seen_at", "mention_id"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("mention_fingerprint", schema=None) as batch_op:
        batch_op.drop_index("ix_mention_fingerprint_band_key_seen_at_mention_id")
        batch_op.create_index(
            batch_op.f("ix_mention_fingerprint_band_key_seen_at"), ["band_key", "seen_at"], unique=False
        )
