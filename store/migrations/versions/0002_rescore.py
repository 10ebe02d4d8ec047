"""Rescoring: shop page text kept for re-scoring, leads that no longer fire marked cleared.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24

shops.shop_text is added with a server default so existing rows get "" (their text was not
kept: rescoring reads them as a page without text until the shop is swept again). Plain
ADD COLUMN on every backend: SQLite needs no table rebuild for it.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "shops", sa.Column("shop_text", sa.Text(), nullable=False, server_default=sa.text("''"))
    )
    op.add_column("leads", sa.Column("cleared_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("leads") as batch:
        batch.drop_column("cleared_at")
    with op.batch_alter_table("shops") as batch:
        batch.drop_column("shop_text")
