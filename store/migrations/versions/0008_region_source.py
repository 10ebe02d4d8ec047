"""属地 from the licence address, and what placed each shop.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03

- shops.licence_address: the address (住所) the shop's licence shows, NULL when not shown.
- shops.region_source: what set shops.region_code — ``uscc`` (a valid code's registration
  authority), ``licence_address``, ``ship_from`` (where most of its listings ship from) or NULL.
  Existing rows are marked from what they hold. A USCC that fails its check no longer places a
  shop (before 0008 it did): such a shop is placed again by where most of its listings ship
  from, else nowhere, as ``store.sweeps.shop_region`` would; the next sweep that reads its
  page reads its licence address.
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
    # Before 0008 a shop's region was its USCC's (valid or not; to the city or province
    # when the county code is unknown), else its listings' majority ship-from place.
    op.execute(
        "UPDATE shops SET region_source = CASE "
        "WHEN region_code IS NULL THEN NULL "
        "WHEN uscc_valid AND substr(uscc, 3, 2) = substr(region_code, 1, 2) THEN 'uscc' "
        "ELSE 'ship_from' END"
    )
    # A code that fails its check: the majority ship-from place, ties to the earliest listing.
    majority = (
        "SELECT l.ship_from_code FROM listings l "
        "WHERE l.shop_id = shops.id AND l.ship_from_code IS NOT NULL "
        "GROUP BY l.ship_from_code ORDER BY count(*) DESC, min(l.id) LIMIT 1"
    )
    op.execute(
        f"UPDATE shops SET region_code = ({majority}) WHERE uscc IS NOT NULL AND NOT uscc_valid"
    )
    op.execute(
        "UPDATE shops SET region_source = CASE WHEN region_code IS NULL THEN NULL "
        "ELSE 'ship_from' END WHERE uscc IS NOT NULL AND NOT uscc_valid"
    )


def downgrade() -> None:
    for column in ("licence_address", "region_source"):
        op.execute(f"ALTER TABLE shops DROP COLUMN {column}")
