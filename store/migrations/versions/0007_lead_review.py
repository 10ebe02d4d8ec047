"""Lead review as investigators work it: 待核查, 已核查, 已移送, 已排除, and who changed what.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02

- leads.status: ``reviewing`` (核查中) becomes ``verified`` (已核查): a lead is checked, then
  referred or dismissed; existing ``reviewing`` leads are ``verified``.
- lead_events: every status change with who, when and why.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from store.status_checks import allow_statuses

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_0001 = importlib.import_module("store.migrations.versions.0001_initial")
CHECK = "ck_leads_lead_status"
BEFORE = ("new", "reviewing", "referred", "dismissed")
AFTER = ("new", "verified", "referred", "dismissed")
BOTH = ("new", "reviewing", "verified", "referred", "dismissed")


def upgrade() -> None:
    allow_statuses("leads", CHECK, BOTH, marker="dismissed")
    op.execute("UPDATE leads SET status = 'verified' WHERE status = 'reviewing'")
    allow_statuses("leads", CHECK, AFTER, marker="dismissed")
    op.create_table(
        "lead_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=False),
        sa.Column("at", _0001.TIMESTAMP, nullable=False),
        sa.Column("by", sa.Text(), nullable=False),
        sa.Column("from_status", sa.String(length=64), nullable=False),
        sa.Column("to_status", sa.String(length=64), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_lead_events"),
        sa.ForeignKeyConstraint(
            ["lead_id"], ["leads.id"], name="fk_lead_events_lead_id_leads", ondelete="CASCADE"
        ),
    )
    op.create_index("ix_lead_events_lead_id_at", "lead_events", ["lead_id", "at"])


def downgrade() -> None:
    op.drop_table("lead_events")
    allow_statuses("leads", CHECK, BOTH, marker="dismissed")
    op.execute("UPDATE leads SET status = 'reviewing' WHERE status = 'verified'")
    allow_statuses("leads", CHECK, BEFORE, marker="dismissed")
