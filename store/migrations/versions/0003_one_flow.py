"""One flow: sweeps of kind scan, regions derived rather than copied.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01

- sweeps.kind (sweep, scan, rescore): ``wangjian scan --keep`` files its pages as a sweep of
  kind scan; rescore runs, told apart until now by profile "rescore", become kind rescore.
- listings.region_code held the listing's effective region (its shop's, else its ship-from)
  and leads.region_code a copy of its target's, kept in step by hand. Now a listing keeps
  only the fact it states, ``ship_from_code`` (recomputed from ship_from here), and a lead's
  region is derived when leads are read; leads.region_code goes.
- ads.target_external_id: the promoted listing's id, so an ad's region is joined from its
  listing; filled here from the stored listing whose URL the ad targets.

Plain ALTER TABLE on both backends (SQLite ≥ 3.35 renames and drops columns in place), so
no table is rebuilt.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KINDS = ("sweep", "scan", "rescore")


def upgrade() -> None:
    from store.places import region_of_place

    kinds = ", ".join(f"'{k}'" for k in KINDS)
    op.execute(
        "ALTER TABLE sweeps ADD COLUMN kind VARCHAR(16) DEFAULT 'sweep' NOT NULL "
        f"CONSTRAINT ck_sweeps_sweep_kind CHECK (kind IN ({kinds}))"
    )
    op.execute("UPDATE sweeps SET kind = 'rescore' WHERE profile = 'rescore'")

    op.drop_index("ix_listings_region_code", table_name="listings")
    op.execute("ALTER TABLE listings RENAME COLUMN region_code TO ship_from_code")
    op.create_index("ix_listings_ship_from_code", "listings", ["ship_from_code"])
    connection = op.get_bind()
    listings = sa.table(
        "listings", sa.column("id"), sa.column("ship_from"), sa.column("ship_from_code")
    )
    rows = connection.execute(sa.select(listings.c.id, listings.c.ship_from)).all()
    codes = [{"row_id": i, "code": region_of_place(place)} for i, place in rows]
    if codes:
        connection.execute(
            listings.update()
            .where(listings.c.id == sa.bindparam("row_id"))
            .values(ship_from_code=sa.bindparam("code")),
            codes,
        )

    op.drop_index("ix_leads_region_code", table_name="leads")
    op.execute("ALTER TABLE leads DROP COLUMN region_code")

    op.execute("ALTER TABLE ads ADD COLUMN target_external_id VARCHAR(128)")
    op.execute(
        "UPDATE ads SET target_external_id = (SELECT l.external_id FROM listings l "
        "WHERE l.platform_id = ads.platform_id AND l.url = ads.target_url)"
    )


def downgrade() -> None:
    op.execute("ALTER TABLE leads ADD COLUMN region_code VARCHAR(6)")
    op.create_index("ix_leads_region_code", "leads", ["region_code"])
    op.drop_index("ix_listings_ship_from_code", table_name="listings")
    op.execute("ALTER TABLE listings RENAME COLUMN ship_from_code TO region_code")
    op.create_index("ix_listings_region_code", "listings", ["region_code"])
    # The copies 0002 kept: a listing takes its shop's region, a lead its target's.
    op.execute(
        "UPDATE listings SET region_code = COALESCE((SELECT s.region_code FROM shops s "
        "WHERE s.id = listings.shop_id), region_code)"
    )
    op.execute(
        "UPDATE leads SET region_code = COALESCE("
        "(SELECT l.region_code FROM listings l WHERE l.id = leads.listing_id), "
        "(SELECT s.region_code FROM shops s WHERE s.id = leads.shop_id), "
        "(SELECT l.region_code FROM ads a JOIN listings l ON l.platform_id = a.platform_id "
        "AND l.external_id = a.target_external_id WHERE a.id = leads.ad_id))"
    )
    op.execute("ALTER TABLE ads DROP COLUMN target_external_id")
    op.execute("UPDATE sweeps SET profile = 'rescore' WHERE kind = 'rescore'")
    if op.get_bind().dialect.name == "sqlite":
        # A later rebuild of the table (0004) may have made the column's CHECK a table
        # constraint, which SQLite's DROP COLUMN refuses: drop both in a rebuild.
        with op.batch_alter_table("sweeps", recreate="always") as batch:
            batch.drop_constraint(op.f("ck_sweeps_sweep_kind"), type_="check")
            batch.drop_column("kind")
    else:
        op.execute("ALTER TABLE sweeps DROP COLUMN kind")
