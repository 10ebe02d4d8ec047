"""Profiles read more, and a blocked sweep says so.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02

- sweeps.status may be ``blocked``: the platform kept answering with a block or login wall
  (验证码, 请登录, 访问过于频繁) until the sweep gave up; not an empty result.
- listings.sales: the sales a listing shows (销量, 7261人付款), NULL when not shown.
- listings.shop_name: the shop's name as shown with the listing ("" when not shown), for
  platforms whose results name the shop without a shop page being read.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_0004 = importlib.import_module("store.migrations.versions.0004_unattended")
BEFORE = _0004.AFTER
AFTER = (*BEFORE, "blocked")


def upgrade() -> None:
    _0004._statuses(AFTER)
    op.add_column("listings", sa.Column("sales", sa.BigInteger(), nullable=True))
    op.add_column(
        "listings",
        sa.Column("shop_name", sa.Text(), nullable=False, server_default=sa.text("''")),
    )


def downgrade() -> None:
    for column in ("sales", "shop_name"):
        op.execute(f"ALTER TABLE listings DROP COLUMN {column}")
    # No earlier status says "blocked"; such a sweep was stopped before its end.
    op.execute("UPDATE sweeps SET status = 'interrupted' WHERE status = 'blocked'")
    _0004._statuses(BEFORE)
