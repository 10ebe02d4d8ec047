"""属地 from the licence address, and what placed each shop.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03

- shops.licence_address: the address (住所) the shop's licence shows, NULL when not shown.
- shops.region_source: what set shops.region_code — ``uscc`` (a valid code's registration
  authority), ``licence_address``, ``ship_from`` (where most of its listings ship from) or NULL.
  Existing rows are marked from what they hold; an invalid USCC no longer places a shop, so
  the next sweep or ``wangjian rescore`` settles those again.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("shops", sa.Column("licence_address", sa.Text(), nullable=True))
    op.add_column("shops", sa.Column("region_source", sa.String(length=64), nullable=True))
    op.execute(
        "UPDATE shops SET region_source = CASE "
        "WHEN region_code IS NULL THEN NULL "
        "WHEN uscc_valid AND substr(uscc, 3, 6) = region_code THEN 'uscc' "
        "ELSE 'ship_from' END"
    )


def downgrade() -> None:
    for column in ("licence_address", "region_source"):
        op.execute(f"ALTER TABLE shops DROP COLUMN {column}")
