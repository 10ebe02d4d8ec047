"""What each sweep saw of a listing; listings that vanished; the evidence of a check's hit.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03

- listing_observations replaces price_observations: one row per (listing, sweep) with the
  price (now nullable: a listing seen without a price was seen), original price, title and
  availability. Existing price rows are copied; their title and availability were not kept
  before 0009 and stay NULL.
- listings.vanished_at / vanished_sweep_id: set when a finished sweep of the platform did
  not find the listing, cleared when a sweep finds it again.
- rule_hits.evidence: what a check judged by (the observed prices of a price-history check).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from store.base import UTCDateTime

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "listing_observations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("listing_id", sa.Integer(), nullable=False),
        sa.Column("sweep_id", sa.Integer(), nullable=False),
        sa.Column("observed_at", UTCDateTime(), nullable=False),
        sa.Column("price", sa.Numeric(12, 2), nullable=True),
        sa.Column("original_price", sa.Numeric(12, 2), nullable=True),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("available", sa.Boolean(), nullable=True),
        sa.ForeignKeyConstraint(
            ["listing_id"],
            ["listings.id"],
            name=op.f("fk_listing_observations_listing_id_listings"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["sweep_id"], ["sweeps.id"], name=op.f("fk_listing_observations_sweep_id_sweeps")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_listing_observations")),
        sa.UniqueConstraint(
            "listing_id", "sweep_id", name=op.f("uq_listing_observations_listing_id_sweep_id")
        ),
    )
    op.create_index(
        "ix_listing_observations_listing_observed",
        "listing_observations",
        ["listing_id", "observed_at"],
    )
    op.create_index(
        op.f("ix_listing_observations_sweep_id"), "listing_observations", ["sweep_id"]
    )
    op.execute(
        "INSERT INTO listing_observations "
        "(listing_id, sweep_id, observed_at, price, original_price) "
        "SELECT listing_id, sweep_id, observed_at, price, original_price FROM price_observations"
    )
    op.drop_table("price_observations")
    with op.batch_alter_table("listings") as batch:
        batch.add_column(sa.Column("vanished_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("vanished_sweep_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_listings_vanished_sweep_id_sweeps"), "sweeps", ["vanished_sweep_id"], ["id"]
        )
    op.add_column("rule_hits", sa.Column("evidence", sa.JSON(), nullable=True))


def downgrade() -> None:
    """Back to price rows only: observations without a price, titles and availability go."""
    op.drop_column("rule_hits", "evidence")
    with op.batch_alter_table("listings") as batch:
        batch.drop_constraint(op.f("fk_listings_vanished_sweep_id_sweeps"), type_="foreignkey")
        batch.drop_column("vanished_sweep_id")
        batch.drop_column("vanished_at")
    op.create_table(
        "price_observations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("listing_id", sa.Integer(), nullable=False),
        sa.Column("sweep_id", sa.Integer(), nullable=False),
        sa.Column("observed_at", UTCDateTime(), nullable=False),
        sa.Column("price", sa.Numeric(12, 2), nullable=False),
        sa.Column("original_price", sa.Numeric(12, 2), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_price_observations"),
        sa.ForeignKeyConstraint(
            ["listing_id"],
            ["listings.id"],
            name="fk_price_observations_listing_id_listings",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["sweep_id"], ["sweeps.id"], name="fk_price_observations_sweep_id_sweeps"
        ),
        sa.UniqueConstraint(
            "listing_id", "sweep_id", name="uq_price_observations_listing_id_sweep_id"
        ),
    )
    op.create_index(
        "ix_price_observations_listing_observed",
        "price_observations",
        ["listing_id", "observed_at"],
    )
    op.create_index("ix_price_observations_sweep_id", "price_observations", ["sweep_id"])
    op.execute(
        "INSERT INTO price_observations (listing_id, sweep_id, observed_at, price, original_price) "
        "SELECT listing_id, sweep_id, observed_at, price, original_price "
        "FROM listing_observations WHERE price IS NOT NULL"
    )
    op.drop_table("listing_observations")
