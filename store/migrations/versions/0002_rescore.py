"""Rescoring: shop page text kept for re-scoring, leads that no longer fire marked cleared.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24

shops.shop_text is added with a server default so existing rows get "" (their text was not
kept: rescoring reads them as a page without text until the shop is swept again); the
default is then dropped, as the models set the value in Python like every other column.
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
    with op.batch_alter_table("shops") as batch:
        batch.add_column(sa.Column("shop_text", sa.Text(), nullable=False, server_default=""))
    with op.batch_alter_table("shops") as batch:
        batch.alter_column("shop_text", server_default=None)
    with op.batch_alter_table("leads") as batch:
        batch.add_column(sa.Column("cleared_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("leads") as batch:
        batch.drop_column("cleared_at")
    with op.batch_alter_table("shops") as batch:
        batch.drop_column("shop_text")
