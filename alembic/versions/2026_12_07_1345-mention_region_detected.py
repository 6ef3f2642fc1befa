"""mention_region.detected: regions found in the text, so `?region=` finds mentions sent without hints

Existing mentions get their detected regions from their stored verdicts.

Revision ID: 3d5e0b7c9a41
Revises: 25a81add402b
Create Date: 2026-12-07 13:45:00+00:00
"""

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "3d5e0b7c9a41"
down_revision: str | None = "25a81add402b"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_CHUNK = 2_000

_verdicts = sa.table(
    "mention_classification", sa.column("mention_id", sa.Integer), sa.column("verdict", sa.JSON)
)
_regions = sa.table(
    "mention_region",
    sa.column("mention_id", sa.Integer),
    sa.column("region_code", sa.String),
    sa.column("detected", sa.Boolean),
)
_known = sa.table("region", sa.column("code", sa.String))


def upgrade() -> None:
    with op.batch_alter_table("mention_region", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("detected", sa.Boolean(), server_default=sa.text("false"), nullable=False)
        )
    _backfill(op.get_bind())


def _backfill(conn: sa.Connection) -> None:
    known = set(conn.execute(sa.select(_known.c.code)).scalars())
    last = 0
    while True:
        rows = conn.execute(
            sa.select(_verdicts.c.mention_id, _verdicts.c.verdict)
            .where(_verdicts.c.mention_id > last)
            .order_by(_verdicts.c.mention_id)
            .limit(_CHUNK)
        ).all()
        if not rows:
            return
        ids = [mention_id for mention_id, _ in rows]
        stored = {
            (mention_id, code)
            for mention_id, code in conn.execute(
                sa.select(_regions.c.mention_id, _regions.c.region_code).where(_regions.c.mention_id.in_(ids))
            )
        }
        new = []
        for mention_id, verdict in rows:
            found = (json.loads(verdict) if isinstance(verdict, str) else verdict).get("region_codes") or []
            for code in dict.fromkeys(found):
                if code in known and (mention_id, code) not in stored:
                    new.append({"mention_id": mention_id, "region_code": code, "detected": True})
        if new:
            conn.execute(_regions.insert(), new)
        last = ids[-1]


def downgrade() -> None:
    op.execute(_regions.delete().where(_regions.c.detected))
    with op.batch_alter_table("mention_region", schema=None) as batch_op:
        batch_op.drop_column("detected")
