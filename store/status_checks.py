"""Migrations that change the statuses a table allows (its VARCHAR + CHECK status column).

SQLite cannot change a CHECK constraint in place: the table is rebuilt (batch mode, foreign
keys off during migrations, see ``store.db``); PostgreSQL swaps the constraint. Used by the
migrations in ``store/migrations/versions``.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


def current_check(table: str, marker: str) -> str:
    """The name of ``table``'s CHECK on status as it is now (``marker``: a status it allows);
    0001 named some of them with the naming convention applied twice."""
    for check in sa.inspect(op.get_bind()).get_check_constraints(table):
        if "status" in check["sqltext"] and marker in check["sqltext"]:
            return check["name"]
    raise RuntimeError(f"{table} has no CHECK constraint on status")


def allow_statuses(table: str, check: str, values: tuple[str, ...], marker: str) -> None:
    """Make ``table``'s status CHECK (named ``check`` afterwards) allow exactly ``values``."""
    allowed = ", ".join(f"'{v}'" for v in values)
    old = op.f(current_check(table, marker))
    if op.get_bind().dialect.name == "sqlite":
        with op.batch_alter_table(table, recreate="always") as batch:
            batch.drop_constraint(old, type_="check")
            batch.create_check_constraint(op.f(check), sa.text(f"status IN ({allowed})"))
    else:
        op.drop_constraint(old, table, type_="check")
        op.create_check_constraint(op.f(check), table, sa.text(f"status IN ({allowed})"))
