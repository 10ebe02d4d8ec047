"""Unattended sweeps: a sweep that reached nothing says so; pages read only in part are marked.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01

- sweeps.status may be ``unreachable``: the sweep ran to its end without one page answered
  (a wrong base URL, a platform down), which must not look like a finished sweep.
- listings.incomplete, shops.incomplete: why some fields may be missing ("" when none), e.g.
  the browser render that fills in a price failed and the plain page was kept.

SQLite cannot change a CHECK constraint in place: the sweeps table is rebuilt
(``store.status_checks``); PostgreSQL swaps the constraint.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from store.status_checks import allow_statuses

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BEFORE = ("running", "finished", "failed", "interrupted")
AFTER = (*BEFORE, "unreachable")
CHECK = "ck_sweeps_sweep_status"


def _statuses(values: tuple[str, ...]) -> None:
    allow_statuses("sweeps", CHECK, values, marker="running")


def upgrade() -> None:
    _statuses(AFTER)
    for table in ("listings", "shops"):
        op.add_column(
            table, sa.Column("incomplete", sa.Text(), nullable=False, server_default=sa.text("''"))
        )


def downgrade() -> None:
    for table in ("listings", "shops"):
        op.execute(f"ALTER TABLE {table} DROP COLUMN incomplete")
    # No earlier status says "reached nothing"; such a sweep did end.
    op.execute("UPDATE sweeps SET status = 'finished' WHERE status = 'unreachable'")
    _statuses(BEFORE)
